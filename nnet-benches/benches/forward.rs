//! Inference: one sample and a batch of 1,024, nnet against the hand-written baseline; the batch
//! also through `forward_batch_with` and a reused workspace (`nnet_workspace`), and for the
//! seed network beside the hand-written loop over chunks of 64 samples (`baseline_chunked`).
//!
//! `cargo bench -p nnet-benches --bench forward`

mod baseline;
mod data;
mod networks;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use nnet::SVector;
use nnet::batch::Workspace;

use baseline::Params;
use networks::{Normed64, NormedSeed, Seed, W64, W256, W1024};

const BATCH: usize = 1024;

/// Registers `forward/<name>` and `forward_batch/<name>` for a network type and its baseline.
macro_rules! forward_groups {
    ($c:expr, $name:literal, $net:ty, $h:literal, $g:literal) => {{
        let net = <$net>::seeded(1);
        let hand = Params::<2, $h, $g>::from_network(&net);
        let (xs, _) = data::moons(BATCH, 0.1, 7);
        let arrays = data::arrays(&xs);
        let x = xs[3];
        let a = arrays[3];
        assert!((net.forward(&x)[0] - hand.forward(&a)[0]).abs() < 1e-4);

        let mut group = $c.benchmark_group(concat!("forward/", $name));
        group.bench_function("nnet", |b| b.iter(|| net.forward(black_box(&x))));
        group.bench_function("baseline", |b| b.iter(|| hand.forward(black_box(&a))));
        group.finish();

        let mut group = $c.benchmark_group(concat!("forward_batch/", $name));
        group.throughput(Throughput::Elements(BATCH as u64));
        let mut ys = vec![SVector::<f32, 1>::zeros(); BATCH];
        group.bench_function(BenchmarkId::new("nnet", BATCH), |b| {
            b.iter(|| net.forward_batch(black_box(&xs), &mut ys))
        });
        // Reused, and of the size `forward_batch` takes for each call (chunks of 256 samples).
        let mut workspace = Workspace::for_inference(<$net as nnet::Architecture>::LAYERS, 256);
        group.bench_function(BenchmarkId::new("nnet_workspace", BATCH), |b| {
            b.iter(|| net.forward_batch_with(&mut workspace, black_box(&xs), &mut ys))
        });
        let mut out = vec![[0.0_f32; 1]; BATCH];
        group.bench_function(BenchmarkId::new("baseline", BATCH), |b| {
            b.iter(|| {
                for (y, x) in out.iter_mut().zip(black_box(&arrays)) {
                    *y = hand.forward(x);
                }
            })
        });
        group.finish();
    }};
}

/// Batch normalization at inference: the network with `batch_norm` layers as declared
/// (`forward`), folded (`inference().forward`), and the same network without them.
macro_rules! norm_group {
    ($c:expr, $name:literal, $plain:ty, $normed:ty) => {{
        let plain = <$plain>::seeded(1);
        let mut normed = <$normed>::seeded(1);
        // Statistics away from their initial values, as after training.
        for i in 0..<$normed as nnet::Parameters>::TENSORS {
            let info = <$normed as nnet::Parameters>::tensor_info(i).unwrap();
            if info.layer.starts_with("batch_norm") {
                for (j, v) in nnet::Parameters::tensor_mut(&mut normed, i)
                    .iter_mut()
                    .enumerate()
                {
                    *v += 0.1 + 0.01 * j as f32;
                }
            }
        }
        let folded = normed.inference();
        let x = nnet::vector![0.3, -0.7];
        assert!((normed.forward(&x) - folded.forward(&x)).abs().max() < 1e-5);
        let mut group = $c.benchmark_group(concat!("forward_norm/", $name));
        group.bench_function("without_batch_norm", |b| {
            b.iter(|| plain.forward(black_box(&x)))
        });
        group.bench_function("batch_norm", |b| b.iter(|| normed.forward(black_box(&x))));
        group.bench_function("batch_norm_folded", |b| {
            b.iter(|| folded.forward(black_box(&x)))
        });
        group.finish();
    }};
}

nnet::network! {
    /// [`Seed`] in `f64`.
    #[scalar = f64]
    struct Seed64 { input 2; dense 10 relu; dense 20 relu; dense 1 sigmoid; }
}
nnet::network! {
    /// [`W64`] in `f64`.
    #[scalar = f64]
    struct W64F64 { input 2; dense 64 relu; dense 64 relu; dense 1 sigmoid; }
}

