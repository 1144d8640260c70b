// A negative `alpha` on leaky_relu (Keras rejects a negative slope) is reported on the number.
nnet::network! {
    struct Net {
        input 2;
        dense 4 leaky_relu (alpha = -1.0);
        dense 1 sigmoid;
    }
}

fn main() {}
