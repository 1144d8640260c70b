// An attribute other than a doc comment on a layer line is refused: attributes go on the network.
nnet::network! {
    struct Net {
        input 2;
        #[allow(dead_code)]
        dense 1 sigmoid;
    }
}

fn main() {}
