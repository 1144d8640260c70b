// `alpha` belongs to activations that take one; `lstm` has none to set.
nnet::network! {
    struct Net {
        input sequence 3;
        lstm 4 (alpha = 0.1);
        dense 1;
    }
}

fn main() {}
