// A fixed shape is one vector of all its values, which must fit a layer.
nnet::network! {
    struct Net {
        input (256, 256, 3);
        flatten;
        dense 1 sigmoid;
    }
}

fn main() {}
