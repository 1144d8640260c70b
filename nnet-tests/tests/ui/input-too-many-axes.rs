// A shape has at most three axes; the error points at the fourth.
nnet::network! {
    struct Net {
        input (2, 8, 8, 3);
        flatten;
        dense 1 sigmoid;
    }
}

fn main() {}
