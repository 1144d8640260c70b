// A streamed `conv1d`'s groups divide the channels of the sequence and the filters.
nnet::network! {
    struct Net {
        input sequence 3;
        conv1d 8 3 (padding = causal, groups = 2);
        dense 1;
    }
}

fn main() {}
