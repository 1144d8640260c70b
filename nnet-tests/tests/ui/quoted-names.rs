// Keras-style quoted activation and initializer names are reported with the unquoted spelling.
nnet::network! {
    struct Net {
        input 2;
        dense 4 "relu";
        dense 1 sigmoid (init = "glorot_uniform");
    }
}

fn main() {}
