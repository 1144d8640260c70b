//! Residual blocks (issue 19): what the skip costs. Each network is measured beside the same
//! layers without the `residual { … }` around them (the same weights, copied field by field),
//! so the difference is the sum and nothing else.
//!
//! `cargo bench -p nnet-benches --bench residual`
//!
//! - `residual_forward/<net>/{skip,plain}`: one sample (`forward`).
//! - `residual_batch/<net>/{skip,plain}/256`: 256 samples through `forward_batch`.
//! - `residual_step/tcn/{skip,plain}`: a block of 1,024 samples streamed one `step` at a time
//!   through a causal dilated `conv1d` stack (the state carried across blocks, as in an audio
//!   callback); criterion's time per block / 1,024 is the time per sample.
//!
//! The networks: `mlp`, two blocks of two `dense 64` on 64 inputs; `cnn`, two blocks of two
//! 3 × 3 `conv2d 16` (padding `same`) on `(8, 8, 16)`; `tcn`, six `conv1d 8 2` (causal,
//! dilations 1 to 32) each in its own block, between a `conv1d 8 1` and `dense 8 relu; dense 1`
//! (`09_tcn`'s network with `relu` for its `tanh`: `tanh` takes longer the larger its inputs,
//! and the sums make them larger, which timed the data and not the skips: 28 of the 40 ns a
//! step more with `tanh`, by `perf record -e cpu-clock`).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nnet::SVector;
use rand::{Rng, SeedableRng};

nnet::network! {
    /// Two residual blocks of two dense layers.
    pub struct MlpSkip {
        input 64;
        residual { dense 64 relu; dense 64; }
        activation relu;
        residual { dense 64 relu; dense 64; }
        activation relu;
        dense 10;
    }
}

nnet::network! {
    /// `MlpSkip`'s layers without the blocks.
    pub struct MlpPlain {
        input 64;
        dense 64 relu; dense 64;
        activation relu;
        dense 64 relu; dense 64;
        activation relu;
        dense 10;
    }
}

nnet::network! {
    /// Two residual blocks of two 3 × 3 convolutions.
    pub struct CnnSkip {
        input (8, 8, 16);
        residual { conv2d 16 3 relu (padding = same); conv2d 16 3 (padding = same); }
        activation relu;
        residual { conv2d 16 3 relu (padding = same); conv2d 16 3 (padding = same); }
        activation relu;
        global_avg_pool;
        dense 10;
    }
}

nnet::network! {
    /// `CnnSkip`'s layers without the blocks.
    pub struct CnnPlain {
        input (8, 8, 16);
        conv2d 16 3 relu (padding = same); conv2d 16 3 (padding = same);
        activation relu;
        conv2d 16 3 relu (padding = same); conv2d 16 3 (padding = same);
        activation relu;
        global_avg_pool;
        dense 10;
    }
}

nnet::network! {
    /// A TCN of six causal dilated convolutions, each in a residual block.
    pub struct TcnSkip {
        input sequence 1;
        conv1d 8 1 (padding = causal);
        residual { conv1d 8 2 (padding = causal, dilation = 1); }
        residual { conv1d 8 2 (padding = causal, dilation = 2); }
        residual { conv1d 8 2 (padding = causal, dilation = 4); }
        residual { conv1d 8 2 (padding = causal, dilation = 8); }
        residual { conv1d 8 2 (padding = causal, dilation = 16); }
        residual { conv1d 8 2 (padding = causal, dilation = 32); }
        dense 8 relu;
        dense 1;
    }
}

nnet::network! {
    /// `TcnSkip`'s layers without the blocks.
    pub struct TcnPlain {
        input sequence 1;
        conv1d 8 1 (padding = causal);
        conv1d 8 2 (padding = causal, dilation = 1);
        conv1d 8 2 (padding = causal, dilation = 2);
        conv1d 8 2 (padding = causal, dilation = 4);
        conv1d 8 2 (padding = causal, dilation = 8);
        conv1d 8 2 (padding = causal, dilation = 16);
        conv1d 8 2 (padding = causal, dilation = 32);
        dense 8 relu;
        dense 1;
    }
}

/// Samples per batch.
const BATCH: usize = 256;
/// Samples per streamed block.
const BLOCK: usize = 1_024;

