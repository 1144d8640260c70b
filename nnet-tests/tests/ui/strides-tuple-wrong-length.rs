// A 1-D layer slides along one axis: a tuple of strides is reported on the tuple.
nnet::network! {
    struct Net {
        input (16, 2);
        conv1d 4 3 (strides = (2, 2));
        flatten;
        dense 1;
    }
}

fn main() {}
