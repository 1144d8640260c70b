// A type suffix on an axis of a shape (`input (4u8, 3)`) is refused on the literal, with the shape to write.
nnet::network! {
    struct Net {
        input (4u8, 3);
        flatten;
        dense 1 sigmoid;
    }
}

fn main() {}
