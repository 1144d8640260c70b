// A streamed `conv1d` outputs a vector per step, kept on the stack: at most 1,024 filters.
nnet::network! {
    struct Net {
        input sequence 3;
        conv1d 2048 2 (padding = causal);
        dense 1;
    }
}

fn main() {}
