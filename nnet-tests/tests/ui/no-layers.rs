// An `input` line with no layer after it is rejected.
nnet::network! {
    struct Net {
        input 2;
    }
}

fn main() {}
