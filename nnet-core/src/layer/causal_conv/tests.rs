//! [`CausalConv1d`] against an independent causal convolution written from Keras's formula
//! (zeros before the first step), against numbers worked by hand, `step` against
//! `forward_sequences` bit for bit (over long streams through every shape of registers too),
//! the one-group product in registers and in plain arrays against `f64` sums, and
//! `backward_sequences` against central differences on several sequences of different
//! lengths; in `f32` and `f64`.
//!
//! # Tolerances
//!
//! The reference sums in `f64`: `f32` outputs compare with `1e-5` (a few roundings of values
//! below 10), `f64` with `1e-12`. Gradients use the central difference with a step of `1e-2`
//! in `f32` (passing at `1e-4 + 1e-3·|n|`, as the recurrent layers' tests) and of `1e-5` in
//! `f64` (truncation `~1e-10`, passing at `1e-8 + 1e-6·|n|`).

use nalgebra::{SMatrix, SVector, matrix, vector};
use pulp::{Simd, WithSimd};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{CausalConv1d, CausalConvState};
use crate::activation::{Activation, Linear, Tanh};
use crate::layer::{LayerKind, Recurrent};
use crate::{Initializer, Regularizer, Scalar};

/// A causal convolution in `T` with a `tanh` (or `A`) activation.
type Conv<const C: usize, const F: usize, const K: usize, const HIST: usize, T, A = Tanh> =
    CausalConv1d<C, F, K, HIST, A, SMatrix<T, F, K>, SVector<T, F>>;

/// Sequences of different lengths: longer and shorter than the history, one of a single step.
const LENGTHS: [usize; 4] = [3, 1, 7, 5];

fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

fn values<T: Scalar>(rng: &mut ChaCha8Rng, n: usize) -> Vec<T> {
    (0..n)
        .map(|_| T::of_f64(rng.random_range(-1.0..1.0)))
        .collect()
}

/// A layer of the given counts with every tensor drawn from `U(−0.6, 0.6)`.
fn randomized<const C: usize, const F: usize, const K: usize, const HIST: usize, T, A>(
    activation: A,
    (kernel_size, dilation, groups): (usize, usize, usize),
    seed: u64,
) -> Conv<C, F, K, HIST, T, A>
where
    T: Scalar,
    A: Activation<T>,
{
    let mut layer = Conv::<C, F, K, HIST, T, A>::zeroed(activation, kernel_size, dilation, groups);
    let mut rng = rng(seed);
    for i in 0..2 {
        for v in Recurrent::<C, F, T>::tensor_mut(&mut layer, i) {
            *v = T::of_f64(rng.random_range(-0.6..0.6));
        }
    }
    layer
}

/// Keras's causal convolution of one sequence, from the formula, in `f64`: `F` values per step.
fn reference<const C: usize, const F: usize, const K: usize, const HIST: usize, T, A>(
    layer: &Conv<C, F, K, HIST, T, A>,
    x: &[T],
) -> Vec<f64>
where
    T: Scalar,
    A: Activation<T>,
{
    let (ks, d, groups) = (layer.kernel_size, layer.dilation, layer.groups);
    let (cg, fg) = (C / groups, F / groups);
    let steps = x.len() / C;
    let mut y = vec![0.0; steps * F];
    for t in 0..steps {
        for f in 0..F {
            let g = f / fg;
            let mut sum = layer.bias[f].as_f64();
            for tap in 0..ks {
                // Tap `tap` reads `(ks − 1 − tap)·d` steps back; before step 0, zeros.
                let Some(s) = (t + tap * d).checked_sub((ks - 1) * d) else {
                    continue;
                };
                for c in 0..cg {
                    let w = layer.kernel[(f, tap * cg + c)].as_f64();
                    sum += w * x[s * C + g * cg + c].as_f64();
                }
            }
            y[t * F + f] = sum;
        }
    }
    // The activation in `T`, on the rounded sums (as the layer applies it).
    let mut a: Vec<T> = y.iter().map(|&v| T::of_f64(v)).collect();
    for step in a.chunks_mut(F) {
        layer.activation.activate(step);
    }
    a.iter().map(|v| v.as_f64()).collect()
}

