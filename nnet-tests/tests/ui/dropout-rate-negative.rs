// A negative dropout rate is reported on the `-`.
nnet::network! {
    struct Net {
        input 4;
        dense 8 relu;
        dropout -0.2;
        dense 1 sigmoid;
    }
}

fn main() {}
