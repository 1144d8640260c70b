// Options written without their parentheses are reported on the option name.
nnet::network! {
    struct Net {
        input 2;
        dense 4 relu init = uniform;
        dense 1 sigmoid;
    }
}

fn main() {}
