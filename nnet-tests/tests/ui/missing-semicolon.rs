// A missing `;` between two layers is reported, and both layers are still checked.
nnet::network! {
    struct Net {
        input 2;
        dense 4 relu
        dense 1 sigmoid;
    }
}

fn main() {}
