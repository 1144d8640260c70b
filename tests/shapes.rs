//! Networks whose input has a fixed shape, `(steps, channels)` or `(height, width, channels)`:
//! every kind that reads such a shape computes, position by position, what a hand computation
//! gives; the backward pass matches finite differences; `fit` learns and repeats itself; weights
//! save and load (and bake) under nnet's names; `summary()` prints Keras's shapes.

use nnet::loss::{BinaryCrossentropy, CategoricalCrossentropy};
use nnet::optim::Adam;
use nnet::train::{FitConfig, Trainer, Verbosity};
use nnet::{Architecture, Network, Parameters, SVector, Shape, io};

#[path = "support/gradients.rs"]
#[allow(dead_code)]
mod gradients;
use gradients::{check_backward, wave};

nnet::network! {
    /// Four steps of three channels: every kind that reads a fixed shape, then a vector head.
    pub struct Steps {
        input (4, 3);
        dense 5 relu;
        batch_norm;
        layer_norm;
        dropout 0.1;
        flatten;
        dense 2 softmax;
    }
}

nnet::network! {
    /// `Steps` in `f64`.
    #[scalar = f64]
    pub struct Steps64 {
        input (4, 3);
        dense 5 relu;
        batch_norm;
        layer_norm;
        dropout 0.1;
        flatten;
        dense 2 softmax;
    }
}

nnet::network! {
    /// A 3 × 3 image of two channels, with a softmax over each pixel's channels inside.
    pub struct Pixels {
        input (3, 3, 2);
        dense 4 tanh;
        activation softmax;
        batch_norm (momentum = 0.9);
        activation relu;
        flatten;
        dense 1 sigmoid;
    }
}

nnet::network! {
    /// Positions whose outputs (2,048 values) live on the heap, and a kernel of 64 × 64 shared
    /// by every step: the batched passes run through matrix–matrix products.
    pub struct Long {
        input (32, 64);
        dense 64 relu;
        layer_norm;
        flatten;
        dense 3;
    }
}

nnet::network! {
    /// `Steps` with the weights of `tests/fixtures/shapes.safetensors` baked in: a constant.
    #[weights = "tests/fixtures/shapes.safetensors"]
    pub struct BakedSteps {
        input (4, 3);
        dense 5 relu;
        batch_norm;
        layer_norm;
        dropout 0.1;
        flatten;
        dense 2 softmax;
    }
}

/// In a `static`: the position-wise layers are constants too.
static BAKED: BakedSteps = BakedSteps::TRAINED;

nnet::network! {
    /// Batch normalizations next to position-wise dense layers, folded into them for inference.
    pub struct Folded {
        input (4, 3);
        dense 5;
        batch_norm;
        activation relu;
        batch_norm;
        dense 2 tanh;
        flatten;
        dense 1;
    }
}

/// Statistics and parameters of a batch normalization away from their initial values.
fn perturb_norm<const N: usize>(norm: &mut nnet::layer::BatchNorm<N>, k: f32) {
    for j in 0..N {
        let f = j as f32 + k;
        norm.gamma[j] = 0.6 + 0.15 * f;
        norm.beta[j] = 0.05 * f - 0.2;
        norm.moving_mean[j] = 0.3 * (f * 0.7).sin();
        norm.moving_variance[j] = 0.4 + 0.2 * f;
    }
}

/// `Steps::seeded(seed)` with its normalizations away from their initial values.
fn steps(seed: u64) -> Steps {
    let mut net = Steps::seeded(seed);
    perturb_norm(&mut net.batch_norm1.layer, 0.5);
    net.layer_norm1.layer.gamma = SVector::from_fn(|j, _| 1.2 - 0.1 * j as f32);
    net.layer_norm1.layer.beta = SVector::from_fn(|j, _| 0.1 * j as f32 - 0.15);
    net
}

/// `Pixels::seeded(seed)` with its normalization away from its initial values.
fn pixels(seed: u64) -> Pixels {
    let mut net = Pixels::seeded(seed);
    perturb_norm(&mut net.batch_norm1.layer, 1.0);
    net
}

/// Keras's inference of batch normalization on one channel.
fn batch_norm(v: f64, gamma: f32, beta: f32, mean: f32, variance: f32) -> f64 {
    (v - f64::from(mean)) / (f64::from(variance) + 1e-3).sqrt() * f64::from(gamma) + f64::from(beta)
}

