// A number of units in hexadecimal (`dense 0x10`) is refused on the literal, with the decimal line to write.
nnet::network! {
    struct Net {
        input 4;
        dense 0x10;
        dense 1 sigmoid;
    }
}

fn main() {}
