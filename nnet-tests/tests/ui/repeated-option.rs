// An option set twice on one layer is reported at both names.
nnet::network! {
    struct Net {
        input 2;
        dense 4 relu (init = uniform, init = zeros);
        dense 1 sigmoid;
    }
}

fn main() {}
