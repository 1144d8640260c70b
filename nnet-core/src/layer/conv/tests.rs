//! [`Conv`] against independent truth, in `f32` and `f64`: outputs computed by hand, a direct
//! implementation of Keras's formula (with its own padding arithmetic), central finite
//! differences of the layer's own forward pass for every padding, stride, dilation, groups and
//! depth multiplier (per sample and batched, with the helpers and tolerances of
//! `shape_tests`), the batched passes against the per-sample ones, the regularization, folding,
//! initialization, the size check and the tensor table.

use nalgebra::{SMatrix, SVector};
use nnet_kinds::{Axis, Padding, Window};
use pulp::Simd;

use super::{Conv, Conv1dKind, Conv2dKind, ConvKind, DepthwiseConv2dKind};
use crate::activation::{Activation, Linear, Sigmoid, Softmax, Tanh};
use crate::layer::shape_tests::{
    assert_close, check_sample, check_training_batch, randomized, rng, values, vector,
};
use crate::layer::{BatchNorm, Layer, LayerGradient, LayerKind, Mode, Positionwise};
use crate::storage::{HeapMatrix, HeapVector, MatrixStorage};
use crate::{Initializer, Regularizer, Scalar};

/// A convolution with inline storage in `T`.
type ConvOf<
    const IN: usize,
    const OUT: usize,
    const F: usize,
    const K: usize,
    A,
    M,
    T,
    const BIAS: bool,
> = Conv<IN, OUT, F, K, A, M, SMatrix<T, F, K>, SVector<T, F>, BIAS>;

/// A 1-D window over `steps` steps of `channels` channels.
fn steps(
    steps: usize,
    kernel: usize,
    stride: usize,
    dilation: usize,
    padding: Padding,
    channels: usize,
) -> Window {
    Window::steps(
        Axis::new(steps, kernel, stride, dilation, padding),
        channels,
    )
}

/// A 2-D window over `(height, width, channels)`, the same stride, dilation and padding on
/// both axes.
fn image(
    (height, width, channels): (usize, usize, usize),
    (kh, kw): (usize, usize),
    stride: usize,
    dilation: usize,
    padding: Padding,
) -> Window {
    Window::image(
        Axis::new(height, kh, stride, dilation, padding),
        Axis::new(width, kw, stride, dilation, padding),
        channels,
    )
}

// ------------------------------------------------------------------------------------------
// 1. Outputs computed by hand
// ------------------------------------------------------------------------------------------

/// The pre-activations of a linear layer with the given kernel rows and bias.
fn outputs<const IN: usize, const OUT: usize, const F: usize, const K: usize, M: ConvKind, T>(
    window: Window,
    groups: usize,
    kernel: [[f64; K]; F],
    bias: [f64; F],
    x: [f64; IN],
) -> Vec<f64>
where
    T: Scalar,
{
    let mut conv = ConvOf::<IN, OUT, F, K, Linear, M, T, true>::new(window, groups, Linear);
    for (f, row) in kernel.iter().enumerate() {
        for (k, &w) in row.iter().enumerate() {
            conv.kernel[(f, k)] = T::of_f64(w);
        }
        conv.bias[f] = T::of_f64(bias[f]);
    }
    let x = SVector::<T, IN>::from_fn(|i, _| T::of_f64(x[i]));
    let y = conv.forward_simd(pulp::Scalar::new(), &x);
    y.iter().map(|v| v.as_f64()).collect()
}

