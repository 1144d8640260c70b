// A stride of 0 is reported on the `0`.
nnet::network! {
    struct Net {
        input (8, 8, 1);
        conv2d 4 3 (strides = 0);
        flatten;
        dense 1;
    }
}

fn main() {}
