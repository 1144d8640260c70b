// A sequence has any number of steps: `input sequence` takes one step's values, not a shape.
nnet::network! {
    struct Net {
        input sequence (10, 3);
        gru 4;
        dense 1;
    }
}

fn main() {}
