//! The layers of fixed shapes against independent truth, in `f32` and `f64`: [`Positionwise`]
//! against its inner layer applied to each position's slice, batch normalization's training
//! statistics against a direct computation over the batch and the positions, and every backward
//! pass (per sample and batched) against central finite differences of the layer's own forward
//! pass.
//!
//! # Tolerances
//!
//! As in `tests.rs`: inputs and tensors are multiples of `1/1024`, so steps of `H` are exact;
//! the losses `L = Σ c·a` are summed in `f64` and differentiated with the fourth-order central
//! difference. `f32` uses `H = 1/32` and a relative tolerance of `1e-3` (its rounding of the
//! loss, `~1e-6`, divided by `12 H`); `f64`, whose rounding is negligible, uses `H = 1/256`,
//! whose truncation error (`~H⁴`) allows `1e-6`. An entry is compared relative to the larger of
//! itself and a tenth of the largest entry of the same tensor.

use nalgebra::{SMatrix, SVector};
use pulp::Simd;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{
    ActivationLayer, BatchNorm, Flatten, Layer, LayerGradient, LayerKind, LayerNorm, Mode,
    Positionwise,
};
use crate::activation::{Softmax, Tanh};
use crate::{Dense, Regularizer, Scalar};

// ------------------------------------------------------------------------------------------
// The layers under test, generic over the scalar
// ------------------------------------------------------------------------------------------

/// A dense layer from `IN` to `OUT` values in `T`.
type DenseOf<const IN: usize, const OUT: usize, A, T> =
    Dense<IN, OUT, A, SMatrix<T, OUT, IN>, SVector<T, OUT>>;

/// `input (5, 3); dense 4 tanh;`: 3 → 4 at each of 5 steps.
type StepsDense<T> = Positionwise<DenseOf<3, 4, Tanh, T>, 5, 3, 4, 15, 20>;
/// `input (2, 3, 4); dense 3 softmax;`: a softmax over each pixel's 3 channels.
type PixelSoftmax<T> = Positionwise<DenseOf<4, 3, Softmax, T>, 6, 4, 3, 24, 18>;
/// `input (2, 3, 4); batch_norm;`: one mean and variance per channel.
type PixelBatchNorm<T> = Positionwise<BatchNorm<4, SVector<T, 4>>, 6, 4, 4, 24, 24>;
/// `input (5, 3); layer_norm;`: each step normalized over its channels.
type StepsLayerNorm<T> = Positionwise<LayerNorm<3, SVector<T, 3>>, 5, 3, 3, 15, 15>;
/// `input (5, 3); activation softmax;`.
type StepsSoftmax = Positionwise<ActivationLayer<3, Softmax>, 5, 3, 3, 15, 15>;

fn steps_dense<T: Scalar>(seed: u64) -> StepsDense<T> {
    Positionwise::new(randomized(Dense::new(Tanh), seed))
}

fn pixel_softmax<T: Scalar>(seed: u64) -> PixelSoftmax<T> {
    Positionwise::new(randomized(Dense::new(Softmax), seed))
}

fn pixel_batch_norm<T: Scalar>(seed: u64) -> PixelBatchNorm<T> {
    Positionwise::new(randomized(BatchNorm::new(0.9, 1e-3), seed))
}

fn steps_layer_norm<T: Scalar>(seed: u64) -> StepsLayerNorm<T> {
    Positionwise::new(randomized(LayerNorm::new(1e-3), seed))
}

// ------------------------------------------------------------------------------------------
// Inputs, finite differences and the comparison
// ------------------------------------------------------------------------------------------

/// Every generated value is a multiple of this, so steps of `H` are exact.
const GRID: f64 = 1.0 / 1024.0;

/// The step of the finite differences and the relative tolerance, per scalar.
fn step_and_tolerance<T: Scalar>() -> (f64, f64) {
    if T::NAME == "f64" {
        (1.0 / 256.0, 1e-6)
    } else {
        (1.0 / 32.0, 1e-3)
    }
}

