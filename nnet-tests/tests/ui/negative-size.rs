// A negative size is rejected.
nnet::network! {
    struct Net {
        input 2;
        dense -3 relu;
        dense 1 sigmoid;
    }
}

fn main() {}
