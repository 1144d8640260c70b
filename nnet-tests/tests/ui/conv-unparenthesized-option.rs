// Options written without their parentheses: the whole line as it should be written.
nnet::network! {
    struct Net {
        input (8, 8, 1);
        conv2d 16 3 relu strides = 2;
        flatten;
        dense 1;
    }
}

fn main() {}
