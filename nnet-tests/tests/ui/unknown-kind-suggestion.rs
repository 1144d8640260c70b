// An unknown layer kind suggests the nearest one.
nnet::network! {
    struct Net {
        input 4;
        batchnorm;
        dense 1 sigmoid;
    }
}

fn main() {}