/// `W x + b` of a dense layer on one position's channels.
fn affine<const I: usize, const O: usize>(
    weights: &nnet::SMatrix<f32, O, I>,
    bias: &SVector<f32, O>,
    x: &[f64],
) -> Vec<f64> {
    (0..O)
        .map(|o| {
            f64::from(bias[o])
                + (0..I)
                    .map(|i| f64::from(weights[(o, i)]) * x[i])
                    .sum::<f64>()
        })
        .collect()
}

fn softmax(z: &[f64]) -> Vec<f64> {
    let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = z.iter().map(|v| (v - max).exp()).collect();
    let sum: f64 = e.iter().sum();
    e.iter().map(|v| v / sum).collect()
}

/// `Steps`'s output by hand, one step at a time, in `f64`.
fn steps_by_hand(net: &Steps, x: &SVector<f32, 12>) -> Vec<f64> {
    let (dense, norm, layer_norm) = (
        &net.dense1.layer,
        &net.batch_norm1.layer,
        &net.layer_norm1.layer,
    );
    let mut flat = Vec::new();
    for step in 0..4 {
        let x: Vec<f64> = (0..3).map(|c| f64::from(x[step * 3 + c])).collect();
        let h: Vec<f64> = affine(&dense.weights, &dense.bias, &x)
            .into_iter()
            .map(|v| v.max(0.0))
            .collect();
        let n: Vec<f64> = (0..5)
            .map(|c| {
                batch_norm(
                    h[c],
                    norm.gamma[c],
                    norm.beta[c],
                    norm.moving_mean[c],
                    norm.moving_variance[c],
                )
            })
            .collect();
        let mean = n.iter().sum::<f64>() / 5.0;
        let variance = n.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 5.0;
        for (c, v) in n.iter().enumerate() {
            let normalized = (v - mean) / (variance + 1e-3).sqrt();
            flat.push(normalized * f64::from(layer_norm.gamma[c]) + f64::from(layer_norm.beta[c]));
        }
    }
    softmax(&affine(&net.dense2.weights, &net.dense2.bias, &flat))
}

/// `Pixels`'s output by hand, one pixel at a time, in `f64`.
fn pixels_by_hand(net: &Pixels, x: &SVector<f32, 18>) -> f64 {
    let (dense, norm) = (&net.dense1.layer, &net.batch_norm1.layer);
    let mut flat = Vec::new();
    for pixel in 0..9 {
        let x: Vec<f64> = (0..2).map(|c| f64::from(x[pixel * 2 + c])).collect();
        let t: Vec<f64> = affine(&dense.weights, &dense.bias, &x)
            .into_iter()
            .map(f64::tanh)
            .collect();
        for (c, s) in softmax(&t).into_iter().enumerate() {
            let n = batch_norm(
                s,
                norm.gamma[c],
                norm.beta[c],
                norm.moving_mean[c],
                norm.moving_variance[c],
            );
            flat.push(n.max(0.0));
        }
    }
    let z = affine(&net.dense2.weights, &net.dense2.bias, &flat)[0];
    1.0 / (1.0 + (-z).exp())
}

#[test]
fn forward_is_the_layers_at_every_position() {
    let net = steps(3);
    for i in 0..20 {
        let x = SVector::<f32, 12>::from_fn(|j, _| wave(i, j));
        let (found, expected) = (net.forward(&x), steps_by_hand(&net, &x));
        for (f, e) in found.iter().zip(&expected) {
            assert!(
                (f64::from(*f) - e).abs() < 1e-5,
                "{found:?} vs {expected:?}"
            );
        }
    }
    let net = pixels(4);
    for i in 0..20 {
        let x = SVector::<f32, 18>::from_fn(|j, _| wave(i, j));
        let (found, expected) = (net.forward(&x)[0], pixels_by_hand(&net, &x));
        assert!(
            (f64::from(found) - expected).abs() < 1e-5,
            "{found} vs {expected}"
        );
    }
}