fn by_hand<T: Scalar>() {
    let x5 = [1.0, 2.0, 3.0, 4.0, 5.0];
    // `same`, stride 2, 3 taps over 5 steps: total padding 2, one zero on each side.
    let same = steps(5, 3, 2, 1, Padding::Same, 1);
    let y = outputs::<5, 3, 1, 3, Conv1dKind, T>(same, 1, [[1.0, 0.0, -1.0]], [0.0], x5);
    assert_eq!(y, [0.0 - 2.0, 2.0 - 4.0, 4.0 - 0.0], "same, stride 2");

    // `same`, 2 taps: one zero of padding, on the right (Keras), not on the left.
    let same = steps(5, 2, 1, 1, Padding::Same, 1);
    let y = outputs::<5, 5, 1, 2, Conv1dKind, T>(same, 1, [[1.0, 10.0]], [0.0], x5);
    assert_eq!(
        y,
        [21.0, 32.0, 43.0, 54.0, 5.0],
        "same: the odd zero on the right"
    );

    // `causal`, dilation 2: output t reads x[t − 2] and x[t], zeros before the start.
    let causal = steps(4, 2, 1, 2, Padding::Causal, 1);
    let y =
        outputs::<4, 4, 1, 2, Conv1dKind, T>(causal, 1, [[1.0, 10.0]], [0.0], [1.0, 2.0, 3.0, 4.0]);
    assert_eq!(y, [10.0, 20.0, 31.0, 42.0], "causal, dilation 2");

    // `valid`, dilation 3: x[t] + 10 x[t + 3], with a bias.
    let dilated = steps(5, 2, 1, 3, Padding::Valid, 1);
    let y = outputs::<5, 2, 1, 2, Conv1dKind, T>(dilated, 1, [[1.0, 10.0]], [0.5], x5);
    assert_eq!(y, [41.5, 52.5], "valid, dilation 3");

    // Two channels, two filters, one tap: each filter's row is over the channels.
    let pointwise = steps(2, 1, 1, 1, Padding::Valid, 2);
    let y = outputs::<4, 4, 2, 2, Conv1dKind, T>(
        pointwise,
        1,
        [[1.0, 10.0], [100.0, 1000.0]],
        [0.0, 0.0],
        [1.0, 2.0, 3.0, 4.0],
    );
    assert_eq!(
        y,
        [21.0, 2100.0, 43.0, 4300.0],
        "channels last, filters last"
    );

    // Groups 2: filter 0 reads channels 0 and 1, filter 1 channels 2 and 3.
    let grouped = steps(1, 1, 1, 1, Padding::Valid, 4);
    let y = outputs::<4, 2, 2, 2, Conv1dKind, T>(
        grouped,
        2,
        [[1.0, 10.0], [100.0, 1000.0]],
        [0.0, 0.0],
        [1.0, 2.0, 3.0, 4.0],
    );
    assert_eq!(y, [21.0, 4300.0], "groups");

    // 2 × 2 `valid` over a 3 × 3 image: the kernel rows are (kernel row, kernel column).
    let square = image((3, 3, 1), (2, 2), 1, 1, Padding::Valid);
    let x9 = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0];
    let y = outputs::<9, 4, 1, 4, Conv2dKind, T>(square, 1, [[1.0, 2.0, 3.0, 4.0]], [0.0], x9);
    assert_eq!(y, [37.0, 47.0, 67.0, 77.0], "conv2d valid");

    // 2 × 2 `same` over 3 × 3: one zero row at the bottom, one zero column on the right.
    let same = image((3, 3, 1), (2, 2), 1, 1, Padding::Same);
    let y = outputs::<9, 9, 1, 4, Conv2dKind, T>(same, 1, [[1.0, 2.0, 3.0, 4.0]], [0.0], x9);
    let want = [
        37.0,
        47.0,
        3.0 + 18.0,
        67.0,
        77.0,
        6.0 + 27.0,
        7.0 + 16.0,
        8.0 + 18.0,
        9.0,
    ];
    assert_eq!(y, want, "conv2d same");

    // Depthwise, depth multiplier 2: output c·2 + m reads channel c.
    let depthwise = image((1, 1, 2), (1, 1), 1, 1, Padding::Valid);
    let y = outputs::<2, 4, 4, 1, DepthwiseConv2dKind, T>(
        depthwise,
        2,
        [[1.0], [10.0], [100.0], [1000.0]],
        [0.0; 4],
        [2.0, 3.0],
    );
    assert_eq!(y, [2.0, 20.0, 300.0, 3000.0], "depthwise, multiplier 2");
}

#[test]
fn outputs_match_the_hand_computed_ones() {
    by_hand::<f32>();
    by_hand::<f64>();
}

// ------------------------------------------------------------------------------------------
// 2. Against a direct implementation of Keras's formula
// ------------------------------------------------------------------------------------------

/// Keras's output length and zeros before the first input of one axis, computed here from the
/// definitions (not from `nnet_kinds::Axis`).
fn keras_axis(axis: Axis) -> (usize, usize) {
    let (n, k, s, d) = (axis.input, axis.kernel, axis.stride, axis.dilation);
    let span = d * (k - 1) + 1;
    match axis.padding {
        Padding::Valid => ((n - span) / s + 1, 0),
        Padding::Same => {
            let out = n.div_ceil(s);
            let total = ((out - 1) * s + span).saturating_sub(n);
            (out, total / 2)
        }
        Padding::Causal => (n.div_ceil(s), span - 1),
    }
}

