// A GRU of 65,536 units (the most a layer may have) over one input: 12,885,491,712 weights,
// 48 GiB of `f32`, more than a recurrent layer may have. Refused on its size, with the memory
// it would take and the most units that fit.
nnet::network! {
    struct Net {
        input sequence 1;
        gru 65536;
        dense 1;
    }
}

fn main() {}