pub(super) fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// `n` values uniform in `[lo, hi)`, rounded to multiples of [`GRID`].
pub(super) fn values<T: Scalar>(rng: &mut ChaCha8Rng, n: usize, lo: f64, hi: f64) -> Vec<T> {
    (0..n)
        .map(|_| T::of_f64((rng.random_range(lo..hi) / GRID).round() * GRID))
        .collect()
}

pub(super) fn vector<const N: usize, T: Scalar>(
    rng: &mut ChaCha8Rng,
    lo: f64,
    hi: f64,
) -> SVector<T, N> {
    SVector::from_column_slice(&values(rng, N, lo, hi))
}

/// `layer` with every tensor drawn from `[-1, 1)`; moving variances drawn from `[0.25, 2)`.
pub(super) fn randomized<const IN: usize, const OUT: usize, T: Scalar, L: Layer<IN, OUT, T>>(
    mut layer: L,
    seed: u64,
) -> L {
    let mut rng = rng(seed);
    for i in 0..L::TENSORS {
        let info = L::tensor_info(i).unwrap();
        let (lo, hi) = if info.tensor == "moving_variance" {
            (0.25, 2.0)
        } else {
            (-1.0, 1.0)
        };
        let v = values(&mut rng, info.len(), lo, hi);
        layer.tensor_mut(i).copy_from_slice(&v);
    }
    layer
}

/// `Σ c·a` in f64.
fn weighted_sum<T: Scalar>(c: &[T], a: &[T]) -> f64 {
    assert_eq!(c.len(), a.len());
    c.iter().zip(a).map(|(c, a)| c.as_f64() * a.as_f64()).sum()
}

/// `dL/dt` at `t0`, by the fourth-order central difference.
fn derivative<T: Scalar>(t0: T, mut loss: impl FnMut(T) -> f64) -> f64 {
    let (h, _) = step_and_tolerance::<T>();
    let at = |k: f64| T::of_f64(t0.as_f64() + k * h);
    let (p2, p1) = (loss(at(2.0)), loss(at(1.0)));
    let (m1, m2) = (loss(at(-1.0)), loss(at(-2.0)));
    (8.0 * (p1 - m1) - (p2 - m2)) / (12.0 * h)
}

/// Finite differences of a loss by every input entry, and by every entry of every trainable
/// tensor (`None` for the non-trainable ones).
struct Numeric {
    dx: Vec<f64>,
    tensors: Vec<Option<Vec<f64>>>,
}

fn numeric<const IN: usize, const OUT: usize, T: Scalar, L: Layer<IN, OUT, T>>(
    layer: &L,
    x: &[T],
    loss: impl Fn(&L, &[T]) -> f64,
) -> Numeric {
    let dx = (0..x.len())
        .map(|k| {
            derivative(x[k], |t| {
                let mut x = x.to_vec();
                x[k] = t;
                loss(layer, &x)
            })
        })
        .collect();
    let tensors = (0..L::TENSORS)
        .map(|i| {
            L::tensor_info(i).unwrap().trainable.then(|| {
                (0..layer.tensor(i).len())
                    .map(|k| {
                        derivative(layer.tensor(i)[k], |t| {
                            let mut layer = layer.clone();
                            layer.tensor_mut(i)[k] = t;
                            loss(&layer, x)
                        })
                    })
                    .collect()
            })
        })
        .collect();
    Numeric { dx, tensors }
}

fn assert_gradient<T: Scalar>(what: &str, analytic: &[T], numeric: &[f64]) {
    assert_eq!(analytic.len(), numeric.len(), "{what}: lengths");
    let (_, rtol) = step_and_tolerance::<T>();
    let largest = numeric.iter().fold(0.0_f64, |m, n| m.max(n.abs()));
    let error = analytic
        .iter()
        .zip(numeric)
        .map(|(g, &n)| (g.as_f64() - n).abs() / (rtol * n.abs().max(largest / 10.0).max(1e-9)))
        .fold(0.0, f64::max);
    assert!(
        error <= 1.0,
        "{what} ({}): {error:.1} × the tolerance\n  analytic {analytic:?}\n  numeric  {numeric:?}",
        T::NAME
    );
}

