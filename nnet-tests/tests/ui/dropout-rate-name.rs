// A name where the dropout rate belongs is reported on the name.
nnet::network! {
    struct Net {
        input 4;
        dense 8 relu;
        dropout half;
        dense 1 sigmoid;
    }
}

fn main() {}