/// `(trace, h)` of the training pass.
fn forward<const C: usize, const F: usize, T: Scalar, L: Recurrent<C, F, T>>(
    layer: &L,
    x: &[T],
    lengths: &[usize],
) -> (Vec<T>, Vec<T>) {
    let steps: usize = lengths.iter().sum();
    let mut trace = vec![T::of_f64(f64::NAN); steps * L::TRACE];
    let mut h = vec![T::of_f64(f64::NAN); steps * F];
    layer.forward_sequences(x, lengths, &mut trace, &mut h);
    (trace, h)
}

/// Every step's output of `step`, each sequence from the default state.
fn streamed<const C: usize, const F: usize, T: Scalar, L: Recurrent<C, F, T>>(
    layer: &L,
    x: &[T],
    lengths: &[usize],
) -> Vec<T> {
    let mut inputs = x.chunks_exact(C);
    let mut out = Vec::new();
    for &len in lengths {
        let mut state = L::State::default();
        for x in inputs.by_ref().take(len) {
            layer.step(&mut state, &SVector::from_column_slice(x));
            out.extend_from_slice(L::output(&state).as_slice());
        }
    }
    out
}

fn output_tolerance<T: Scalar>() -> f64 {
    if T::NAME == "f64" { 1e-12 } else { 1e-5 }
}

/// `step` equals `forward_sequences` bit for bit, and both equal the reference.
fn check_outputs<const C: usize, const F: usize, const K: usize, const HIST: usize, T>(
    counts: (usize, usize, usize),
) where
    T: Scalar,
{
    check_outputs_over::<C, F, K, HIST, T>(counts, &LENGTHS);
}

/// [`check_outputs`] over sequences of the given lengths.
fn check_outputs_over<const C: usize, const F: usize, const K: usize, const HIST: usize, T>(
    counts: (usize, usize, usize),
    lengths: &[usize],
) where
    T: Scalar,
{
    let layer = randomized::<C, F, K, HIST, T, Tanh>(Tanh, counts, 1);
    let steps: usize = lengths.iter().sum();
    let x = values::<T>(&mut rng(2), steps * C);
    let (trace, h) = forward(&layer, &x, lengths);
    assert_eq!(
        streamed(&layer, &x, lengths),
        h,
        "{counts:?}: step ≠ forward_sequences"
    );
    // The trace is the pre-activation: the activation of it is the output.
    let mut activated = trace.clone();
    for z in activated.chunks_mut(F) {
        Tanh.activate(z);
    }
    assert_eq!(activated, h, "{counts:?}: trace");
    let mut start = 0;
    for &len in lengths {
        let expected = reference(&layer, &x[start * C..(start + len) * C]);
        let actual = &h[start * F..(start + len) * F];
        for (k, (a, e)) in actual.iter().zip(&expected).enumerate() {
            let error = (a.as_f64() - e).abs();
            assert!(
                error <= output_tolerance::<T>() * e.abs().max(1.0),
                "{counts:?} ({}): output {k} of the sequence at {start}: {a} ≠ {e}",
                T::NAME
            );
        }
        start += len;
    }
}

fn check_every_geometry_outputs<T: Scalar>() {
    check_outputs::<2, 3, 2, 0, T>((1, 1, 1)); // kernel 1: a dense layer per step
    check_outputs::<2, 3, 6, 2, T>((3, 1, 1)); // kernel 3
    check_outputs::<2, 3, 6, 4, T>((3, 2, 1)); // kernel 3, dilation 2
    check_outputs::<4, 6, 6, 4, T>((3, 2, 2)); // kernel 3, dilation 2, groups 2
    check_outputs::<2, 4, 2, 3, T>((2, 3, 2)); // kernel 2, dilation 3, groups 2 (depthwise)
    check_outputs::<3, 3, 3, 0, T>((1, 1, 1)); // kernel 1, 3 channels
}