/// `∂L/∂x` and the gradient of every trainable tensor against the finite differences.
fn assert_gradients<const IN: usize, const OUT: usize, T: Scalar, L: Layer<IN, OUT, T>>(
    what: &str,
    dx: &[T],
    grad: &L::Gradient,
    numeric: &Numeric,
) {
    assert_gradient(&format!("{what}: ∂L/∂x"), dx, &numeric.dx);
    for (i, tensor) in numeric.tensors.iter().enumerate() {
        if let Some(n) = tensor {
            let name = L::tensor_info(i).unwrap().tensor;
            assert_gradient(&format!("{what}: ∂L/∂{name}"), grad.tensor(i), n);
        }
    }
}

// ------------------------------------------------------------------------------------------
// 1. Per-sample gradients
// ------------------------------------------------------------------------------------------

/// The per-sample inference passes of `layer` at a random `x` from `[-2, 2)`, for `L = Σ c·a`,
/// against finite differences, with the instruction set `simd`.
pub(super) fn check_sample<
    const IN: usize,
    const OUT: usize,
    T: Scalar,
    L: Layer<IN, OUT, T>,
    V: Simd,
>(
    what: &str,
    layer: &L,
    simd: V,
    seed: u64,
) {
    let mut rng = rng(seed);
    let x: SVector<T, IN> = vector(&mut rng, -2.0, 2.0);
    let c: SVector<T, OUT> = vector(&mut rng, -1.0, 1.0);
    let (mut z, mut a) = (SVector::zeros(), SVector::zeros());
    layer.forward_trace_simd_into(simd, &x, &mut z, &mut a);
    let forward = layer.forward_simd(simd, &x);
    assert_close(
        &format!("{what}: trace and forward"),
        a.as_slice(),
        forward.as_slice(),
    );
    let mut delta = c;
    layer.activation_backward_in_place(&z, &a, &mut delta);
    let mut grad = L::Gradient::zeroed();
    let mut dx = SVector::<T, IN>::zeros();
    layer.backward_simd(simd, &x, &z, &delta, &mut grad, Some(&mut dx));

    let loss = |layer: &L, x: &[T]| {
        let a = layer.forward_simd(simd, &SVector::from_column_slice(x));
        weighted_sum(c.as_slice(), a.as_slice())
    };
    let what = format!("{what} ({} lanes)", V::F32_LANES);
    assert_gradients::<IN, OUT, T, L>(
        &what,
        dx.as_slice(),
        &grad,
        &numeric(layer, x.as_slice(), loss),
    );

    // Without `dx`, the same parameter gradients.
    let mut again = L::Gradient::zeroed();
    layer.backward_simd(simd, &x, &z, &delta, &mut again, None);
    assert_eq!(again, grad, "{what}: without dx");
}

fn sample_gradients_match_finite_differences<T: Scalar>() {
    check_sample(
        "dense tanh on steps",
        &steps_dense::<T>(1),
        pulp::Scalar::new(),
        2,
    );
    check_sample(
        "dense tanh on steps",
        &steps_dense::<T>(1),
        pulp::Scalar256b,
        2,
    );
    check_sample(
        "dense softmax on pixels",
        &pixel_softmax::<T>(3),
        pulp::Scalar::new(),
        4,
    );
    check_sample(
        "dense softmax on pixels",
        &pixel_softmax::<T>(3),
        pulp::Scalar256b,
        4,
    );
    check_sample(
        "batch_norm on pixels",
        &pixel_batch_norm::<T>(5),
        pulp::Scalar::new(),
        6,
    );
    check_sample(
        "layer_norm on steps",
        &steps_layer_norm::<T>(7),
        pulp::Scalar::new(),
        8,
    );
    check_sample::<12, 12, T, _, _>("flatten", &Flatten::<12>, pulp::Scalar::new(), 9);
}

