// `bias_init` on a layer without a bias would be silently ignored: an error on `bias_init`.
nnet::network! {
    struct Net {
        input 2;
        dense 4 relu (use_bias = false, bias_init = ones);
        dense 1 sigmoid;
    }
}

fn main() {}
