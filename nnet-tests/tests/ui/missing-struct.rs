// A network without the `struct` keyword is rejected.
nnet::network! {
    pub Net {
        input 2;
        dense 1 sigmoid;
    }
}

fn main() {}
