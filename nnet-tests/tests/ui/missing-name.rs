// A network without a name after `struct` is rejected.
nnet::network! {
    pub struct {
        input 2;
        dense 1 sigmoid;
    }
}

fn main() {}
