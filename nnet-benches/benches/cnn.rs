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
//! - `cnn_layer/pointwise`: the DS-CNN's largest convolution alone (see `largest_convolution`).
//! - `cnn_epoch/digits`: one `fit` epoch on the first 1,437 images of `digits.csv` (pixels / 16),
//!   batches of 32, `Adam::with_learning_rate(0.003)`, categorical cross-entropy, shuffled.
//!
//! Before measuring, each network's output and the baseline's are checked equal within 1e-5.
//!
//! On a machine busy with other work, `cargo bench -p nnet-benches --bench cnn -- --cpu-time
//! [FILTER]` measures the same closures by the CPU time of the process's threads instead of
//! criterion's wall time (the median of 5 runs of at least 0.3 s each, from
//! `/proc/self/task/*/schedstat`, Linux only): time lost to other processes is left out, what
//! they cost in shared caches is not, and `fit` counts the time of both its threads.

#[path = "baseline/cnn.rs"]
mod baseline;

use std::hint::black_box;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput};
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
        max_pool2d 2;
        flatten;
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

nnet::network! {
    /// The DS-CNN's largest convolution alone (a 1 × 1 convolution of 64 filters over 25 × 5
    /// positions of 64 channels: 512,000 multiply-accumulates), for the fraction of peak.
    pub struct Pointwise { input (25, 5, 64); conv2d 64 1; }
}

nnet::network! {
    /// What a network over the same shapes costs around its layers: allocating its 8,000
    /// outputs on the heap and returning them.
    pub struct Identity { input (25, 5, 64); activation linear; }
}

const BATCH: usize = 256;

/// Where the measurements go: criterion, or this thread's CPU time (`--cpu-time`).
enum Sink<'a> {
    Criterion(BenchmarkGroup<'a, WallTime>),
    Cpu {
        group: String,
        filter: Option<String>,
    },
}

impl<'a> Sink<'a> {
    /// A group of measurements named `name`, for criterion or for `--cpu-time`.
    fn group(c: &'a mut Option<Criterion>, cpu: &Option<Option<String>>, name: &str) -> Self {
        match (c, cpu) {
            (Some(c), None) => Sink::Criterion(c.benchmark_group(name)),
            (_, filter) => Sink::Cpu {
                group: name.to_owned(),
                filter: filter.clone().flatten(),
            },
        }
    }

    /// Measures `f` as `name` of the group (if the `--cpu-time` filter is in its full name).
    fn bench<R>(&mut self, name: &str, mut f: impl FnMut() -> R) {
        match self {
            Sink::Criterion(group) => {
                group.bench_function(name, |b| b.iter(&mut f));
            }
            Sink::Cpu { group, filter } => {
                let full = format!("{group}/{name}");
                if filter.as_ref().is_none_or(|w| full.contains(w.as_str())) {
                    println!("{full:40} {:>12.3} µs of CPU per call", cpu_time(f) * 1e6);
                }
            }
        }
    }

    fn throughput(&mut self, elements: usize) {
        if let Sink::Criterion(group) = self {
            group.throughput(Throughput::Elements(elements as u64));
        }
    }

    fn sample_size(&mut self, n: usize) {
        if let Sink::Criterion(group) = self {
            group.sample_size(n);
        }
    }

    fn finish(self) {
        if let Sink::Criterion(group) = self {
            group.finish();
        }
    }
}

/// The CPU time of all this process's threads so far (`fit`'s pool included), in seconds, from
/// Linux's scheduler statistics.
fn process_cpu() -> f64 {
    let mut ns = 0_u64;
    for task in std::fs::read_dir("/proc/self/task").expect("Linux /proc") {
        let path = task.unwrap().path().join("schedstat");
        // A thread that ended since the listing has no statistics left to add.
        if let Ok(stat) = std::fs::read_to_string(path) {
            ns += stat
                .split_whitespace()
                .next()
                .unwrap()
                .parse::<u64>()
                .unwrap();
        }
    }
    ns as f64 * 1e-9
}

