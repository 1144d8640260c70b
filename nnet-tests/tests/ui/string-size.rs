// A string where a size belongs is reported on the string.
nnet::network! {
    struct Net {
        input "two";
        dense 1 sigmoid;
    }
}

fn main() {}
