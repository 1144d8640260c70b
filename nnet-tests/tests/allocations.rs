//! Inference and steady-state training allocate nothing.
//!
//! Counts are exact and independent of timing: `allocation_counter` counts the allocations of
//! the thread that runs the measured code, and everything the library does for a batched pass
//! or for `fit` runs on that thread, because the measured code runs inside a rayon pool of one
//! thread (rayon's `join` then runs both halves of a split on the same thread, in order).
//! With more threads, rayon's own queues take memory at moments that depend on scheduling;
//! that memory is rayon's, not nnet's, and is not what these tests promise.

use std::hint::black_box;

use allocation_counter::measure;
use nnet::loss::BinaryCrossentropy;
use nnet::optim::Adam;
use nnet::train::{FitConfig, Trainer, Verbosity};
use nnet::{Network, SVector, vector};

nnet::network! {
    struct Seed { input 2; dense 10 relu; dense 20 relu; dense 1 sigmoid; }
}
nnet::network! {
    /// Every layer kind: trains through the batched pass.
    struct Mixed {
        input 2;
        dense 16 (l2 = 0.01);
        batch_norm;
        activation relu;
        dropout 0.5;
        dense 8 tanh (use_bias = false);
        layer_norm;
        dense 1 sigmoid;
    }
}
nnet::network! {
    /// Batched: its products go through the matrix–matrix kernel.
    struct Wide { input 2; dense 128 relu; dense 128 relu; dense 1 sigmoid; }
}

/// Allocations (and reallocations) that `f` makes on this thread.
fn allocations<R>(f: impl FnOnce() -> R) -> u64 {
    measure(|| {
        black_box(f());
    })
    .count_total
}

/// Runs `f` on the one thread of a fresh rayon pool.
fn on_one_thread<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a rayon pool of one thread")
        .install(f)
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
fn fit_allocations<N: Network<2, 1>>(net: &mut N, n: usize) -> u64 {
    let (x, y) = data(n);
    let config = FitConfig {
        batch_size: 64,
        epochs: 2,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    };
    let mut trainer = Trainer::new(Adam::default(), BinaryCrossentropy);
    allocations(|| {
        trainer
            .fit(net, &x, &y, &config)
            .expect("training succeeds")
    })
}

/// `fit` allocates per call and per epoch, never per batch: twice the batches, the same count.
fn assert_no_allocation_per_batch<N: Network<2, 1> + Send>(mut net: N) {
    on_one_thread(|| {
        fit_allocations(&mut net, 640); // warm-up: per-thread buffers
        let ten = fit_allocations(&mut net, 640);
        let twenty = fit_allocations(&mut net, 1280);
        assert!(ten > 0, "the counter sees fit's own buffers");
        assert_eq!(
            ten, twenty,
            "{ten} allocations in 2 x 10 batches, {twenty} in 2 x 20 batches"
        );
    });
}

#[test]
fn forward_allocates_nothing() {
    let x = vector![0.5, -0.25];
    let seed = Seed::seeded(1);
    assert_eq!(allocations(|| seed.forward(black_box(&x))), 0);
    let wide = Wide::seeded(1);
    assert_eq!(allocations(|| wide.forward(black_box(&x))), 0);
    let mixed = Mixed::seeded(1);
    assert_eq!(allocations(|| mixed.forward(black_box(&x))), 0);
    let inference = mixed.inference();
    assert_eq!(allocations(|| inference.forward(black_box(&x))), 0);
}

#[test]
fn the_counter_sees_allocations() {
    assert_eq!(allocations(|| vec![1.0_f32; 3]), 1);
}

#[test]
fn batched_forward_with_a_workspace_allocates_nothing() {
    let wide = Wide::seeded(1);
    let (xs, _) = data(300);
    let mut ys = vec![SVector::zeros(); 300];
    let mut workspace = wide.workspace(64);
    on_one_thread(|| {
        wide.forward_batch_with(&mut workspace, &xs, &mut ys); // warm-up: per-thread buffers
        let count = allocations(|| {
            for _ in 0..20 {
                wide.forward_batch_with(&mut workspace, &xs, &mut ys);
            }
        });
        assert_eq!(count, 0, "{count} allocations in 20 batched passes");
    });
}

#[test]
fn steady_state_training_allocates_nothing_per_batch() {
    assert_no_allocation_per_batch(Seed::seeded(2));
    assert_no_allocation_per_batch(Wide::seeded(2));
    assert_no_allocation_per_batch(Mixed::seeded(2));
}

