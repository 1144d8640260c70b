// `input sequence;` without the number of features, reported on `sequence`.
nnet::network! {
    struct Net {
        input sequence;
        lstm 4;
        dense 1;
    }
}

fn main() {}
