// A recurrent layer over 8,392,704 weights (the largest LSTM's: 1,024 units over 1,024
// inputs), reported on its size with the most units that fit.
nnet::network! {
    struct Net {
        input sequence 4096;
        lstm 1024;
        dense 1;
    }
}

fn main() {}
