// A kernel of 0 taps is reported on the `0`.
nnet::network! {
    struct Net {
        input (8, 2);
        conv1d 4 0;
        flatten;
        dense 1;
    }
}

fn main() {}
