// A recurrent option written without its parentheses.
nnet::network! {
    struct Net {
        input sequence 3;
        lstm 8 return_sequences;
        gru 4;
    }
}

fn main() {}
