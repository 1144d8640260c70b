// `(project)` where the block's output has its input's shape already.
nnet::network! {
    struct Net {
        input 4;
        residual (project) { dense 4 relu; }
        dense 1;
    }
}

fn main() {}
