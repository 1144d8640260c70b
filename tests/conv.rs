//! Convolution and pooling in vector networks (fixed-shape inputs): every kind computes what a
//! hand computation and an independent reference of Keras's semantics give, for every padding,
//! stride, dilation, group and depth multiplier; the backward pass matches finite differences;
//! batched passes equal per-sample ones; a small CNN learns an image task and repeats itself;
//! weights save, load and bake; batch normalization folds into convolutions; `summary()`
//! prints the costs (`MACS`); the DS-CNN of the MLPerf Tiny keyword-spotting benchmark compiles
//! with Keras's parameter count and runs on a 2 MiB thread.

use nnet::loss::{CategoricalCrossentropy, MeanSquaredError};
use nnet::optim::Adam;
use nnet::train::{FitConfig, Trainer, Verbosity};
use nnet::{Architecture, Network, Parameters, SVector, Shape, io};

#[path = "support/gradients.rs"]
mod gradients;
use gradients::{check_backward, fill64, wave};

/// Every trainable tensor of `net` set to deterministic values (`salt` varies them).
fn fill<N: Parameters<f32>>(net: &mut N, salt: usize) {
    for t in 0..N::TENSORS {
        for (j, v) in net.tensor_mut(t).iter_mut().enumerate() {
            *v = wave(t + salt, j) * 0.4;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The reference: Keras's convolution and pooling, written out loop by loop in f64.

/// One axis: `n` inputs, `k` taps `d` apart, moved by `s`, padded as Keras pads.
#[derive(Clone, Copy)]
struct Ax {
    n: usize,
    k: usize,
    s: usize,
    d: usize,
}

#[derive(Clone, Copy, PartialEq)]
enum Pad {
    Valid,
    Same,
    Causal,
}

impl Ax {
    fn new(n: usize, k: usize, s: usize, d: usize) -> Ax {
        Ax { n, k, s, d }
    }

    /// The rows of a 1-D layer: one input, one tap.
    fn point() -> Ax {
        Ax::new(1, 1, 1, 1)
    }

    /// Output positions and zeros before the first input (Keras/TensorFlow: `same` puts the
    /// odd zero after, `causal` every zero before).
    fn out_and_before(self, pad: Pad) -> (usize, usize) {
        let span = self.d * (self.k - 1) + 1;
        match pad {
            Pad::Valid => ((self.n - span) / self.s + 1, 0),
            Pad::Same => {
                let out = self.n.div_ceil(self.s);
                let total = ((out - 1) * self.s + span).saturating_sub(self.n);
                (out, total / 2)
            }
            Pad::Causal => (self.n.div_ceil(self.s), span - 1),
        }
    }

    /// The input tap `t` of output `o` reads, if it reads one.
    fn input(self, pad: Pad, o: usize, t: usize) -> Option<usize> {
        let (_, before) = self.out_and_before(pad);
        (o * self.s + t * self.d)
            .checked_sub(before)
            .filter(|&i| i < self.n)
    }
}

/// Keras's convolution of `x` (`rows.n × cols.n × c`, channels last) by `filters` filters in
/// `groups` groups: `kernel(f, (a·kw + b)·c/groups + ci)`, then `act`.
#[allow(clippy::too_many_arguments)]
fn conv_ref(
    x: &[f64],
    (rows, cols, c): (Ax, Ax, usize),
    pad: Pad,
    filters: usize,
    groups: usize,
    kernel: impl Fn(usize, usize) -> f64,
    bias: impl Fn(usize) -> f64,
    act: impl Fn(f64) -> f64,
) -> Vec<f64> {
    let ((oh, _), (ow, _)) = (rows.out_and_before(pad), cols.out_and_before(pad));
    let (cg, fg) = (c / groups, filters / groups);
    let mut out = Vec::new();
    for p in 0..oh {
        for q in 0..ow {
            for f in 0..filters {
                let g = f / fg;
                let mut sum = bias(f);
                for a in 0..rows.k {
                    for b in 0..cols.k {
                        let (Some(i), Some(j)) = (rows.input(pad, p, a), cols.input(pad, q, b))
                        else {
                            continue;
                        };
                        for ci in 0..cg {
                            let column = (a * cols.k + b) * cg + ci;
                            sum += kernel(f, column) * x[(i * cols.n + j) * c + g * cg + ci];
                        }
                    }
                }
                out.push(act(sum));
            }
        }
    }
    out
}

/// Keras's pooling of `x` (`rows.n × cols.n × c`): the maximum, or the mean of the cells inside
/// the input, of each window.
fn pool_ref(x: &[f64], (rows, cols, c): (Ax, Ax, usize), pad: Pad, max: bool) -> Vec<f64> {
    let ((oh, _), (ow, _)) = (rows.out_and_before(pad), cols.out_and_before(pad));
    let mut out = Vec::new();
    for p in 0..oh {
        for q in 0..ow {
            for ch in 0..c {
                let cells: Vec<f64> = (0..rows.k)
                    .filter_map(|a| rows.input(pad, p, a))
                    .flat_map(|i| {
                        (0..cols.k)
                            .filter_map(move |b| cols.input(pad, q, b))
                            .map(move |j| x[(i * cols.n + j) * c + ch])
                    })
                    .collect();
                out.push(if max {
                    cells.iter().copied().fold(f64::NEG_INFINITY, f64::max)
                } else {
                    cells.iter().sum::<f64>() / cells.len() as f64
                });
            }
        }
    }
    out
}

/// `found` equals `expected` to `1e-5` relative.
fn assert_close(found: &[f32], expected: &[f64]) {
    assert_eq!(found.len(), expected.len());
    for (i, (f, e)) in found.iter().zip(expected).enumerate() {
        assert!(
            (f64::from(*f) - e).abs() <= 1e-5 * e.abs().max(1.0),
            "value {i}: {f} vs {e}\n{found:?}\n{expected:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Hand computations.

nnet::network! {
    /// Four steps of one channel through a kernel of two taps.
    struct Taps { input (4, 1); conv1d 1 2; }
}

nnet::network! {
    /// Three steps, a kernel of three taps, `same`: one zero on each side.
    struct Padded { input (3, 1); conv1d 1 3 (padding = same); }
}

nnet::network! {
    /// The maximum of pairs of steps.
    struct MaxPairs { input (4, 1); max_pool1d 2; }
}

nnet::network! {
    /// Means over windows of three steps, moved by three, `same`: the last window holds two
    /// inputs and a pad, and divides by two.
    struct MeanThrees { input (4, 1); avg_pool1d 3 (padding = same); }
}

nnet::network! {
    /// A 2 × 2 image of two channels, pooled whole.
    struct Globals { input (2, 2, 2); global_max_pool; }
}

#[test]
fn tiny_networks_compute_what_a_hand_computes() {
    let simd_free = |v: [f32; 4]| SVector::<f32, 4>::from(v);
    let mut taps = Taps::zeroed();
    taps.conv1d1.kernel = nnet::matrix![1.0, 10.0];
    taps.conv1d1.bias = nnet::vector![0.5];
    // 1·1 + 10·2 + 0.5, 1·2 + 10·3 + 0.5, 1·3 + 10·4 + 0.5.
    assert_eq!(
        taps.forward(&simd_free([1.0, 2.0, 3.0, 4.0])),
        nnet::vector![21.5, 32.5, 43.5]
    );
    let mut padded = Padded::zeroed();
    padded.conv1d1.kernel = nnet::matrix![1.0, 10.0, 100.0];
    // (0, 1, 2), (1, 2, 3), (2, 3, 0).
    assert_eq!(
        padded.forward(&nnet::vector![1.0, 2.0, 3.0]),
        nnet::vector![210.0, 321.0, 32.0]
    );
    assert_eq!(
        MaxPairs::zeroed().forward(&simd_free([1.0, 5.0, 2.0, 3.0])),
        nnet::vector![5.0, 3.0]
    );
    // Windows (pad, 1, 5) and (2, 3, pad): the means of the cells inside.
    assert_eq!(
        MeanThrees::zeroed().forward(&simd_free([1.0, 5.0, 2.0, 3.0])),
        nnet::vector![3.0, 2.5]
    );
    let x = SVector::<f32, 8>::from([1.0, -1.0, 4.0, -3.0, 2.0, -2.0, 3.0, 0.5]);
    assert_eq!(Globals::zeroed().forward(&x), nnet::vector![4.0, 0.5]);
    assert_eq!(Globals::OUTPUT_SHAPE, Shape::Vector(2));
}

// ---------------------------------------------------------------------------------------------
// Every padding, stride, dilation, group and depth multiplier against the reference.

nnet::network! {
    /// `same` over five steps, a `relu`.
    struct Same1d { input (5, 2); conv1d 3 3 relu (padding = same); }
}

nnet::network! {
    /// Dilated and causal: each output sees itself and inputs 2 and 4 steps back.
    struct Causal1d { input (8, 2); conv1d 2 3 tanh (padding = causal, dilation = 2); }
}

nnet::network! {
    /// Strided and `valid`, in two groups.
    struct Grouped1d { input (9, 4); conv1d 4 3 (strides = 2, groups = 2); }
}

nnet::network! {
    /// A rectangular kernel with its own strides per axis, `same`, on three channels.
    struct Image2d { input (5, 6, 3); conv2d 4 (3, 2) elu (strides = (2, 1), padding = same); }
}

nnet::network! {
    /// Dilated on one axis, without a bias.
    struct Dilated2d { input (6, 5, 2); conv2d 2 2 (dilation = (2, 1), use_bias = false); }
}

nnet::network! {
    /// Each channel on its own, twice.
    struct Depthwise { input (4, 5, 3); depthwise_conv2d (3, 2) (depth_multiplier = 2, padding = same); }
}

nnet::network! {
    /// Max and mean pooling with their strides and paddings.
    struct Pools {
        input (7, 5, 2);
        max_pool2d (3, 2) (strides = (2, 1), padding = same);
        avg_pool2d 2 (padding = same);
    }
}

/// The output of `net` for input sample `i`, as `f32`s, and that input in `f64`.
fn run<N: Network<IN, OUT>, const IN: usize, const OUT: usize>(
    net: &N,
    i: usize,
) -> (Vec<f32>, Vec<f64>) {
    let x = SVector::<f32, IN>::from_fn(|j, _| wave(i, j));
    let y = net.forward(&x);
    (
        y.iter().copied().collect(),
        x.iter().map(|&v| f64::from(v)).collect(),
    )
}

#[test]
fn conv1d_matches_the_reference_for_every_setting() {
    let mut same = Same1d::zeroed();
    fill(&mut same, 1);
    let layer = &same.conv1d1;
    for i in 0..5 {
        let (found, x) = run(&same, i);
        let expected = conv_ref(
            &x,
            (Ax::point(), Ax::new(5, 3, 1, 1), 2),
            Pad::Same,
            3,
            1,
            |f, k| f64::from(layer.kernel[(f, k)]),
            |f| f64::from(layer.bias[f]),
            |v| v.max(0.0),
        );
        assert_close(&found, &expected);
    }
    let mut causal = Causal1d::zeroed();
    fill(&mut causal, 2);
    let layer = &causal.conv1d1;
    for i in 0..5 {
        let (found, x) = run(&causal, i);
        let expected = conv_ref(
            &x,
            (Ax::point(), Ax::new(8, 3, 1, 2), 2),
            Pad::Causal,
            2,
            1,
            |f, k| f64::from(layer.kernel[(f, k)]),
            |f| f64::from(layer.bias[f]),
            f64::tanh,
        );
        assert_close(&found, &expected);
    }
    assert_eq!(
        Causal1d::OUTPUT_SHAPE,
        Shape::Steps {
            steps: 8,
            channels: 2
        }
    );
    let mut grouped = Grouped1d::zeroed();
    fill(&mut grouped, 3);
    let layer = &grouped.conv1d1;
    // Each filter reads 3 taps of 2 channels.
    assert_eq!(layer.kernel.shape(), (4, 6));
    for i in 0..5 {
        let (found, x) = run(&grouped, i);
        let expected = conv_ref(
            &x,
            (Ax::point(), Ax::new(9, 3, 2, 1), 4),
            Pad::Valid,
            4,
            2,
            |f, k| f64::from(layer.kernel[(f, k)]),
            |f| f64::from(layer.bias[f]),
            |v| v,
        );
        assert_close(&found, &expected);
    }
    assert_eq!(
        Grouped1d::OUTPUT_SHAPE,
        Shape::Steps {
            steps: 4,
            channels: 4
        }
    );
}

#[test]
fn conv2d_and_depthwise_match_the_reference() {
    let elu = |v: f64| if v > 0.0 { v } else { v.exp() - 1.0 };
    let mut image = Image2d::zeroed();
    fill(&mut image, 4);
    let layer = &image.conv2d1;
    for i in 0..5 {
        let (found, x) = run(&image, i);
        let expected = conv_ref(
            &x,
            (Ax::new(5, 3, 2, 1), Ax::new(6, 2, 1, 1), 3),
            Pad::Same,
            4,
            1,
            |f, k| f64::from(layer.kernel[(f, k)]),
            |f| f64::from(layer.bias[f]),
            elu,
        );
        assert_close(&found, &expected);
    }
    assert_eq!(
        Image2d::OUTPUT_SHAPE,
        Shape::Image {
            height: 3,
            width: 6,
            channels: 4
        }
    );
    let mut dilated = Dilated2d::zeroed();
    fill(&mut dilated, 5);
    assert_eq!(Dilated2d::TENSORS, 1);
    let layer = &dilated.conv2d1;
    for i in 0..5 {
        let (found, x) = run(&dilated, i);
        let expected = conv_ref(
            &x,
            (Ax::new(6, 2, 1, 2), Ax::new(5, 2, 1, 1), 2),
            Pad::Valid,
            2,
            1,
            |f, k| f64::from(layer.kernel[(f, k)]),
            |_| 0.0,
            |v| v,
        );
        assert_close(&found, &expected);
    }
    let mut depthwise = Depthwise::zeroed();
    fill(&mut depthwise, 6);
    let layer = &depthwise.depthwise_conv2d1;
    // Output channel c · 2 + m reads channel c: 3 · 2 filters of 3 · 2 taps.
    assert_eq!(layer.kernel.shape(), (6, 6));
    for i in 0..5 {
        let (found, x) = run(&depthwise, i);
        let expected = conv_ref(
            &x,
            (Ax::new(4, 3, 1, 1), Ax::new(5, 2, 1, 1), 3),
            Pad::Same,
            6,
            3,
            |f, k| f64::from(layer.kernel[(f, k)]),
            |f| f64::from(layer.bias[f]),
            |v| v,
        );
        assert_close(&found, &expected);
    }
}

#[test]
fn pooling_matches_the_reference() {
    let pools = Pools::zeroed();
    for i in 0..5 {
        let (found, x) = run(&pools, i);
        let max = pool_ref(
            &x,
            (Ax::new(7, 3, 2, 1), Ax::new(5, 2, 1, 1), 2),
            Pad::Same,
            true,
        );
        // (4, 5, 2) after the maximum.
        let mean = pool_ref(
            &max,
            (Ax::new(4, 2, 2, 1), Ax::new(5, 2, 2, 1), 2),
            Pad::Same,
            false,
        );
        assert_close(&found, &mean);
    }
    assert_eq!(
        Pools::OUTPUT_SHAPE,
        Shape::Image {
            height: 2,
            width: 3,
            channels: 2
        }
    );
}

// ---------------------------------------------------------------------------------------------
// Gradients.

nnet::network! {
    /// A small image CNN in f64: every 2-D kind, a normalization and a head.
    #[scalar = f64]
    struct Cnn64 {
        input (6, 5, 2);
        conv2d 3 3 tanh (strides = 2, padding = same, l2 = 0.01);
        depthwise_conv2d 2 (depth_multiplier = 2, padding = same);
        batch_norm;
        activation tanh;
        avg_pool2d 2 (padding = same);
        max_pool2d (2, 1) (strides = 1);
        flatten;
        dense 2 softmax;
    }
}

nnet::network! {
    /// A small 1-D CNN in f64: dilated causal, grouped and strided, pooled.
    #[scalar = f64]
    struct Signal64 {
        input (9, 2);
        conv1d 4 3 elu (padding = causal, dilation = 2);
        conv1d 4 2 softplus (groups = 2, strides = 2);
        max_pool1d 2 (padding = same);
        global_avg_pool;
        dense 1 sigmoid;
    }
}

nnet::network! {
    /// The 1-D CNN in f32.
    struct Signal {
        input (9, 2);
        conv1d 4 3 elu (padding = causal, dilation = 2);
        conv1d 4 2 softplus (groups = 2, strides = 2);
        max_pool1d 2 (padding = same);
        global_avg_pool;
        dense 1 sigmoid;
    }
}

#[test]
fn backward_matches_finite_differences() {
    let mut cnn = Cnn64::zeroed();
    fill64(&mut cnn, 1);
    let x = SVector::<f64, 60>::from_fn(|j, _| f64::from(wave(3, j)));
    // conv2d 3·(9·2) + 3 to (3, 3, 3); depthwise 6·4 + 6 to (3, 3, 6); batch_norm 2·6; pooled
    // to (2, 2, 6), then (1, 2, 6); dense 2·12 + 2; the inputs.
    assert_eq!(
        check_backward(&cnn, &x, 1e-6, 1e-6, 1),
        57 + 30 + 12 + 26 + 60
    );
    let mut signal = Signal64::zeroed();
    fill64(&mut signal, 2);
    let x = SVector::<f64, 18>::from_fn(|j, _| f64::from(wave(4, j)));
    // conv1d 4·(3·2) + 4, conv1d 4·(2·2) + 4, dense 4 + 1; the inputs.
    assert_eq!(check_backward(&signal, &x, 1e-6, 1e-6, 1), 28 + 20 + 5 + 18);
    // In f32, loosely (rounding).
    let mut signal = Signal::zeroed();
    fill(&mut signal, 2);
    let x = SVector::<f32, 18>::from_fn(|j, _| wave(4, j));
    assert_eq!(check_backward(&signal, &x, 1e-3, 2e-2, 1), 28 + 20 + 5 + 18);
}

// ---------------------------------------------------------------------------------------------
// Batches.

nnet::network! {
    /// A CNN whose dense head is large enough (9 · 8 · 64 weights) that inference and training
    /// run batches through the workspace, layer by layer.
    struct Wide {
        input (8, 8, 1);
        conv2d 8 3 relu (strides = 2, padding = same);
        avg_pool2d (1, 2) (strides = (1, 2), padding = same);
        flatten;
        dense 64 relu;
        dense 3;
    }
}

nnet::network! {
    /// A CNN with batch normalization: it trains through the batched pass.
    struct Normed {
        input (6, 6, 2);
        conv2d 4 3;
        batch_norm;
        activation relu;
        max_pool2d 2;
        flatten;
        dense 2 softmax;
    }
}

#[test]
fn forward_batch_equals_forward() {
    let wide = Wide::seeded(3);
    let x: Vec<SVector<f32, 64>> = (0..40)
        .map(|i| SVector::from_fn(|j, _| wave(i, j)))
        .collect();
    let mut outputs = vec![SVector::zeros(); x.len()];
    wide.forward_batch(&x, &mut outputs);
    for (x, o) in x.iter().zip(&outputs) {
        let single = wide.forward(x);
        assert!((single - o).abs().max() < 1e-5, "{single:?} vs {o:?}");
    }
    let normed = Normed::seeded(4);
    let x: Vec<SVector<f32, 72>> = (0..40)
        .map(|i| SVector::from_fn(|j, _| wave(i, j)))
        .collect();
    let mut outputs = vec![SVector::zeros(); x.len()];
    normed.forward_batch(&x, &mut outputs);
    for (x, o) in x.iter().zip(&outputs) {
        assert_eq!(normed.forward(x), *o);
    }
}

#[test]
fn batched_gradients_are_the_sums_of_per_sample_ones() {
    let net = Wide::seeded(5);
    let x: Vec<SVector<f32, 64>> = (0..6)
        .map(|i| SVector::from_fn(|j, _| wave(i, j)))
        .collect();
    let y: Vec<SVector<f32, 3>> = (0..6)
        .map(|i| SVector::from_fn(|j, _| wave(i + 50, j)))
        .collect();
    let loss = MeanSquaredError;
    let mut batched = net.zero_gradients();
    let mut workspace = net.workspace(6);
    let mut outputs = vec![SVector::zeros(); 6];
    let total = net.accumulate_batch(&mut workspace, &x, &y, &loss, &mut batched, &mut outputs);
    let mut single = net.zero_gradients();
    let mut sum = 0.0;
    for (x, y) in x.iter().zip(&y) {
        let trace = net.forward_trace(x);
        let output = net.forward(x);
        sum += nnet::loss::Loss::value(&loss, &output, y);
        let gradient = nnet::loss::Loss::gradient(&loss, &output, y);
        net.backward(x, &trace, &gradient, &mut single);
    }
    assert!(
        (total - sum).abs() < 1e-4 * sum.abs().max(1.0),
        "{total} vs {sum}"
    );
    for t in Wide::trainable() {
        let (a, b) = (batched.tensor(t), single.tensor(t));
        let scale = b.iter().fold(0.0_f32, |m, v| m.max(v.abs())).max(1e-3);
        let error = a
            .iter()
            .zip(b)
            .fold(0.0_f32, |m, (p, q)| m.max((p - q).abs()));
        assert!(
            error < 1e-3 * scale,
            "{}: {error} of {scale}",
            Wide::tensor_info(t).unwrap().name()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Training.

nnet::network! {
    /// Tells a vertical bar from a horizontal one in an 8 × 8 image.
    pub struct Bars {
        input (8, 8, 1);
        conv2d 4 3 relu;
        max_pool2d 2;
        flatten;
        dense 2 softmax;
    }
}

/// `n` noisy 8 × 8 images, each with a bar of brightness 1 across a random row (class 1) or
/// column (class 0), and their one-hot classes; deterministic from `offset`.
fn bars(n: usize, offset: usize) -> (Vec<SVector<f32, 64>>, Vec<SVector<f32, 2>>) {
    let mut x = Vec::new();
    let mut y = Vec::new();
    for i in offset..offset + n {
        let horizontal = (i * 7 + i / 3) % 2 == 0;
        let line = (i * 5 + i / 2) % 8;
        x.push(SVector::from_fn(|j, _| {
            let (r, c) = (j / 8, j % 8);
            let on = if horizontal { r == line } else { c == line };
            let noise = wave(i, j) * 0.2;
            if on { 1.0 + noise } else { noise }
        }));
        y.push(if horizontal {
            nnet::vector![0.0, 1.0]
        } else {
            nnet::vector![1.0, 0.0]
        });
    }
    (x, y)
}

fn config(seed: u64, epochs: usize) -> FitConfig {
    FitConfig {
        batch_size: 16,
        epochs,
        seed,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    }
}

fn trained_bars(seed: u64, epochs: usize) -> Bars {
    let (x, y) = bars(300, 0);
    let mut net = Bars::seeded(1);
    let mut trainer = Trainer::new(Adam::with_learning_rate(0.01), CategoricalCrossentropy);
    trainer
        .fit(&mut net, &x, &y, &config(seed, epochs))
        .unwrap();
    net
}

#[test]
fn a_cnn_learns_bars_and_repeats_itself() {
    let net = trained_bars(7, 15);
    let (x, y) = bars(200, 10_000);
    let right = net
        .predict(&x)
        .iter()
        .zip(&y)
        .filter(|(p, t)| p.imax() == t.imax())
        .count();
    assert!(right > 180, "{right} of 200 held-out images right");
    let trainer = Trainer::new(Adam::default(), CategoricalCrossentropy);
    let evaluated = trainer.evaluate(&net, &x, &y).unwrap();
    assert!(evaluated.loss < 0.5, "{evaluated:?}");
    let again = trained_bars(7, 15);
    for t in 0..Bars::TENSORS {
        assert!(
            net.tensor(t)
                .iter()
                .zip(again.tensor(t))
                .all(|(a, b)| a.to_bits() == b.to_bits()),
            "{} differs between two runs with one seed",
            Bars::tensor_info(t).unwrap().name()
        );
    }
}

#[test]
fn a_normalized_cnn_trains_in_batches() {
    // Whether the first channel's left half outshines its right half.
    let task = |offset: usize| {
        let x: Vec<SVector<f32, 72>> = (offset..offset + 300)
            .map(|i| SVector::from_fn(|j, _| wave(i, j)))
            .collect();
        let y: Vec<SVector<f32, 2>> = x
            .iter()
            .map(|x| {
                let half = |left: bool| {
                    (0..36)
                        .filter(|p| (p % 6 < 3) == left)
                        .map(|p| x[p * 2])
                        .sum::<f32>()
                };
                if half(true) > half(false) {
                    nnet::vector![1.0, 0.0]
                } else {
                    nnet::vector![0.0, 1.0]
                }
            })
            .collect();
        (x, y)
    };
    let (x, y) = task(0);
    let mut net = Normed::seeded(2);
    let before = net.batch_norm1.layer.moving_mean;
    let mut trainer = Trainer::new(Adam::with_learning_rate(0.01), CategoricalCrossentropy);
    trainer.fit(&mut net, &x, &y, &config(3, 30)).unwrap();
    assert_ne!(net.batch_norm1.layer.moving_mean, before);
    let (x, y) = task(10_000);
    let right = net
        .predict(&x)
        .iter()
        .zip(&y)
        .filter(|(p, t)| p.imax() == t.imax())
        .count();
    assert!(right > 240, "{right} of 300 held-out samples right");
}

// ---------------------------------------------------------------------------------------------
// Weights.

#[test]
fn weights_save_and_load_under_nnet_names() {
    let net = trained_bars(2, 1);
    let bytes = io::to_safetensors(&net);
    let back: Bars = io::from_safetensors(&bytes).unwrap();
    assert_eq!(back, net);
    let length = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header = std::str::from_utf8(&bytes[8..8 + length]).unwrap();
    // The kernel is [filters, taps · channels].
    assert!(
        header.contains(r#""conv2d1.kernel":{"dtype":"F32","shape":[4,9]"#),
        "{header}"
    );
    assert!(
        header.contains(r#""conv2d1.bias":{"dtype":"F32","shape":[4]"#),
        "{header}"
    );
    let architecture = "input (8, 8, 1); conv2d 4 3 relu; max_pool2d 2; flatten; dense 2 softmax";
    assert_eq!(Bars::architecture(), architecture);
    assert!(header.contains(architecture), "{header}");
    // Settings other than their defaults are part of the architecture.
    assert_eq!(
        Image2d::architecture(),
        "input (5, 6, 3); conv2d 4 (3, 2) elu (strides = (2, 1), padding = same)"
    );
    assert_eq!(
        Grouped1d::architecture(),
        "input (9, 4); conv1d 4 3 linear (strides = 2, groups = 2)"
    );
    assert_eq!(
        Depthwise::architecture(),
        "input (4, 5, 3); depthwise_conv2d (3, 2) linear (padding = same, depth_multiplier = 2)"
    );
    assert_eq!(
        Pools::architecture(),
        "input (7, 5, 2); max_pool2d (3, 2) (strides = (2, 1), padding = same); avg_pool2d 2 (padding = same)"
    );
    // Another stride is another architecture.
    nnet::network! {
        struct Strided {
            input (8, 8, 1);
            conv2d 4 3 relu (strides = 1);
            max_pool2d 2 (strides = 2);
            flatten;
            dense 2 softmax;
        }
    }
    assert!(io::from_safetensors::<Strided>(&bytes).is_ok());
    nnet::network! {
        struct Other {
            input (8, 8, 1);
            conv2d 4 3 relu (padding = same);
            max_pool2d 2 (padding = same);
            flatten;
            dense 2 softmax;
        }
    }
    assert!(io::from_safetensors::<Other>(&bytes).is_err());
}

nnet::network! {
    /// `Bars` with the weights of `tests/fixtures/conv.safetensors` baked in: a constant.
    #[weights = "tests/fixtures/conv.safetensors"]
    pub struct BakedBars {
        input (8, 8, 1);
        conv2d 4 3 relu;
        max_pool2d 2;
        flatten;
        dense 2 softmax;
    }
}

/// In a `static`: convolution and pooling are constants too.
static BAKED: BakedBars = BakedBars::TRAINED;

/// The fixture `conv.safetensors`, baked into `BakedBars`: `NNET_WRITE_FIXTURES=1 cargo test
/// --test conv` rewrites it (then build again to bake the new file).
#[test]
fn write_fixtures() {
    if std::env::var_os("NNET_WRITE_FIXTURES").is_some() {
        let mut net = Bars::seeded(42);
        fill(&mut net, 9);
        io::save(&net, "tests/fixtures/conv.safetensors").unwrap();
    }
}

#[test]
fn baked_weights_equal_loaded() {
    let loaded: Bars = io::load("tests/fixtures/conv.safetensors").unwrap();
    let mut expected = Bars::seeded(42);
    fill(&mut expected, 9);
    assert_eq!(loaded, expected);
    let as_baked: BakedBars = io::load("tests/fixtures/conv.safetensors").unwrap();
    assert_eq!(BAKED, as_baked);
    let (x, _) = bars(5, 0);
    for x in &x {
        assert_eq!(BAKED.forward(x), loaded.forward(x));
    }
}

// ---------------------------------------------------------------------------------------------
// Folding, costs, sizes.

nnet::network! {
    /// Batch normalizations after convolutions without activation: folded for inference.
    struct Folded {
        input (6, 6, 2);
        conv2d 3 3 (padding = same, use_bias = false);
        batch_norm;
        activation relu;
        depthwise_conv2d 3;
        batch_norm;
        flatten;
        dense 1;
    }
}

/// Every batch normalization of `net`'s away from its initial values.
fn perturb<N: Parameters<f32>>(net: &mut N) {
    for t in 0..N::TENSORS {
        let name = N::tensor_info(t).unwrap().name();
        if !name.starts_with("batch_norm") {
            continue;
        }
        for (j, v) in net.tensor_mut(t).iter_mut().enumerate() {
            let w = wave(t, j) * 0.3;
            *v = if name.ends_with("gamma") || name.ends_with("variance") {
                0.6 + w.abs()
            } else {
                w
            };
        }
    }
}

#[test]
fn batch_norm_folds_into_convolutions() {
    let mut net = Folded::seeded(5);
    perturb(&mut net);
    let inference = net.inference();
    assert_ne!(inference.conv2d1.kernel, net.conv2d1.kernel);
    assert_ne!(
        inference.depthwise_conv2d1.kernel,
        net.depthwise_conv2d1.kernel
    );
    assert!(core::mem::size_of_val(&inference) < core::mem::size_of_val(&net));
    for i in 0..20 {
        let x = SVector::<f32, 72>::from_fn(|j, _| wave(i, j));
        let (a, b) = (net.forward(&x), inference.forward(&x));
        assert!((a - b).abs().max() <= 1e-5, "{a:?} vs {b:?}");
    }
}

#[test]
fn summary_prints_what_a_sample_costs() {
    // conv2d: 36 positions · 4 filters · 9 taps; dense: 36 · 2.
    assert_eq!(Bars::MACS, 36 * 4 * 9 + 36 * 2);
    let expected = "\
Model: \"Bars\"
_________________________________________________________________
 Layer (type)                    Output Shape            Param #
=================================================================
 input (Input)                   (None, 8, 8, 1)               0
 conv2d1 (Conv2D, relu)          (None, 6, 6, 4)              40
 max_pool2d1 (MaxPooling2D)      (None, 3, 3, 4)               0
 flatten1 (Flatten)              (None, 36)                    0
 dense1 (Dense, softmax)         (None, 2)                    74
=================================================================
Total params: 114
Trainable params: 114
Non-trainable params: 0
Multiply-accumulates per sample: 1,368
Weights: 456 bytes (114 values of 4 bytes)
Largest activation: 144 values (576 bytes)
_________________________________________________________________
";
    assert_eq!(Bars::summary(), expected);
    // Keras's class of a global pooling depends on the axes it pools.
    let summary = Signal::summary();
    assert!(
        summary.contains("global_avg_pool1 (GlobalAveragePooling1D)"),
        "{summary}"
    );
    assert!(summary.contains("conv1d1 (Conv1D, elu)"), "{summary}");
    assert!(Image2d::summary().contains("(None, 3, 6, 4)"));
    assert!(Globals::summary().contains("global_max_pool1 (GlobalMaxPooling2D)"));
    // Pooling, normalization and activations count no multiply-accumulates; depthwise ones
    // one per tap and output channel.
    assert_eq!(Folded::MACS, 36 * 3 * 18 + 16 * 3 * 9 + 48);
}

nnet::network! {
    /// The DS-CNN of the MLPerf Tiny keyword-spotting benchmark: 49 frames of 10 MFCCs.
    pub struct DsCnn {
        input (49, 10, 1);
        conv2d 64 (10, 4) relu (strides = 2, padding = same);
        depthwise_conv2d 3 (padding = same);
        batch_norm;
        activation relu;
        conv2d 64 1;
        batch_norm;
        activation relu;
        depthwise_conv2d 3 (padding = same);
        batch_norm;
        activation relu;
        conv2d 64 1;
        batch_norm;
        activation relu;
        depthwise_conv2d 3 (padding = same);
        batch_norm;
        activation relu;
        conv2d 64 1;
        batch_norm;
        activation relu;
        depthwise_conv2d 3 (padding = same);
        batch_norm;
        activation relu;
        conv2d 64 1;
        batch_norm;
        activation relu;
        avg_pool2d (25, 5);
        flatten;
        dense 12 softmax;
    }
}

#[test]
fn the_ds_cnn_has_keras_counts_and_runs_on_a_small_stack() {
    // Keras's count: the first convolution 10·4·1·64 + 64 = 2,624; each of the four blocks a
    // depthwise 3·3·64 + 64 = 640, a pointwise 64·64 + 64 = 4,160 and two normalizations of
    // 4·64 = 256 each (half of them the moving statistics): 5,312; the head 64·12 + 12 = 780.
    // Total 2,624 + 4·5,312 + 780 = 24,652, of which 8·128 = 1,024 non-trainable.
    assert_eq!(DsCnn::PARAMS, 24_652 - 1_024);
    let non_trainable: usize = DsCnn::LAYERS.iter().map(|l| l.non_trainable).sum();
    assert_eq!(non_trainable, 1_024);
    // (25, 5) positions after the strided first convolution: 125 · 64 · 40, then per block
    // 125 · 64 · 9 and 125 · 64 · 64, and the head 64 · 12.
    assert_eq!(
        DsCnn::MACS,
        125 * 64 * 40 + 4 * (125 * 64 * 9 + 125 * 64 * 64) + 64 * 12
    );
    assert_eq!(DsCnn::MACS, 2_656_768);
    assert_eq!(
        DsCnn::LAYERS[0].output,
        Shape::Image {
            height: 25,
            width: 5,
            channels: 64
        }
    );
    // Built, run, folded and run again on a 2 MiB thread (in debug builds too).
    let outputs = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let mut net = Box::new(DsCnn::seeded(1));
            perturb(net.as_mut());
            let x = SVector::<f32, 490>::from_fn(|j, _| wave(1, j));
            let y = net.forward(&x);
            let folded = Box::new(net.inference());
            (y, folded.forward(&x))
        })
        .unwrap()
        .join()
        .unwrap();
    let (y, folded) = outputs;
    assert!((y.sum() - 1.0).abs() < 1e-5);
    assert!((y - folded).abs().max() < 1e-4, "{y:?} vs {folded:?}");
    let summary = DsCnn::summary();
    assert!(
        summary.contains("Multiply-accumulates per sample: 2,656,768"),
        "{summary}"
    );
    assert!(
        summary.contains("Weights: 98,608 bytes (24,652 values of 4 bytes)"),
        "{summary}"
    );
    // The largest activation is the (25, 5, 64) of every block.
    assert!(
        summary.contains("Largest activation: 8,000 values (32,000 bytes)"),
        "{summary}"
    );
}

nnet::network! {
    /// A kernel of 128 × 144 weights, past the inline budget: on the heap.
    struct Big {
        input (6, 6, 16);
        conv2d 128 3 relu;
        global_avg_pool;
        dense 1;
    }
}

#[test]
fn large_kernels_live_on_the_heap() {
    // The kernel is a `HeapMatrix`: the network holds a pointer to it, not its 73 KiB.
    assert!(
        core::mem::size_of::<Big>() < 4096,
        "{}",
        core::mem::size_of::<Big>()
    );
    let outputs = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let net = Big::seeded(3);
            let x = SVector::<f32, 576>::from_fn(|j, _| wave(2, j));
            let back: Big = io::from_safetensors(&io::to_safetensors(&net)).unwrap();
            assert_eq!(back, net);
            let layer = &net.conv2d1;
            let expected = conv_ref(
                &x.iter().map(|&v| f64::from(v)).collect::<Vec<_>>(),
                (Ax::new(6, 3, 1, 1), Ax::new(6, 3, 1, 1), 16),
                Pad::Valid,
                128,
                1,
                |f, k| f64::from(layer.kernel[(f, k)]),
                |f| f64::from(layer.bias[f]),
                |v| v.max(0.0),
            );
            let pooled: Vec<f64> = (0..128)
                .map(|f| (0..16).map(|p| expected[p * 128 + f]).sum::<f64>() / 16.0)
                .collect();
            let head = &net.dense1;
            let y = f64::from(head.bias[0])
                + (0..128)
                    .map(|f| f64::from(head.weights[(0, f)]) * pooled[f])
                    .sum::<f64>();
            (net.forward(&x)[0], y)
        })
        .unwrap()
        .join()
        .unwrap();
    let (found, expected) = outputs;
    assert!(
        (f64::from(found) - expected).abs() < 1e-4,
        "{found} vs {expected}"
    );
}

// ---------------------------------------------------------------------------------------------
// Hygiene.

/// The generated code of convolutions and pooling reaches its types through absolute paths: it
/// compiles in a module that shadows them and the prelude.
#[allow(dead_code, non_camel_case_types)]
mod shadowed {
    struct Conv;
    struct Pool;
    struct Window;
    struct Axis;
    struct Padding;
    struct Conv2dKind;
    struct MaxPool2dKind;
    struct Option;
    struct Some;
    struct None;
    struct Vec;
    struct f32;
    struct usize;
    mod core {}
    mod std {}
    mod nalgebra {}

    nnet::network! {
        /// A CNN in a hostile module.
        pub struct Hostile {
            input (4, 4, 2);
            conv2d 3 2 relu (l1 = 0.01);
            depthwise_conv2d 2 (padding = same);
            batch_norm;
            max_pool2d 2;
            global_avg_pool;
            dense 1 sigmoid;
        }
    }
}

#[test]
fn convolutions_capture_no_user_name() {
    let net = shadowed::Hostile::seeded(1);
    let y = net.forward(&SVector::from_element(0.5));
    assert!(y[0] > 0.0 && y[0] < 1.0);
    let _ = net.inference();
}