#[test]
fn step_equals_forward_sequences_equals_the_formula_f32() {
    check_every_geometry_outputs::<f32>();
}

#[test]
fn step_equals_forward_sequences_equals_the_formula_f64() {
    check_every_geometry_outputs::<f64>();
}

/// Long sequences through the one-group product of every shape of registers: fewer filters
/// than 4 lanes (plain arrays), 4, 5 (registers of 4, the last overlapping), 8, 12 (of 8,
/// overlapping), 16, 72 (9 registers: a block of 8 and one more); odd channels, kernels whose
/// columns are not a multiple of the partial sums, dilations 1 and 3, windows wrapping the
/// ring buffer many times; and one layer of groups beside them.
fn check_long_streams<T: Scalar>() {
    let lengths = [40, 1, 23];
    check_outputs_over::<3, 2, 9, 2, T>((3, 1, 1), &lengths);
    check_outputs_over::<3, 4, 9, 2, T>((3, 1, 1), &lengths);
    check_outputs_over::<5, 5, 15, 6, T>((3, 3, 1), &lengths);
    check_outputs_over::<4, 8, 12, 2, T>((3, 1, 1), &lengths);
    check_outputs_over::<1, 12, 5, 4, T>((5, 1, 1), &lengths);
    check_outputs_over::<16, 16, 240, 14, T>((15, 1, 1), &lengths);
    check_outputs_over::<2, 72, 14, 6, T>((7, 1, 1), &lengths);
    check_outputs_over::<4, 6, 6, 4, T>((3, 2, 2), &lengths);
}

#[test]
fn long_streams_of_every_register_shape_f32() {
    check_long_streams::<f32>();
}

#[test]
fn long_streams_of_every_register_shape_f64() {
    check_long_streams::<f64>();
}

/// The product of a one-group layer in the registers this machine's dispatch picks (AVX2 with
/// FMA, in registers of 8 or 4 `f32`, where it has them) and in plain arrays, against `f64`
/// sums: the two paths differ only by rounding.
fn check_product<const F: usize, const K: usize>() {
    struct Dispatched<'a, const F: usize, const K: usize>(&'a [[f32; F]; K], &'a [f32; K]);
    impl<const F: usize, const K: usize> WithSimd for Dispatched<'_, F, K> {
        type Output = [f32; F];
        fn with_simd<S: Simd>(self, simd: S) -> [f32; F] {
            let mut z = [0.5; F];
            super::kernel::add_product(simd, &mut z, self.0, self.1);
            z
        }
    }
    let mut r = rng(7);
    let kernel: [[f32; F]; K] = core::array::from_fn(|_| {
        let column = values::<f32>(&mut r, F);
        core::array::from_fn(|f| column[f])
    });
    let v: [f32; K] = core::array::from_fn(|_| r.random_range(-1.0..1.0));
    let dispatched = super::kernel::dispatch::<f32, F, _>(Dispatched(&kernel, &v));
    let plain = Dispatched(&kernel, &v).with_simd(pulp::Scalar::new());
    for f in 0..F {
        let exact: f64 = 0.5
            + kernel
                .iter()
                .zip(&v)
                .map(|(w, &v)| f64::from(w[f]) * f64::from(v))
                .sum::<f64>();
        let scale: f64 = 0.5
            + kernel
                .iter()
                .zip(&v)
                .map(|(w, &v)| f64::from((w[f] * v).abs()))
                .sum::<f64>();
        for (path, z) in [("dispatched", dispatched), ("plain", plain)] {
            let error = (f64::from(z[f]) - exact).abs();
            assert!(
                error <= 2.0 * K as f64 * f64::from(f32::EPSILON) * scale,
                "{F}×{K} {path}: filter {f}: {} ≠ {exact}",
                z[f]
            );
        }
    }
}

