//! Each loss against an independent f64 reference: values against the textbook formula,
//! `gradient` and `value_and_delta` against central finite differences of that formula (through
//! an f64 activation for `value_and_delta`), on both the fused and the chain-rule paths.

use nalgebra::{SVector, vector};

use super::*;
use crate::activation::{Activation, ActivationKind, Linear, Sigmoid, Softmax, Tanh};

/// Asserts that `got` (f32) matches `want` (f64) to a relative error of 1e-5, with an absolute
/// floor of 1e-6 for values near zero.
fn assert_close(got: f32, want: f64, what: &str) {
    assert!(
        approx::relative_eq!(f64::from(got), want, epsilon = 1e-6, max_relative = 1e-5),
        "{what}: got {got}, want {want}"
    );
}

/// `∂f/∂x_i` at `x` by central differences.
fn finite_difference(f: &dyn Fn(&[f64]) -> f64, x: &[f64], i: usize) -> f64 {
    let h = 1e-6;
    let (mut up, mut down) = (x.to_vec(), x.to_vec());
    up[i] += h;
    down[i] -= h;
    (f(&up) - f(&down)) / (2.0 * h)
}

fn to_f64<const N: usize>(v: &SVector<f32, N>) -> Vec<f64> {
    v.iter().map(|&x| f64::from(x)).collect()
}

fn sigmoid64(z: &[f64]) -> Vec<f64> {
    z.iter().map(|z| 1.0 / (1.0 + (-z).exp())).collect()
}

fn tanh64(z: &[f64]) -> Vec<f64> {
    z.iter().map(|z| z.tanh()).collect()
}

fn softmax64(z: &[f64]) -> Vec<f64> {
    let sum: f64 = z.iter().map(|z| z.exp()).sum();
    z.iter().map(|z| z.exp() / sum).collect()
}

fn linear64(z: &[f64]) -> Vec<f64> {
    z.to_vec()
}

// The textbook losses in f64, without clipping: the test points stay inside [ε, 1 - ε].

fn bce64(p: &[f64], y: &[f64]) -> f64 {
    let sum: f64 = p
        .iter()
        .zip(y)
        .map(|(p, y)| -(y * p.ln() + (1.0 - y) * (1.0 - p).ln()))
        .sum();
    sum / p.len() as f64
}

fn cce64(p: &[f64], y: &[f64]) -> f64 {
    -p.iter().zip(y).map(|(p, y)| y * p.ln()).sum::<f64>()
}

fn mse64(p: &[f64], y: &[f64]) -> f64 {
    p.iter().zip(y).map(|(p, y)| (p - y).powi(2)).sum::<f64>() / p.len() as f64
}

fn mae64(p: &[f64], y: &[f64]) -> f64 {
    p.iter().zip(y).map(|(p, y)| (p - y).abs()).sum::<f64>() / p.len() as f64
}

fn huber64(delta: f64) -> impl Fn(&[f64], &[f64]) -> f64 {
    move |p, y| {
        let sum: f64 = p
            .iter()
            .zip(y)
            .map(|(p, y)| {
                let e = (p - y).abs();
                if e <= delta {
                    e * e / 2.0
                } else {
                    delta * (e - delta / 2.0)
                }
            })
            .sum();
        sum / p.len() as f64
    }
}

/// Checks `loss.value` and `loss.gradient` at `p` against `reference(p, y)`, where `y` is the
/// target as a dense vector.
fn check_gradient<L: Loss<N>, const N: usize>(
    loss: L,
    reference: impl Fn(&[f64], &[f64]) -> f64,
    p: SVector<f32, N>,
    target: L::Target,
) {
    let name = loss.name();
    let y = to_f64(&target.to_vector());
    let f = |p: &[f64]| reference(p, &y);
    let p64 = to_f64(&p);
    assert_close(loss.value(&p, &target), f(&p64), &format!("{name} value"));
    let gradient = loss.gradient(&p, &target);
    for i in 0..N {
        let want = finite_difference(&f, &p64, i);
        assert_close(gradient[i], want, &format!("{name} ∂L/∂p[{i}]"));
    }
}

