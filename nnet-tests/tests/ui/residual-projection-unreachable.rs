// A strided `valid` convolution inside: no strided 1×1 convolution reaches its output.
nnet::network! {
    struct Net {
        input (8, 8, 2);
        residual (project) { conv2d 4 3 (strides = 2); }
        flatten;
        dense 1;
    }
}

fn main() {}
