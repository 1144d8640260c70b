// A number where an initializer belongs is reported on the number.
nnet::network! {
    struct Net {
        input 2;
        dense 4 relu (init = 0.5);
        dense 1 sigmoid;
    }
}

fn main() {}
