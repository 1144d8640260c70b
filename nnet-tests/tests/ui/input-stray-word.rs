// A word after `input` that is not `sequence`.
nnet::network! {
    struct Net {
        input series 3;
        lstm 4;
        dense 1;
    }
}

fn main() {}
