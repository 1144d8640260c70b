// `activation` inside the options is answered with the line to write, `dense 10 relu;`.
nnet::network! {
    struct Net {
        input 2;
        dense 10 (activation = relu);
        dense 1 sigmoid;
    }
}

fn main() {}
