// `gru` takes no activation: Keras fixes its activations.
nnet::network! {
    struct Net {
        input sequence 3;
        gru 8 tanh;
        dense 1;
    }
}

fn main() {}
