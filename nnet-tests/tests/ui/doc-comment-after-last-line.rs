// A `///` doc comment after the last line documents nothing and says so.
nnet::network! {
    struct Net {
        input 2;
        dense 1 sigmoid;
        /// The end.
    }
}

fn main() {}
