// `causal` padding is for `conv1d`: on a 2-D layer it says what the layer takes.
nnet::network! {
    struct Net {
        input (8, 8, 1);
        conv2d 4 3 (padding = causal);
        flatten;
        dense 1;
    }
}

fn main() {}
