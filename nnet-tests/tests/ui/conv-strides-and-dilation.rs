// `strides` and `dilation` both above 1 is an error, as in Keras, reported on the dilation.
nnet::network! {
    struct Net {
        input (16, 2);
        conv1d 4 3 (strides = 2, dilation = 2);
        flatten;
        dense 1;
    }
}

fn main() {}
