// `return_sequences` takes `true` or `false`, not a number.
nnet::network! {
    struct Net {
        input sequence 3;
        gru 4 (return_sequences = 1);
        gru 2;
    }
}

fn main() {}
