// Every grammar form compiles: attributes, visibility, both delimiters, every option.
nnet::network! {
    /// A network using each part of the grammar.
    #[allow(dead_code)]
    pub(crate) struct Full {
        input 3;
        dense 8 leaky_relu (alpha = 0.1, init = he_uniform, bias_init = ones,);
        dense 8 elu (alpha = -1);
        dense 4;
        dense 2 softmax (init = glorot_normal);
    }
}

nnet::network! {
    struct Angle < input 2; dense 1 sigmoid; >
}

fn main() {
    let full = Full::seeded(1);
    let y = full.forward(&nnet::vector![1.0, 2.0, 3.0]);
    assert!((y.sum() - 1.0).abs() < 1e-5);
    let angle = Angle::seeded(1);
    let _ = angle.forward(&nnet::vector![1.0, 2.0]);
}
