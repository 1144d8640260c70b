// An activation far from any known one lists the activations without a guess.
nnet::network! {
    struct Net {
        input 2;
        dense 4 banana;
        dense 1 sigmoid;
    }
}

fn main() {}
