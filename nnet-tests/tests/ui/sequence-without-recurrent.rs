// A sequence input with no recurrent layer to read it, reported on `sequence`.
nnet::network! {
    struct Net {
        input sequence 3;
        dense 1 sigmoid;
    }
}

fn main() {}
