// `lstm 0` is reported on the `0`.
nnet::network! {
    struct Net {
        input sequence 3;
        lstm 0;
        dense 1;
    }
}

fn main() {}
