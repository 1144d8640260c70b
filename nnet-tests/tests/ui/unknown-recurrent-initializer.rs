// A misspelt `recurrent_init` value, with "did you mean".
nnet::network! {
    struct Net {
        input sequence 3;
        gru 4 (recurrent_init = orthogonl);
        dense 1;
    }
}

fn main() {}
