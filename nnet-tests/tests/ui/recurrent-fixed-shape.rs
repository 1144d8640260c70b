// A recurrent layer reads a sequence of any length, not a fixed shape: the error names the
// shape and says to declare a sequence.
nnet::network! {
    struct Net {
        input (10, 3);
        dense 8 relu;
        lstm 4;
        dense 1;
    }
}

fn main() {}
