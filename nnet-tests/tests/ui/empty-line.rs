// A stray `;` (an empty line) is reported on the `;`.
nnet::network! {
    struct Net {
        input 2;;
        dense 1 sigmoid;
    }
}

fn main() {}