#[test]
fn the_product_in_registers_and_in_arrays() {
    check_product::<1, 7>();
    check_product::<4, 12>();
    check_product::<5, 13>();
    check_product::<12, 30>();
    check_product::<16, 240>();
    check_product::<72, 9>();
}

#[test]
fn a_dilated_kernel_by_hand() {
    // 1 channel, 1 filter, kernel 3, dilation 2: y_t = x_{t−4} + 10·x_{t−2} + 100·x_t + ½.
    let conv = Conv::<1, 1, 3, 4, f64, Linear>::from_parts(
        matrix![1.0, 10.0, 100.0],
        vector![0.5],
        Linear,
        3,
        2,
        1,
    );
    let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    let (_, h) = forward(&conv, &x, &[6]);
    assert_eq!(h, [100.5, 200.5, 310.5, 420.5, 531.5, 642.5]);
    assert_eq!(streamed(&conv, &x, &[6]), h);
}

#[test]
fn groups_by_hand() {
    // 2 channels, 2 filters, kernel 2, groups 2: filter 0 reads channel 0 only, filter 1
    // channel 1 only. Rows in (tap, channel of the group) order: (oldest, current).
    let conv = Conv::<2, 2, 2, 1, f32, Linear>::from_parts(
        matrix![1.0, 2.0; 3.0, 4.0],
        vector![0.0, -1.0],
        Linear,
        2,
        1,
        2,
    );
    // Steps (channel 0, channel 1): (1, 10), (2, 20).
    let x = [1.0, 10.0, 2.0, 20.0];
    let expected = [
        2.0 * 1.0,
        4.0 * 10.0 - 1.0,
        1.0 * 1.0 + 2.0 * 2.0,
        3.0 * 10.0 + 4.0 * 20.0 - 1.0,
    ];
    assert_eq!(streamed(&conv, &x, &[2]), expected);
    assert_eq!(forward(&conv, &x, &[2]).1, expected);
    // Each sequence starts from zeros: the second sequence's first step sees no past.
    assert_eq!(
        forward(&conv, &[x, x].concat(), &[2, 2]).1,
        [expected, expected].concat()
    );
}

// ------------------------------------------------------------------------------------------
// Gradients
// ------------------------------------------------------------------------------------------

/// The central-difference step and the absolute and relative tolerances, per scalar.
fn gradient_tolerance<T: Scalar>() -> (f64, f64, f64) {
    if T::NAME == "f64" {
        (1e-5, 1e-8, 1e-6)
    } else {
        (1e-2, 1e-4, 1e-3)
    }
}

/// `L = Σ c·h` of the training pass, in `f64`.
fn loss<const C: usize, const F: usize, T: Scalar, L: Recurrent<C, F, T>>(
    layer: &L,
    x: &[T],
    c: &[T],
) -> f64 {
    let (_, h) = forward(layer, x, &LENGTHS);
    h.iter().zip(c).map(|(h, c)| h.as_f64() * c.as_f64()).sum()
}

/// `∂L/∂v` at `v` by the central difference, divided by the step as `T` holds it.
fn central<T: Scalar>(v: T, mut loss: impl FnMut(T) -> f64) -> f64 {
    let (eps, _, _) = gradient_tolerance::<T>();
    let (hi, lo) = (T::of_f64(v.as_f64() + eps), T::of_f64(v.as_f64() - eps));
    (loss(hi) - loss(lo)) / (hi.as_f64() - lo.as_f64())
}

fn assert_close<T: Scalar>(what: &str, analytic: &[T], numeric: &[f64]) {
    let (_, atol, rtol) = gradient_tolerance::<T>();
    assert_eq!(analytic.len(), numeric.len(), "{what}");
    for (k, (a, &n)) in analytic.iter().zip(numeric).enumerate() {
        assert!(
            (a.as_f64() - n).abs() <= atol + rtol * n.abs(),
            "{what} ({}) [{k}]: analytic {a} ≠ numeric {n}",
            T::NAME
        );
    }
}

