// A misspelt bare `return_sequences`, with "did you mean".
nnet::network! {
    struct Net {
        input sequence 3;
        lstm 8 (return_sequence);
        gru 4;
    }
}

fn main() {}
