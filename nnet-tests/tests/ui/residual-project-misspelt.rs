// A misspelt `project` gets a "did you mean".
nnet::network! {
    struct Net {
        input 4;
        residual (projcet) { dense 8 relu; }
        dense 1;
    }
}

fn main() {}
