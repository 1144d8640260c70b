// A misspelt initializer gets a "did you mean".
nnet::network! {
    struct Net {
        input 2;
        dense 4 relu (init = unifrom);
        dense 1 sigmoid;
    }
}

fn main() {}
