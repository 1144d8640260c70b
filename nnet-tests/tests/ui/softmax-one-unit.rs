// `softmax` over a single unit is rejected: it always outputs 1.
nnet::network! {
    struct Net {
        input 2;
        dense 4 relu;
        dense 1 softmax;
    }
}

fn main() {}
