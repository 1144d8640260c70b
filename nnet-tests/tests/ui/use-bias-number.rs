// `use_bias` takes `true` or `false`.
nnet::network! {
    struct Net {
        input 4;
        dense 8 relu (use_bias = 0);
        dense 1 sigmoid;
    }
}

fn main() {}
