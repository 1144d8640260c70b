// An unknown layer kind far from any known one lists the kinds without a guess.
nnet::network! {
    struct Net {
        input 2;
        transformer 4 relu;
        dense 1 sigmoid;
    }
}

fn main() {}
