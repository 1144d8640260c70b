// `lstm (activation = ...)`: the LSTM's activations are fixed too.
nnet::network! {
    struct Net {
        input sequence 3;
        lstm 8 (activation = relu);
        dense 1;
    }
}

fn main() {}