/// `n` inputs of `N` values, uniform in [-1, 1), from `seed`.
fn uniform<const N: usize>(n: usize, seed: u64) -> Vec<SVector<f32, N>> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| SVector::from_fn(|_, _| rng.random_range(-1.0..1.0)))
        .collect()
}

fn mlp(c: &mut Criterion) {
    let skip = MlpSkip::seeded(1);
    let plain = MlpPlain {
        dense1: skip.dense1.clone(),
        dense2: skip.dense2.clone(),
        dense3: skip.dense3.clone(),
        dense4: skip.dense4.clone(),
        dense5: skip.dense5.clone(),
        ..MlpPlain::seeded(1)
    };
    let xs = uniform::<64>(BATCH, 2);
    let mut group = c.benchmark_group("residual_forward/mlp");
    group.bench_function("skip", |b| b.iter(|| skip.forward(black_box(&xs[0]))));
    group.bench_function("plain", |b| b.iter(|| plain.forward(black_box(&xs[0]))));
    group.finish();
    let mut out = vec![SVector::<f32, 10>::zeros(); BATCH];
    let mut group = c.benchmark_group("residual_batch/mlp");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function(format!("skip/{BATCH}"), |b| {
        b.iter(|| skip.forward_batch(black_box(&xs), &mut out))
    });
    group.bench_function(format!("plain/{BATCH}"), |b| {
        b.iter(|| plain.forward_batch(black_box(&xs), &mut out))
    });
    group.finish();
}

fn cnn(c: &mut Criterion) {
    let skip = CnnSkip::seeded(1);
    let plain = CnnPlain {
        conv2d1: skip.conv2d1.clone(),
        conv2d2: skip.conv2d2.clone(),
        conv2d3: skip.conv2d3.clone(),
        conv2d4: skip.conv2d4.clone(),
        dense1: skip.dense1.clone(),
        ..CnnPlain::seeded(1)
    };
    let xs = uniform::<1024>(BATCH, 3);
    let mut group = c.benchmark_group("residual_forward/cnn");
    group.bench_function("skip", |b| b.iter(|| skip.forward(black_box(&xs[0]))));
    group.bench_function("plain", |b| b.iter(|| plain.forward(black_box(&xs[0]))));
    group.finish();
    let mut out = vec![SVector::<f32, 10>::zeros(); BATCH];
    let mut group = c.benchmark_group("residual_batch/cnn");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function(format!("skip/{BATCH}"), |b| {
        b.iter(|| skip.forward_batch(black_box(&xs), &mut out))
    });
    group.bench_function(format!("plain/{BATCH}"), |b| {
        b.iter(|| plain.forward_batch(black_box(&xs), &mut out))
    });
    group.finish();
}

fn tcn(c: &mut Criterion) {
    let skip = TcnSkip::seeded(1);
    let plain = TcnPlain {
        conv1d1: skip.conv1d1,
        conv1d2: skip.conv1d2,
        conv1d3: skip.conv1d3,
        conv1d4: skip.conv1d4,
        conv1d5: skip.conv1d5,
        conv1d6: skip.conv1d6,
        conv1d7: skip.conv1d7,
        dense1: skip.dense1.clone(),
        dense2: skip.dense2.clone(),
    };
    let xs: Vec<SVector<f32, 1>> = (0..BLOCK)
        .map(|t| SVector::from([(0.011 * t as f32).sin() + 0.3 * (0.007 * t as f32).cos()]))
        .collect();
    let mut group = c.benchmark_group("residual_step/tcn");
    group.throughput(Throughput::Elements(BLOCK as u64));
    let mut state = TcnSkipState::default();
    group.bench_function("skip", |b| {
        b.iter(|| {
            let mut sum = 0.0;
            for x in &xs {
                sum += skip.step(&mut state, black_box(x))[0];
            }
            sum
        })
    });
    let mut state = TcnPlainState::default();
    group.bench_function("plain", |b| {
        b.iter(|| {
            let mut sum = 0.0;
            for x in &xs {
                sum += plain.step(&mut state, black_box(x))[0];
            }
            sum
        })
    });
    group.finish();
}

criterion_group!(benches, mlp, cnn, tcn);
criterion_main!(benches);
