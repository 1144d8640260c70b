// `input` after a layer is reported on the misplaced `input`.
nnet::network! {
    struct Net {
        dense 4 relu;
        input 2;
        dense 1 sigmoid;
    }
}

fn main() {}
