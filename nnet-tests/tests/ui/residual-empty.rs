// A block with no layer in it.
nnet::network! {
    struct Net {
        input 4;
        residual { }
        dense 1;
    }
}

fn main() {}
