//! Image CNNs (issue 18): inference of one sample and of batches of 256, nnet against a
//! hand-written direct convolution of the same network (`baseline/cnn.rs`), for the digits CNN
//! of `08_digits` and the MLPerf Tiny keyword-spotting DS-CNN (its `inference()` form, batch
//! normalization folded); and one training epoch of `08_digits`'s CNN, as
//! `tools/torch_conv_bench.py` times PyTorch's.
//!
//! `cargo bench -p nnet-benches --bench cnn`
//!
//! - `cnn_forward/<net>`: one sample (`forward`).
//! - `cnn_batch/<net>/256`: 256 samples: the digits CNN through `forward_batch`; the DS-CNN's
//!   folded network has only `forward`, so its batch is `forward` on each sample
//!   (`nnet_folded`), beside the network as declared through `forward_batch` (`nnet_declared`,
//!   each batch normalization computed).
//! - `cnn_epoch/digits`: one `fit` epoch on the first 1,437 images of `digits.csv` (pixels / 16),
//!   batches of 32, `Adam::with_learning_rate(0.003)`, categorical cross-entropy, shuffled.
//!
//! Before measuring, each network's output and the baseline's are checked equal within 1e-5.

#[path = "baseline/cnn.rs"]
mod baseline;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use nnet::datasets::load_csv;
use nnet::loss::CategoricalCrossentropy;
use nnet::optim::Adam;
use nnet::train::{FitConfig, Trainer, Verbosity};
use nnet::{Parameters, SVector};
use rand::{Rng, SeedableRng};

nnet::network! {
    /// `08_digits`'s CNN.
    pub struct DigitsCnn {
        input (8, 8, 1);
        conv2d 16 3 relu (padding = same);
        max_pool2d 2;
        conv2d 32 3 relu (padding = same);
        global_avg_pool;
        dense 10 softmax;
    }
}

nnet::network! {
    /// The MLPerf Tiny keyword-spotting DS-CNN: 49 frames of 10 MFCCs, 12 classes.
    pub struct DsCnn {
        input (49, 10, 1);
        conv2d 64 (10, 4) relu (strides = 2, padding = same);
        depthwise_conv2d 3 (padding = same); batch_norm; activation relu;
        conv2d 64 1; batch_norm; activation relu;
        depthwise_conv2d 3 (padding = same); batch_norm; activation relu;
        conv2d 64 1; batch_norm; activation relu;
        depthwise_conv2d 3 (padding = same); batch_norm; activation relu;
        conv2d 64 1; batch_norm; activation relu;
        depthwise_conv2d 3 (padding = same); batch_norm; activation relu;
        conv2d 64 1; batch_norm; activation relu;
        avg_pool2d (25, 5);
        flatten;
        dense 12 softmax;
    }
}

const BATCH: usize = 256;

/// The training images of the epoch: the first 1,437 rows of `digits.csv`, pixels / 16, and
/// their one-hot digits.
fn digits() -> (Vec<SVector<f32, 64>>, Vec<SVector<f32, 10>>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/digits.csv");
    let data = load_csv::<64>(path).unwrap();
    let targets = data.one_hot::<10>().unwrap();
    let inputs = data.inputs.iter().take(1437).map(|x| x / 16.0).collect();
    (inputs, targets[..1437].to_vec())
}

/// `n` samples of `N` values uniform in [-1, 1), from `seed`.
fn uniform<const N: usize>(n: usize, seed: u64) -> Vec<SVector<f32, N>> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| SVector::from_fn(|_, _| rng.random_range(-1.0..1.0)))
        .collect()
}

/// Panics unless `a` and `b` agree within 1e-5.
fn assert_close(a: &[f32], b: &[f32], what: &str) {
    let gap = a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max);
    assert!(gap <= 1e-5, "{what}: nnet and the baseline differ by {gap}");
}

fn digits_inference(c: &mut Criterion) {
    let net = DigitsCnn::seeded(1);
    let tensors: [&[f32]; 6] = std::array::from_fn(|i| net.tensor(i));
    let hand = baseline::Digits::new(tensors);
    let (images, _) = digits();
    let xs = &images[..BATCH];
    let arrays: Vec<[f32; 64]> = xs.iter().map(|x| x.as_slice().try_into().unwrap()).collect();
    let mut ys = vec![SVector::<f32, 10>::zeros(); BATCH];
    net.forward_batch(xs, &mut ys);
    for ((x, y), a) in xs.iter().zip(&ys).zip(&arrays) {
        assert_close(net.forward(x).as_slice(), &hand.forward(a), "digits forward");
        assert_close(y.as_slice(), &hand.forward(a), "digits forward_batch");
    }

    let mut group = c.benchmark_group("cnn_forward/digits");
    let (x, a) = (xs[3], arrays[3]);
    group.bench_function("nnet", |b| b.iter(|| net.forward(black_box(&x))));
    group.bench_function("baseline", |b| b.iter(|| hand.forward(black_box(&a))));
    group.finish();

    let mut group = c.benchmark_group("cnn_batch/digits");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function(BenchmarkId::new("nnet", BATCH), |b| {
        b.iter(|| net.forward_batch(black_box(xs), &mut ys))
    });
    let mut out = vec![[0.0_f32; 10]; BATCH];
    group.bench_function(BenchmarkId::new("baseline", BATCH), |b| {
        b.iter(|| {
            for (y, x) in out.iter_mut().zip(black_box(&arrays)) {
                *y = hand.forward(x);
            }
        })
    });
    group.finish();
}