/// Checks `loss.value_and_delta` after `activation` at `z` against `reference(act64(z), y)`.
fn check_delta<L: Loss<N>, A: Activation, const N: usize>(
    loss: L,
    activation: A,
    act64: fn(&[f64]) -> Vec<f64>,
    reference: impl Fn(&[f64], &[f64]) -> f64,
    z: SVector<f32, N>,
    target: L::Target,
) {
    let what = format!("{} after {}", loss.name(), activation.kind().name());
    let y = to_f64(&target.to_vector());
    let f = |z: &[f64]| reference(&act64(z), &y);
    let mut a = z;
    activation.activate(a.as_mut_slice());
    let (value, delta) = loss.value_and_delta(&activation, &z, &a, &target);
    let z64 = to_f64(&z);
    assert_close(value, f(&z64), &format!("{what}: value"));
    for i in 0..N {
        let want = finite_difference(&f, &z64, i);
        assert_close(delta[i], want, &format!("{what}: ∂L/∂z[{i}]"));
    }
}

#[test]
fn gradients_match_finite_differences() {
    check_gradient(
        BinaryCrossentropy,
        bce64,
        vector![0.2, 0.7, 0.95],
        vector![0.0, 1.0, 0.3],
    );
    check_gradient(
        CategoricalCrossentropy,
        cce64,
        vector![0.2, 0.5, 0.3],
        vector![0.0, 1.0, 0.0],
    );
    check_gradient(
        CategoricalCrossentropy,
        cce64,
        vector![0.2, 0.5, 0.3],
        vector![0.1, 0.6, 0.3],
    );
    check_gradient(
        SparseCategoricalCrossentropy,
        cce64,
        vector![0.2, 0.5, 0.3],
        2,
    );
    check_gradient(
        MeanSquaredError,
        mse64,
        vector![0.5, -1.5, 2.0],
        vector![1.0, 0.0, 2.5],
    );
    check_gradient(
        MeanAbsoluteError,
        mae64,
        vector![0.5, -1.5, 2.0],
        vector![1.0, 0.0, 2.5],
    );
    // Errors on both sides of each δ, away from the kinks.
    check_gradient(
        Huber::default(),
        huber64(1.0),
        vector![0.5, -1.5, 2.0, 4.0],
        vector![1.0, 0.0, 2.5, 0.0],
    );
    check_gradient(
        Huber { delta: 0.3 },
        huber64(0.3),
        vector![0.5, -1.5, 2.0, 4.0],
        vector![0.6, 0.0, 2.5, 0.0],
    );
}

#[test]
fn fused_deltas_match_finite_differences() {
    check_delta(
        BinaryCrossentropy,
        Sigmoid,
        sigmoid64,
        bce64,
        vector![-2.0, 0.3, 4.0],
        vector![0.0, 1.0, 0.25],
    );
    check_delta(
        CategoricalCrossentropy,
        Softmax,
        softmax64,
        cce64,
        vector![1.0, -0.5, 2.0],
        vector![0.0, 0.0, 1.0],
    );
    // A target that does not sum to 1 exercises the `a Σy - y` form.
    check_delta(
        CategoricalCrossentropy,
        Softmax,
        softmax64,
        cce64,
        vector![1.0, -0.5, 2.0],
        vector![0.2, 0.5, 0.1],
    );
    check_delta(
        SparseCategoricalCrossentropy,
        Softmax,
        softmax64,
        cce64,
        vector![1.0, -0.5, 2.0, 0.1],
        1,
    );
}

