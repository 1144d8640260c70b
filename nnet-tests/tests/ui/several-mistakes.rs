// Every mistake of one invocation is reported together.
nnet::network! {
    struct Net {
        input 2;
        dense 0 rleu;
        dense 3 relu (alpha = 0.2, init = unifrom);
        dense 1 softmax;
    }
}

fn main() {}
