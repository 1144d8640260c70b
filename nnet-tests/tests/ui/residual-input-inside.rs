// An `input` line inside a block.
nnet::network! {
    struct Net {
        input 4;
        residual { input 4; dense 4; }
        dense 1;
    }
}

fn main() {}