#[test]
fn chain_rule_deltas_match_finite_differences() {
    // tanh of positive z lies in (0, 1), so it can feed cross-entropy.
    check_delta(
        BinaryCrossentropy,
        Tanh,
        tanh64,
        bce64,
        vector![0.2, 0.9, 1.5],
        vector![0.0, 1.0, 0.4],
    );
    check_delta(
        CategoricalCrossentropy,
        Sigmoid,
        sigmoid64,
        cce64,
        vector![0.2, -0.9, 1.5],
        vector![0.0, 1.0, 0.0],
    );
    check_delta(
        SparseCategoricalCrossentropy,
        Tanh,
        tanh64,
        cce64,
        vector![0.2, 0.9, 1.5],
        0,
    );
    check_delta(
        BinaryCrossentropy,
        Softmax,
        softmax64,
        bce64,
        vector![0.2, -0.9, 1.5],
        vector![0.0, 1.0, 1.0],
    );
    check_delta(
        MeanSquaredError,
        Tanh,
        tanh64,
        mse64,
        vector![0.2, -0.9, 1.5],
        vector![0.5, 0.0, -1.0],
    );
    check_delta(
        MeanSquaredError,
        Softmax,
        softmax64,
        mse64,
        vector![0.2, -0.9, 1.5],
        vector![0.0, 1.0, 0.0],
    );
    check_delta(
        MeanAbsoluteError,
        Linear,
        linear64,
        mae64,
        vector![0.2, -0.9, 1.5],
        vector![0.5, 0.0, -1.0],
    );
    check_delta(
        Huber::default(),
        Tanh,
        tanh64,
        huber64(1.0),
        vector![0.2, -0.9, 1.5],
        vector![0.5, 0.5, -1.0],
    );
}

/// The sigmoid and softmax, reported as another kind so that losses take the chain rule.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Unfused<A>(A);

impl<A: Activation> Activation for Unfused<A> {
    fn kind(&self) -> ActivationKind {
        ActivationKind::Linear
    }
    fn activate(&self, z: &mut [f32]) {
        self.0.activate(z);
    }
    fn backprop(&self, z: &[f32], a: &[f32], grad: &mut [f32]) {
        self.0.backprop(z, a, grad);
    }
}

/// Asserts that the fused path and the chain rule through the same activation agree.
fn assert_fusion_agrees<L: Loss<N>, A: Activation, const N: usize>(
    loss: L,
    activation: A,
    z: SVector<f32, N>,
    target: L::Target,
) {
    let mut a = z;
    activation.activate(a.as_mut_slice());
    let (fused, fused_delta) = loss.value_and_delta(&activation, &z, &a, &target);
    let (plain, plain_delta) = loss.value_and_delta(&Unfused(activation), &z, &a, &target);
    assert_close(fused, f64::from(plain), loss.name());
    for i in 0..N {
        assert_close(fused_delta[i], f64::from(plain_delta[i]), loss.name());
    }
}

#[test]
fn fused_paths_agree_with_the_chain_rule() {
    let z = vector![0.4, -1.1, 2.3];
    assert_fusion_agrees(BinaryCrossentropy, Sigmoid, z, vector![1.0, 0.0, 0.5]);
    assert_fusion_agrees(CategoricalCrossentropy, Softmax, z, vector![0.0, 1.0, 0.0]);
    assert_fusion_agrees(SparseCategoricalCrossentropy, Softmax, z, 2);
}

#[test]
fn extreme_pre_activations_stay_finite() {
    let z = vector![1000.0, -1000.0, 1000.0, -1000.0];
    let mut a = z;
    Sigmoid.activate(a.as_mut_slice());
    let (value, delta) =
        BinaryCrossentropy.value_and_delta(&Sigmoid, &z, &a, &vector![1.0, 0.0, 0.0, 1.0]);
    // Two right answers cost nothing; two wrong ones cost 1000 each.
    assert_eq!(value, 500.0);
    assert_eq!(delta, vector![0.0, 0.0, 0.25, -0.25]);

    let z = vector![1000.0, -1000.0, 0.0];
    let mut a = z;
    Softmax.activate(a.as_mut_slice());
    let (value, delta) =
        CategoricalCrossentropy.value_and_delta(&Softmax, &z, &a, &vector![0.0, 1.0, 0.0]);
    assert_eq!(value, 2000.0);
    assert_eq!(delta, vector![1.0, -1.0, 0.0]);
    let (value, delta) = SparseCategoricalCrossentropy.value_and_delta(&Softmax, &z, &a, &0);
    assert_eq!(value, 0.0);
    assert_eq!(delta, vector![0.0, 0.0, 0.0]);

    // Without fusion the clipped losses are finite too, if flat.
    for loss in [
        Loss::<3>::value(&BinaryCrossentropy, &a, &vector![0.0, 1.0, 1.0]),
        CategoricalCrossentropy.value(&a, &vector![0.0, 1.0, 0.0]),
        SparseCategoricalCrossentropy.value(&a, &1),
    ] {
        assert!(loss.is_finite() && loss > 0.0, "{loss}");
    }
}

