//! [`Pool`] against hand-computed outputs (1-D and 2-D, maximum and mean, `valid` and `same`
//! with the odd padding cell on the right or bottom, strides below and above the pool size,
//! global pools), its backward pass against finite differences on inputs without ties, and the
//! batched passes against the per-sample ones; in `f32` and `f64`.
//!
//! # Tolerances
//!
//! A pool is piecewise linear: away from ties, the central difference with a step of `1/64`
//! is exact but for the rounding of the loss, summed in `f64` from the outputs. Inputs are
//! distinct multiples of `1/4`, so no step reaches a tie. `f32` compares with a relative
//! tolerance of `1e-4`, `f64` with `1e-10`.

use nalgebra::SVector;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::{
    AvgPool1dKind, AvgPool2dKind, GlobalAvgPoolKind, GlobalMaxPoolKind, MaxPool1dKind,
    MaxPool2dKind, Pool, PoolKind,
};
use crate::Scalar;
use crate::layer::{Layer, LayerKind, Mode, NoGradient};
use nnet_kinds::{Axis, Padding, Window};

// ------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------

/// A 1-D window over `(steps, channels)`.
const fn steps(
    steps: usize,
    size: usize,
    stride: usize,
    padding: Padding,
    channels: usize,
) -> Window {
    Window::steps(Axis::new(steps, size, stride, 1, padding), channels)
}

/// A 2-D window over `(height, width, channels)` with a `(size, size)` pool.
const fn image(
    (height, width): (usize, usize),
    (size_rows, size_cols): (usize, usize),
    (stride_rows, stride_cols): (usize, usize),
    padding: Padding,
    channels: usize,
) -> Window {
    Window::image(
        Axis::new(height, size_rows, stride_rows, 1, padding),
        Axis::new(width, size_cols, stride_cols, 1, padding),
        channels,
    )
}

fn tolerance<T: Scalar>() -> f64 {
    if T::NAME == "f64" { 1e-10 } else { 1e-4 }
}

/// The pool's output for `x` (given in `f64`), in `T`, as `f64`s.
fn output<const IN: usize, const OUT: usize, M: PoolKind, T: Scalar>(
    pool: &Pool<IN, OUT, M>,
    x: [f64; IN],
) -> Vec<f64> {
    let x = SVector::<T, IN>::from_fn(|i, _| T::of_f64(x[i]));
    let y = <Pool<IN, OUT, M> as Layer<IN, OUT, T>>::forward_simd(pool, pulp::Scalar::new(), &x);
    y.iter().map(|v| v.as_f64()).collect()
}

/// The output for `x` equals `expected`, in `f32` and in `f64`.
fn assert_output<const IN: usize, const OUT: usize, M: PoolKind>(
    pool: Pool<IN, OUT, M>,
    x: [f64; IN],
    expected: [f64; OUT],
) {
    for (name, actual, tol) in [
        (
            "f32",
            output::<IN, OUT, M, f32>(&pool, x),
            tolerance::<f32>(),
        ),
        (
            "f64",
            output::<IN, OUT, M, f64>(&pool, x),
            tolerance::<f64>(),
        ),
    ] {
        let close = actual
            .iter()
            .zip(&expected)
            .all(|(a, e)| (a - e).abs() <= tol * e.abs().max(1.0));
        assert!(close, "{name}: {actual:?} ≠ {expected:?}");
    }
}

// ------------------------------------------------------------------------------------------
// 1. Outputs by hand
// ------------------------------------------------------------------------------------------

#[test]
fn max_pool1d_valid_leaves_out_the_last_partial_window() {
    // (5, 2), pool 2: windows {0, 1} and {2, 3}; step 4 is not read.
    let pool = Pool::<10, 4, MaxPool1dKind>::new(steps(5, 2, 2, Padding::Valid, 2));
    let x = [1.0, -1.0, 3.0, -4.0, -2.0, 5.0, 0.5, 2.0, 9.0, 9.0];
    assert_output(pool, x, [3.0, -1.0, 0.5, 5.0]);
}

