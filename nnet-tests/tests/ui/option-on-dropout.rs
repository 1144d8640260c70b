// `dropout` takes no options.
nnet::network! {
    struct Net {
        input 4;
        dense 8 relu;
        dropout 0.5 (seed = 3);
        dense 1 sigmoid;
    }
}

fn main() {}
