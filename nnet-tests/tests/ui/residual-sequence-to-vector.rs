// A recurrent layer without `return_sequences` inside: one vector cannot add to a sequence.
nnet::network! {
    struct Net {
        input sequence 2;
        residual (project) { gru 3; }
        dense 1;
    }
}

fn main() {}
