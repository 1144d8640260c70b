// `return_sequences` is an option of the recurrent layers only.
nnet::network! {
    struct Net {
        input sequence 3;
        gru 4;
        dense 1 (return_sequences = true);
    }
}

fn main() {}
