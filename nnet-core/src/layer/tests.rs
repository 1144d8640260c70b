//! Every layer kind against independent truth: each backward pass against central finite
//! differences of the layer's own forward pass, outputs against the textbook formulas in f64,
//! dropout against binomial statistics, and the tensor tables against the gradients' shapes.
//!
//! # Tolerances
//!
//! The layers compute in f32; the losses `L = Σ c·a` (fixed random `c`) are summed in f64 and
//! differentiated with the fourth-order central difference of step `H = 1/32`. Every generated
//! value is a multiple of `1/1024`, so `t ± H` and `t ± 2H` are exact in f32 and the stencil's
//! truncation error (`~H⁴`) is far below the f32 rounding of the loss (`~1e-6`), which the
//! division by `12 H` lifts to `~1e-5` of the gradient's scale. A gradient passes when every
//! entry is within `RTOL = 1e-3` of the difference, relative to the larger of the entry and a
//! tenth of the largest entry of the same tensor. The correct gradients use at most a fifth of
//! that tolerance; batch normalization's gradient without the terms through the batch's mean
//! and variance misses by thousands of times it
//! (`batch_norm_check_rejects_gradients_without_the_batch_terms`).

use approx::relative_eq;
use nalgebra::SVector;
use pulp::{Simd, WithSimd};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{
    ActivationLayer, BatchNorm, Dropout, Layer, LayerGradient, LayerKind, LayerNorm, Mode,
    NoGradient,
};
use crate::activation::{Elu, Gelu, Linear, Relu, Sigmoid, Softmax, Tanh};
use crate::storage::{HeapMatrix, HeapVector};

/// A dense layer declared with `use_bias = false`.
type NoBias<const IN: usize, const OUT: usize, A> =
    Dense<IN, OUT, A, nalgebra::SMatrix<f32, OUT, IN>, SVector<f32, OUT>, false>;
use crate::{Dense, Regularizer};

// ------------------------------------------------------------------------------------------
// Inputs, finite differences and the comparison
// ------------------------------------------------------------------------------------------

/// Every generated value is a multiple of this, so steps of `H` are exact in f32.
const GRID: f32 = 1.0 / 1024.0;
/// The step of the finite differences.
const H: f32 = 1.0 / 32.0;
/// Relative tolerance of a gradient against its finite difference (see the module comment).
const RTOL: f64 = 1e-3;
/// The seed of the training pass's generator (dropout's masks), the same for every evaluation.
const MASK_SEED: u64 = 7;

fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// `n` values uniform in `[lo, hi)`, rounded to multiples of [`GRID`].
fn values(rng: &mut ChaCha8Rng, n: usize, lo: f32, hi: f32) -> Vec<f32> {
    (0..n)
        .map(|_| (rng.random_range(lo..hi) / GRID).round() * GRID)
        .collect()
}

fn vector<const N: usize>(rng: &mut ChaCha8Rng, lo: f32, hi: f32) -> SVector<f32, N> {
    SVector::from_column_slice(&values(rng, N, lo, hi))
}

