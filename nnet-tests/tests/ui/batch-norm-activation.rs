// An activation on a `batch_norm` line is reported on the activation, with the line to write.
nnet::network! {
    struct Net {
        input 4;
        dense 8;
        batch_norm relu;
        dense 1 sigmoid;
    }
}

fn main() {}
