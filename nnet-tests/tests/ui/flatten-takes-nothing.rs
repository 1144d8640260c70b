// `flatten` takes no number, activation or options, as the other kinds without them.
nnet::network! {
    struct Number {
        input (4, 3);
        flatten 12;
        dense 1 sigmoid;
    }
}

nnet::network! {
    struct Activation {
        input (4, 3);
        flatten relu;
        dense 1 sigmoid;
    }
}

nnet::network! {
    struct Options {
        input (4, 3);
        flatten (axis = 1);
        dense 1 sigmoid;
    }
}

fn main() {}
