// A recurrent layer of more than 1,024 units keeps its state and the buffers of a step on the
// heap (with its weights): without `std` it is refused, and the message says why.
nnet::network! {
    struct Net {
        input sequence 1;
        gru 2048;
        dense 1;
    }
}

fn main() {}