#[test]
fn clipping_bounds_cross_entropy() {
    let worst = -EPSILON.ln();
    let bce = BinaryCrossentropy.value(&vector![0.0], &vector![1.0]);
    assert_close(bce, worst, "binary, wrongly 0");
    // In f32, 1 - (1 - ε) is 2⁻²³, not ε: a wrong 1 costs 23 ln 2 ≈ 15.94.
    let bce = BinaryCrossentropy.value(&vector![1.0], &vector![0.0]);
    assert_close(bce, 23.0 * 2f64.ln(), "binary, wrongly 1");
    let cce = CategoricalCrossentropy.value(&vector![1.0, 0.0], &vector![0.0, 1.0]);
    assert_close(cce, worst, "categorical, wrong");
    // Where clipping flattens the loss its gradient is zero, and never infinite.
    assert_eq!(
        BinaryCrossentropy.gradient(&vector![0.0, 1.0], &vector![1.0, 0.0]),
        vector![0.0, 0.0]
    );
    assert_eq!(
        SparseCategoricalCrossentropy.gradient(&vector![1.0, 0.0], &1),
        vector![0.0, 0.0]
    );
}

#[test]
fn categorical_sums_over_classes_and_sparse_matches_it() {
    let p = vector![0.25, 0.25, 0.25, 0.25];
    // -ln 0.25, not divided by the four classes.
    assert_close(
        CategoricalCrossentropy.value(&p, &vector![0.0, 0.0, 1.0, 0.0]),
        4f64.ln(),
        "categorical",
    );
    let p = vector![0.1, 0.6, 0.3];
    for k in 0..3 {
        let one_hot = Target::<3>::to_vector(&k);
        assert_eq!(
            SparseCategoricalCrossentropy.value(&p, &k),
            CategoricalCrossentropy.value(&p, &one_hot)
        );
        assert_eq!(
            SparseCategoricalCrossentropy.gradient(&p, &k),
            CategoricalCrossentropy.gradient(&p, &one_hot)
        );
    }
    // An index that slipped past check_target is an all-zero target, not a panic.
    assert_eq!(SparseCategoricalCrossentropy.value(&p, &7), 0.0);
    assert_eq!(
        SparseCategoricalCrossentropy.gradient(&p, &7),
        SVector::<f32, 3>::zeros()
    );
}

#[test]
fn regression_values_match_hand_computation() {
    let (p, y) = (vector![2.0, -1.0, 0.5], vector![0.0, 0.0, 0.5]);
    assert_eq!(MeanSquaredError.value(&p, &y), 5.0 / 3.0);
    assert_eq!(MeanAbsoluteError.value(&p, &y), 1.0);
    // 1.5 + 0.5 + 0 over 3 units
    assert_eq!(Huber::default().value(&p, &y), 2.0 / 3.0);
    assert_eq!(
        MeanAbsoluteError.gradient(&p, &y),
        vector![1.0 / 3.0, -1.0 / 3.0, 0.0]
    );
    assert_eq!(
        Huber::default().gradient(&p, &y),
        vector![1.0 / 3.0, -1.0 / 3.0, 0.0]
    );
}