/// `layer` with every tensor drawn from `[-1, 1)`; moving variances drawn from `[0.25, 2)`.
fn randomized<const IN: usize, const OUT: usize, L: Layer<IN, OUT>>(mut layer: L, seed: u64) -> L {
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
fn weighted_sum(c: &[f32], a: &[f32]) -> f64 {
    assert_eq!(c.len(), a.len());
    c.iter()
        .zip(a)
        .map(|(&c, &a)| f64::from(c) * f64::from(a))
        .sum()
}

/// `dL/dt` at `t0`, by the fourth-order central difference of step [`H`].
fn derivative(t0: f32, mut loss: impl FnMut(f32) -> f64) -> f64 {
    let (p2, p1) = (loss(t0 + 2.0 * H), loss(t0 + H));
    let (m1, m2) = (loss(t0 - H), loss(t0 - 2.0 * H));
    (8.0 * (p1 - m1) - (p2 - m2)) / (12.0 * f64::from(H))
}

/// Finite differences of a loss: by every input entry, and by every entry of every trainable
/// tensor (`None` for the non-trainable ones).
struct Numeric {
    dx: Vec<f64>,
    tensors: Vec<Option<Vec<f64>>>,
}

fn numeric<const IN: usize, const OUT: usize, L: Layer<IN, OUT>>(
    layer: &L,
    x: &[f32],
    loss: impl Fn(&L, &[f32]) -> f64,
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
            let info = L::tensor_info(i).unwrap();
            info.trainable.then(|| {
                (0..info.len())
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

/// The worst error of `analytic` against `numeric` in units of the tolerance: at most 1 passes.
fn worst_error(analytic: &[f32], numeric: &[f64]) -> f64 {
    assert_eq!(analytic.len(), numeric.len());
    let largest = numeric.iter().fold(0.0_f64, |m, n| m.max(n.abs()));
    analytic
        .iter()
        .zip(numeric)
        .map(|(&g, &n)| (f64::from(g) - n).abs() / (RTOL * n.abs().max(largest / 10.0).max(1e-6)))
        .fold(0.0, f64::max)
}

fn assert_gradient(what: &str, analytic: &[f32], numeric: &[f64]) {
    let error = worst_error(analytic, numeric);
    assert!(
        error <= 1.0,
        "{what}: {error:.1} × the tolerance\n  analytic {analytic:?}\n  numeric  {numeric:?}"
    );
}

/// `∂L/∂x` and the gradient of every trainable tensor against the finite differences.
fn assert_gradients<const IN: usize, const OUT: usize, L: Layer<IN, OUT>>(
    what: &str,
    dx: &[f32],
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

/// Asserts that the trainable slots of `twice` hold twice those of `once` (the backward passes
/// add to the gradient they are given).
fn assert_doubled<const IN: usize, const OUT: usize, L: Layer<IN, OUT>>(
    what: &str,
    once: &L::Gradient,
    twice: &L::Gradient,
) {
    for i in (0..L::TENSORS).filter(|&i| L::tensor_info(i).unwrap().trainable) {
        for (&t, &o) in twice.tensor(i).iter().zip(once.tensor(i)) {
            assert!(
                relative_eq!(t, 2.0 * o, epsilon = 1e-6, max_relative = 1e-5),
                "{what}: slot {i} does not accumulate: {t} after {o} twice"
            );
        }
    }
}

// ------------------------------------------------------------------------------------------
// Running per-sample checks under several instruction sets
// ------------------------------------------------------------------------------------------

/// A check of the per-sample passes, generic over the instruction set.
trait SimdCheck {
    fn run<V: Simd>(&self, simd: V);
}

struct Dispatch<'a, T>(&'a T);

impl<T: SimdCheck> WithSimd for Dispatch<'_, T> {
    type Output = ();
    fn with_simd<V: Simd>(self, simd: V) {
        self.0.run(simd);
    }
}

/// Runs `check` with one lane, four and eight emulated lanes, and this machine's best set: the
/// dense layer's kernels take different paths for each.
fn on_every_simd(check: &impl SimdCheck) {
    check.run(pulp::Scalar::new());
    check.run(pulp::Scalar128b);
    check.run(pulp::Scalar256b);
    pulp::Arch::new().dispatch(Dispatch(check));
}

// ------------------------------------------------------------------------------------------
// 1. Finite-difference gradient checks
// ------------------------------------------------------------------------------------------

/// The per-sample inference passes of `layer` at a random `x`, for `L = Σ c·a`.
struct SampleGradients<'a, const IN: usize, const OUT: usize, L> {
    what: &'a str,
    layer: &'a L,
    x: SVector<f32, IN>,
    c: SVector<f32, OUT>,
}

impl<const IN: usize, const OUT: usize, L: Layer<IN, OUT>> SimdCheck
    for SampleGradients<'_, IN, OUT, L>
{
    fn run<V: Simd>(&self, simd: V) {
        let (layer, x, c) = (self.layer, &self.x, &self.c);
        let what = format!("{} ({} lanes)", self.what, V::F32_LANES);
        let (mut z, mut a) = (SVector::zeros(), SVector::zeros());
        layer.forward_trace_simd_into(simd, x, &mut z, &mut a);
        let mut delta = *c;
        layer.activation_backward_in_place(&z, &a, &mut delta);
        let mut grad = L::Gradient::zeroed();
        let mut dx = SVector::<f32, IN>::zeros();
        layer.backward_simd(simd, x, &z, &delta, &mut grad, Some(&mut dx));

        let loss = |layer: &L, x: &[f32]| {
            let mut a = SVector::<f32, OUT>::zeros();
            layer.forward_simd_into(simd, &SVector::from_column_slice(x), &mut a);
            weighted_sum(c.as_slice(), a.as_slice())
        };
        let numeric = numeric(layer, x.as_slice(), loss);
        assert_gradients::<IN, OUT, L>(&what, dx.as_slice(), &grad, &numeric);

        // Without `dx`, the same parameter gradients, added to those already there.
        let mut twice = grad.clone();
        layer.backward_simd(simd, x, &z, &delta, &mut twice, None);
        assert_doubled::<IN, OUT, L>(&what, &grad, &twice);
    }
}

/// The per-sample gradient check of `layer` at an input from `[-2, 2)`, under every
/// instruction set.
fn check_sample<const IN: usize, const OUT: usize, L: Layer<IN, OUT>>(
    what: &str,
    layer: &L,
    seed: u64,
) {
    let mut rng = rng(seed);
    let x = vector(&mut rng, -2.0, 2.0);
    let c = vector(&mut rng, -1.0, 1.0);
    on_every_simd(&SampleGradients { what, layer, x, c });
}

#[test]
fn dense_sample_gradients_match_finite_differences() {
    check_sample(
        "dense tanh",
        &randomized(Dense::<3, 4, Tanh>::new(Tanh), 1),
        2,
    );
    check_sample(
        "dense sigmoid without bias",
        &randomized(NoBias::<3, 4, Sigmoid>::new(Sigmoid), 3),
        4,
    );
    check_sample(
        "dense softmax",
        &randomized(Dense::<4, 5, Softmax>::new(Softmax), 5),
        6,
    );
    check_sample(
        "dense linear, one unit",
        &randomized(Dense::<5, 1, Linear>::new(Linear), 7),
        8,
    );
    check_sample(
        "dense elu, 17 units",
        &randomized(Dense::<6, 17, Elu>::new(Elu { alpha: 1.0 }), 9),
        10,
    );
    check_sample(
        "dense gelu on the heap",
        &randomized(
            Dense::<3, 4, Gelu, HeapMatrix<4, 3>, HeapVector<4>>::new(Gelu),
            11,
        ),
        12,
    );
}

#[test]
fn dense_relu_sample_gradients_match_away_from_the_kink() {
    let layer = randomized(Dense::<3, 4, Relu>::new(Relu), 13);
    let x = vector::<3>(&mut rng(15), -2.0, 2.0);
    // A step of 2H in one input moves each pre-activation by at most 2H |w| < 0.07.
    let z = layer.preactivation(&x);
    assert!(
        z.iter().all(|z| z.abs() > 0.1),
        "pick another seed: z = {z}"
    );
    assert!(z.iter().any(|&z| z < 0.0) && z.iter().any(|&z| z > 0.0));
    check_sample("dense relu", &layer, 15);
}

#[test]
fn activation_layer_sample_gradients_match_finite_differences() {
    check_sample("activation tanh", &ActivationLayer::<4, _>::new(Tanh), 15);
    check_sample(
        "activation softmax",
        &ActivationLayer::<4, _>::new(Softmax),
        16,
    );
    check_sample(
        "activation elu",
        &ActivationLayer::<5, _>::new(Elu { alpha: 0.5 }),
        17,
    );
}

#[test]
fn normalization_and_dropout_sample_gradients_match_finite_differences() {
    check_sample("dropout (identity)", &Dropout::<4>::new(0.5), 18);
    let batch_norm = randomized(BatchNorm::<4>::new(0.9, 1e-3), 19);
    check_sample("batch_norm (moving statistics)", &batch_norm, 20);
    let heap = randomized(BatchNorm::<4, HeapVector<4>>::new(0.9, 1e-3), 19);
    check_sample("batch_norm on the heap", &heap, 20);
    check_sample("layer_norm", &randomized(LayerNorm::<5>::new(1e-3), 21), 22);
}

/// A training pass over the batch `x` with the generator seeded with [`MASK_SEED`]:
/// `(z, a, grad)`.
fn training_pass<const IN: usize, const OUT: usize, L: Layer<IN, OUT>>(
    layer: &L,
    x: &[f32],
) -> (Vec<f32>, Vec<f32>, L::Gradient) {
    let n = x.len() / IN;
    let (mut z, mut a) = (vec![0.0; n * OUT], vec![0.0; n * OUT]);
    let mut grad = L::Gradient::zeroed();
    let mut rng = rng(MASK_SEED);
    layer.forward_batch(Mode::Training(&mut rng), x, &mut z, &mut a, &mut grad);
    (z, a, grad)
}

/// A random batch of `samples` inputs from `[-2, 2)` and loss coefficients `c`.
fn batch<const IN: usize, const OUT: usize>(samples: usize, seed: u64) -> (Vec<f32>, Vec<f32>) {
    let mut rng = rng(seed);
    let x = values(&mut rng, samples * IN, -2.0, 2.0);
    let c = values(&mut rng, samples * OUT, -1.0, 1.0);
    (x, c)
}

/// The finite differences of `L = Σ c·A` over a whole training batch: each perturbation of one
/// input entry (or parameter) reruns the whole batch, its statistics and the same masks.
fn numeric_training<const IN: usize, const OUT: usize, L: Layer<IN, OUT>>(
    layer: &L,
    x: &[f32],
    c: &[f32],
) -> Numeric {
    numeric(layer, x, |layer, x| {
        weighted_sum(c, &training_pass(layer, x).1)
    })
}

/// The batch training passes of `layer` over `samples` random inputs against the finite
/// differences of the whole batch's loss.
fn check_training_batch<const IN: usize, const OUT: usize, L: Layer<IN, OUT>>(
    what: &str,
    layer: &L,
    samples: usize,
    seed: u64,
) {
    let (x, c) = batch::<IN, OUT>(samples, seed);
    let (z, a, statistics) = training_pass(layer, &x);
    let mut delta = c.clone();
    layer.activation_backward_batch(&z, &a, &mut delta);
    let mut grad = statistics.clone();
    let mut dx = vec![f32::NAN; x.len()];
    layer.backward_batch(&x, &z, &delta, &mut grad, &mut dx);
    let numeric = numeric_training(layer, &x, &c);
    assert_gradients::<IN, OUT, L>(what, &dx, &grad, &numeric);

    // Without `dx`, the same parameter gradients, added to those already there.
    let mut twice = grad.clone();
    layer.backward_batch(&x, &z, &delta, &mut twice, &mut []);
    assert_doubled::<IN, OUT, L>(what, &grad, &twice);
}

#[test]
fn batch_norm_training_gradients_match_finite_differences_of_the_whole_batch() {
    let layer = randomized(BatchNorm::<4>::new(0.9, 1e-3), 23);
    check_training_batch("batch_norm training", &layer, 5, 24);
    let heap = randomized(BatchNorm::<4, HeapVector<4>>::new(0.9, 1e-3), 23);
    check_training_batch("batch_norm training on the heap", &heap, 5, 24);
    check_training_batch("batch_norm training, three samples", &layer, 3, 25);
}

#[test]
fn layer_norm_and_dense_batch_gradients_match_finite_differences() {
    let layer_norm = randomized(LayerNorm::<5>::new(1e-3), 26);
    check_training_batch("layer_norm batch", &layer_norm, 4, 27);
    let tanh = randomized(Dense::<3, 4, Tanh>::new(Tanh), 28);
    check_training_batch("dense tanh batch", &tanh, 5, 29);
    let softmax = randomized(NoBias::<4, 5, Softmax>::new(Softmax), 30);
    check_training_batch("dense softmax batch without bias", &softmax, 5, 31);
    // 16 × 17: the packed matrix-matrix kernel.
    let wide = randomized(Dense::<16, 17, Sigmoid>::new(Sigmoid), 32);
    check_training_batch("dense sigmoid batch, 16 × 17", &wide, 5, 33);
    let activation = ActivationLayer::<4, _>::new(Softmax);
    check_training_batch("activation softmax batch", &activation, 5, 34);
}

#[test]
fn dropout_training_gradient_matches_finite_differences_with_a_fixed_mask() {
    let dropout = Dropout::<4>::new(0.5);
    let (x, _) = batch::<4, 4>(5, 35);
    let (mask, a, _) = training_pass(&dropout, &x);
    // The mask both drops and keeps, so the check sees both, and the rerun draws it again.
    assert!(mask.contains(&0.0) && mask.contains(&2.0), "mask {mask:?}");
    assert_eq!(training_pass(&dropout, &x).1, a);
    check_training_batch("dropout training", &dropout, 5, 35);
}

/// What the per-sample derivative computes, `∂L/∂x = δ γ / √(σ² + ε)`, with the batch's
/// statistics instead of the moving ones: the gradient without the terms through the batch's
/// mean and variance.
fn batch_norm_gradient_without_batch_terms(
    layer: &BatchNorm<4>,
    variance: &[f32],
    delta: &[f32],
) -> Vec<f32> {
    let scale: Vec<f32> = (0..4)
        .map(|j| layer.gamma[j] / (variance[j] + layer.epsilon as f32).sqrt())
        .collect();
    delta
        .chunks_exact(4)
        .flat_map(|d| d.iter().zip(&scale).map(|(d, s)| d * s))
        .collect()
}

#[test]
fn batch_norm_check_rejects_gradients_without_the_batch_terms() {
    let layer = randomized(BatchNorm::<4>::new(0.9, 1e-3), 23);
    let (x, c) = batch::<4, 4>(5, 24);
    let (z, _, statistics) = training_pass(&layer, &x);
    let mut dx = vec![0.0; x.len()];
    layer.backward_batch(&x, &z, &c, &mut statistics.clone(), &mut dx);
    let numeric = numeric_training(&layer, &x, &c).dx;
    assert!(worst_error(&dx, &numeric) <= 1.0);

    let wrong =
        batch_norm_gradient_without_batch_terms(&layer, statistics.batch_variance.as_slice(), &c);
    let error = worst_error(&wrong, &numeric);
    assert!(
        error > 100.0,
        "a wrong gradient passes within {error:.1} × the tolerance"
    );

    // Nor does the inference derivative (moving statistics) pass for a training batch.
    let mut inference = vec![0.0; x.len()];
    for (i, (x, d)) in x.chunks_exact(4).zip(c.chunks_exact(4)).enumerate() {
        let (x, d) = (SVector::from_column_slice(x), SVector::from_column_slice(d));
        let (z, _) = layer.forward_trace_simd(pulp::Scalar::new(), &x);
        let mut dx = SVector::zeros();
        let mut grad = LayerGradient::zeroed();
        layer.backward_simd(pulp::Scalar::new(), &x, &z, &d, &mut grad, Some(&mut dx));
        inference[4 * i..4 * i + 4].copy_from_slice(dx.as_slice());
    }
    let error = worst_error(&inference, &numeric);
    assert!(
        error > 100.0,
        "the inference gradient passes within {error:.1} × the tolerance"
    );
}

// ------------------------------------------------------------------------------------------
// 2. Values against the formulas
// ------------------------------------------------------------------------------------------

/// Mean and biased variance of unit `j` over the columns of `x`, in f64.
fn unit_moments(x: &[f32], units: usize, j: usize) -> (f64, f64) {
    let column: Vec<f64> = x.chunks_exact(units).map(|c| f64::from(c[j])).collect();
    let n = column.len() as f64;
    let mean = column.iter().sum::<f64>() / n;
    let variance = column.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, variance)
}

fn assert_near(what: &str, got: f64, want: f64, tolerance: f64) {
    assert!(
        relative_eq!(got, want, epsilon = tolerance, max_relative = tolerance),
        "{what}: {got}, want {want}"
    );
}

#[test]
fn batch_norm_training_normalizes_with_the_batch_statistics() {
    let mut layer = randomized(BatchNorm::<4>::new(0.9, 1e-3), 40);
    let mut rng = rng(41);
    let x: Vec<f32> = values(&mut rng, 8 * 4, -1.0, 1.0)
        .iter()
        .map(|v| 3.0 * v + 5.0)
        .collect();
    let (z, a, grad) = training_pass(&layer, &x);
    let old = layer.clone();
    layer.update_state(&grad);
    for j in 0..4 {
        let (mean, variance) = unit_moments(&x, 4, j);
        assert_near("batch mean", f64::from(grad.batch_mean[j]), mean, 1e-6);
        assert_near(
            "biased batch variance",
            f64::from(grad.batch_variance[j]),
            variance,
            1e-5,
        );
        let (gamma, beta) = (f64::from(layer.gamma[j]), f64::from(layer.beta[j]));
        let std = (variance / (variance + 1e-3)).sqrt();
        let (a_mean, a_variance) = unit_moments(&a, 4, j);
        assert_near("output mean", a_mean, beta, 1e-5);
        assert_near("output std", a_variance.sqrt(), gamma.abs() * std, 1e-5);
        let (z_mean, z_variance) = unit_moments(&z, 4, j);
        assert_near("x̂ mean", z_mean, 0.0, 1e-5);
        assert_near("x̂ std", z_variance.sqrt(), std, 1e-5);
        // Keras's moving averages: momentum · old + (1 − momentum) · batch.
        let m = 0.9_f64;
        let moving = |old: f32, batch: f64| m * f64::from(old) + (1.0 - m) * batch;
        let want = moving(old.moving_mean[j], mean);
        assert_near("moving mean", f64::from(layer.moving_mean[j]), want, 1e-6);
        let want = moving(old.moving_variance[j], variance);
        assert_near(
            "moving variance",
            f64::from(layer.moving_variance[j]),
            want,
            1e-6,
        );
    }
    // Training leaves the layer itself alone: only `update_state` moves the statistics.
    assert_eq!((old.gamma, old.beta), (layer.gamma, layer.beta));
}

#[test]
fn batch_norm_of_one_sample_outputs_beta_and_passes_no_gradient() {
    let layer = randomized(BatchNorm::<4>::new(0.9, 1e-3), 42);
    let x = values(&mut rng(43), 4, -2.0, 2.0);
    let (z, a, mut grad) = training_pass(&layer, &x);
    assert_eq!(grad.batch_variance.as_slice(), [0.0; 4]);
    assert_eq!(a.as_slice(), layer.beta.as_slice());
    let mut dx = vec![f32::NAN; 4];
    layer.backward_batch(&x, &z, &[1.0, -1.0, 0.5, 2.0], &mut grad, &mut dx);
    assert_eq!(dx, [0.0; 4]);
}

#[test]
fn batch_norm_inference_uses_the_moving_statistics() {
    let layer = randomized(BatchNorm::<4>::new(0.99, 1e-3), 44);
    let x = values(&mut rng(45), 6 * 4, -2.0, 2.0);
    let (mut z, mut a) = (vec![0.0; x.len()], vec![0.0; x.len()]);
    let mut grad = LayerGradient::zeroed();
    layer.forward_batch(Mode::Inference, &x, &mut z, &mut a, &mut grad);
    assert_eq!(
        grad,
        super::BatchNormGradient::zeroed(),
        "inference reports no statistics"
    );
    let (scale, shift) = layer.scale_and_shift();
    let mut output = vec![0.0; x.len()];
    layer.output_batch(&x, &mut output);
    for (k, &xk) in x.iter().enumerate() {
        let j = k % 4;
        let f = |v: f32| f64::from(v);
        let sd = (f(layer.moving_variance[j]) + f(layer.epsilon as f32)).sqrt();
        let want = f(layer.gamma[j]) * (f(xk) - f(layer.moving_mean[j])) / sd + f(layer.beta[j]);
        assert_near("inference output", f(a[k]), want, 1e-5);
        assert_near("output_batch", f(output[k]), want, 1e-5);
        assert_near("x̂", f(z[k]), (f(xk) - f(layer.moving_mean[j])) / sd, 1e-5);
        assert_near("scale and shift", f(scale[j] * xk + shift[j]), want, 1e-5);
    }
    // And not the batch's: a training pass over the same batch gives other outputs.
    assert_ne!(training_pass(&layer, &x).1, a);
}

#[test]
fn layer_norm_normalizes_each_sample() {
    let plain = LayerNorm::<5>::new(1e-3);
    let x = values(&mut rng(46), 3 * 5, -3.0, 3.0);
    let mut a = vec![0.0; x.len()];
    plain.output_batch(&x, &mut a);
    for (x, a) in x.chunks_exact(5).zip(a.chunks_exact(5)) {
        let column: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
        let mean = column.iter().sum::<f64>() / 5.0;
        let var = column.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 5.0;
        let a: Vec<f64> = a.iter().map(|&v| f64::from(v)).collect();
        let a_mean = a.iter().sum::<f64>() / 5.0;
        let a_var = a.iter().map(|v| (v - a_mean).powi(2)).sum::<f64>() / 5.0;
        assert_near("layer_norm mean", a_mean, 0.0, 1e-6);
        assert_near("layer_norm variance", a_var, var / (var + 1e-3), 1e-5);
    }

    // With γ and β: `γ x̂ + β` unit by unit, the same in training and at inference.
    let layer = randomized(LayerNorm::<5>::new(1e-3), 47);
    let (z, trained, _) = training_pass(&layer, &x);
    layer.output_batch(&x, &mut a);
    assert_eq!(trained, a);
    for (s, x) in x.chunks_exact(5).enumerate() {
        let column: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
        let mean = column.iter().sum::<f64>() / 5.0;
        let var = column.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 5.0;
        for j in 0..5 {
            let xhat = (column[j] - mean) / (var + 1e-3).sqrt();
            let want = f64::from(layer.gamma[j]) * xhat + f64::from(layer.beta[j]);
            assert_near("x̂", f64::from(z[5 * s + j]), xhat, 1e-5);
            assert_near("γ x̂ + β", f64::from(a[5 * s + j]), want, 1e-5);
        }
    }
}

#[test]
fn dense_matches_the_formula_in_f64() {
    fn check<const IN: usize, const OUT: usize>(seed: u64) {
        let layer = randomized(Dense::<IN, OUT, Tanh>::new(Tanh), seed);
        let x = values(&mut rng(seed + 1), 3 * IN, -2.0, 2.0);
        let mut a = vec![0.0; 3 * OUT];
        layer.output_batch(&x, &mut a);
        for (x, a) in x.chunks_exact(IN).zip(a.chunks_exact(OUT)) {
            for (j, &a) in a.iter().enumerate() {
                let z: f64 = f64::from(layer.bias[j])
                    + (0..IN)
                        .map(|k| f64::from(layer.weights[(j, k)]) * f64::from(x[k]))
                        .sum::<f64>();
                assert_near("tanh(W x + b)", f64::from(a), z.tanh(), 1e-5);
            }
        }
    }
    check::<3, 4>(48);
    check::<16, 17>(50);
}

// ------------------------------------------------------------------------------------------
// 3. Dropout
// ------------------------------------------------------------------------------------------

/// A training pass of `dropout` over `x` with the generator seeded with `seed`: `(mask, a)`.
fn dropped<const N: usize>(dropout: &Dropout<N>, x: &[f32], seed: u64) -> (Vec<f32>, Vec<f32>) {
    let (mut z, mut a) = (vec![f32::NAN; x.len()], vec![f32::NAN; x.len()]);
    let mut rng = rng(seed);
    dropout.forward_batch(Mode::Training(&mut rng), x, &mut z, &mut a, &mut NoGradient);
    (z, a)
}

#[test]
fn dropout_zeroes_units_and_scales_the_others_by_the_inverse_keep_rate() {
    // 100 000 units: the kept fraction is within five binomial standard deviations.
    let x = values(&mut rng(60), 100_000, 0.5, 1.5);
    for rate in [0.1_f32, 0.5, 0.9] {
        let dropout = Dropout::<100>::new(f64::from(rate));
        let (mask, a) = dropped(&dropout, &x, 61);
        let keep = 1.0 / (1.0 - f64::from(rate));
        for ((&x, &s), &a) in x.iter().zip(&mask).zip(&a) {
            assert!(s == 0.0 || relative_eq!(f64::from(s), keep, max_relative = 1e-6));
            assert_eq!(a, x * s);
        }
        let kept = mask.iter().filter(|&&s| s != 0.0).count() as f64;
        let (n, p) = (x.len() as f64, 1.0 - f64::from(rate));
        let sigma = (n * p * (1.0 - p)).sqrt();
        assert!(
            (kept - n * p).abs() < 5.0 * sigma,
            "rate {rate}: kept {kept} of {n}, expected {} ± {sigma}",
            n * p
        );
    }
}

#[test]
fn dropout_masks_follow_the_seed() {
    let dropout = Dropout::<10>::new(0.5);
    let x = vec![1.0; 1000];
    let (first, _) = dropped(&dropout, &x, 62);
    assert_eq!(dropped(&dropout, &x, 62).0, first);
    let other = dropped(&dropout, &x, 63).0;
    let differing = first.iter().zip(&other).filter(|(a, b)| a != b).count();
    // Two independent masks of rate ½ differ in about half the units.
    assert!(
        (400..600).contains(&differing),
        "{differing} of 1000 differ"
    );
}

#[test]
fn dropout_preserves_the_expectation() {
    // 20 000 draws of the same 10 inputs: the mean output of each unit is within five standard
    // errors, |x| √(rate / (1 − rate) / n), of its input.
    let input = values(&mut rng(64), 10, 0.5, 1.5);
    let draws = 20_000;
    let x: Vec<f32> = input.iter().copied().cycle().take(10 * draws).collect();
    for rate in [0.1_f32, 0.5, 0.9] {
        let (_, a) = dropped(&Dropout::<10>::new(f64::from(rate)), &x, 65);
        for (j, &xj) in input.iter().enumerate() {
            let mean = a
                .iter()
                .skip(j)
                .step_by(10)
                .map(|&v| f64::from(v))
                .sum::<f64>()
                / draws as f64;
            let r = f64::from(rate);
            let error = f64::from(xj) * (r / (1.0 - r) / draws as f64).sqrt();
            assert!(
                (mean - f64::from(xj)).abs() < 5.0 * error,
                "rate {rate}, unit {j}: mean {mean}, input {xj} ± {error}"
            );
        }
    }
}

#[test]
fn dropout_of_rate_zero_and_at_inference_is_the_identity() {
    let x = values(&mut rng(66), 40, -2.0, 2.0);
    let (mask, a) = dropped(&Dropout::<4>::new(0.0), &x, 67);
    assert_eq!((mask, a), (vec![1.0; 40], x.clone()));

    let dropout = Dropout::<4>::new(0.5);
    let (mut z, mut a) = (vec![0.0; 40], vec![0.0; 40]);
    dropout.forward_batch(Mode::Inference, &x, &mut z, &mut a, &mut NoGradient);
    assert_eq!((z, &a), (vec![1.0; 40], &x));
    dropout.output_batch(&x, &mut a);
    assert_eq!(a, x);
    let sample = SVector::<f32, 4>::from_column_slice(&x[..4]);
    assert_eq!(dropout.forward_simd(pulp::Scalar::new(), &sample), sample);
}

// ------------------------------------------------------------------------------------------
// 4. Tensor tables and regularization
// ------------------------------------------------------------------------------------------

/// `TRAINABLE`, `NON_TRAINABLE` and `TENSORS` against `tensor_info`, and the lengths of the
/// layer's and its gradient's slots against the shapes.
fn check_tensor_table<const IN: usize, const OUT: usize, L: Layer<IN, OUT>>(
    kind: LayerKind,
    mut layer: L,
) {
    assert_eq!(L::KIND, kind);
    let infos: Vec<_> = (0..).map_while(L::tensor_info).collect();
    assert_eq!(infos.len(), L::TENSORS, "{kind:?}");
    let count = |trainable: bool| -> usize {
        infos
            .iter()
            .filter(|i| i.trainable == trainable)
            .map(|i| i.len())
            .sum()
    };
    assert_eq!(count(true), L::TRAINABLE, "{kind:?}");
    assert_eq!(count(false), L::NON_TRAINABLE, "{kind:?}");
    let mut grad = L::Gradient::zeroed();
    for (i, info) in infos.iter().enumerate() {
        assert_eq!(
            layer.tensor(i).len(),
            info.len(),
            "{kind:?} {}",
            info.tensor
        );
        assert_eq!(
            grad.tensor(i).len(),
            info.len(),
            "{kind:?} gradient {}",
            info.tensor
        );
        assert_eq!(grad.tensor_mut(i).len(), info.len());
        // `tensor_mut` and `tensor` are the same values.
        layer.tensor_mut(i).fill(0.25 + i as f32);
        assert!(layer.tensor(i).iter().all(|&v| v == 0.25 + i as f32));
    }
    assert!(layer.tensor(L::TENSORS).is_empty() && layer.tensor_mut(L::TENSORS).is_empty());
}

#[test]
fn tensor_tables_match_the_counts_and_the_gradients() {
    check_tensor_table(LayerKind::Dense, Dense::<3, 4, Tanh>::new(Tanh));
    check_tensor_table(LayerKind::Dense, NoBias::<3, 4, Tanh>::new(Tanh));
    check_tensor_table(
        LayerKind::Dense,
        Dense::<3, 4, Tanh, HeapMatrix<4, 3>, HeapVector<4>>::new(Tanh),
    );
    check_tensor_table(LayerKind::Activation, ActivationLayer::<4, _>::new(Relu));
    check_tensor_table(LayerKind::Dropout, Dropout::<4>::new(0.5));
    check_tensor_table(LayerKind::BatchNorm, BatchNorm::<4>::new(0.99, 1e-3));
    check_tensor_table(
        LayerKind::BatchNorm,
        BatchNorm::<4, HeapVector<4>>::new(0.99, 1e-3),
    );
    check_tensor_table(LayerKind::LayerNorm, LayerNorm::<4>::new(1e-3));

    assert_eq!(<NoBias<3, 4, Tanh> as Layer<3, 4>>::TENSORS, 1);
    assert_eq!(NoBias::<3, 4, Tanh>::PARAMS, 12);
    assert_eq!(Dense::<3, 4, Tanh>::PARAMS, 16);
    assert_eq!(<BatchNorm<4> as Layer<4, 4>>::TRAINABLE, 8);
    assert_eq!(<BatchNorm<4> as Layer<4, 4>>::NON_TRAINABLE, 8);
}

#[test]
fn regularization_adds_the_penalty_and_its_gradient() {
    let regularizer = Regularizer { l1: 0.03, l2: 0.2 };
    let layer = randomized(Dense::<3, 4, Linear>::new(Linear), 70).with_regularizer(regularizer);
    let weights = layer.tensor(0).to_vec();
    // |w| is not differentiable at 0: the weights stay further than 2H from it.
    assert!(
        weights.iter().all(|w| w.abs() > 2.5 * H),
        "pick another seed: {weights:?}"
    );

    let penalty: f64 = weights
        .iter()
        .map(|&w| 0.03 * f64::from(w).abs() + 0.2 * f64::from(w).powi(2))
        .sum();
    let mut grad = LayerGradient::zeroed();
    LayerGradient::tensor_mut(&mut grad, 1).fill(0.5);
    LayerGradient::tensor_mut(&mut grad, 0).fill(0.5);
    let got = layer.regularization(Some(&mut grad));
    assert_near("penalty", f64::from(got), penalty, 1e-6);
    assert_eq!(layer.regularization(None), got);
    for (&g, &w) in grad.weights.iter().zip(&weights) {
        let want = 0.5 + 0.03 * f64::from(w.signum()) + 0.4 * f64::from(w);
        assert_near("penalty gradient", f64::from(g), want, 1e-6);
    }
    assert!(
        grad.bias.iter().all(|&b| b == 0.5),
        "the bias is not regularized"
    );

    // Against the finite differences of the penalty.
    let added: Vec<f32> = grad.weights.iter().map(|g| g - 0.5).collect();
    let numeric: Vec<f64> = (0..weights.len())
        .map(|k| {
            derivative(weights[k], |t| {
                let mut layer = layer.clone();
                layer.weights[k] = t;
                f64::from(layer.regularization(None))
            })
        })
        .collect();
    assert_gradient("penalty", &added, &numeric);

    // Nothing for the other kinds, nor for a dense layer without a regularizer.
    let plain = randomized(Dense::<3, 4, Linear>::new(Linear), 70);
    let mut untouched = LayerGradient::zeroed();
    assert_eq!(plain.regularization(Some(&mut untouched)), 0.0);
    assert_eq!(untouched, plain.zero_gradient());
    let norm = randomized(BatchNorm::<4>::new(0.9, 1e-3), 71);
    assert_eq!(norm.regularization(None), 0.0);
}

// ------------------------------------------------------------------------------------------
// 5. The per-sample and batch passes agree
// ------------------------------------------------------------------------------------------

/// `forward_simd_into`, `forward_simd` and `forward_trace_simd_into` of each column against
/// `output_batch` and `forward_batch(Mode::Inference, ..)` over a batch of 6 samples.
struct Paths<'a, const IN: usize, const OUT: usize, L> {
    what: &'a str,
    layer: &'a L,
    x: Vec<f32>,
}