#[test]
fn shapes_and_counts() {
    assert_eq!(
        Steps::INPUT_SHAPE,
        Shape::Steps {
            steps: 4,
            channels: 3
        }
    );
    assert_eq!(Steps::OUTPUT_SHAPE, Shape::Vector(2));
    assert_eq!((Steps::INPUTS, Steps::OUTPUTS), (12, 2));
    assert_eq!(
        Pixels::INPUT_SHAPE,
        Shape::Image {
            height: 3,
            width: 3,
            channels: 2
        }
    );
    assert_eq!(
        (Pixels::INPUTS, Pixels::OUTPUT_SHAPE),
        (18, Shape::Vector(1))
    );
    // The layers' output shapes, as `summary()` prints them.
    let shapes: Vec<Shape> = Pixels::LAYERS.iter().map(|l| l.output).collect();
    let image = |channels| Shape::Image {
        height: 3,
        width: 3,
        channels,
    };
    assert_eq!(
        shapes,
        [
            image(4),
            image(4),
            image(4),
            image(4),
            Shape::Vector(36),
            Shape::Vector(1)
        ]
    );
    // One kernel for every step: 3·5 + 5; batch_norm 2·5 (+ 2·5 statistics); layer_norm 2·5;
    // the head 20·2 + 2.
    assert_eq!(Steps::PARAMS, 20 + 10 + 10 + 42);
    assert_eq!(Pixels::PARAMS, (2 * 4 + 4) + 8 + (36 + 1));
    assert_eq!(Long::PARAMS, (64 * 64 + 64) + 128 + (2048 * 3 + 3));
}

#[test]
fn summary_prints_keras_shapes() {
    let expected = "\
Model: \"Steps\"
__________________________________________________________________
 Layer (type)                     Output Shape            Param #
==================================================================
 input (Input)                    (None, 4, 3)                  0
 dense1 (Dense, relu)             (None, 4, 5)                 20
 batch_norm1 (BatchNormalization) (None, 4, 5)                 20
 layer_norm1 (LayerNormalization) (None, 4, 5)                 10
 dropout1 (Dropout)               (None, 4, 5)                  0
 flatten1 (Flatten)               (None, 20)                    0
 dense2 (Dense, softmax)          (None, 2)                    42
==================================================================
Total params: 92
Trainable params: 82
Non-trainable params: 10
Multiply-accumulates per sample: 100
Weights: 368 bytes (92 values of 4 bytes)
Largest activation: 20 values (80 bytes)
__________________________________________________________________
";
    assert_eq!(Steps::summary(), expected);
}

/// `Steps64` with the values of `net`.
fn steps64(net: &Steps) -> Steps64 {
    let mut wide = Steps64::zeroed();
    for t in 0..Steps::TENSORS {
        assert_eq!(Steps::tensor_info(t), Steps64::tensor_info(t));
        for (w, v) in wide.tensor_mut(t).iter_mut().zip(net.tensor(t)) {
            *w = f64::from(*v);
        }
    }
    wide
}

#[test]
fn backward_matches_finite_differences() {
    // In f64, tightly: every weight of every kind.
    let net = steps64(&steps(5));
    let x = SVector::<f64, 12>::from_fn(|j, _| f64::from(wave(2, j)));
    assert_eq!(check_backward(&net, &x, 1e-6, 1e-6, 3), 82 + 4);
    // In f32, loosely (rounding).
    let x = SVector::<f32, 12>::from_fn(|j, _| wave(3, j));
    assert_eq!(check_backward(&steps(5), &x, 1e-3, 2e-2, 3), 82 + 4);
    let x = SVector::<f32, 18>::from_fn(|j, _| wave(4, j));
    assert_eq!(check_backward(&pixels(6), &x, 1e-3, 2e-2, 3), 57 + 6);
}

#[test]
fn f64_matches_f32() {
    let net = steps(8);
    let wide = steps64(&net);
    for i in 0..10 {
        let x = SVector::<f32, 12>::from_fn(|j, _| wave(i, j));
        let (narrow, wide) = (net.forward(&x), wide.forward(&x.map(f64::from)));
        assert!(
            (narrow.map(f64::from) - wide).abs().max() < 1e-5,
            "{narrow:?} vs {wide:?}"
        );
    }
    assert_eq!(Steps64::INPUT_SHAPE, Steps::INPUT_SHAPE);
    // The same summary, but for the bytes of each value.
    assert_eq!(
        Steps64::summary().replace("Steps64", "Steps"),
        Steps::summary()
            .replace(
                "368 bytes (92 values of 4 bytes)",
                "736 bytes (92 values of 8 bytes)"
            )
            .replace("(80 bytes)", "(160 bytes)")
    );
}

