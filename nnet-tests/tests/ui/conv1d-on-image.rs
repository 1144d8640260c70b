// A 1-D convolution of an image names the 2-D one to write instead.
nnet::network! {
    struct Net {
        input (8, 8, 3);
        conv1d 4 3;
        flatten;
        dense 1;
    }
}

fn main() {}
