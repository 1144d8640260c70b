// A layer wider than 65,536 units is rejected, and the message states the limit.
nnet::network! {
    struct Net {
        input 2;
        dense 65537 relu;
        dense 1 sigmoid;
    }
}

fn main() {}