#[test]
fn max_pool1d_with_strides_below_and_above_the_size() {
    // Pool 3, stride 1 (valid): windows {0,1,2}, {1,2,3}, {2,3,4}.
    let overlapping = Pool::<5, 3, MaxPool1dKind>::new(steps(5, 3, 1, Padding::Valid, 1));
    assert_output(overlapping, [1.0, 4.0, 2.0, -1.0, 3.0], [4.0, 4.0, 3.0]);
    // Pool 2, stride 3 (valid, 8 steps): ⌊(8 − 2) / 3⌋ + 1 = 3 windows {0,1}, {3,4}, {6,7}.
    let skipping = Pool::<8, 3, MaxPool1dKind>::new(steps(8, 2, 3, Padding::Valid, 1));
    let x = [1.0, 2.0, 99.0, 3.0, -4.0, 99.0, -6.0, -5.0];
    assert_output(skipping, x, [2.0, 3.0, -5.0]);
}

#[test]
fn max_pool1d_same_ignores_the_padding() {
    // 5 steps, pool 2, stride 2, same: 3 outputs, one padding cell after step 4. All inputs
    // negative: a padding zero would win if it counted.
    let pool = Pool::<5, 3, MaxPool1dKind>::new(steps(5, 2, 2, Padding::Same, 1));
    assert_output(pool, [-3.0, -1.0, -2.0, -5.0, -4.0], [-1.0, -2.0, -4.0]);
}

#[test]
fn avg_pool1d_same_divides_by_the_cells_inside() {
    // 6 steps, pool 3, stride 2, same: ⌈6 / 2⌉ = 3 outputs, needs (3 − 1)·2 + 3 = 7 cells:
    // one padding cell, on the right. Windows {0,1,2}, {2,3,4}, {4,5}.
    let pool = Pool::<6, 3, AvgPool1dKind>::new(steps(6, 3, 2, Padding::Same, 1));
    let x = [1.0, 2.0, 6.0, -3.0, 4.0, 10.0];
    assert_output(pool, x, [3.0, 7.0 / 3.0, 7.0]);
    // 5 steps, pool 4, stride 1, same: 3 padding cells, 1 before and 2 after. Windows
    // {0,1,2}, {0..3}, {1..4}, {2,3,4}, {3,4}.
    let wide = Pool::<5, 5, AvgPool1dKind>::new(steps(5, 4, 1, Padding::Same, 1));
    let x = [1.0, 2.0, 3.0, 4.0, 8.0];
    assert_output(wide, x, [2.0, 2.5, 17.0 / 4.0, 5.0, 6.0]);
}

#[test]
fn avg_pool1d_valid_per_channel() {
    // (4, 2), pool 2: two windows of two steps, each channel on its own.
    let pool = Pool::<8, 4, AvgPool1dKind>::new(steps(4, 2, 2, Padding::Valid, 2));
    let x = [1.0, 10.0, 3.0, 30.0, -1.0, 0.0, 2.0, 5.0];
    assert_output(pool, x, [2.0, 20.0, 0.5, 2.5]);
}

#[test]
fn max_pool2d_valid() {
    // 4 × 4 × 1, pool 2: four 2 × 2 blocks.
    let pool = Pool::<16, 4, MaxPool2dKind>::new(image((4, 4), (2, 2), (2, 2), Padding::Valid, 1));
    #[rustfmt::skip]
    let x = [
        1.0, 2.0,   -1.0, -2.0,
        3.0, 0.0,   -3.0, -0.5,
        5.0, 6.0,    9.0,  1.0,
        7.0, 8.0,    2.0,  3.0,
    ];
    assert_output(pool, x, [3.0, -0.5, 8.0, 9.0]);
}

#[test]
fn max_pool2d_same_with_channels_and_a_padded_column() {
    // (2, 3, 2), pool 2, stride 2, same: 1 × 2 outputs; the columns need 4 cells of 3, the
    // padding column on the right. Windows: rows {0,1} × cols {0,1}, and rows {0,1} × col {2}.
    let pool = Pool::<12, 4, MaxPool2dKind>::new(image((2, 3), (2, 2), (2, 2), Padding::Same, 2));
    #[rustfmt::skip]
    let x = [
        // (0, 0)   (0, 1)      (0, 2)
        1.0, -1.0,  4.0, -6.0,  -7.0, -2.0,
        // (1, 0)   (1, 1)      (1, 2)
        2.0, -3.0,  0.0, -5.0,  -8.0, -9.0,
    ];
    assert_output(pool, x, [4.0, -1.0, -7.0, -2.0]);
}

