//! Recurrent networks: streaming `step` per sample against a hand-written fixed-array step of
//! the same layer, and one training epoch of the `07_amp` model per second of audio.
//!
//! `cargo bench -p nnet-benches --bench recurrent`
//!
//! - `step/<net>`: a block of 1,024 samples streamed one `step` at a time (the state carried
//!   across blocks, as in an audio callback); criterion's time per block / 1,024 is the time
//!   per sample, and the real-time factor at 48 kHz is `1 s / (48,000 × time per sample)`.
//!   `nnet` calls the generated `step`; `hand` the baseline in `baseline/recurrent.rs` on the
//!   same weights with the same gate functions as nnet, `hand_libm` the same baseline with the
//!   standard library's `exp` and `tanh` (both checked to give nnet's outputs within 1e-5
//!   before measuring).
//! - `epoch/amp`: one epoch of `Trainer::fit_sequences` of `gru 8 (return_sequences); dense 1`
//!   over one second of audio at 48 kHz (48,000 samples in 24 windows of 2,000: three batches of
//!   8, the same shapes as the PyTorch run of BENCHMARKS.md), Adam, mean squared error, a target per sample.

#[path = "baseline/recurrent.rs"]
mod hand;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nnet::loss::MeanSquaredError;
use nnet::optim::Adam;
use nnet::train::{FitConfig, Trainer, Verbosity};
use nnet::{SVector, Sequences, vector};

nnet::network! {
    pub struct Gru4 { input sequence 1; gru 4; dense 1; }
}
nnet::network! {
    pub struct Gru8 { input sequence 1; gru 8; dense 1; }
}
nnet::network! {
    pub struct Gru16 { input sequence 1; gru 16; dense 1; }
}
nnet::network! {
    pub struct Lstm16 { input sequence 1; lstm 16; dense 1; }
}
nnet::network! {
    pub struct Lstm40 { input sequence 1; lstm 40; dense 1; }
}
nnet::network! {
    /// The model of `07_amp`.
    pub struct Amp { input sequence 1; gru 8 (return_sequences); dense 1; }
}

/// Samples per measured block.
const BLOCK: usize = 1_024;

/// A block of audio-like input: two sines and a little deterministic noise.
fn signal(len: usize) -> Vec<f32> {
    let mut noise = 1_u32;
    (0..len)
        .map(|n| {
            noise = noise.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let t = n as f32 / 48_000.0;
            0.5 * (std::f32::consts::TAU * 220.0 * t).sin()
                + 0.3 * (std::f32::consts::TAU * 1_830.0 * t).sin()
                + 0.1 * (noise >> 8) as f32 / (1 << 24) as f32
        })
        .collect()
}

/// Registers `step/<name>` for a network type, its state and its baseline: `nnet`, `hand`
/// (the baseline with nnet's gate functions) and `hand_libm` (with the standard library's).
macro_rules! step_group {
    ($c:expr, $name:literal, $net:ident, $state:ident, $kind:ident, $units:literal, $hand_state:expr) => {{
        // Weights away from the initial ones (biases zero at initialization).
        let mut net = $net::seeded(3);
        for i in 0..<$net as nnet::Parameters>::TENSORS {
            for (j, v) in nnet::Parameters::tensor_mut(&mut net, i)
                .iter_mut()
                .enumerate()
            {
                *v += 0.05 * ((j * 7 + i * 3) % 11) as f32 / 11.0 - 0.025;
            }
        }
        let hand = hand::$kind::<$units, hand::Fast>::from_network(&net);
        let libm = hand::$kind::<$units, hand::Libm>::from_network(&net);
        let xs = signal(BLOCK);
        // The baselines compute the same function: every output of a long stream agrees.
        let mut state = $state::default();
        let (mut hand_state, mut libm_state) = ($hand_state, $hand_state);
        for (n, &x) in xs.iter().cycle().take(4 * BLOCK).enumerate() {
            let a = net.step(&mut state, &vector![x])[0];
            let b = hand.step(&mut hand_state, x);
            let c = libm.step(&mut libm_state, x);
            assert!(
                (a - b).abs() < 1e-5 && (a - c).abs() < 1e-5,
                "{} sample {n}: nnet {a}, hand {b}, hand_libm {c}",
                $name
            );
        }

        let mut group = $c.benchmark_group(concat!("step/", $name));
        group.throughput(Throughput::Elements(BLOCK as u64));
        let mut ys = vec![0.0_f32; BLOCK];
        group.bench_function("nnet", |b| {
            b.iter(|| {
                for (y, &x) in ys.iter_mut().zip(black_box(&xs)) {
                    *y = net.step(&mut state, &vector![x])[0];
                }
            })
        });
        group.bench_function("hand", |b| {
            b.iter(|| {
                for (y, &x) in ys.iter_mut().zip(black_box(&xs)) {
                    *y = hand.step(&mut hand_state, x);
                }
            })
        });
        group.bench_function("hand_libm", |b| {
            b.iter(|| {
                for (y, &x) in ys.iter_mut().zip(black_box(&xs)) {
                    *y = libm.step(&mut libm_state, x);
                }
            })
        });
        black_box(&ys);
        group.finish();
    }};
}

fn steps(c: &mut Criterion) {
    step_group!(c, "gru4", Gru4, Gru4State, Gru, 4, [0.0; 4]);
    step_group!(c, "gru8", Gru8, Gru8State, Gru, 8, [0.0; 8]);
    step_group!(c, "gru16", Gru16, Gru16State, Gru, 16, [0.0; 16]);
    step_group!(
        c,
        "lstm16",
        Lstm16,
        Lstm16State,
        Lstm,
        16,
        hand::LstmState::default()
    );
    step_group!(
        c,
        "lstm40",
        Lstm40,
        Lstm40State,
        Lstm,
        40,
        hand::LstmState::default()
    );
}

fn epoch(c: &mut Criterion) {
    let input = signal(48_000);
    let mut data = Sequences::new();
    let mut targets = Vec::with_capacity(input.len());
    let mut low = 0.0_f32;
    for window in input.chunks(2_000) {
        let steps: Vec<SVector<f32, 1>> = window.iter().map(|&x| vector![x]).collect();
        data.push(&steps);
        // The effect of `07_amp`: a one-pole low-pass at 1.5 kHz, then tanh(6 x).
        targets.extend(window.iter().map(|&x| {
            low += 0.178_f32 * (x - low);
            vector![(6.0 * low).tanh()]
        }));
    }
    assert_eq!((data.len(), data.total_steps()), (24, 48_000));
    let mut net = Amp::seeded(1);
    let mut trainer = Trainer::new(Adam::with_learning_rate(0.01), MeanSquaredError);
    let config = FitConfig {
        batch_size: 8,
        epochs: 1,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    };
    let mut group = c.benchmark_group("epoch");
    group.sample_size(10);
    group.throughput(Throughput::Elements(48_000));
    group.bench_function("amp", |b| {
        b.iter(|| {
            trainer
                .fit_sequences(&mut net, &data, &targets, &config)
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, steps, epoch);
criterion_main!(benches);
