// A 2-D kernel is one number or two, `(rows, columns)`: three are reported on the tuple.
nnet::network! {
    struct Net {
        input (8, 8, 1);
        conv2d 4 (3, 3, 1);
        flatten;
        dense 1;
    }
}

fn main() {}
