// Out-of-range `momentum` and `epsilon` are reported on their values.
nnet::network! {
    struct Net {
        input 4;
        dense 8;
        batch_norm (momentum = 1.5, epsilon = 0);
        layer_norm (epsilon = -1);
        dense 1 sigmoid;
    }
}

fn main() {}
