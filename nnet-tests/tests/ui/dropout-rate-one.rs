// A dropout rate of 1 (everything dropped) is reported on the rate.
nnet::network! {
    struct Net {
        input 4;
        dense 8 relu;
        dropout 1.0;
        dense 1 sigmoid;
    }
}

fn main() {}
