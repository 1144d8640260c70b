// `flatten` inside a block: a vector cannot add to an image, and no projection makes one.
nnet::network! {
    struct Net {
        input (4, 4, 2);
        residual (project) { flatten; dense 32; }
        dense 1;
    }
}

fn main() {}
