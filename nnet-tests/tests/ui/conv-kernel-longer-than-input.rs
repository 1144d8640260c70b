// With `padding = valid`, a (dilated) kernel longer than its input is reported on the kernel.
nnet::network! {
    struct Net {
        input (5, 4, 1);
        conv2d 8 (3, 5) relu;
        flatten;
        dense 1;
    }
}

fn main() {}
