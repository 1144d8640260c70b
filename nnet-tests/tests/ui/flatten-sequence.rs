// `flatten` needs a fixed shape: a sequence has any number of steps.
nnet::network! {
    struct Net {
        input sequence 3;
        gru 4 (return_sequences);
        flatten;
        dense 1;
    }
}

fn main() {}
