// `alpha` on an activation that has none is reported on `alpha`.
nnet::network! {
    struct Net {
        input 2;
        dense 4 relu (alpha = 0.2);
        dense 1 sigmoid;
    }
}

fn main() {}