/// The kernel, bias and input gradients of `backward_sequences` against central differences.
fn check_gradients<const C: usize, const F: usize, const K: usize, const HIST: usize, T>(
    counts: (usize, usize, usize),
) where
    T: Scalar,
{
    let what = format!("{counts:?}");
    let layer = randomized::<C, F, K, HIST, T, Tanh>(Tanh, counts, 3);
    let steps: usize = LENGTHS.iter().sum();
    let mut r = rng(4);
    let (x, c) = (
        values::<T>(&mut r, steps * C),
        values::<T>(&mut r, steps * F),
    );
    let (trace, h) = forward(&layer, &x, &LENGTHS);
    let mut grad = <Conv<C, F, K, HIST, T> as Recurrent<C, F, T>>::Gradient::zeroed();
    let mut dx = vec![T::of_f64(f64::NAN); x.len()];
    layer.backward_sequences(&x, &LENGTHS, &trace, &h, &c, &mut grad, &mut dx);

    for i in 0..2 {
        let numeric: Vec<f64> = (0..layer.tensor(i).len())
            .map(|k| {
                central(layer.tensor(i)[k], |v| {
                    let mut layer = layer;
                    Recurrent::<C, F, T>::tensor_mut(&mut layer, i)[k] = v;
                    loss(&layer, &x, &c)
                })
            })
            .collect();
        assert_close(&format!("{what}: tensor {i}"), grad.tensor(i), &numeric);
    }
    let numeric: Vec<f64> = (0..x.len())
        .map(|k| {
            central(x[k], |v| {
                let mut x = x.clone();
                x[k] = v;
                loss(&layer, &x, &c)
            })
        })
        .collect();
    assert_close(&format!("{what}: ∂L/∂x"), &dx, &numeric);

    // A second pass adds to the gradient (up to the rounding of the sums); an empty `dx` is
    // not written.
    let once = grad.clone();
    layer.backward_sequences(&x, &LENGTHS, &trace, &h, &c, &mut grad, &mut []);
    for i in 0..2 {
        for (twice, once) in grad.tensor(i).iter().zip(once.tensor(i)) {
            let (twice, doubled) = (twice.as_f64(), 2.0 * once.as_f64());
            let tolerance = output_tolerance::<T>() * doubled.abs().max(1.0);
            assert!(
                (twice - doubled).abs() <= tolerance,
                "{what}: tensor {i} accumulates"
            );
        }
    }
}

fn check_every_geometry_gradients<T: Scalar>() {
    check_gradients::<2, 3, 2, 0, T>((1, 1, 1));
    check_gradients::<2, 3, 6, 2, T>((3, 1, 1));
    check_gradients::<2, 3, 6, 4, T>((3, 2, 1));
    check_gradients::<4, 6, 6, 4, T>((3, 2, 2));
    check_gradients::<2, 4, 2, 3, T>((2, 3, 2));
}

#[test]
fn backward_sequences_against_finite_differences_f32() {
    check_every_geometry_gradients::<f32>();
}

#[test]
fn backward_sequences_against_finite_differences_f64() {
    check_every_geometry_gradients::<f64>();
}

#[test]
fn without_a_bias_the_kernel_is_the_only_tensor() {
    type NoBias = CausalConv1d<2, 3, 6, 2, Tanh, SMatrix<f32, 3, 6>, SVector<f32, 3>, false>;
    let mut layer = NoBias::zeroed(Tanh, 3, 1, 1);
    layer.bias.fill(1.0); // not a tensor: the layer adds it as it is, zero when built
    assert_eq!(<NoBias as Recurrent<2, 3>>::TENSORS, 1);
    assert_eq!(<NoBias as Recurrent<2, 3>>::TRAINABLE, 18);
    assert!(Recurrent::<2, 3>::tensor(&layer, 1).is_empty());
    assert_eq!(<NoBias as Recurrent<2, 3>>::tensor_info(1), None);
    let mut grad = <NoBias as Recurrent<2, 3>>::Gradient::zeroed();
    let (x, dh) = ([0.5; 4], [1.0; 6]);
    let (trace, h) = forward(&layer, &x, &[2]);
    layer.backward_sequences(&x, &[2], &trace, &h, &dh, &mut grad, &mut []);
    assert_eq!(grad.bias.sum(), 0.0);
    assert!(grad.weights.sum() != 0.0);
}