/// Moves every batch normalization's statistics and scale away from their initial values (as
/// after training), so that folding them changes the weights.
fn perturb(net: &mut DsCnn) {
    for i in 0..<DsCnn as Parameters>::TENSORS {
        let info = <DsCnn as Parameters>::tensor_info(i).unwrap();
        if info.layer.starts_with("batch_norm") {
            for (j, v) in net.tensor_mut(i).iter_mut().enumerate() {
                *v += 0.1 + 0.01 * (j % 7) as f32;
            }
        }
    }
}

fn ds_cnn_inference(c: &mut Criterion) {
    let mut declared = Box::new(DsCnn::seeded(1));
    perturb(&mut declared);
    let net = Box::new(declared.inference());
    // The kernels of the later blocks live on the heap (past the network's inline budget), so
    // the blocks have different types: each is read through its tensors.
    let block = |d: [&[f32]; 2], p: [&[f32]; 2]| baseline::Block {
        depthwise: baseline::Conv::new(d[0], d[1]),
        pointwise: baseline::Conv::new(p[0], p[1]),
    };
    let blocks = [
        block(
            [net.depthwise_conv2d1.tensor(0), net.depthwise_conv2d1.tensor(1)],
            [net.conv2d2.tensor(0), net.conv2d2.tensor(1)],
        ),
        block(
            [net.depthwise_conv2d2.tensor(0), net.depthwise_conv2d2.tensor(1)],
            [net.conv2d3.tensor(0), net.conv2d3.tensor(1)],
        ),
        block(
            [net.depthwise_conv2d3.tensor(0), net.depthwise_conv2d3.tensor(1)],
            [net.conv2d4.tensor(0), net.conv2d4.tensor(1)],
        ),
        block(
            [net.depthwise_conv2d4.tensor(0), net.depthwise_conv2d4.tensor(1)],
            [net.conv2d5.tensor(0), net.conv2d5.tensor(1)],
        ),
    ];
    let hand = Box::new(baseline::DsCnn {
        conv: baseline::Conv::new(net.conv2d1.tensor(0), net.conv2d1.tensor(1)),
        blocks,
        dense: baseline::Dense::new(net.dense1.tensor(0), net.dense1.tensor(1)),
    });
    let xs = uniform::<490>(BATCH, 7);
    let arrays: Vec<[f32; 490]> = xs.iter().map(|x| x.as_slice().try_into().unwrap()).collect();
    let mut ys = vec![SVector::<f32, 12>::zeros(); BATCH];
    declared.forward_batch(&xs, &mut ys);
    for ((x, y), a) in xs.iter().zip(&ys).zip(&arrays) {
        let folded = net.forward(x);
        assert_close(folded.as_slice(), &hand.forward(a), "DS-CNN forward");
        let gap = (folded - y).abs().max();
        assert!(gap < 1e-4, "DS-CNN folded and declared differ by {gap}");
    }

    let mut group = c.benchmark_group("cnn_forward/ds_cnn");
    let (x, a) = (xs[3], arrays[3]);
    group.bench_function("nnet", |b| b.iter(|| net.forward(black_box(&x))));
    group.bench_function("baseline", |b| b.iter(|| hand.forward(black_box(&a))));
    group.finish();

    let mut group = c.benchmark_group("cnn_batch/ds_cnn");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function(BenchmarkId::new("nnet_folded", BATCH), |b| {
        b.iter(|| {
            for (y, x) in ys.iter_mut().zip(black_box(&xs)) {
                *y = net.forward(x);
            }
        })
    });
    group.bench_function(BenchmarkId::new("nnet_declared", BATCH), |b| {
        b.iter(|| declared.forward_batch(black_box(&xs), &mut ys))
    });
    let mut out = vec![[0.0_f32; 12]; BATCH];
    group.bench_function(BenchmarkId::new("baseline", BATCH), |b| {
        b.iter(|| {
            for (y, x) in out.iter_mut().zip(black_box(&arrays)) {
                *y = hand.forward(x);
            }
        })
    });
    group.finish();
}

fn digits_epoch(c: &mut Criterion) {
    let (xs, ys) = digits();
    let config = FitConfig {
        batch_size: 32,
        epochs: 1,
        seed: 7,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    };
    let mut net = DigitsCnn::seeded(1);
    let mut trainer = Trainer::new(Adam::with_learning_rate(0.003), CategoricalCrossentropy);
    let mut group = c.benchmark_group("cnn_epoch/digits");
    group.throughput(Throughput::Elements(xs.len() as u64));
    group.sample_size(10);
    group.bench_function("nnet", |b| {
        b.iter(|| trainer.fit(&mut net, &xs, &ys, &config).unwrap())
    });
    group.finish();
}

criterion_group!(benches, digits_inference, ds_cnn_inference, digits_epoch);
criterion_main!(benches);
