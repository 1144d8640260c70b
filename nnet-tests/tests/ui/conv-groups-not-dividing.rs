// `groups` must divide the input channels and the filters; a common divisor is suggested.
nnet::network! {
    struct Net {
        input (16, 6);
        conv1d 8 3 (groups = 4);
        flatten;
        dense 1;
    }
}

fn main() {}
