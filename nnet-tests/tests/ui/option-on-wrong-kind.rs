// An option of another kind (`momentum` on dense, `l2` on batch_norm) names the kind it belongs to.
nnet::network! {
    struct Net {
        input 4;
        dense 8 (momentum = 0.9);
        batch_norm (l2 = 0.01);
        dense 1 sigmoid;
    }
}

fn main() {}
