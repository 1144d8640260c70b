//! Inference and steady-state training allocate nothing, counted by a global allocator that
//! sees every thread (the training threads too).
//!
//! One test function, so that no other test of this binary allocates while it counts.

use std::alloc::System;
use std::hint::black_box;

use nnet::loss::BinaryCrossentropy;
use nnet::optim::Adam;
use nnet::train::{FitConfig, Trainer, Verbosity};
use nnet::{Network, SVector, vector};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

nnet::network! {
    struct Seed { input 2; dense 10 relu; dense 20 relu; dense 1 sigmoid; }
}
nnet::network! {
    /// Batched, and large enough for the products to use two threads.
    struct Wide { input 2; dense 128 relu; dense 128 relu; dense 1 sigmoid; }
}

/// Allocations and reallocations made while `f` runs.
fn allocations<R>(f: impl FnOnce() -> R) -> usize {
    let region = Region::new(GLOBAL);
    black_box(f());
    let change = region.change();
    change.allocations + change.reallocations
}

fn data(n: usize) -> (Vec<SVector<f32, 2>>, Vec<SVector<f32, 1>>) {
    let x: Vec<_> = (0..n)
        .map(|i| vector![(i % 17) as f32 / 8.0 - 1.0, (i % 11) as f32 / 5.0 - 1.0])
        .collect();
    let y = x
        .iter()
        .map(|p| vector![f32::from(u8::from(p[0] > p[1]))])
        .collect();
    (x, y)
}

/// Allocations of a whole `fit` of two epochs in batches of 64 on `n` samples.
fn fit_allocations<N: Network<2, 1>>(net: &mut N, n: usize) -> usize {
    let (x, y) = data(n);
    let config = FitConfig {
        batch_size: 64,
        epochs: 2,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    };
    let mut trainer = Trainer::new(Adam::default(), BinaryCrossentropy);
    allocations(|| trainer.fit(net, &x, &y, &config).unwrap())
}

/// `fit` allocates per call and per epoch, never per batch: twice the batches, the same count.
/// (Batched networks train each epoch on rayon's pool, handed to it once per epoch.)
fn assert_no_allocation_per_batch<N: Network<2, 1>>(mut net: N) {
    fit_allocations(&mut net, 640); // warm-up: thread pool, per-thread packing buffers
    let ten = fit_allocations(&mut net, 640);
    let twenty = fit_allocations(&mut net, 1280);
    assert!(ten > 0, "the counter sees fit's own buffers");
    // One allocation of slack: the pool's queue may take a new block (every 63 epochs); an
    // allocation per batch would add 20.
    assert!(
        twenty <= ten + 1,
        "{ten} allocations in 2 x 10 batches, {twenty} in 2 x 20 batches"
    );
}

#[test]
fn inference_and_steady_state_training_allocate_nothing() {
    let seed = Seed::seeded(1);
    let x = vector![0.5, -0.25];
    assert_eq!(allocations(|| seed.forward(black_box(&x))), 0);
    let wide = Wide::seeded(1);
    assert_eq!(allocations(|| wide.forward(black_box(&x))), 0);

    // Batched inference allocates nothing itself; called from outside rayon's pool, each call
    // hands its work to the pool once, and the pool's queue takes a new block every 63 calls.
    let (xs, _) = data(300);
    let mut ys = vec![SVector::zeros(); 300];
    let mut workspace = wide.workspace(64);
    wide.forward_batch_with(&mut workspace, &xs, &mut ys); // warm-up
    let calls = 126;
    let count = allocations(|| {
        for _ in 0..calls {
            wide.forward_batch_with(&mut workspace, &xs, &mut ys);
        }
    });
    assert!(
        count <= calls / 63 + 1,
        "{count} allocations in {calls} calls"
    );

    assert_no_allocation_per_batch(Seed::seeded(2));
    assert_no_allocation_per_batch(Wide::seeded(2));
}
