// `return_sequences` on `dropout`, which takes no options.
nnet::network! {
    struct Net {
        input sequence 3;
        gru 4 (return_sequences);
        dropout 0.5 (return_sequences);
        gru 2;
    }
}

fn main() {}
