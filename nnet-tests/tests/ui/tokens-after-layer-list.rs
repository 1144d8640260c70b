// Tokens after the layer list are rejected: one `network!` declares one network.
nnet::network! {
    pub struct Net {
        input 2;
        dense 1 sigmoid;
    }
    pub struct Other {
        input 2;
        dense 1 sigmoid;
    }
}

fn main() {}
