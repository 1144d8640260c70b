// A layer without its number of units is reported on what stands in its place.
nnet::network! {
    struct Net {
        input 2;
        dense relu;
        dense;
        dense 1 sigmoid;
    }
}

fn main() {}