#[test]
fn avg_pool2d_same_pads_the_bottom_and_the_right() {
    // 3 × 3 × 1, pool 2, stride 2, same: 2 × 2 outputs, one padding row at the bottom and one
    // padding column on the right. Means over 4, 2, 2 and 1 cells.
    let pool = Pool::<9, 4, AvgPool2dKind>::new(image((3, 3), (2, 2), (2, 2), Padding::Same, 1));
    #[rustfmt::skip]
    let x = [
        1.0, 2.0, 3.0,
        4.0, 5.0, 6.0,
        7.0, 8.0, 9.0,
    ];
    assert_output(pool, x, [3.0, 4.5, 7.5, 9.0]);
}

#[test]
fn avg_pool2d_with_unequal_pool_and_strides() {
    // 3 × 4 × 1, pool (3, 2), strides (1, 1), valid: 1 × 3 outputs over 6 cells each.
    let pool = Pool::<12, 3, AvgPool2dKind>::new(image((3, 4), (3, 2), (1, 1), Padding::Valid, 1));
    #[rustfmt::skip]
    let x = [
        1.0, 2.0, 3.0, 4.0,
        5.0, 6.0, 7.0, 8.0,
        0.0, 1.0, 2.0, 9.0,
    ];
    assert_output(pool, x, [15.0 / 6.0, 21.0 / 6.0, 33.0 / 6.0]);
}

#[test]
fn global_pools_reduce_every_position_to_the_channels() {
    // (2, 2, 3).
    #[rustfmt::skip]
    let x = [
        1.0, -1.0, 0.5,   2.0, -4.0, 0.25,
        3.0, -2.0, 1.0,   6.0, -3.0, 0.25,
    ];
    let avg = Pool::<12, 3, GlobalAvgPoolKind>::global(2, 2, 3);
    assert_output(avg, x, [3.0, -2.5, 0.5]);
    let max = Pool::<12, 3, GlobalMaxPoolKind>::global(2, 2, 3);
    assert_output(max, x, [6.0, -1.0, 1.0]);
    // (4, 1) as a sequence of steps: height 1.
    let steps = Pool::<4, 1, GlobalMaxPoolKind>::global(1, 4, 1);
    assert_output(steps, [-2.0, -1.0, -3.0, -4.0], [-1.0]);
}

#[test]
fn the_shape_check_and_the_kinds() {
    let window = steps(7, 3, 3, Padding::Same, 2);
    assert!(Pool::<14, 6, MaxPool1dKind>::fits(&window));
    assert!(!Pool::<14, 4, MaxPool1dKind>::fits(&window));
    assert!(!Pool::<12, 6, MaxPool1dKind>::fits(&window));
    // A zero pool size or stride, no channels, or no output position never fits.
    assert!(!Pool::<7, 7, MaxPool1dKind>::fits(&steps(
        7,
        0,
        1,
        Padding::Same,
        1
    )));
    assert!(!Pool::<7, 0, MaxPool1dKind>::fits(&steps(
        7,
        2,
        0,
        Padding::Same,
        1
    )));
    assert!(!Pool::<0, 0, MaxPool1dKind>::fits(&steps(
        7,
        2,
        2,
        Padding::Same,
        0
    )));
    assert!(!Pool::<2, 0, MaxPool1dKind>::fits(&steps(
        2,
        3,
        1,
        Padding::Valid,
        1
    )));
    // `new` and `global` work in a constant.
    const GLOBAL: Pool<12, 3, GlobalAvgPoolKind> = Pool::global(2, 2, 3);
    assert_eq!(GLOBAL.window.positions(), 1);
    type Global = Pool<12, 3, GlobalAvgPoolKind>;
    assert_eq!(<Global as Layer<12, 3>>::KIND, LayerKind::GlobalAvgPool);
    assert_eq!(<Global as Layer<12, 3>>::TENSORS, 0);
    assert_eq!(<Global as Layer<12, 3, f64>>::TRAINABLE, 0);
    assert_eq!(<Global as Layer<12, 3>>::tensor_info(0), None);
}