#[test]
fn check_target_rejects_bad_targets_and_says_why() {
    let bce = |y: SVector<f32, 3>| BinaryCrossentropy.check_target(&y);
    assert!(bce(vector![0.0, 1.0, 0.3]).is_ok());
    for (bad, says) in [
        (vector![0.0, f32::NAN, 1.0], "unit 1 is NaN"),
        (vector![0.0, 1.0, f32::INFINITY], "unit 2 is inf"),
        (vector![1.5, 0.0, 1.0], "[0, 1]"),
        (vector![0.0, -0.1, 1.0], "unit 1 is -0.1"),
    ] {
        let message = bce(bad).unwrap_err();
        assert!(message.contains(says), "{message}");
    }

    let cce = |y: SVector<f32, 2>| CategoricalCrossentropy.check_target(&y);
    assert!(cce(vector![0.0, 1.0]).is_ok());
    assert!(
        cce(vector![-1.0, 1.0])
            .unwrap_err()
            .contains("non-negative")
    );
    assert!(
        cce(vector![f32::NEG_INFINITY, 1.0])
            .unwrap_err()
            .contains("finite")
    );

    let sparse = |k: usize| Loss::<3>::check_target(&SparseCategoricalCrossentropy, &k);
    assert!(sparse(2).is_ok());
    let message = sparse(3).unwrap_err();
    assert!(
        message.contains("class index 3") && message.contains("0..3"),
        "{message}"
    );

    let nan = vector![f32::NAN, 0.0];
    assert!(MeanSquaredError.check_target(&nan).is_err());
    assert!(MeanAbsoluteError.check_target(&nan).is_err());
    assert!(Huber::default().check_target(&nan).is_err());
    assert!(Huber::default().check_target(&vector![-3.0, 7.0]).is_ok());
    let message = Huber { delta: -1.0 }
        .check_target(&vector![0.0, 0.0])
        .unwrap_err();
    assert!(message.contains("delta"), "{message}");
}

#[test]
fn check_targets_names_the_first_bad_row() {
    let targets = [0_usize, 1, 5, 9];
    let error = Loss::<3>::check_targets(&SparseCategoricalCrossentropy, &targets).unwrap_err();
    assert!(matches!(error, crate::Error::InvalidTarget { row: 2, .. }));
    assert!(error.to_string().contains("target row 2"));
    assert!(Loss::<3>::check_targets(&SparseCategoricalCrossentropy, &[0, 1, 2]).is_ok());
}

#[test]
fn losses_have_keras_names() {
    assert_eq!(Loss::<1>::name(&BinaryCrossentropy), "binary_crossentropy");
    assert_eq!(
        Loss::<2>::name(&CategoricalCrossentropy),
        "categorical_crossentropy"
    );
    assert_eq!(
        Loss::<2>::name(&SparseCategoricalCrossentropy),
        "sparse_categorical_crossentropy"
    );
    assert_eq!(Loss::<1>::name(&MeanSquaredError), "mean_squared_error");
    assert_eq!(Loss::<1>::name(&MeanAbsoluteError), "mean_absolute_error");
    assert_eq!(Loss::<1>::name(&Huber::default()), "huber");
    assert!(Huber::new(f32::NAN).is_err());
    assert!(Huber::new(f32::INFINITY).is_err());
}

/// Issue 21: an `f64` network clipped at the `f32` 1e-7 (1.0000000117e-7), not at Keras's
/// float64 1e-7; an `f32` network clips at the `f32` 1e-7 as before.
#[test]
fn clipping_is_at_1e_7_in_the_network_scalar() {
    let bce = Loss::<1, f64>::value(&BinaryCrossentropy, &vector![0.0], &vector![1.0]);
    assert!((bce + 1e-7_f64.ln()).abs() < 1e-14, "{bce}");
    let cce = Loss::<2, f64>::value(
        &CategoricalCrossentropy,
        &vector![1.0, 0.0],
        &vector![0.0, 1.0],
    );
    assert!((cce + 1e-7_f64.ln()).abs() < 1e-14, "{cce}");
    assert_eq!(f32::of_f64(EPSILON), 1e-7_f32);
    assert_eq!(clip(0.0_f32), 1e-7_f32);
}