/// The pre-activations of a convolution, straight from the formula, in `f64`.
fn reference<T: Scalar>(
    window: Window,
    groups: usize,
    filters: usize,
    kernel: &[T],
    bias: &[T],
    x: &[T],
) -> Vec<f64> {
    let (rows, cols, channels) = (window.rows, window.cols, window.channels);
    let ((out_rows, top), (out_cols, left)) = (keras_axis(rows), keras_axis(cols));
    let (cg, fg) = (channels / groups, filters / groups);
    let mut z = Vec::new();
    for p in 0..out_rows {
        for q in 0..out_cols {
            for f in 0..filters {
                let g = f / fg;
                let mut sum = bias[f].as_f64();
                for a in 0..rows.kernel {
                    for b in 0..cols.kernel {
                        let i = (p * rows.stride + a * rows.dilation) as isize - top as isize;
                        let j = (q * cols.stride + b * cols.dilation) as isize - left as isize;
                        if i < 0 || j < 0 || i >= rows.input as isize || j >= cols.input as isize {
                            continue;
                        }
                        let (i, j) = (i as usize, j as usize);
                        for c in 0..cg {
                            let k = (a * cols.kernel + b) * cg + c;
                            let w = kernel[k * filters + f].as_f64();
                            sum += w * x[(i * cols.input + j) * channels + g * cg + c].as_f64();
                        }
                    }
                }
                z.push(sum);
            }
        }
    }
    z
}

/// The layer's trace against the formula: `z` the reference, `a` its activation (over each
/// position's filters, which matters for softmax).
fn check_reference<
    const IN: usize,
    const OUT: usize,
    const F: usize,
    const K: usize,
    T: Scalar,
    A: Activation<T>,
    M: ConvKind,
    const BIAS: bool,
    V: Simd,
>(
    what: &str,
    layer: &ConvOf<IN, OUT, F, K, A, M, T, BIAS>,
    simd: V,
    seed: u64,
) {
    let x: SVector<T, IN> = vector(&mut rng(seed), -2.0, 2.0);
    let bias = if BIAS {
        layer.bias.as_slice().to_vec()
    } else {
        vec![T::zero(); F]
    };
    let want = reference(
        layer.window,
        layer.groups,
        F,
        layer.kernel.as_slice(),
        &bias,
        x.as_slice(),
    );
    let want: Vec<T> = want.into_iter().map(T::of_f64).collect();
    let (mut z, mut a) = (SVector::<T, OUT>::zeros(), SVector::<T, OUT>::zeros());
    layer.forward_trace_simd_into(simd, &x, &mut z, &mut a);
    let what = format!("{what} ({} lanes)", V::F32_LANES);
    assert_close(&format!("{what}: z"), z.as_slice(), &want);
    let mut activated = want;
    for position in activated.chunks_exact_mut(F) {
        layer.activation.activate(position);
    }
    assert_close(&format!("{what}: a"), a.as_slice(), &activated);
}

// ------------------------------------------------------------------------------------------
// 3. Every configuration: the formula, the finite differences, the batch against the samples
// ------------------------------------------------------------------------------------------

/// The batched passes over 3 samples against the per-sample ones: the outputs column by column,
/// the gradients summed over the samples and `∂L/∂x` column by column.
fn check_batch_against_samples<
    const IN: usize,
    const OUT: usize,
    const F: usize,
    const K: usize,
    T: Scalar,
    A: Activation<T>,
    M: ConvKind,
    const BIAS: bool,