#[test]
#[should_panic(expected = "Pool: the window must read IN values and give OUT")]
fn new_refuses_a_window_that_does_not_fit() {
    let _ = Pool::<10, 4, MaxPool1dKind>::new(steps(5, 2, 1, Padding::Valid, 2));
}

// ------------------------------------------------------------------------------------------
// 2. Gradients and batches
// ------------------------------------------------------------------------------------------

/// `n` distinct multiples of `1/4`, shuffled: no two cells of a window tie, and no step of
/// the finite differences makes them.
fn distinct<T: Scalar>(n: usize, seed: u64) -> Vec<T> {
    let mut values: Vec<T> = (0..n)
        .map(|k| T::of_f64((k as f64 - n as f64 / 2.0) / 4.0))
        .collect();
    values.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    values
}

/// `L = Σ c·pool(x)` in `f64`.
fn loss<const IN: usize, const OUT: usize, M: PoolKind, T: Scalar>(
    pool: &Pool<IN, OUT, M>,
    c: &[T],
    x: &[T],
) -> f64 {
    let x = SVector::<T, IN>::from_column_slice(x);
    let y = <Pool<IN, OUT, M> as Layer<IN, OUT, T>>::forward_simd(pool, pulp::Scalar::new(), &x);
    c.iter()
        .zip(y.iter())
        .map(|(c, y)| c.as_f64() * y.as_f64())
        .sum()
}

/// `∂L/∂x` of the backward pass against central differences, and the batched passes of three
/// samples against the per-sample ones, bit for bit.
fn check<const IN: usize, const OUT: usize, M: PoolKind, T: Scalar>(
    what: &str,
    pool: Pool<IN, OUT, M>,
) {
    let simd = pulp::Scalar::new();
    let samples: Vec<Vec<T>> = (0..3).map(|s| distinct::<T>(IN, s)).collect();
    let weights: Vec<Vec<T>> = (0..3).map(|s| distinct::<T>(OUT, 10 + s)).collect();

    // Per sample: the trace, the backward pass, the finite differences.
    let mut per_sample = (Vec::new(), Vec::new(), Vec::new());
    for (x, c) in samples.iter().zip(&weights) {
        let xv = SVector::<T, IN>::from_column_slice(x);
        let (z, a) = Layer::<IN, OUT, T>::forward_trace_simd(&pool, simd, &xv);
        assert_eq!(z, a, "{what}: the trace is the output");
        let delta = SVector::<T, OUT>::from_column_slice(c);
        let mut dx = SVector::<T, IN>::from_element(T::one()); // overwritten, not added to
        pool.backward_simd(simd, &xv, &z, &delta, &mut NoGradient, Some(&mut dx));
        let h = 1.0 / 64.0;
        for k in 0..IN {
            let at = |step: f64| {
                let mut x = x.clone();
                x[k] = T::of_f64(x[k].as_f64() + step);
                loss(&pool, c, &x)
            };
            let numeric = (at(h) - at(-h)) / (2.0 * h);
            let analytic = dx[k].as_f64();
            assert!(
                (analytic - numeric).abs() <= tolerance::<T>() * numeric.abs().max(1.0),
                "{what} ({}): ∂L/∂x[{k}] {analytic} ≠ {numeric}",
                T::NAME
            );
        }
        per_sample.0.extend_from_slice(z.as_slice());
        per_sample.1.extend_from_slice(a.as_slice());
        per_sample.2.extend_from_slice(dx.as_slice());
    }

    // The same three samples as one batch, one sample per column.
    let x: Vec<T> = samples.concat();
    let delta: Vec<T> = weights.concat();
    let (mut z, mut a) = (vec![T::zero(); 3 * OUT], vec![T::zero(); 3 * OUT]);
    pool.forward_batch(Mode::Inference, &x, &mut z, &mut a, &mut NoGradient);
    assert_eq!(
        (&z, &a),
        (&per_sample.0, &per_sample.1),
        "{what}: forward_batch"
    );
    let mut out = vec![T::zero(); 3 * OUT];
    Layer::<IN, OUT, T>::output_batch(&pool, &x, &mut out);
    assert_eq!(out, per_sample.1, "{what}: output_batch");
    let mut dx = vec![T::one(); 3 * IN];
    pool.backward_batch(&x, &z, &delta, &mut NoGradient, &mut dx);
    assert_eq!(dx, per_sample.2, "{what}: backward_batch");
    // Without a `dx` to write, nothing happens.
    pool.backward_batch(&x, &z, &delta, &mut NoGradient, &mut []);
}

