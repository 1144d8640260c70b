// 2-D pooling of `(steps, channels)` names the 1-D pool and the image input to write instead.
nnet::network! {
    struct Net {
        input (16, 3);
        max_pool2d 2;
        flatten;
        dense 1;
    }
}

fn main() {}
