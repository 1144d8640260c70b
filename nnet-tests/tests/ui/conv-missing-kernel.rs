// A convolution line without its kernel is reported at the token where the kernel belongs.
nnet::network! {
    struct Net {
        input (8, 8, 1);
        conv2d 16 relu;
        flatten;
        dense 1;
    }
}

fn main() {}
