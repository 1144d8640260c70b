// A float where a size belongs is reported on the float.
nnet::network! {
    struct Net {
        input 2;
        dense 10.5 relu;
        dense 1 sigmoid;
    }
}

fn main() {}
