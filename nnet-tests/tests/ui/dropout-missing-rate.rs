// `dropout` without a rate is reported on the keyword.
nnet::network! {
    struct Net {
        input 4;
        dense 8 relu;
        dropout;
        dense 1 sigmoid;
    }
}

fn main() {}
