// An `activation` line without an activation is reported on the keyword, listing the activations.
nnet::network! {
    struct Net {
        input 4;
        dense 8;
        activation;
        dense 1 sigmoid;
    }
}

fn main() {}
