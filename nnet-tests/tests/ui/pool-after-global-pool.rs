// Pooling after global pooling reads a vector: the message says so.
nnet::network! {
    struct Net {
        input (8, 8, 4);
        global_avg_pool;
        max_pool2d 2;
        dense 1;
    }
}

fn main() {}