>(
    what: &str,
    layer: &ConvOf<IN, OUT, F, K, A, M, T, BIAS>,
    seed: u64,
) {
    let n = 3;
    let mut rng = rng(seed);
    let x = values::<T>(&mut rng, n * IN, -2.0, 2.0);
    let delta = values::<T>(&mut rng, n * OUT, -1.0, 1.0);
    let (mut z, mut a, mut out) = (
        vec![T::zero(); n * OUT],
        vec![T::zero(); n * OUT],
        vec![T::zero(); n * OUT],
    );
    let mut grad = LayerGradient::zeroed();
    layer.forward_batch(Mode::Inference, &x, &mut z, &mut a, &mut grad);
    layer.output_batch(&x, &mut out);
    assert_close(&format!("{what}: output_batch"), &out, &a);
    let mut dx = vec![T::zero(); n * IN];
    layer.backward_batch(&x, &z, &delta, &mut grad, &mut dx);

    let simd = pulp::Scalar::new();
    let mut summed = layer.zero_gradient();
    let columns = x.chunks_exact(IN).zip(delta.chunks_exact(OUT));
    for (s, (xs, ds)) in columns.enumerate() {
        let xs = SVector::<T, IN>::from_column_slice(xs);
        let ds = SVector::<T, OUT>::from_column_slice(ds);
        let (zs, a_s) = layer.forward_trace_simd(simd, &xs);
        let at = s * OUT..(s + 1) * OUT;
        assert_close(&format!("{what}: z of {s}"), &z[at.clone()], zs.as_slice());
        assert_close(&format!("{what}: a of {s}"), &a[at], a_s.as_slice());
        let mut dxs = SVector::<T, IN>::zeros();
        layer.backward_simd(simd, &xs, &zs, &ds, &mut summed, Some(&mut dxs));
        let at = s * IN..(s + 1) * IN;
        assert_close(&format!("{what}: dx of {s}"), &dx[at], dxs.as_slice());
    }
    for i in 0..<ConvOf<IN, OUT, F, K, A, M, T, BIAS> as Layer<IN, OUT, T>>::TENSORS {
        let (got, want) = (LayerGradient::tensor(&grad, i), summed.tensor(i));
        assert_close(&format!("{what}: gradient {i}"), got, want);
    }
}

/// Every check of one configuration, with random tensors from `seed`.
fn check<
    const IN: usize,
    const OUT: usize,
    const F: usize,
    const K: usize,
    T: Scalar,
    A: Activation<T>,
    M: ConvKind,
    const BIAS: bool,
>(
    what: &str,
    window: Window,
    groups: usize,
    activation: A,
    seed: u64,
) {
    let layer: ConvOf<IN, OUT, F, K, A, M, T, BIAS> =
        randomized(Conv::new(window, groups, activation), seed);
    check_reference(what, &layer, pulp::Scalar::new(), seed + 1);
    check_reference(what, &layer, pulp::Scalar128b, seed + 1);
    check_reference(what, &layer, pulp::Scalar256b, seed + 1);
    check_sample(what, &layer, pulp::Scalar::new(), seed + 2);
    check_sample(what, &layer, pulp::Scalar256b, seed + 2);
    check_training_batch(&format!("{what}, batch"), &layer, 3, seed + 3);
    check_batch_against_samples(what, &layer, seed + 4);
}

fn conv1d_everywhere<T: Scalar>() {
    use Padding::{Causal, Same, Valid};
    check::<12, 12, 3, 6, T, _, Conv1dKind, true>(
        "conv1d valid",
        steps(6, 3, 1, 1, Valid, 2),
        1,
        Tanh,
        10,
    );
    check::<14, 12, 3, 8, T, _, Conv1dKind, false>(
        "conv1d same, stride 2, no bias",
        steps(7, 4, 2, 1, Same, 2),
        1,
        Linear,
        20,
    );
    check::<12, 12, 2, 6, T, _, Conv1dKind, true>(
        "conv1d causal, dilation 2",
        steps(6, 3, 1, 2, Causal, 2),
        1,
        Sigmoid,
        30,
    );
    check::<7, 8, 2, 2, T, _, Conv1dKind, true>(
        "conv1d causal, stride 2",
        steps(7, 2, 2, 1, Causal, 1),
        1,
        Tanh,
        40,
    );
    check::<20, 30, 6, 4, T, _, Conv1dKind, true>(
        "conv1d same, groups 2",
        steps(5, 2, 1, 1, Same, 4),
        2,
        Tanh,
        50,
    );
    check::<5, 40, 20, 3, T, _, Conv1dKind, true>(
        "conv1d valid, stride 2, 20 filters",
        steps(5, 3, 2, 1, Valid, 1),
        1,
        Tanh,
        60,
    );
    check::<10, 10, 2, 6, T, _, Conv1dKind, true>(
        "conv1d same, dilation 2",
        steps(5, 3, 1, 2, Same, 2),
        1,
        Tanh,
        70,
    );
    check::<12, 4, 2, 6, T, _, Conv1dKind, true>(
        "conv1d valid, dilation 2",
        steps(6, 3, 1, 2, Valid, 2),
        1,
        Tanh,
        80,
    );
}

