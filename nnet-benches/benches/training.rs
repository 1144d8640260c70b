//! Training: one epoch of 10,000 samples in batches of 64 with Adam and binary cross-entropy,
//! the full 30-epoch fit of the seed network on two moons, nnet's `Trainer::fit` against
//! the hand-written training loop, and 5 epochs of the wide network (`fit/w256`, the figure
//! `tools/torch_dense_bench.py` compares with PyTorch's; `fit_cpu/w256` times the same work in
//! CPU seconds, for a machine shared with other jobs).
//!
//! `cargo bench -p nnet-benches --bench training`

mod baseline;
mod cpu;
mod data;
mod networks;

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nnet::loss::BinaryCrossentropy;
use nnet::optim::Adam;
use nnet::train::{FitConfig, Trainer, Verbosity};

use baseline::Params;
use cpu::cpu_seconds;
use networks::{Seed, W64, W256, W1024};

const SAMPLES: usize = 10_000;
const BATCH: usize = 64;

fn config(epochs: usize) -> FitConfig {
    FitConfig {
        batch_size: BATCH,
        epochs,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    }
}

/// Registers `epoch/<name>`: one epoch of nnet's fit and of the hand-written loop.
macro_rules! epoch_group {
    ($c:expr, $name:literal, $net:ty, $h:literal, $g:literal, $samples:expr) => {{
        let (xs, ys) = data::moons(SAMPLES, 0.1, 7);
        let arrays = data::arrays(&xs);
        let labels: Vec<f32> = ys.iter().map(|y| y[0]).collect();
        let mut group = $c.benchmark_group(concat!("epoch/", $name));
        group.throughput(Throughput::Elements(SAMPLES as u64));
        group.sample_size($samples);
        let mut net = <$net>::seeded(1);
        let mut hand = Params::<2, $h, $g>::from_network(&net);
        let mut trainer = Trainer::new(Adam::default(), BinaryCrossentropy);
        group.bench_function("nnet", |b| {
            b.iter(|| trainer.fit(&mut net, &xs, &ys, &config(1)).unwrap())
        });
        let mut adam = baseline::Adam::new(0.001);
        group.bench_function("baseline", |b| {
            b.iter(|| baseline::train(&mut hand, &mut adam, &arrays, &labels, BATCH, 1, 0))
        });
        group.finish();
    }};
}

fn epoch(c: &mut Criterion) {
    epoch_group!(c, "seed", Seed, 10, 20, 20);
    epoch_group!(c, "w64", W64, 64, 64, 10);
    epoch_group!(c, "w256", W256, 256, 256, 10);
    epoch_group!(c, "w1024", W1024, 1024, 1024, 10);
}

/// `fit/moons`: the seed network's whole 30-epoch training on 10,000 moons, as `02_moons` runs
/// it, against the hand-written loop doing the same 30 epochs.
fn fit(c: &mut Criterion) {
    let (xs, ys) = data::moons(SAMPLES, 0.1, 7);
    let arrays = data::arrays(&xs);
    let labels: Vec<f32> = ys.iter().map(|y| y[0]).collect();
    let mut group = c.benchmark_group("fit/moons");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("nnet", |b| {
        b.iter(|| {
            let mut net = Seed::seeded(1);
            let mut trainer = Trainer::new(Adam::default(), BinaryCrossentropy);
            trainer.fit(&mut net, &xs, &ys, &config(30)).unwrap();
            net
        })
    });
    group.bench_function("baseline", |b| {
        b.iter(|| {
            let mut hand = Params::<2, 10, 20>::from_network(&Seed::seeded(1));
            let mut adam = baseline::Adam::new(0.001);
            baseline::train(&mut hand, &mut adam, &arrays, &labels, BATCH, 30, 0);
            hand
        })
    });
    group.finish();
}

/// `fit/w256`: 5 epochs of `2 → 256 relu → 256 relu → 1 sigmoid` on 10,000 moons, batches of
/// 64, Adam, binary cross-entropy, from a fresh network each time; `nnet_narrow` forces the
/// matrix products to AVX2 (`nnet` on a CPU without AVX-512).
fn fit_wide(c: &mut Criterion) {
    use nnet::__private::{GemmLevel, force_gemm_level};

    let (xs, ys) = data::moons(SAMPLES, 0.1, 7);
    let mut group = c.benchmark_group("fit/w256");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    for (name, level) in [("nnet", None), ("nnet_narrow", Some(GemmLevel::Narrow))] {
        force_gemm_level(level);
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut net = W256::seeded(1);
                let mut trainer = Trainer::new(Adam::default(), BinaryCrossentropy);
                trainer.fit(&mut net, &xs, &ys, &config(5)).unwrap();
                net
            })
        });
    }
    force_gemm_level(None);
    group.finish();
}

/// `fit_cpu/w256/nnet`: the work of `fit/w256/nnet`, timed in CPU seconds of the process (every
/// thread's, rayon's spinning included) instead of wall-clock seconds. On a machine shared with
/// other jobs the wall-clock time grows with the share of the cores they take; the CPU time is
/// what the training costs the cores, and moves much less (it still grows with cache misses
/// when other jobs evict this one's data).
fn fit_wide_cpu(c: &mut Criterion) {
    let (xs, ys) = data::moons(SAMPLES, 0.1, 7);
    let mut group = c.benchmark_group("fit_cpu/w256");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("nnet", |b| {
        b.iter_custom(|iters| {
            let start = cpu_seconds();
            for _ in 0..iters {
                let mut net = W256::seeded(1);
                let mut trainer = Trainer::new(Adam::default(), BinaryCrossentropy);
                trainer.fit(&mut net, &xs, &ys, &config(5)).unwrap();
                std::hint::black_box(&net);
            }
            Duration::from_secs_f64((cpu_seconds() - start).max(0.0))
        })
    });
    group.finish();
}

criterion_group!(benches, epoch, fit, fit_wide, fit_wide_cpu);
criterion_main!(benches);
