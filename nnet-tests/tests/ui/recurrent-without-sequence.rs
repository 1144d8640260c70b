// A recurrent layer after `input N;` says to declare `input sequence N;`.
nnet::network! {
    struct Net {
        input 4;
        lstm 8;
        dense 1 sigmoid;
    }
}

fn main() {}
