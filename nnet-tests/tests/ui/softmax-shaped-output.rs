// A softmax on a fixed-shape output would normalize each position alone while losses read the
// whole output: refused, with the layers to write instead. Inside the network it is fine.
nnet::network! {
    struct Dense {
        input (4, 3);
        dense 5 softmax;
    }
}

nnet::network! {
    struct Activation {
        input (3, 3, 2);
        dense 4 softmax;
        dense 4;
        activation softmax;
    }
}

fn main() {}
