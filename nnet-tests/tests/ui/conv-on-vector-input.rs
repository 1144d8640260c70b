// A convolution on a vector input names the `input (…)` line to write.
nnet::network! {
    struct Net {
        input 784;
        conv2d 8 3 relu;
        flatten;
        dense 10 softmax;
    }
}

fn main() {}