fn assert_same(what: &str, got: &[f32], want: &[f32]) {
    for (&g, &w) in got.iter().zip(want) {
        assert!(
            relative_eq!(g, w, epsilon = 1e-6, max_relative = 1e-5),
            "{what}: {got:?} against {want:?}"
        );
    }
}

impl<const IN: usize, const OUT: usize, L: Layer<IN, OUT>> SimdCheck for Paths<'_, IN, OUT, L> {
    fn run<V: Simd>(&self, simd: V) {
        let (layer, x, n) = (self.layer, &self.x, self.x.len() / IN);
        let what = format!("{} ({} lanes)", self.what, V::F32_LANES);
        let mut output = vec![0.0; n * OUT];
        layer.output_batch(x, &mut output);
        let (mut z, mut a) = (vec![0.0; n * OUT], vec![0.0; n * OUT]);
        let mut grad = L::Gradient::zeroed();
        layer.forward_batch(Mode::Inference, x, &mut z, &mut a, &mut grad);
        assert_same(
            &format!("{what}: forward_batch against output_batch"),
            &a,
            &output,
        );
        let columns = x
            .chunks_exact(IN)
            .zip(output.chunks_exact(OUT))
            .zip(z.chunks_exact(OUT));
        for ((x, output), batch_z) in columns {
            let x = SVector::<f32, IN>::from_column_slice(x);
            let mut sample = SVector::<f32, OUT>::zeros();
            layer.forward_simd_into(simd, &x, &mut sample);
            assert_same(
                &format!("{what}: forward_simd_into"),
                sample.as_slice(),
                output,
            );
            let value = layer.forward_simd(simd, &x);
            assert_same(&format!("{what}: forward_simd"), value.as_slice(), output);
            let (mut tz, mut ta) = (SVector::<f32, OUT>::zeros(), SVector::<f32, OUT>::zeros());
            layer.forward_trace_simd_into(simd, &x, &mut tz, &mut ta);
            assert_same(&format!("{what}: trace a"), ta.as_slice(), output);
            assert_same(&format!("{what}: trace z"), tz.as_slice(), batch_z);
        }
    }
}

