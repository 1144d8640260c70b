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

nnet::network! {
    /// Widths that exercise every case of the SIMD forward pass: overlapping registers and
    /// blocks, fewer units than lanes, a one-unit dot product.
    struct Widths { input 5; dense 100 tanh; dense 8 relu; dense 3 sigmoid; dense 20 elu; dense 130; dense 1 sigmoid; }
}

#[test]
fn simd_forward_equals_the_traced_pass() {
    let net = Widths::seeded(9);
    for s in 0..20 {
        let x = nnet::SVector::<f32, 5>::from_fn(|i, _| ((s * 7 + i * 3) % 11) as f32 / 5.0 - 1.0);
        let trace = net.forward_trace(&x);
        let (fast, slow) = (net.forward(&x)[0], trace.a6[0]);
        assert!((fast - slow).abs() < 1e-5, "{fast} vs {slow}");
        let layer =
            nnet::Layer::<5, 100>::forward_simd(&net.dense1, nnet::__private::pulp::Scalar, &x);
        for (a, b) in layer.iter().zip(trace.a1.iter()) {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
    }
}

/// Issue 8: `LAYERS` has one owner, `Architecture`, which `Network` extends: with both traits in
/// scope the constant is not ambiguous, and generic code over `Network` reaches it too.
#[test]
fn one_trait_owns_each_constant() {
    use nnet::Architecture;

    fn layers_of<N: Network<2, 1>>() -> usize {
        N::LAYERS.len()
    }
    assert_eq!(Classifier::LAYERS.len(), 3);
    assert_eq!(Classifier::LAYERS[1].units, 20);
    assert_eq!(layers_of::<Classifier>(), 3);
    assert_eq!(<Classifier as Architecture>::INPUTS, Classifier::INPUTS);
    assert_eq!(
        Classifier::architecture(),
        "input 2; dense 10 relu; dense 20 relu; dense 1 sigmoid"
    );
}