fn conv2d_everywhere<T: Scalar>() {
    use Padding::{Same, Valid};
    check::<40, 18, 3, 18, T, _, Conv2dKind, true>(
        "conv2d valid",
        image((5, 4, 2), (3, 3), 1, 1, Valid),
        1,
        Tanh,
        110,
    );
    check::<50, 18, 2, 12, T, _, Conv2dKind, false>(
        "conv2d same, stride 2, kernel (3, 2), no bias",
        image((5, 5, 2), (3, 2), 2, 1, Same),
        1,
        Linear,
        120,
    );
    check::<30, 60, 2, 6, T, _, Conv2dKind, true>(
        "conv2d same, dilation 2",
        image((6, 5, 1), (2, 3), 1, 2, Same),
        1,
        Sigmoid,
        130,
    );
    check::<50, 8, 2, 8, T, _, Conv2dKind, true>(
        "conv2d valid, stride 2",
        image((5, 5, 2), (2, 2), 2, 1, Valid),
        1,
        Tanh,
        135,
    );
    check::<64, 64, 4, 18, T, _, Conv2dKind, true>(
        "conv2d same, groups 2",
        image((4, 4, 4), (3, 3), 1, 1, Same),
        2,
        Tanh,
        140,
    );
    check::<18, 12, 3, 8, T, _, Conv2dKind, true>(
        "conv2d softmax",
        image((3, 3, 2), (2, 2), 1, 1, Valid),
        1,
        Softmax,
        150,
    );
    check::<27, 153, 17, 12, T, _, Conv2dKind, true>(
        "conv2d same, 17 filters",
        image((3, 3, 3), (2, 2), 1, 1, Same),
        1,
        Tanh,
        160,
    );
    // 16 filters and 27 kernel columns: batches go through the product of their patches.
    check::<48, 256, 16, 27, T, _, Conv2dKind, true>(
        "conv2d same, 16 filters of 27",
        image((4, 4, 3), (3, 3), 1, 1, Same),
        1,
        Tanh,
        170,
    );
    check::<48, 64, 16, 6, T, _, Conv2dKind, true>(
        "conv2d same, groups 2 of 8 filters",
        image((2, 2, 12), (1, 1), 1, 1, Same),
        2,
        Tanh,
        165,
    );
}

fn depthwise_everywhere<T: Scalar>() {
    use Padding::{Same, Valid};
    check::<60, 60, 3, 9, T, _, DepthwiseConv2dKind, true>(
        "depthwise same, multiplier 1",
        image((4, 5, 3), (3, 3), 1, 1, Same),
        3,
        Tanh,
        210,
    );
    check::<50, 16, 4, 9, T, _, DepthwiseConv2dKind, false>(
        "depthwise valid, stride 2, multiplier 2, no bias",
        image((5, 5, 2), (3, 3), 2, 1, Valid),
        2,
        Linear,
        220,
    );
    check::<162, 162, 18, 9, T, _, DepthwiseConv2dKind, true>(
        "depthwise same, 18 channels",
        image((3, 3, 18), (3, 3), 1, 1, Same),
        18,
        Tanh,
        230,
    );
    check::<50, 50, 2, 4, T, _, DepthwiseConv2dKind, true>(
        "depthwise same, dilation 2",
        image((5, 5, 2), (2, 2), 1, 2, Same),
        2,
        Sigmoid,
        240,
    );
}

#[test]
fn conv1d_matches_the_formula_and_the_finite_differences_in_f32() {
    conv1d_everywhere::<f32>();
}

#[test]
fn conv1d_matches_the_formula_and_the_finite_differences_in_f64() {
    conv1d_everywhere::<f64>();
}

#[test]
fn conv2d_matches_the_formula_and_the_finite_differences_in_f32() {
    conv2d_everywhere::<f32>();
}

#[test]
fn conv2d_matches_the_formula_and_the_finite_differences_in_f64() {
    conv2d_everywhere::<f64>();
}

#[test]
fn depthwise_matches_the_formula_and_the_finite_differences_in_f32() {
    depthwise_everywhere::<f32>();
}

#[test]
fn depthwise_matches_the_formula_and_the_finite_differences_in_f64() {
    depthwise_everywhere::<f64>();
}

/// The machine's own instruction set (AVX2 with FMA here) against the formula.
#[test]
fn the_dispatched_instruction_set_matches_the_formula() {
    struct Native;
    impl pulp::WithSimd for Native {
        type Output = ();
        fn with_simd<V: Simd>(self, simd: V) {
            let layer: ConvOf<27, 153, 17, 12, Tanh, Conv2dKind, f32, true> = randomized(
                Conv::new(image((3, 3, 3), (2, 2), 1, 1, Padding::Same), 1, Tanh),
                300,
            );
            check_reference("17 filters", &layer, simd, 301);
            let layer: ConvOf<162, 162, 18, 9, Tanh, DepthwiseConv2dKind, f64, true> = randomized(
                Conv::new(image((3, 3, 18), (3, 3), 1, 1, Padding::Same), 18, Tanh),
                302,
            );
            check_reference("depthwise", &layer, simd, 303);
        }
    }
    pulp::Arch::new().dispatch(Native);
}

