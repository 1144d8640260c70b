// A name where `alpha`'s number belongs is reported on the name.
nnet::network! {
    struct Net {
        input 2;
        dense 4 leaky_relu (alpha = uniform);
        dense 1 sigmoid;
    }
}

fn main() {}