// ------------------------------------------------------------------------------------------
// State, constructors, tensors
// ------------------------------------------------------------------------------------------

#[test]
fn the_state_is_copy_and_resets_by_default() {
    let layer = randomized::<2, 3, 6, 4, f32, Tanh>(Tanh, (3, 2, 1), 5);
    let x = values::<f32>(&mut rng(6), 8 * 2);
    let inputs: Vec<SVector<f32, 2>> = x.chunks(2).map(SVector::from_column_slice).collect();
    let mut state = CausalConvState::<2, 3, 4>::default();
    let mut first = Vec::new();
    for x in &inputs {
        layer.step(&mut state, x);
        first.push(*state.output());
    }
    // A copy goes on as the original does, and leaves it alone.
    let mut copy = state;
    layer.step(&mut copy, &inputs[0]);
    let mut again = state;
    layer.step(&mut again, &inputs[0]);
    assert_eq!(copy, again);
    assert_ne!(copy, state);
    // `Default` starts a new sequence: the same outputs as the first time.
    state = Default::default();
    for (x, expected) in inputs.iter().zip(&first) {
        layer.step(&mut state, x);
        assert_eq!(state.output(), expected);
    }
    assert_eq!(state.past(1), Some(inputs[7].as_slice()));
    assert_eq!(state.past(4), Some(inputs[4].as_slice()));
}

#[test]
fn the_counts_must_fit_the_sizes() {
    type Conv4 = CausalConv1d<4, 6, 6, 4, Tanh>;
    assert!(Conv4::fits(3, 2, 2));
    assert!(!Conv4::fits(3, 2, 1)); // K would be 12
    assert!(!Conv4::fits(3, 1, 2)); // HIST would be 2
    assert!(!Conv4::fits(3, 2, 0));
    assert!(!Conv4::fits(0, 2, 2));
    assert!(!Conv4::fits(3, 0, 2));
    assert!(!CausalConv1d::<4, 6, 4, 4, Tanh>::fits(1, 4, 4)); // 4 does not divide 6 filters
    assert!(!CausalConv1d::<4, 6, 6, 0, Tanh>::fits(3, usize::MAX, 2)); // overflow
    // Kernel 1: no history whatever the dilation.
    assert!(CausalConv1d::<4, 6, 4, 0, Tanh>::fits(1, 3, 1));
    let conv = std::panic::catch_unwind(|| Conv4::zeroed(Tanh, 3, 1, 2));
    assert!(conv.is_err());
}

#[test]
fn tensors_and_constants() {
    type Grouped = CausalConv1d<4, 6, 6, 4, Tanh>;
    assert_eq!(<Grouped as Recurrent<4, 6>>::KIND, LayerKind::Conv1d);
    assert_eq!(<Grouped as Recurrent<4, 6>>::TENSORS, 2);
    assert_eq!(<Grouped as Recurrent<4, 6>>::TRAINABLE, 6 * 6 + 6);
    assert_eq!(<Grouped as Recurrent<4, 6>>::TRACE, 6);
    let kernel = <Grouped as Recurrent<4, 6>>::tensor_info(0).unwrap();
    assert_eq!((kernel.tensor, kernel.rows, kernel.cols), ("kernel", 6, 6));
    let mut conv = Grouped::zeroed(Tanh, 3, 2, 2);
    conv.kernel[(1, 2)] = 7.0;
    // Column-major: (row 1, column 2) is value 2·6 + 1.
    assert_eq!(Recurrent::<4, 6>::tensor(&conv, 0)[13], 7.0);
    Recurrent::<4, 6>::tensor_mut(&mut conv, 1)[5] = 2.0;
    assert_eq!(conv.bias[5], 2.0);
    assert!(Recurrent::<4, 6>::tensor(&conv, 2).is_empty());
}