#[test]
fn sample_gradients_match_finite_differences_in_f32() {
    sample_gradients_match_finite_differences::<f32>();
    let softmax = StepsSoftmax::new(ActivationLayer::new(Softmax));
    check_sample::<15, 15, f32, _, _>(
        "activation softmax on steps",
        &softmax,
        pulp::Scalar::new(),
        10,
    );
}

#[test]
fn sample_gradients_match_finite_differences_in_f64() {
    sample_gradients_match_finite_differences::<f64>();
}

// ------------------------------------------------------------------------------------------
// 2. Batched gradients of the training pass
// ------------------------------------------------------------------------------------------

/// A training pass over the batch `x`: `(z, a, grad)`.
fn training_pass<const IN: usize, const OUT: usize, T: Scalar, L: Layer<IN, OUT, T>>(
    layer: &L,
    x: &[T],
) -> (Vec<T>, Vec<T>, L::Gradient) {
    let n = x.len() / IN;
    let (mut z, mut a) = (vec![T::zero(); n * OUT], vec![T::zero(); n * OUT]);
    let mut grad = L::Gradient::zeroed();
    layer.forward_batch(Mode::Training(&mut rng(0)), x, &mut z, &mut a, &mut grad);
    (z, a, grad)
}

/// The batch training passes of `layer` over `samples` random inputs against the finite
/// differences of the whole batch's loss, each perturbation rerunning the whole batch (and its
/// statistics).
pub(super) fn check_training_batch<
    const IN: usize,
    const OUT: usize,
    T: Scalar,
    L: Layer<IN, OUT, T>,
>(
    what: &str,
    layer: &L,
    samples: usize,
    seed: u64,
) {
    let mut rng = rng(seed);
    let x = values::<T>(&mut rng, samples * IN, -2.0, 2.0);
    let c = values::<T>(&mut rng, samples * OUT, -1.0, 1.0);
    let (z, a, statistics) = training_pass(layer, &x);
    let mut delta = c.clone();
    layer.activation_backward_batch(&z, &a, &mut delta);
    let mut grad = statistics.clone();
    let mut dx = vec![T::zero(); x.len()];
    layer.backward_batch(&x, &z, &delta, &mut grad, &mut dx);
    let numeric = numeric(layer, &x, |layer, x| {
        weighted_sum(&c, &training_pass(layer, x).1)
    });
    assert_gradients::<IN, OUT, T, L>(what, &dx, &grad, &numeric);

    // Without `dx`, the same parameter gradients.
    let mut again = statistics;
    layer.backward_batch(&x, &z, &delta, &mut again, &mut []);
    assert_eq!(again, grad, "{what}: without dx");
}

fn batch_gradients_match_finite_differences<T: Scalar>() {
    check_training_batch("dense tanh on steps, batch", &steps_dense::<T>(11), 3, 12);
    check_training_batch(
        "dense softmax on pixels, batch",
        &pixel_softmax::<T>(13),
        2,
        14,
    );
    check_training_batch(
        "batch_norm on pixels, training",
        &pixel_batch_norm::<T>(15),
        3,
        16,
    );
    // One sample: the statistics run over its positions alone.
    check_training_batch(
        "batch_norm on pixels, one sample",
        &pixel_batch_norm::<T>(15),
        1,
        17,
    );
    check_training_batch(
        "layer_norm on steps, batch",
        &steps_layer_norm::<T>(18),
        3,
        19,
    );
    check_training_batch::<12, 12, T, _>("flatten, batch", &Flatten::<12>, 3, 20);
}

