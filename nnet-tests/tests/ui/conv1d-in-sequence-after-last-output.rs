// A causal `conv1d` reads a sequence: the recurrent layer before it must return every step.
nnet::network! {
    struct Net {
        input sequence 3;
        gru 4;
        conv1d 8 3 (padding = causal);
        dense 1;
    }
}

fn main() {}
