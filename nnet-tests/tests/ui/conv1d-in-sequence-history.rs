// The past inputs the streamed convolutions keep, all together, fit the state's 64 KiB.
nnet::network! {
    struct Net {
        input sequence 16;
        conv1d 16 3 tanh (padding = causal, dilation = 256);
        conv1d 16 3 tanh (padding = causal, dilation = 256);
        conv1d 16 3 tanh (padding = causal, dilation = 512);
        dense 1;
    }
}

fn main() {}
