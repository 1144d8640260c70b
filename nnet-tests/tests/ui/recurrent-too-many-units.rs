// A recurrent layer of more than 1,024 units: its state and gates stay on the stack.
nnet::network! {
    struct Net {
        input sequence 1;
        gru 4096;
        dense 1;
    }
}

fn main() {}