// ------------------------------------------------------------------------------------------
// 4. Regularization, folding, initialization, sizes and tensors
// ------------------------------------------------------------------------------------------

#[test]
fn regularization_adds_the_penalty_and_its_gradient_on_the_kernel() {
    let window = image((4, 4, 2), (3, 3), 1, 1, Padding::Same);
    let mut layer: ConvOf<32, 48, 3, 18, Tanh, Conv2dKind, f64, true> =
        randomized(Conv::new(window, 1, Tanh), 400);
    layer.regularizer = Regularizer { l1: 0.03, l2: 0.2 };
    let kernel = layer.kernel;
    let penalty: f64 = kernel.iter().map(|w| 0.03 * w.abs() + 0.2 * w * w).sum();
    let mut grad = layer.zero_gradient();
    grad.bias.fill(0.5);
    let got = layer.regularization(Some(&mut grad));
    assert!((got - penalty).abs() < 1e-12, "{got} against {penalty}");
    assert_eq!(layer.regularization(None), got);
    for (&g, &w) in grad.weights.iter().zip(kernel.iter()) {
        // Keras's sign(0) is 0.
        let sign = if w == 0.0 { 0.0 } else { w.signum() };
        assert!((g - (0.03 * sign + 0.4 * w)).abs() < 1e-12, "{g} at {w}");
    }
    assert!(
        grad.bias.iter().all(|&b| b == 0.5),
        "the bias is not regularized"
    );
    layer.regularizer = Regularizer::NONE;
    assert_eq!(layer.regularization(None), 0.0);
}

fn folding<T: Scalar>() {
    let simd = pulp::Scalar::new();
    // `conv2d 3 (3, 3) (padding = same); batch_norm;` over (4, 4, 2): 16 positions.
    let window = image((4, 4, 2), (3, 3), 1, 1, Padding::Same);
    let norm: Positionwise<BatchNorm<3, SVector<T, 3>>, 16, 3, 3, 48, 48> =
        Positionwise::new(randomized(BatchNorm::new(0.9, 1e-3), 500));
    let x: SVector<T, 32> = vector(&mut rng(501), -2.0, 2.0);

    let conv: ConvOf<32, 48, 3, 18, Linear, Conv2dKind, T, true> =
        randomized(Conv::new(window, 1, Linear), 502);
    let separate = norm.forward_simd(simd, &conv.forward_simd(simd, &x));
    let folded = conv.folded(&norm.layer).forward_simd(simd, &x);
    assert_close("folded", folded.as_slice(), separate.as_slice());

    // Without a bias, the fold gains one.
    let conv: ConvOf<32, 48, 3, 18, Linear, Conv2dKind, T, false> =
        randomized(Conv::new(window, 1, Linear), 503);
    let separate = norm.forward_simd(simd, &conv.forward_simd(simd, &x));
    let folded = conv.folded(&norm.layer);
    assert_eq!(
        <ConvOf<32, 48, 3, 18, Linear, Conv2dKind, T, true> as Layer<32, 48, T>>::TENSORS,
        2
    );
    assert_close(
        "folded without bias",
        folded.forward_simd(simd, &x).as_slice(),
        separate.as_slice(),
    );

    // Depthwise, multiplier 2: each output channel its own statistics.
    let window = image((3, 3, 2), (2, 2), 1, 1, Padding::Valid);
    let conv: ConvOf<18, 16, 4, 4, Linear, DepthwiseConv2dKind, T, true> =
        randomized(Conv::new(window, 2, Linear), 504);
    let norm: Positionwise<BatchNorm<4, SVector<T, 4>>, 4, 4, 4, 16, 16> =
        Positionwise::new(randomized(BatchNorm::new(0.9, 1e-3), 505));
    let x: SVector<T, 18> = vector(&mut rng(506), -2.0, 2.0);
    let separate = norm.forward_simd(simd, &conv.forward_simd(simd, &x));
    let folded = conv.folded(&norm.layer).forward_simd(simd, &x);
    assert_close("folded depthwise", folded.as_slice(), separate.as_slice());
}

#[test]
fn batch_norm_folds_into_the_convolution_before_it() {
    folding::<f32>();
    folding::<f64>();
}

