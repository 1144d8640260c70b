// In a sequence network a causal `conv1d` has stride 1: every step has its output.
nnet::network! {
    struct Net {
        input sequence 3;
        conv1d 8 3 (padding = causal, strides = 2);
        dense 1;
    }
}

fn main() {}