/// Steps of two features whose class is whether the first feature rises from the first step to
/// the last more than the second feature falls: only the positions together tell.
fn steps_task(n: usize, offset: usize) -> (Vec<SVector<f32, 12>>, Vec<SVector<f32, 2>>) {
    let x: Vec<SVector<f32, 12>> = (offset..offset + n)
        .map(|i| SVector::from_fn(|j, _| wave(i, j)))
        .collect();
    let y = x
        .iter()
        .map(|x| {
            let score = (x[9] - x[0]) + (x[10] - x[1]) * 0.5 + x[5];
            if score > 0.0 {
                nnet::vector![1.0, 0.0]
            } else {
                nnet::vector![0.0, 1.0]
            }
        })
        .collect();
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

fn trained_steps(seed: u64, epochs: usize) -> Steps {
    let (x, y) = steps_task(400, 0);
    let mut net = Steps::seeded(1);
    let mut trainer = Trainer::new(Adam::with_learning_rate(0.01), CategoricalCrossentropy);
    trainer
        .fit(&mut net, &x, &y, &config(seed, epochs))
        .unwrap();
    net
}

/// The share of samples whose largest output is the target's.
fn accuracy<const OUT: usize>(outputs: &[SVector<f32, OUT>], targets: &[SVector<f32, OUT>]) -> f32 {
    let right = outputs
        .iter()
        .zip(targets)
        .filter(|(o, t)| o.imax() == t.imax())
        .count();
    right as f32 / outputs.len() as f32
}

#[test]
fn fit_learns_and_repeats_itself() {
    let net = trained_steps(9, 40);
    let (x, y) = steps_task(400, 10_000);
    let accuracy = accuracy(&net.predict(&x), &y);
    assert!(accuracy > 0.9, "held-out accuracy {accuracy}");
    let again = trained_steps(9, 40);
    for t in 0..Steps::TENSORS {
        assert!(
            net.tensor(t)
                .iter()
                .zip(again.tensor(t))
                .all(|(a, b)| a.to_bits() == b.to_bits()),
            "{} differs between two runs with one seed",
            Steps::tensor_info(t).unwrap().name()
        );
    }
}

#[test]
fn pixels_learn_where_the_light_is() {
    // Whether the left column outshines the right one in the first channel.
    let task = |offset: usize| {
        let x: Vec<SVector<f32, 18>> = (offset..offset + 400)
            .map(|i| SVector::from_fn(|j, _| wave(i, j)))
            .collect();
        let y: Vec<SVector<f32, 1>> = x
            .iter()
            .map(|x| {
                let column = |c: usize| (0..3).map(|r| x[(r * 3 + c) * 2]).sum::<f32>();
                nnet::vector![f32::from(u8::from(column(0) > column(2)))]
            })
            .collect();
        (x, y)
    };
    let (x, y) = task(0);
    let mut net = Pixels::seeded(2);
    let mut trainer = Trainer::new(Adam::with_learning_rate(0.01), BinaryCrossentropy);
    trainer.fit(&mut net, &x, &y, &config(4, 60)).unwrap();
    let (x, y) = task(10_000);
    let right = net
        .predict(&x)
        .iter()
        .zip(&y)
        .filter(|(p, t)| (p[0] > 0.5) == (t[0] > 0.5))
        .count();
    assert!(right > 360, "{right} of 400 held-out samples right");
}

#[test]
fn forward_batch_equals_forward() {
    let net = trained_steps(2, 2);
    let (x, _) = steps_task(50, 0);
    let mut outputs = vec![SVector::zeros(); x.len()];
    net.forward_batch(&x, &mut outputs);
    for (x, o) in x.iter().zip(&outputs) {
        assert_eq!(net.forward(x), *o);
    }
    // Batched through matrix–matrix products, with heap vectors: equal up to rounding.
    let long = Long::seeded(3);
    let x: Vec<SVector<f32, 2048>> = (0..20)
        .map(|i| SVector::from_fn(|j, _| wave(i, j)))
        .collect();
    let mut outputs = vec![SVector::zeros(); x.len()];
    long.forward_batch(&x, &mut outputs);
    for (x, o) in x.iter().zip(&outputs) {
        let single = long.forward(x);
        assert!((single - o).abs().max() < 1e-4, "{single:?} vs {o:?}");
    }
}

#[test]
fn long_positions_train_in_batches() {
    // The kernel shared by 32 steps trains through the batched pass; its gradient is the sum
    // over the steps of the per-sample gradients.
    let net = Long::seeded(4);
    let x: Vec<SVector<f32, 2048>> = (0..6)
        .map(|i| SVector::from_fn(|j, _| wave(i, j)))
        .collect();
    let y: Vec<SVector<f32, 3>> = (0..6)
        .map(|i| SVector::from_fn(|j, _| wave(i + 50, j)))
        .collect();
    let loss = nnet::loss::MeanSquaredError;
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
    for t in Long::trainable() {
        let (a, b) = (batched.tensor(t), single.tensor(t));
        let scale = b.iter().fold(0.0_f32, |m, v| m.max(v.abs())).max(1e-3);
        let error = a
            .iter()
            .zip(b)
            .fold(0.0_f32, |m, (p, q)| m.max((p - q).abs()));
        assert!(
            error < 1e-3 * scale,
            "{}: {error} of {scale}",
            Long::tensor_info(t).unwrap().name()
        );
    }
}

#[test]
fn weights_save_and_load_under_nnet_names() {
    let net = trained_steps(6, 2);
    let bytes = io::to_safetensors(&net);
    let back: Steps = io::from_safetensors(&bytes).unwrap();
    assert_eq!(back, net);
    // The header: a position-wise dense layer's kernel is [units, channels], shared by every
    // step; the input as written.
    let length = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header = std::str::from_utf8(&bytes[8..8 + length]).unwrap();
    assert!(
        header.contains(r#""dense1.weight":{"dtype":"F32","shape":[5,3]"#),
        "{header}"
    );
    assert!(
        header.contains(r#""batch_norm1.moving_mean":{"dtype":"F32","shape":[5]"#),
        "{header}"
    );
    assert!(
        header.contains(r#""dense2.weight":{"dtype":"F32","shape":[2,20]"#),
        "{header}"
    );
    let architecture =
        "input (4, 3); dense 5 relu; batch_norm; layer_norm; dropout 0.1; flatten; dense 2 softmax";
    assert_eq!(Steps::architecture(), architecture);
    assert!(header.contains(architecture), "{header}");
    // Another input shape of the same number of values is another architecture.
    nnet::network! {
        struct Transposed {
            input (3, 4);
            dense 5 relu;
            batch_norm;
            layer_norm;
            dropout 0.1;
            flatten;
            dense 2 softmax;
        }
    }
    assert!(io::from_safetensors::<Transposed>(&bytes).is_err());
}

/// The fixture `shapes.safetensors`, baked into `BakedSteps`: `NNET_WRITE_FIXTURES=1 cargo test
/// --test shapes` rewrites it (then build again to bake the new file).
#[test]
fn write_fixtures() {
    if std::env::var_os("NNET_WRITE_FIXTURES").is_some() {
        io::save(&steps(42), "tests/fixtures/shapes.safetensors").unwrap();
    }
}

#[test]
fn baked_weights_equal_loaded() {
    let loaded: Steps = io::load("tests/fixtures/shapes.safetensors").unwrap();
    assert_eq!(loaded, steps(42));
    let as_baked: BakedSteps = io::load("tests/fixtures/shapes.safetensors").unwrap();
    assert_eq!(BAKED, as_baked);
    for i in 0..5 {
        let x = SVector::<f32, 12>::from_fn(|j, _| wave(i, j));
        assert_eq!(BAKED.forward(&x), loaded.forward(&x));
    }
}

#[test]
fn batch_norm_folds_into_position_wise_dense_layers() {
    let mut net = Folded::seeded(5);
    perturb_norm(&mut net.batch_norm1.layer, 0.0);
    perturb_norm(&mut net.batch_norm2.layer, 2.0);
    let inference = net.inference();
    // batch_norm1 folds into dense1's outputs, batch_norm2 into dense2's inputs.
    assert_ne!(inference.dense1.layer.weights, net.dense1.layer.weights);
    assert_ne!(inference.dense2.layer.weights, net.dense2.layer.weights);
    assert!(core::mem::size_of_val(&inference) < core::mem::size_of_val(&net));
    for i in 0..20 {
        let x = SVector::<f32, 12>::from_fn(|j, _| wave(i, j));
        let (a, b) = (net.forward(&x), inference.forward(&x));
        assert!((a - b).abs().max() <= 1e-5, "{a:?} vs {b:?}");
    }
}

/// The generated code of shaped networks reaches `Shape`, `Positionwise` and `Flatten` through
/// absolute paths: it compiles in a module that shadows them and the prelude.
#[allow(dead_code, non_camel_case_types)]
mod shadowed {
    struct Shape;
    struct Positionwise;
    struct Flatten;
    struct Option;
    struct Some;
    struct None;
    struct Vec;
    struct f32;
    struct usize;
    struct Dense;
    struct BatchNorm;
    struct LayerNorm;
    struct ActivationLayer;
    mod core {}
    mod std {}
    mod nalgebra {}

    nnet::network! {
        /// A shaped network in a hostile module.
        pub struct Hostile {
            input (2, 2, 3);
            dense 4 relu;
            batch_norm;
            layer_norm;
            activation softmax;
            dropout 0.1;
            flatten;
            dense 1 sigmoid;
        }
    }
}

#[test]
fn shaped_networks_capture_no_user_name() {
    let net = shadowed::Hostile::seeded(1);
    let y = net.forward(&SVector::from_element(0.5));
    assert!(y[0] > 0.0 && y[0] < 1.0);
    assert_eq!(
        shadowed::Hostile::INPUT_SHAPE,
        Shape::Image {
            height: 2,
            width: 2,
            channels: 3
        }
    );
}

nnet::network! {
    /// The largest fixed shape, 65,536 values, through every kind that reads it: the trace,
    /// outputs and deltas of each layer on the heap.
    struct Largest {
        input (64, 64, 16);
        dense 16 relu;
        batch_norm;
        layer_norm;
        activation softmax;
        dropout 0.1;
        flatten;
        dense 2 softmax;
    }
}

nnet::network! {
    /// More than 1,024 channels: the layers' own vectors (bias, normalization) on the heap too.
    struct WideChannels { input (2, 3); dense 1500 relu; layer_norm; batch_norm; flatten; dense 2; }
}

/// Runs `f` on a thread with the default stack of spawned threads, 2 MiB, set explicitly.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("the thread must not overflow its stack");
}

/// Construct, `forward`, `forward_trace`, `backward`, `predict`, the per-sample and the batched
/// gradient, `fit` for one epoch, and save/load, on three samples of `N`.
fn everything<N, const IN: usize, const OUT: usize>(net: N)
where
    N: Network<IN, OUT>,
{
    let mut xs = nnet::storage::zeroed_vectors::<IN>(3);
    for (i, x) in xs.iter_mut().enumerate() {
        x.iter_mut().enumerate().for_each(|(j, v)| *v = wave(i, j));
    }
    let targets: Vec<SVector<f32, OUT>> = (0..3)
        .map(|i| SVector::from_fn(|j, _| f32::from(u8::from(i % OUT == j))))
        .collect();
    let x = &xs[0];
    let y = net.forward(x);
    assert!(y.iter().all(|v| v.is_finite()));
    let trace = net.forward_trace(x);
    let mut grads = net.zero_gradients();
    let dx = net.backward(x, &trace, &SVector::from_element(1.0), &mut grads);
    assert!(dx.iter().all(|v| v.is_finite()) && grads.all_finite());
    let ys = net.predict(&xs);
    assert!(ys[0].iter().zip(&y).all(|(a, b)| (a - b).abs() < 1e-4));

    let loss = nnet::loss::MeanSquaredError;
    let mut each = net.zero_gradients();
    let mut outputs = nnet::storage::zeroed_vectors::<OUT>(3);
    let sum = nnet::__private::accumulate_each(&net, &xs, &targets, &loss, &mut each, &mut outputs);
    let mut batched = net.zero_gradients();
    let mut workspace = net.workspace(2);
    let batch_sum = net.accumulate_batch(
        &mut workspace,
        &xs,
        &targets,
        &loss,
        &mut batched,
        &mut outputs,
    );
    assert!(sum.is_finite() && batch_sum.is_finite() && batched.all_finite());

    let mut trained = net.clone();
    let config = FitConfig {
        batch_size: 2,
        epochs: 1,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    };
    let history = Trainer::new(Adam::default(), loss)
        .fit(&mut trained, &xs, &targets, &config)
        .expect("fit");
    assert!(history.epochs[0].loss.is_finite());
    assert_ne!(trained, net);
    let bytes = io::to_safetensors(&trained);
    let loaded: N = io::from_safetensors(&bytes).expect("load");
    assert!(loaded == trained);
}

#[test]
fn the_largest_shapes_on_a_small_stack() {
    on_small_stack(|| everything(Largest::seeded(1)));
    on_small_stack(|| everything(WideChannels::seeded(2)));
    assert_eq!(Largest::INPUTS, 65_536);
    assert_eq!(
        WideChannels::PARAMS,
        (3 * 1500 + 1500) + 2 * 1500 + 2 * 1500 + (3000 * 2 + 2)
    );
}