#[test]
fn initialization_uses_keras_fans_and_the_seed() {
    use rand::SeedableRng;
    let window = image((5, 5, 4), (3, 3), 1, 1, Padding::Same);
    type Grouped = ConvOf<100, 200, 8, 18, Linear, Conv2dKind, f32, true>;
    type Depthwise = ConvOf<100, 200, 8, 9, Linear, DepthwiseConv2dKind, f32, true>;
    // Conv2D: (kh · kw · in / groups, kh · kw · filters).
    assert_eq!(Grouped::fans(window, 2), (9 * 2, 9 * 8));
    // DepthwiseConv2D: (kh · kw · channels, kh · kw · depth multiplier).
    assert_eq!(Depthwise::fans(window, 4), (9 * 4, 9 * 2));
    let steps = steps(10, 3, 1, 1, Padding::Valid, 2);
    assert_eq!(
        ConvOf::<20, 40, 5, 6, Linear, Conv1dKind, f32, true>::fans(steps, 1),
        (6, 15)
    );

    let seeded = |seed| {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        Grouped::initialized(
            window,
            2,
            Linear,
            Initializer::GlorotUniform,
            Initializer::Uniform,
            &mut rng,
        )
    };
    let (a, b, c) = (seeded(1), seeded(1), seeded(2));
    assert_eq!(a, b, "same seed, same weights");
    assert_ne!(a.kernel, c.kernel);
    let limit = (6.0_f32 / (18.0 + 72.0)).sqrt();
    assert!(
        a.kernel.iter().all(|w| w.abs() < limit),
        "glorot with Keras's fans"
    );
    assert!(a.kernel.iter().any(|w| w.abs() > limit / 2.0));
    assert!(a.bias.iter().all(|b| b.abs() < 0.05) && a.bias.iter().any(|&b| b != 0.0));
}

#[test]
fn check_refuses_sizes_that_do_not_fit_the_window() {
    use Padding::{Same, Valid};
    type Image = ConvOf<50, 36, 4, 18, Linear, Conv2dKind, f32, true>;
    let window = image((5, 5, 2), (3, 3), 1, 1, Valid);
    assert!(Image::check(window, 1));
    assert!(
        !Image::check(image((5, 5, 2), (3, 3), 1, 1, Same), 1),
        "OUT"
    );
    assert!(
        !Image::check(image((5, 4, 2), (3, 3), 1, 1, Valid), 1),
        "IN"
    );
    assert!(!Image::check(window, 2), "K with groups");
    assert!(!Image::check(window, 0), "no groups");
    assert!(
        !Image::check(image((5, 5, 2), (3, 3), 0, 1, Valid), 1),
        "stride 0"
    );
    assert!(
        !Image::check(image((5, 5, 2), (3, 3), 1, 0, Valid), 1),
        "dilation 0"
    );
    assert!(
        !ConvOf::<50, 0, 4, 18, Linear, Conv2dKind, f32, true>::check(
            image((5, 5, 2), (6, 6), 1, 1, Valid),
            1
        ),
        "no output"
    );
    // 4 filters in 3 groups, 2 channels in 4 groups.
    assert!(!ConvOf::<50, 36, 4, 6, Linear, Conv2dKind, f32, true>::check(window, 3));
    // A depthwise layer's groups are its channels; a 1-D layer's rows are a point.
    let depthwise = image((5, 5, 2), (3, 3), 1, 1, Valid);
    assert!(ConvOf::<50, 36, 4, 9, Linear, DepthwiseConv2dKind, f32, true>::check(depthwise, 2));
    assert!(!ConvOf::<
        50,
        18,
        2,
        18,
        Linear,
        DepthwiseConv2dKind,
        f32,
        true,
    >::check(depthwise, 1));
    assert!(!ConvOf::<50, 36, 4, 18, Linear, Conv1dKind, f32, true>::check(window, 1));
    assert!(ConvOf::<10, 6, 2, 6, Linear, Conv1dKind, f32, true>::check(
        steps(5, 3, 1, 1, Valid, 2),
        1
    ));
}

#[test]
#[should_panic(expected = "do not fit")]
fn new_refuses_sizes_that_do_not_fit_the_window() {
    let window = image((5, 5, 2), (3, 3), 1, 1, Padding::Same);
    let _ = ConvOf::<50, 36, 4, 18, Linear, Conv2dKind, f32, true>::new(window, 1, Linear);
}