fn check_every_kind<T: Scalar>() {
    check::<10, 4, MaxPool1dKind, T>("max_pool1d 2", Pool::new(steps(5, 2, 2, Padding::Valid, 2)));
    check::<14, 14, MaxPool1dKind, T>(
        "max_pool1d 3 (strides = 1, padding = same)",
        Pool::new(steps(7, 3, 1, Padding::Same, 2)),
    );
    check::<8, 3, MaxPool1dKind, T>(
        "max_pool1d 2 (strides = 3)",
        Pool::new(steps(8, 2, 3, Padding::Valid, 1)),
    );
    check::<12, 6, AvgPool1dKind, T>(
        "avg_pool1d 3 (strides = 2, padding = same)",
        Pool::new(steps(6, 3, 2, Padding::Same, 2)),
    );
    check::<15, 15, AvgPool1dKind, T>(
        "avg_pool1d 4 (strides = 1, padding = same)",
        Pool::new(steps(5, 4, 1, Padding::Same, 3)),
    );
    check::<50, 18, MaxPool2dKind, T>(
        "max_pool2d 2 (padding = same)",
        Pool::new(image((5, 5), (2, 2), (2, 2), Padding::Same, 2)),
    );
    check::<40, 8, MaxPool2dKind, T>(
        "max_pool2d (3, 2) (strides = (1, 2))",
        Pool::new(image((4, 5), (3, 2), (1, 2), Padding::Valid, 2)),
    );
    check::<25, 9, AvgPool2dKind, T>(
        "avg_pool2d 3 (strides = 2, padding = same)",
        Pool::new(image((5, 5), (3, 3), (2, 2), Padding::Same, 1)),
    );
    check::<72, 8, AvgPool2dKind, T>(
        "avg_pool2d 2 (strides = 3)",
        Pool::new(image((6, 6), (2, 2), (3, 3), Padding::Valid, 2)),
    );
    check::<24, 4, GlobalAvgPoolKind, T>("global_avg_pool", Pool::global(2, 3, 4));
    check::<24, 4, GlobalMaxPoolKind, T>("global_max_pool", Pool::global(2, 3, 4));
    check::<12, 3, GlobalMaxPoolKind, T>("global_max_pool (1-D)", Pool::global(1, 4, 3));
}

#[test]
fn gradients_and_batches_f32() {
    check_every_kind::<f32>();
}

#[test]
fn gradients_and_batches_f64() {
    check_every_kind::<f64>();
}

#[test]
fn max_backward_gives_a_tie_to_the_first_maximum() {
    // Window {0, 1, 2} with a tie between steps 0 and 2: the gradient goes to step 0 only.
    let pool = Pool::<3, 1, MaxPool1dKind>::new(steps(3, 3, 3, Padding::Valid, 1));
    let x = SVector::<f32, 3>::from([2.0, 1.0, 2.0]);
    let mut dx = SVector::zeros();
    let delta = SVector::<f32, 1>::from([5.0]);
    pool.backward_simd(
        pulp::Scalar::new(),
        &x,
        &delta,
        &delta,
        &mut NoGradient,
        Some(&mut dx),
    );
    assert_eq!(dx.as_slice(), &[5.0, 0.0, 0.0]);
}
