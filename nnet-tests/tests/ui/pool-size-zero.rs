// A pool size of 0 is reported on the `0`.
nnet::network! {
    struct Net {
        input (8, 8, 1);
        max_pool2d (2, 0);
        flatten;
        dense 1;
    }
}

fn main() {}