#[test]
fn tensors_are_the_kernel_and_the_bias() {
    type WithBias = ConvOf<50, 36, 4, 18, Linear, Conv2dKind, f32, true>;
    type NoBias = ConvOf<50, 36, 4, 18, Linear, Conv2dKind, f32, false>;
    type Heap = Conv<100, 36, 4, 9, Linear, DepthwiseConv2dKind, HeapMatrix<4, 9>, HeapVector<4>>;
    let window = image((5, 5, 2), (3, 3), 1, 1, Padding::Valid);
    let kernel = <WithBias as Layer<50, 36>>::tensor_info(0).unwrap();
    assert_eq!(
        (kernel.tensor, kernel.rows, kernel.cols, kernel.matrix),
        ("kernel", 4, 18, true)
    );
    let bias = <WithBias as Layer<50, 36>>::tensor_info(1).unwrap();
    assert_eq!((bias.tensor, bias.rows, bias.matrix), ("bias", 4, false));
    assert_eq!(<WithBias as Layer<50, 36>>::tensor_info(2), None);
    assert_eq!(<NoBias as Layer<50, 36>>::tensor_info(1), None);
    assert_eq!(
        (
            <WithBias as Layer<50, 36>>::TENSORS,
            <NoBias as Layer<50, 36>>::TENSORS
        ),
        (2, 1)
    );
    assert_eq!(<WithBias as Layer<50, 36>>::TRAINABLE, 76);
    assert_eq!(<NoBias as Layer<50, 36>>::TRAINABLE, 72);
    assert_eq!(<Heap as Layer<100, 36>>::NON_TRAINABLE, 0);
    assert_eq!(<WithBias as Layer<50, 36>>::KIND, LayerKind::Conv2d);
    assert_eq!(<Heap as Layer<100, 36>>::KIND, LayerKind::DepthwiseConv2d);

    let mut layer = NoBias::new(window, 1, Linear);
    assert_eq!((layer.tensor(0).len(), layer.tensor(1).len()), (72, 0));
    layer.tensor_mut(0)[5] = 2.0;
    assert_eq!(layer.kernel[(1, 1)], 2.0, "column-major: entry 5 is (1, 1)");
    assert!(layer.tensor_mut(1).is_empty());
    let grad = <NoBias as Layer<50, 36>>::Gradient::zeroed();
    assert_eq!(LayerGradient::<f32>::tensor(&grad, 0).len(), 72);

    let depthwise = image((5, 5, 4), (3, 3), 1, 1, Padding::Valid);
    let mut heap = Heap::new(depthwise, 4, Linear);
    heap.tensor_mut(1).fill(1.0);
    assert_eq!(heap.bias.sum(), 4.0);
}

/// A large layer (a 32 × 32 × 16 image, 32 filters of 3 × 3: 16,384 inputs and 32,768 outputs,
/// kernel and vectors on the heap) constructs, runs forward and backward, per sample and
/// batched, on a thread of 2 MiB, in debug builds too.
#[test]
fn large_layers_run_on_a_small_thread() {
    type Big = Conv<16384, 32768, 32, 144, Tanh, Conv2dKind, HeapMatrix<32, 144>, HeapVector<32>>;
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let window = image((32, 32, 16), (3, 3), 1, 1, Padding::Same);
            let mut layer = Big::new(window, 1, Tanh);
            layer.kernel.fill(0.01);
            let mut x = HeapVector::<16384>::zeroed();
            x.fill(1.0);
            let (mut z, mut a) = (HeapVector::<32768>::zeroed(), HeapVector::<32768>::zeroed());
            let simd = pulp::Scalar::new();
            layer.forward_trace_simd_into(simd, &x, &mut z, &mut a);
            // An inner position reads 9 taps of 16 ones: 1.44 before the activation.
            let inner = (32 + 1) * 32;
            assert!((z[inner] - 1.44).abs() < 1e-5, "{}", z[inner]);
            let mut grad = Box::new(layer.zero_gradient());
            let mut dx = HeapVector::<16384>::zeroed();
            layer.backward_simd(simd, &x, &z, &a, &mut grad, Some(&mut dx));
            assert!(dx.iter().all(|v| v.is_finite()) && grad.weights[(0, 0)] != 0.0);
            let mut batch = vec![0.0; 2 * 32768];
            layer.output_batch(&[x.as_slice(), x.as_slice()].concat(), &mut batch);
            assert_close("batch", &batch[..32768], a.as_slice());
            assert_close("batch", &batch[32768..], a.as_slice());
        })
        .expect("a thread")
        .join()
        .expect("no overflow");
}
