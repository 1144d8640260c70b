// `activation softmax` over one unit always outputs 1.
nnet::network! {
    struct Net {
        input 4;
        dense 1;
        activation softmax;
    }
}

fn main() {}
