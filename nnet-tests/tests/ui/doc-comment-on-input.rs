// A `///` doc comment on the `input` line, which has no field, is refused with where to put it.
nnet::network! {
    struct Net {
        /// Two features.
        input 2;
        dense 1 sigmoid;
    }
}

fn main() {}
