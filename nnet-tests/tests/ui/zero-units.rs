// `dense 0` is reported on the `0`.
nnet::network! {
    struct Net {
        input 2;
        dense 0 relu;
        dense 1 sigmoid;
    }
}

fn main() {}
