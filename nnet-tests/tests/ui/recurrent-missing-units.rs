// `lstm;` without its number of units, reported on `lstm`.
nnet::network! {
    struct Net {
        input sequence 3;
        lstm;
        dense 1;
    }
}

fn main() {}
