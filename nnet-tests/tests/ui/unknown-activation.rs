// A misspelt activation gets "did you mean `relu`?".
nnet::network! {
    struct Net {
        input 2;
        dense 4 rleu;
        dense 1 sigmoid;
    }
}

fn main() {}
