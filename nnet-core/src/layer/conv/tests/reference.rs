//! The checks of one configuration: the layer against a direct implementation of Keras's
//! formula, the finite differences of its passes, and its batches against its samples.

use super::*;

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
pub(super) fn check_reference<
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
pub(super) fn check<
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
