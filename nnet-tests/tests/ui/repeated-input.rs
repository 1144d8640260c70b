// A second `input` line is reported at both `input` keywords.
nnet::network! {
    struct Net {
        input 2;
        input 3;
        dense 1 sigmoid;
    }
}

fn main() {}
