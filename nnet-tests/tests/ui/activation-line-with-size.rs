// An `activation` line takes no size: its width is the previous layer's.
nnet::network! {
    struct Net {
        input 4;
        dense 8;
        activation 8 relu;
        dense 1 sigmoid;
    }
}

fn main() {}