#[test]
fn batch_gradients_match_finite_differences_in_f32() {
    batch_gradients_match_finite_differences::<f32>();
}

#[test]
fn batch_gradients_match_finite_differences_in_f64() {
    batch_gradients_match_finite_differences::<f64>();
}

// ------------------------------------------------------------------------------------------
// 3. Values against the inner layer and the formulas
// ------------------------------------------------------------------------------------------

pub(super) fn assert_close<T: Scalar>(what: &str, got: &[T], want: &[T]) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    let tolerance = if T::NAME == "f64" { 1e-12 } else { 1e-5 };
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        let (g, w) = (g.as_f64(), w.as_f64());
        assert!(
            (g - w).abs() <= tolerance * w.abs().max(1.0),
            "{what} ({}): entry {k} is {g}, want {w}",
            T::NAME
        );
    }
}

fn dense_at_each_position<T: Scalar>() {
    let layer = steps_dense::<T>(21);
    let x: SVector<T, 15> = vector(&mut rng(22), -2.0, 2.0);
    let simd = pulp::Scalar::new();
    let y = layer.forward_simd(simd, &x);
    let (mut z, mut a) = (SVector::<T, 20>::zeros(), SVector::<T, 20>::zeros());
    layer.forward_trace_simd_into(simd, &x, &mut z, &mut a);
    for p in 0..5 {
        let xp = SVector::<T, 3>::from_column_slice(&x.as_slice()[3 * p..3 * p + 3]);
        let (zp, ap) = layer.layer.forward_trace_simd(simd, &xp);
        let what = format!("position {p}");
        assert_eq!(
            &y.as_slice()[4 * p..4 * p + 4],
            layer.layer.forward(&xp).as_slice(),
            "{what}"
        );
        assert_eq!(&z.as_slice()[4 * p..4 * p + 4], zp.as_slice(), "{what}: z");
        assert_eq!(&a.as_slice()[4 * p..4 * p + 4], ap.as_slice(), "{what}: a");
    }

    // A batch of 4 samples is 20 positions: the same outputs.
    let batch = values::<T>(&mut rng(23), 4 * 15, -2.0, 2.0);
    let mut outputs = vec![T::zero(); 4 * 20];
    layer.output_batch(&batch, &mut outputs);
    for (x, y) in batch.chunks_exact(15).zip(outputs.chunks_exact(20)) {
        let one = layer.forward_simd(simd, &SVector::from_column_slice(x));
        assert_close("dense on steps, batch against sample", y, one.as_slice());
    }
}

#[test]
fn positionwise_dense_is_the_dense_layer_at_each_position() {
    dense_at_each_position::<f32>();
    dense_at_each_position::<f64>();
}

/// Batch normalization's training pass on `samples` images against its formula, with each
/// channel's mean and biased variance computed directly over the samples and the positions.
fn batch_norm_statistics<T: Scalar>(samples: usize) {
    let mut layer = pixel_batch_norm::<T>(24);
    let x = values::<T>(&mut rng(25), samples * 24, -2.0, 2.0);
    let (z, a, grad) = training_pass(&layer, &x);
    let norm = &layer.layer;
    for j in 0..4 {
        let channel: Vec<f64> = x.iter().skip(j).step_by(4).map(|v| v.as_f64()).collect();
        assert_eq!(channel.len(), samples * 6);
        let n = channel.len() as f64;
        let mean = channel.iter().sum::<f64>() / n;
        let variance = channel.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        let what = format!("channel {j} of {samples} samples");
        assert_close(
            &format!("{what}: mean"),
            &[grad.batch_mean[j]],
            &[T::of_f64(mean)],
        );
        assert_close(
            &format!("{what}: variance"),
            &[grad.batch_variance[j]],
            &[T::of_f64(variance)],
        );
        // ε as the network's scalar holds it: 1e-3 exactly in f64.
        let inv = 1.0 / (variance + crate::scalar::held::<T>(1e-3)).sqrt();
        let (gamma, beta) = (norm.gamma[j].as_f64(), norm.beta[j].as_f64());
        for (k, &v) in channel.iter().enumerate() {
            let xhat = (v - mean) * inv;
            let at = 4 * k + j;
            assert_close(&format!("{what}: x̂ {k}"), &[z[at]], &[T::of_f64(xhat)]);
            assert_close(
                &format!("{what}: y {k}"),
                &[a[at]],
                &[T::of_f64(gamma * xhat + beta)],
            );
        }
    }

    // The moving statistics follow the batch's, once per channel.
    let before = norm.moving_mean;
    layer.update_state(&grad);
    let m = T::of_f64(0.9);
    let want = before * m + grad.batch_mean * (T::one() - m);
    assert_close(
        "moving mean",
        layer.layer.moving_mean.as_slice(),
        want.as_slice(),
    );
}

