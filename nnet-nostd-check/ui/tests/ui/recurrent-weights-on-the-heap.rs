// Keras's `LSTM(128)` over one feature: 66,560 weights, past the 16,384 a network keeps inline.
// With `std` they live on the heap; without it there is no allocator, and the message says so.
nnet::network! {
    struct Net {
        input sequence 1;
        lstm 128;
        dense 1;
    }
}

fn main() {}
