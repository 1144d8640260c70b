// A type suffix on a dropout rate (`dropout 0.5f64`) is refused on the literal, with the line to write.
nnet::network! {
    struct Net {
        input 4;
        dense 8 relu;
        dropout 0.5f64;
        dense 1 sigmoid;
    }
}

fn main() {}
