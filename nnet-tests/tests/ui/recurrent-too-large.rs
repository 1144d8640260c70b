// A recurrent layer over 65,536 weights, reported on its size with the most units that fit.
nnet::network! {
    struct Net {
        input sequence 3;
        lstm 200;
        dense 1;
    }
}

fn main() {}