fn check_paths<const IN: usize, const OUT: usize, L: Layer<IN, OUT>>(what: &str, layer: &L) {
    let x = values(&mut rng(80), 6 * IN, -2.0, 2.0);
    on_every_simd(&Paths { what, layer, x });
}

#[test]
fn per_sample_and_batch_passes_agree() {
    check_paths(
        "dense tanh",
        &randomized(Dense::<3, 4, Tanh>::new(Tanh), 81),
    );
    check_paths(
        "dense without bias",
        &randomized(NoBias::<3, 4, Sigmoid>::new(Sigmoid), 82),
    );
    check_paths(
        "dense softmax",
        &randomized(Dense::<4, 5, Softmax>::new(Softmax), 83),
    );
    check_paths(
        "dense one unit",
        &randomized(Dense::<5, 1, Linear>::new(Linear), 84),
    );
    check_paths(
        "dense 16 × 17",
        &randomized(Dense::<16, 17, Relu>::new(Relu), 85),
    );
    let heap = Dense::<3, 4, Tanh, HeapMatrix<4, 3>, HeapVector<4>>::new(Tanh);
    check_paths("dense on the heap", &randomized(heap, 86));
    check_paths("activation softmax", &ActivationLayer::<4, _>::new(Softmax));
    check_paths("dropout", &Dropout::<4>::new(0.5));
    check_paths(
        "batch_norm",
        &randomized(BatchNorm::<4>::new(0.99, 1e-3), 87),
    );
    let heap = randomized(BatchNorm::<4, HeapVector<4>>::new(0.99, 1e-3), 87);
    check_paths("batch_norm on the heap", &heap);
    check_paths("layer_norm", &randomized(LayerNorm::<5>::new(1e-3), 88));
}
