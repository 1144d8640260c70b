// A block whose output is not its input's shape: both shapes named, `(project)` suggested.
nnet::network! {
    struct Net {
        input 4;
        residual { dense 8 relu; }
        dense 1;
    }
}

fn main() {}