/// `scalar/<name>`: one sample through the same network in `f32` and in `f64`;
/// `scalar_backward/<name>` its backward pass, `scalar_batch/<name>` a batch of 1,024.
macro_rules! scalar_group {
    ($c:expr, $name:literal, $narrow:ty, $wide:ty) => {{
        let (narrow, wide) = (<$narrow>::seeded(1), <$wide>::seeded(1));
        let x = nnet::vector![0.3, -0.7];
        let x64 = x.map(f64::from);
        let mut group = $c.benchmark_group(concat!("scalar/", $name));
        group.bench_function("f32", |b| b.iter(|| narrow.forward(black_box(&x))));
        group.bench_function("f64", |b| b.iter(|| wide.forward(black_box(&x64))));
        group.finish();
        // The per-sample backward pass (after its traced forward pass), in both types.
        let mut group = $c.benchmark_group(concat!("scalar_backward/", $name));
        let (mut g32, mut g64) = (narrow.zero_gradients(), wide.zero_gradients());
        let (t32, t64) = (narrow.forward_trace(&x), wide.forward_trace(&x64));
        let (d32, d64) = (nnet::vector![0.5], nnet::SVector::<f64, 1>::new(0.5));
        group.bench_function("f32", |b| {
            b.iter(|| narrow.backward(black_box(&x), &t32, &d32, &mut g32))
        });
        group.bench_function("f64", |b| {
            b.iter(|| wide.backward(black_box(&x64), &t64, &d64, &mut g64))
        });
        group.finish();
        // A batch of 1,024 (matrix–matrix products for networks that prefer batches).
        let mut group = $c.benchmark_group(concat!("scalar_batch/", $name));
        group.throughput(Throughput::Elements(BATCH as u64));
        let (xs, _) = data::moons(BATCH, 0.1, 7);
        let xs64: Vec<_> = xs.iter().map(|x| x.map(f64::from)).collect();
        let (mut y32, mut y64) = (
            vec![SVector::<f32, 1>::zeros(); BATCH],
            vec![SVector::<f64, 1>::zeros(); BATCH],
        );
        group.bench_function("f32", |b| {
            b.iter(|| narrow.forward_batch(black_box(&xs), &mut y32))
        });
        group.bench_function("f64", |b| {
            b.iter(|| wide.forward_batch(black_box(&xs64), &mut y64))
        });
        group.finish();
    }};
}

/// `forward_batch/seed/baseline_chunked/1024`: the hand-written loop over chunks of 64 rows
/// (samples), each layer over a whole chunk with the samples innermost
/// ([`Params::forward_chunked`]), the batched loop a careful programmer writes by hand.
fn chunked(c: &mut Criterion) {
    let net = Seed::seeded(1);
    let hand = Params::<2, 10, 20>::from_network(&net);
    let (xs, _) = data::moons(BATCH, 0.1, 7);
    let arrays = data::arrays(&xs);
    let mut out = vec![[0.0_f32; 1]; BATCH];
    hand.forward_chunked(&arrays, &mut out);
    for (x, y) in xs.iter().zip(&out) {
        assert!((net.forward(x)[0] - y[0]).abs() < 1e-4);
    }
    let mut group = c.benchmark_group("forward_batch/seed");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function(BenchmarkId::new("baseline_chunked", BATCH), |b| {
        b.iter(|| hand.forward_chunked(black_box(&arrays), &mut out))
    });
    group.finish();
}

fn forward(c: &mut Criterion) {
    scalar_group!(c, "seed", Seed, Seed64);
    scalar_group!(c, "w64", W64, W64F64);
    norm_group!(c, "seed", Seed, NormedSeed);
    norm_group!(c, "w64", W64, Normed64);
    forward_groups!(c, "seed", Seed, 10, 20);
    chunked(c);
    forward_groups!(c, "w64", W64, 64, 64);
    forward_groups!(c, "w256", W256, 256, 256);
    forward_groups!(c, "w1024", W1024, 1024, 1024);
}

/// `forward_batch_levels/w256`: the wide network's batch of 1,024 with the matrix products at
/// the best level of this CPU (`nnet`, as `forward_batch/w256/nnet`) and forced to AVX2
/// (`nnet_narrow`: `nnet` on a CPU without AVX-512).
fn forward_levels(c: &mut Criterion) {
    use nnet::__private::{GemmLevel, force_gemm_level};

    let net = W256::seeded(1);
    let (xs, _) = data::moons(BATCH, 0.1, 7);
    let mut ys = vec![SVector::<f32, 1>::zeros(); BATCH];
    let mut group = c.benchmark_group("forward_batch_levels/w256");
    group.throughput(Throughput::Elements(BATCH as u64));
    for (name, level) in [("nnet", None), ("nnet_narrow", Some(GemmLevel::Narrow))] {
        force_gemm_level(level);
        group.bench_function(BenchmarkId::new(name, BATCH), |b| {
            b.iter(|| net.forward_batch(black_box(&xs), &mut ys))
        });
    }
    force_gemm_level(None);
    group.finish();
}

criterion_group!(benches, forward, forward_levels);
criterion_main!(benches);
