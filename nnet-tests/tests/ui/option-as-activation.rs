// An option name where the activation belongs gets a line that compiles (`alpha` needs leaky_relu).
nnet::network! {
    struct Net {
        input 2;
        dense 4 alpha;
        dense 1 sigmoid;
    }
}

fn main() {}
