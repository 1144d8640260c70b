// A misspelt option gets a "did you mean".
nnet::network! {
    struct Net {
        input 2;
        dense 4 relu (inti = uniform);
        dense 1 sigmoid;
    }
}

fn main() {}
