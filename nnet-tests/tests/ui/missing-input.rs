// A layer list without an `input` line is rejected.
nnet::network! {
    struct Net {
        dense 1 sigmoid;
    }
}

fn main() {}