#[test]
fn batch_norm_statistics_run_over_the_batch_and_the_positions() {
    batch_norm_statistics::<f32>(3);
    batch_norm_statistics::<f32>(1);
    batch_norm_statistics::<f64>(3);
}

fn layer_norm_per_position<T: Scalar>() {
    let layer = steps_layer_norm::<T>(26);
    let x: SVector<T, 15> = vector(&mut rng(27), -2.0, 2.0);
    let y = layer.forward_simd(pulp::Scalar::new(), &x);
    let (gamma, beta) = (&layer.layer.gamma, &layer.layer.beta);
    for p in 0..5 {
        let step: Vec<f64> = x.as_slice()[3 * p..3 * p + 3]
            .iter()
            .map(|v| v.as_f64())
            .collect();
        let mean = step.iter().sum::<f64>() / 3.0;
        let variance = step.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / 3.0;
        // ε as the network's scalar holds it: 1e-3 exactly in f64.
        let inv = 1.0 / (variance + crate::scalar::held::<T>(1e-3)).sqrt();
        let want: Vec<T> = (0..3)
            .map(|j| T::of_f64(gamma[j].as_f64() * (step[j] - mean) * inv + beta[j].as_f64()))
            .collect();
        assert_close(
            &format!("layer_norm, step {p}"),
            &y.as_slice()[3 * p..3 * p + 3],
            &want,
        );
    }
}

#[test]
fn positionwise_layer_norm_normalizes_each_position() {
    layer_norm_per_position::<f32>();
    layer_norm_per_position::<f64>();
}