/// The median over 5 runs of the CPU time of one call of `f`, each run at least 0.3 s (the
/// statistics advance by the scheduler's ticks, so shorter runs would not be exact).
fn cpu_time<R>(mut f: impl FnMut() -> R) -> f64 {
    black_box(f());
    let mut calls = 1_usize;
    let mut runs = Vec::new();
    while runs.len() < 5 {
        let start = process_cpu();
        for _ in 0..calls {
            black_box(f());
        }
        let spent = process_cpu() - start;
        // The statistics advance at the scheduler's ticks (a few ms): more calls are asked for
        // by doubling until a run is long enough to scale by.
        if spent < 0.05 {
            calls *= 2;
        } else if spent < 0.3 {
            calls = (calls as f64 * 0.35 / spent).ceil() as usize;
        } else {
            runs.push(spent / calls as f64);
        }
    }
    runs.sort_by(f64::total_cmp);
    runs[2]
}

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
    let gap = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max);
    assert!(gap <= 1e-5, "{what}: nnet and the baseline differ by {gap}");
}

/// The two measurement settings every function below takes: criterion (`None` under
/// `--cpu-time`) and the `--cpu-time` filter.
type Settings<'a> = (&'a mut Option<Criterion>, &'a Option<Option<String>>);

fn digits_inference((c, cpu): Settings<'_>) {
    let net = DigitsCnn::seeded(1);
    let tensors: [&[f32]; 6] = std::array::from_fn(|i| net.tensor(i));
    let hand = baseline::Digits::new(tensors);
    let (images, _) = digits();
    let xs = &images[..BATCH];
    let arrays: Vec<[f32; 64]> = xs
        .iter()
        .map(|x| x.as_slice().try_into().unwrap())
        .collect();
    let mut ys = vec![SVector::<f32, 10>::zeros(); BATCH];
    net.forward_batch(xs, &mut ys);
    for ((x, y), a) in xs.iter().zip(&ys).zip(&arrays) {
        assert_close(
            net.forward(x).as_slice(),
            &hand.forward(a),
            "digits forward",
        );
        assert_close(y.as_slice(), &hand.forward(a), "digits forward_batch");
    }

    let mut group = Sink::group(c, cpu, "cnn_forward/digits");
    let (x, a) = (xs[3], arrays[3]);
    group.bench("nnet", || net.forward(black_box(&x)));
    group.bench("baseline", || hand.forward(black_box(&a)));
    group.finish();

    let mut group = Sink::group(c, cpu, "cnn_batch/digits");
    group.throughput(BATCH);
    group.bench(&format!("nnet/{BATCH}"), || {
        net.forward_batch(black_box(xs), &mut ys)
    });
    let mut out = vec![[0.0_f32; 10]; BATCH];
    group.bench(&format!("baseline/{BATCH}"), || {
        for (y, x) in out.iter_mut().zip(black_box(&arrays)) {
            *y = hand.forward(x);
        }
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

fn ds_cnn_inference((c, cpu): Settings<'_>) {
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
            [
                net.depthwise_conv2d1.tensor(0),
                net.depthwise_conv2d1.tensor(1),
            ],
            [net.conv2d2.tensor(0), net.conv2d2.tensor(1)],
        ),
        block(
            [
                net.depthwise_conv2d2.tensor(0),
                net.depthwise_conv2d2.tensor(1),
            ],
            [net.conv2d3.tensor(0), net.conv2d3.tensor(1)],
        ),
        block(
            [
                net.depthwise_conv2d3.tensor(0),
                net.depthwise_conv2d3.tensor(1),
            ],
            [net.conv2d4.tensor(0), net.conv2d4.tensor(1)],
        ),
        block(
            [
                net.depthwise_conv2d4.tensor(0),
                net.depthwise_conv2d4.tensor(1),
            ],
            [net.conv2d5.tensor(0), net.conv2d5.tensor(1)],
        ),
    ];
    let hand = Box::new(baseline::DsCnn {
        conv: baseline::Conv::new(net.conv2d1.tensor(0), net.conv2d1.tensor(1)),
        blocks,
        dense: baseline::Dense::new(net.dense1.tensor(0), net.dense1.tensor(1)),
    });
    let xs = uniform::<490>(BATCH, 7);
    let arrays: Vec<[f32; 490]> = xs
        .iter()
        .map(|x| x.as_slice().try_into().unwrap())
        .collect();
    let mut ys = vec![SVector::<f32, 12>::zeros(); BATCH];
    declared.forward_batch(&xs, &mut ys);
    for ((x, y), a) in xs.iter().zip(&ys).zip(&arrays) {
        let folded = net.forward(x);
        assert_close(folded.as_slice(), &hand.forward(a), "DS-CNN forward");
        let gap = (folded - y).abs().max();
        assert!(gap < 1e-4, "DS-CNN folded and declared differ by {gap}");
    }

    let mut group = Sink::group(c, cpu, "cnn_forward/ds_cnn");
    let (x, a) = (xs[3], arrays[3]);
    group.bench("nnet", || net.forward(black_box(&x)));
    group.bench("baseline", || hand.forward(black_box(&a)));
    group.finish();

    let mut group = Sink::group(c, cpu, "cnn_batch/ds_cnn");
    group.throughput(BATCH);
    group.bench(&format!("nnet_folded/{BATCH}"), || {
        for (y, x) in ys.iter_mut().zip(black_box(&xs)) {
            *y = net.forward(x);
        }
    });
    group.bench(&format!("nnet_declared/{BATCH}"), || {
        declared.forward_batch(black_box(&xs), &mut ys)
    });
    let mut out = vec![[0.0_f32; 12]; BATCH];
    group.bench(&format!("baseline/{BATCH}"), || {
        for (y, x) in out.iter_mut().zip(black_box(&arrays)) {
            *y = hand.forward(x);
        }
    });
    group.finish();
}

/// `cnn_layer/pointwise`: the largest convolution of the DS-CNN alone, one sample through a
/// network of that one layer (`forward`, which also allocates and returns its 8,000 outputs;
/// `identity` is that cost alone), and 256 samples through the layer's batched pass
/// (`Layer::output_batch`: the patches' matrix product).
fn largest_convolution((c, cpu): Settings<'_>) {
    use nnet::layer::Layer;
    let (net, identity) = (
        Box::new(Pointwise::seeded(1)),
        Box::new(Identity::seeded(1)),
    );
    let xs = uniform::<8000>(BATCH, 9);
    let x = xs[3];
    let flat: Vec<f32> = xs.iter().flat_map(|x| x.iter().copied()).collect();
    let mut out = vec![0.0_f32; flat.len()];
    net.conv2d1.output_batch(&flat, &mut out);
    let gap = out[3 * 8000..4 * 8000]
        .iter()
        .zip(net.forward(&x).iter())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    assert!(gap < 1e-4, "output_batch and forward differ by {gap}");
    let mut group = Sink::group(c, cpu, "cnn_layer/pointwise");
    group.bench("forward", || net.forward(black_box(&x)));
    group.bench("identity", || identity.forward(black_box(&x)));
    group.throughput(BATCH);
    group.bench(&format!("output_batch/{BATCH}"), || {
        net.conv2d1.output_batch(black_box(&flat), &mut out)
    });
    group.finish();
}

fn digits_epoch((c, cpu): Settings<'_>) {
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
    let mut group = Sink::group(c, cpu, "cnn_epoch/digits");
    group.throughput(xs.len());
    group.sample_size(10);
    group.bench("nnet", || trainer.fit(&mut net, &xs, &ys, &config).unwrap());
    group.finish();
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // `--cpu-time [FILTER]`: this thread's CPU time per call, not criterion.
    let cpu = args
        .iter()
        .position(|a| a == "--cpu-time")
        .map(|i| args.get(i + 1).filter(|a| !a.starts_with('-')).cloned());
    let mut criterion = cpu
        .is_none()
        .then(|| Criterion::default().configure_from_args());
    digits_inference((&mut criterion, &cpu));
    ds_cnn_inference((&mut criterion, &cpu));
    largest_convolution((&mut criterion, &cpu));
    digits_epoch((&mut criterion, &cpu));
    if let Some(c) = criterion {
        c.final_summary();
    }
}
