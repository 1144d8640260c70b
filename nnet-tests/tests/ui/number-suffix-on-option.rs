// A type suffix or another base on an option value (`alpha = 0.1f64`, `momentum = 0x1`) is refused on the literal, with the line to write.
nnet::network! {
    struct Net {
        input 4;
        dense 8 leaky_relu (alpha = 0.1f64, init = he_uniform);
        batch_norm (momentum = 0x1);
        dense 1 sigmoid;
    }
}

fn main() {}
