// A type suffix on a number of units (`dense 300u8`) is refused on the literal, with the line to write.
nnet::network! {
    struct Net {
        input 4;
        dense 300u8 relu;
        dense 1 sigmoid;
    }
}

fn main() {}
