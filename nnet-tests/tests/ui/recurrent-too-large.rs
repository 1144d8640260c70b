// A recurrent layer over 4,295,098,368 weights (a `simple_rnn 65536` over one input's), reported
// on its size with the memory it would take and the most units that fit.
nnet::network! {
    struct Net {
        input sequence 4096;
        lstm 40000;
        dense 1;
    }
}

fn main() {}
