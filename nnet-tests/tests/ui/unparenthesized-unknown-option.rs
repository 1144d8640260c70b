// An unknown option written without parentheses is named as unknown, with a line that compiles.
nnet::network! {
    struct Net {
        input 2;
        dense 4 relu units = 4;
        dense 1 sigmoid;
    }
}

fn main() {}
