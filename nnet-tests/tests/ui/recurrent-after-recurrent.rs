// A recurrent layer after one without `return_sequences` names that layer and the option to add.
nnet::network! {
    struct Net {
        input sequence 3;
        lstm 8;
        gru 4;
        dense 1;
    }
}

fn main() {}
