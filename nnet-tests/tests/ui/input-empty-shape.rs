// An input shape without axes says what a shape is and what to write.
nnet::network! {
    struct Net {
        input ();
        dense 1 sigmoid;
    }
}

fn main() {}
