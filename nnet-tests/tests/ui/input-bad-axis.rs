// Every axis of an input shape is a whole number of at least 1, each reported where written.
nnet::network! {
    struct Zero {
        input (10, 0);
        flatten;
        dense 1 sigmoid;
    }
}

nnet::network! {
    struct Fraction {
        input (28, 28.5, 1);
        flatten;
        dense 1 sigmoid;
    }
}

nnet::network! {
    struct Name {
        input (steps, 3);
        flatten;
        dense 1 sigmoid;
    }
}

fn main() {}
