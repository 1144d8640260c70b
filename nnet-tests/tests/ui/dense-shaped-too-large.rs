// A dense layer on a fixed shape outputs its units at every position: all of them must fit.
nnet::network! {
    struct Net {
        input (64, 64, 3);
        dense 64 relu;
        flatten;
        dense 1;
    }
}

fn main() {}
