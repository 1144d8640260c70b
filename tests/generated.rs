//! The generated network: constants, constructors, forward values by hand, traits.

use nnet::{Network, Parameters, matrix, vector};

nnet::network! {
    /// The seed network.
    pub struct Classifier {
        input 2;
        dense 10 relu;
        dense 20 relu;
        dense 1 sigmoid;
    }
}

nnet::network! {
    struct Tiny < input 2; dense 2 tanh (init = ones, bias_init = zeros); dense 1 linear (init = ones); >
}

#[test]
fn constants() {
    assert_eq!(Classifier::INPUTS, 2);
    assert_eq!(Classifier::OUTPUTS, 1);
    assert_eq!(Classifier::PARAMS, 30 + 220 + 21);
    assert_eq!(<Classifier as Parameters>::TENSORS, 6);
}

#[test]
fn seeded_is_deterministic() {
    assert_eq!(Classifier::seeded(7), Classifier::seeded(7));
    assert_ne!(Classifier::seeded(7), Classifier::seeded(8));
}

#[test]
fn forward_by_hand() {
    let mut net = Tiny::zeroed();
    net.dense1.weights = matrix![0.5, -1.0; 2.0, 0.25];
    net.dense1.bias = vector![0.1, -0.2];
    net.dense2.weights = matrix![1.5, -0.5];
    net.dense2.bias = vector![0.3];
    let x = vector![1.0, 2.0];
    let h0 = (0.5_f32 * 1.0 - 1.0 * 2.0 + 0.1).tanh();
    let h1 = (2.0_f32 * 1.0 + 0.25 * 2.0 - 0.2).tanh();
    let want = 1.5 * h0 - 0.5 * h1 + 0.3;
    let y = net.forward(&x);
    assert!((y[0] - want).abs() < 1e-6, "{} vs {want}", y[0]);
    assert_eq!(Network::forward(&net, &x), y);
}

#[test]
fn summary_lists_layers() {
    let s = Classifier::summary();
    println!("{s}");
    assert!(s.contains("dense2 (Dense, relu)"));
    assert!(s.contains("Total params: 271"));
}
