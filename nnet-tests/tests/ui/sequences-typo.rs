// `input sequences 3;`: a misspelt `sequence`, with "did you mean" and no follow-on errors.
nnet::network! {
    struct Net {
        input sequences 3;
        lstm 4;
        dense 1;
    }
}

fn main() {}
