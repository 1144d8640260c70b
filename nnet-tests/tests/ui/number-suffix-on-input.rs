// Suffixes and other bases on the input line (`input 4u8`, `input sequence 0b11`) are refused on the literal.
nnet::network! {
    struct Net {
        input 4u8;
        dense 1 sigmoid;
    }
}

nnet::network! {
    struct Seq {
        input sequence 0b11;
        gru 4;
        dense 1 sigmoid;
    }
}

fn main() {}