#[test]
fn the_regularizer_penalizes_the_kernel_only() {
    let r = Regularizer { l1: 0.5, l2: 0.25 };
    let mut conv = Conv::<1, 2, 2, 1, f64, Linear>::from_parts(
        matrix![1.0, -2.0; 0.0, 3.0],
        vector![5.0, 5.0],
        Linear,
        2,
        1,
        1,
    )
    .with_regularizer(r);
    let mut grad = <Conv<1, 2, 2, 1, f64, Linear> as Recurrent<1, 2, f64>>::Gradient::zeroed();
    let penalty = conv.regularization(Some(&mut grad));
    assert_eq!(penalty, 0.5 * 6.0 + 0.25 * 14.0);
    let mut expected = [0.0; 4];
    r.add_gradient(conv.kernel.as_slice(), &mut expected);
    assert_eq!(grad.weights.as_slice(), expected);
    assert_eq!(grad.bias.sum(), 0.0);
    conv.regularizer = Regularizer::NONE;
    assert_eq!(conv.regularization(None), 0.0);
}

#[test]
fn initialized_with_keras_fans() {
    // 4 channels, 8 filters, kernel 3, groups 2: fan_in = 3 · 2, fan_out = 3 · 8.
    type Conv = CausalConv1d<4, 8, 6, 2, Tanh>;
    let draw =
        |init, seed| Conv::initialized(Tanh, 3, 1, 2, init, Initializer::Uniform, &mut rng(seed));
    let largest = |conv: &Conv| conv.kernel.iter().fold(0.0_f32, |m, w| m.max(w.abs()));
    let he = draw(Initializer::HeUniform, 1);
    let limit = (6.0_f32 / 6.0).sqrt();
    assert!(largest(&he) <= limit && largest(&he) > 0.8 * limit);
    let glorot = draw(Initializer::GlorotUniform, 1);
    let limit = (6.0_f32 / (6.0 + 24.0)).sqrt();
    assert!(largest(&glorot) <= limit && largest(&glorot) > 0.8 * limit);
    // The same seed, the same weights; the bias is drawn after the kernel.
    assert_eq!(draw(Initializer::HeUniform, 1), he);
    assert!(he.bias.iter().all(|b| b.abs() <= 0.05) && he.bias.sum() != 0.0);
    // Orthogonal draws Keras's K × F matrix, 6 × 8: its rows, the kernel's columns, are
    // orthonormal.
    let orthogonal = draw(Initializer::Orthogonal, 2);
    let gram = orthogonal.kernel.transpose() * orthogonal.kernel;
    assert!((gram - SMatrix::<f32, 6, 6>::identity()).abs().max() < 1e-5);
}

#[test]
fn the_kernel_and_the_history_start_at_a_cache_line_wherever_they_live() {
    type Conv16 = CausalConv1d<16, 16, 240, 14, Linear>;
    #[derive(Clone)]
    struct Network {
        _first: u8,
        conv: Conv16,
        state: CausalConvState<16, 16, 14>,
        _last: f32,
    }
    let on_stack = Network {
        _first: 1,
        conv: Conv16::zeroed(Linear, 15, 1, 1),
        state: CausalConvState::default(),
        _last: 0.0,
    };
    let in_array = [(7_u8, on_stack.clone()), (9, on_stack.clone())];
    let boxed = Box::new(on_stack.clone());
    for network in [&on_stack, &in_array[0].1, &in_array[1].1, &boxed] {
        assert_eq!(network.conv.kernel.as_ptr() as usize % 64, 0);
        assert_eq!(network.state.history.as_ptr() as usize % 64, 0);
    }
}
