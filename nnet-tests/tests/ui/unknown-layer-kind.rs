// A misspelt layer kind gets a "did you mean".
nnet::network! {
    struct Net {
        input 2;
        dense 4 relu;
        dnese 1 sigmoid;
    }
}

fn main() {}
