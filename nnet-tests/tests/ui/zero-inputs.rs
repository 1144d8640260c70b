// `input 0` is reported on the `0`.
nnet::network! {
    struct Net {
        input 0;
        dense 1 sigmoid;
    }
}

fn main() {}
