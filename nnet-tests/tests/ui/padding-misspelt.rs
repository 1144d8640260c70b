// A misspelt padding gets a "did you mean" and the paddings the kind takes.
nnet::network! {
    struct Net {
        input (8, 8, 1);
        conv2d 4 3 (padding = smae);
        flatten;
        dense 1;
    }
}

fn main() {}
