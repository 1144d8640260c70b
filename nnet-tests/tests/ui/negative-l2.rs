// A negative `l2` and a name for `l1` are both reported on their values.
nnet::network! {
    struct Net {
        input 4;
        dense 8 relu (l2 = -0.01, l1 = big);
        dense 1 sigmoid;
    }
}

fn main() {}