#[test]
fn positionwise_softmax_sums_to_one_at_each_position() {
    let layer = pixel_softmax::<f64>(28);
    let x: SVector<f64, 24> = vector(&mut rng(29), -2.0, 2.0);
    let y = layer.forward_simd(pulp::Scalar::new(), &x);
    for pixel in y.as_slice().chunks_exact(3) {
        assert!((pixel.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{y}");
    }
}

#[test]
fn flatten_is_the_identity_on_every_path() {
    let flatten = Flatten::<6>;
    let x = SVector::<f64, 6>::from([1.0, -2.0, 3.0, -4.0, 5.0, -6.0]);
    let simd = pulp::Scalar::new();
    assert_eq!(flatten.forward_simd(simd, &x), x);
    let (z, a) = flatten.forward_trace_simd(simd, &x);
    assert_eq!((z, a), (x, x));
    let (mut out, mut z, mut a) = ([0.0; 6], [0.0; 6], [0.0; 6]);
    flatten.output_batch(x.as_slice(), &mut out);
    assert_eq!(out, x.as_slice());
    flatten.forward_batch(
        Mode::Inference,
        x.as_slice(),
        &mut z,
        &mut a,
        &mut super::NoGradient,
    );
    assert_eq!((z, a), (out, out));
    let mut dx = [0.0; 6];
    flatten.backward_batch(x.as_slice(), &z, &a, &mut super::NoGradient, &mut dx);
    assert_eq!(dx, out);
}

// ------------------------------------------------------------------------------------------
// 4. Tensors, counts and regularization are the inner layer's
// ------------------------------------------------------------------------------------------

#[test]
fn positionwise_layers_have_the_inner_layers_tensors() {
    type Inner = DenseOf<3, 4, Tanh, f32>;
    assert_eq!(<StepsDense<f32> as Layer<15, 20>>::KIND, LayerKind::Dense);
    assert_eq!(<StepsDense<f32> as Layer<15, 20>>::TRAINABLE, 3 * 4 + 4);
    assert_eq!(<StepsDense<f32> as Layer<15, 20>>::TENSORS, 2);
    for i in 0..3 {
        assert_eq!(
            <StepsDense<f32> as Layer<15, 20>>::tensor_info(i),
            <Inner as Layer<3, 4>>::tensor_info(i)
        );
    }
    let kernel = <StepsDense<f32> as Layer<15, 20>>::tensor_info(0).unwrap();
    assert_eq!(
        (kernel.rows, kernel.cols),
        (4, 3),
        "a kernel of [units, channels]"
    );
    type Norm = PixelBatchNorm<f64>;
    assert_eq!(<Norm as Layer<24, 24, f64>>::KIND, LayerKind::BatchNorm);
    assert_eq!(<Norm as Layer<24, 24, f64>>::TRAINABLE, 8);
    assert_eq!(<Norm as Layer<24, 24, f64>>::NON_TRAINABLE, 8);
    assert_eq!(<Flatten<6> as Layer<6, 6>>::TENSORS, 0);
    assert_eq!(LayerKind::Flatten.name(), "flatten");
    assert_eq!(LayerKind::Flatten.keras_name(), "Flatten");
    assert!(!LayerKind::Flatten.trains_differently());
}

#[test]
fn positionwise_dense_is_regularized_once() {
    let mut layer = steps_dense::<f32>(30);
    layer.layer.regularizer = Regularizer { l1: 0.0, l2: 0.5 };
    let weights = layer.layer.weights;
    let mut grad = <StepsDense<f32> as Layer<15, 20>>::Gradient::zeroed();
    let penalty = layer.regularization(Some(&mut grad));
    assert!((penalty - 0.5 * weights.norm_squared()).abs() < 1e-5);
    assert_eq!(grad.weights, weights);
}

fn folding<T: Scalar>() {
    use crate::activation::Linear;
    type Norm<T, const C: usize, const N: usize> =
        Positionwise<BatchNorm<C, SVector<T, C>>, 5, C, C, N, N>;
    let simd = pulp::Scalar::new();
    let x: SVector<T, 15> = vector(&mut rng(31), -2.0, 2.0);

    // `dense 4; batch_norm;` on 5 steps of 3 channels.
    let linear: Positionwise<DenseOf<3, 4, Linear, T>, 5, 3, 4, 15, 20> =
        Positionwise::new(randomized(Dense::new(Linear), 32));
    let after: Norm<T, 4, 20> = Positionwise::new(randomized(BatchNorm::new(0.9, 1e-3), 33));
    let separate = after.forward_simd(simd, &linear.forward_simd(simd, &x));
    let folded = linear.folded(&after).forward_simd(simd, &x);
    assert_close("folded", folded.as_slice(), separate.as_slice());

    // `batch_norm; dense 4 tanh;`.
    let before: Norm<T, 3, 15> = Positionwise::new(randomized(BatchNorm::new(0.9, 1e-3), 34));
    let dense = steps_dense::<T>(35);
    let separate = dense.forward_simd(simd, &before.forward_simd(simd, &x));
    let folded = dense.folded_after(&before).forward_simd(simd, &x);
    assert_close("folded after", folded.as_slice(), separate.as_slice());
}

#[test]
fn positionwise_batch_norm_folds_into_the_positionwise_dense_layer() {
    folding::<f32>();
    folding::<f64>();
}
