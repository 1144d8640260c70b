// In a sequence network a `conv1d` must be causal with stride 1: a step cannot see the future.
nnet::network! {
    struct Net {
        input sequence 3;
        conv1d 8 3 (padding = same);
        gru 4;
        dense 1;
    }
}

fn main() {}