nnet::network! {
    /// Its hidden layer, over 1,024 units, keeps its activations on the heap.
    struct Broad { input 2; dense 2048 relu; dense 1 sigmoid; }
}

/// A layer of more than 1,024 units keeps its outputs on the heap, not on the stack: one
/// allocation per such layer and call of `forward`; networks of narrower layers allocate none.
#[test]
fn forward_allocates_once_per_layer_over_1024_units() {
    let broad = Broad::seeded(1);
    let x = vector![0.5, -0.25];
    assert_eq!(allocations(|| broad.forward(black_box(&x))), 1);
}

nnet::network! {
    /// A recurrent network with dropout and batch normalization at every step.
    struct Sequence {
        input sequence 2;
        gru 6 (return_sequences);
        batch_norm;
        dropout 0.2;
        lstm 4;
        dense 1 sigmoid;
    }
}

/// `fit_sequences` allocates per call and per epoch, never per batch: its workspaces (one per
/// group of a batch's sequences) are sized for the longest batch once.
#[test]
fn sequence_training_allocates_nothing_per_batch() {
    let run = |n: usize| {
        let (x, y) = data(n * 5);
        // Sequences of 1 to 5 steps.
        let mut sequences = nnet::Sequences::new();
        let mut targets = Vec::new();
        let mut at = 0;
        for i in 0..n {
            let len = 1 + i % 5;
            sequences.push(&x[at..at + len]);
            targets.push(y[at]);
            at += len;
        }
        let config = FitConfig {
            batch_size: 16,
            epochs: 2,
            verbosity: Verbosity::Silent,
            ..FitConfig::default()
        };
        let mut net = Sequence::seeded(1);
        let mut trainer = Trainer::new(Adam::default(), BinaryCrossentropy);
        allocations(|| {
            trainer
                .fit_sequences(&mut net, &sequences, &targets, &config)
                .expect("training succeeds")
        })
    };
    // On one thread, as `fit` is counted: the batch's groups of sequences run through rayon's
    // `join`, which then runs them on this thread, in order.
    let (ten, twenty) = on_one_thread(|| {
        run(160); // warm-up: per-thread buffers
        (run(160), run(320))
    });
    assert!(ten > 0, "the counter sees fit's own buffers");
    assert_eq!(
        ten, twenty,
        "{ten} allocations in 2 x 10 batches, {twenty} in 2 x 20"
    );
}

nnet::network! {
    /// `07_amp`'s model: a batch of 8 sequences is 8 groups of one sequence.
    struct Amp {
        input sequence 1;
        gru 8 (return_sequences);
        dense 1;
    }
}

/// A trainer keeps `fit_sequences`'s workspaces from one call to the next: a second call on
/// the same data allocates none of them, at least their inputs, outputs and output gradients
/// (8 groups × 500 steps × (1 input + 8 + 8 GRU + 1 + 1 dense values) × 4 bytes) fewer bytes
/// than a fresh trainer's call, and fewer times.
#[test]
fn a_second_fit_sequences_call_reuses_the_workspaces() {
    let sequences: nnet::Sequences<1> = (0..8)
        .map(|s| {
            (0..500)
                .map(|t| vector![(0.01 * (t * (s + 1)) as f32).sin()])
                .collect::<Vec<_>>()
        })
        .collect();
    let targets: Vec<SVector<f32, 1>> = sequences
        .steps()
        .iter()
        .map(|x| vector![0.5 * x[0]])
        .collect();
    let config = FitConfig {
        batch_size: 8,
        epochs: 1,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    };
    let mut net = Amp::seeded(1);
    let mut trainer = Trainer::new(Adam::default(), nnet::loss::MeanSquaredError);
    let mut call = |trainer: &mut Trainer<Adam, nnet::loss::MeanSquaredError>| {
        measure(|| {
            black_box(
                trainer
                    .fit_sequences(&mut net, &sequences, &targets, &config)
                    .expect("training succeeds"),
            );
        })
    };
    let (fresh, second) = on_one_thread(|| {
        call(&mut trainer); // warm-up: per-thread buffers
        let fresh = call(&mut Trainer::new(
            Adam::default(),
            nnet::loss::MeanSquaredError,
        ));
        (fresh, call(&mut trainer))
    });
    let workspaces = 8 * 500 * (1 + 8 + 8 + 1 + 1) * 4;
    assert!(
        fresh.bytes_total >= second.bytes_total + workspaces,
        "a fresh trainer's call allocates {} bytes, a second call {}",
        fresh.bytes_total,
        second.bytes_total
    );
    assert!(fresh.count_total > second.count_total);
}
