// A recurrent layer without a sequence input says what it needs.
nnet::network! {
    struct Net {
        input 4;
        lstm 8;
        dense 1 sigmoid;
    }
}

fn main() {}
