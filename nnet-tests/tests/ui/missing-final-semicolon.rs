// A missing `;` after the last layer is reported.
nnet::network! {
    struct Net {
        input 2;
        dense 4 relu;
        dense 1 sigmoid
    }
}

fn main() {}
