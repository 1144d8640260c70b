// `return_sequences` written twice on one layer.
nnet::network! {
    struct Net {
        input sequence 3;
        lstm 4 (return_sequences, return_sequences);
        gru 2;
    }
}

fn main() {}
