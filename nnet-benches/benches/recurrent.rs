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
//! - Before them, `gru4`, `gru8`, `lstm16` and `lstm40` (one input, a dense output) with the
//!   weights of the RTNeural driver of BENCHMARKS.md ("Recurrent streaming against RTNeural"):
//!   weight `n` of tensor `i` (kernel 0, recurrent kernel 1, bias 2, dense kernel 3, dense bias
//!   4, each in Keras's order) is a hash of `(i, n)` mapped to a multiple of `2⁻²⁴` in
//!   `[−s/2, s/2)`, exact in `f32` everywhere; input `x[t] = 0.6·sin(0.011 t)·cos(0.0007 t)`.
//!   When the driver's outputs are at `$RTNEURAL_OUT/rtn_<name>.f32` (`/tmp` by default), nnet's
//!   48,000 outputs are compared with them (the largest difference printed; the bench stops
//!   above `2e-6`), and nnet is timed as the driver times its model: the median of 15 runs over
//!   the 48,000 inputs from the zero state. `RTNEURAL_ONLY=<name>` runs that network alone (to
//!   profile it).
//! - `epoch/amp`: one epoch of `Trainer::fit_sequences` of `gru 8 (return_sequences); dense 1`
//!   over one second of audio at 48 kHz (48,000 samples in 24 windows of 2,000: three batches of
//!   8, the same shapes as the PyTorch run of BENCHMARKS.md), Adam, mean squared error, a target per sample.

#[path = "baseline/recurrent.rs"]
mod hand;

use std::hint::black_box;
use std::path::PathBuf;

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

/// Samples of the RTNeural driver's stream.
const RTNEURAL_STEPS: usize = 48_000;
/// Steps of the stretches whose fastest the bench also reports (as the driver does).
const RTNEURAL_CHUNK: usize = 1_000;

/// The driver's weight `n` of tensor `tensor`: a hash mapped to `[−scale/2, scale/2)`.
fn rtneural_weight(tensor: u32, n: u32, scale: f32) -> f32 {
    let mut h = n
        .wrapping_mul(2_654_435_761)
        .wrapping_add(tensor.wrapping_mul(0x9E37_79B9))
        .wrapping_add(12_345);
    h ^= h >> 15;
    h = h.wrapping_mul(0x2C1B_3C6D);
    h ^= h >> 12;
    h = h.wrapping_mul(0x297A_2D39);
    h ^= h >> 15;
    ((h >> 8) as f32 / 16_777_216.0 - 0.5) * scale
}

/// The driver's input at step `t`.
fn rtneural_input(t: usize) -> f32 {
    (0.6 * (0.011 * t as f64).sin() * (0.0007 * t as f64).cos()) as f32
}

/// Gives a network of one recurrent layer and a dense output the driver's weights.
fn set_rtneural_weights<N: nnet::Parameters>(net: &mut N, units: usize) {
    let recurrent_scale = match units {
        0..=8 => 1.0,
        9..=16 => 0.5,
        _ => 0.25,
    };
    let scales = [1.0, recurrent_scale, 0.25, 1.0, 0.25];
    for (tensor, scale) in scales.into_iter().enumerate() {
        for (n, v) in nnet::Parameters::tensor_mut(net, tensor)
            .iter_mut()
            .enumerate()
        {
            *v = rtneural_weight(tensor as u32, n as u32, scale);
        }
    }
}

/// Compares nnet with the driver's outputs (when they are there) and times it as the driver
/// times itself.
macro_rules! against_rtneural {
    ($name:literal, $net:ident, $state:ident, $units:literal) => {{
        let mut net = $net::seeded(1);
        set_rtneural_weights(&mut net, $units);
        let xs: Vec<SVector<f32, 1>> = (0..RTNEURAL_STEPS)
            .map(|t| vector![rtneural_input(t)])
            .collect();
        let dir =
            std::env::var_os("RTNEURAL_OUT").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
        let path = dir.join(concat!("rtn_", $name, ".f32"));
        match std::fs::read(&path) {
            Ok(bytes) => {
                let mut state = $state::default();
                let mut worst = 0.0_f32;
                for (x, b) in xs.iter().zip(bytes.chunks_exact(4)) {
                    let expected = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                    worst = worst.max((net.step(&mut state, x)[0] - expected).abs());
                }
                assert_eq!(bytes.len(), 4 * RTNEURAL_STEPS, "{}", path.display());
                println!(
                    "{}: nnet against RTNeural over {RTNEURAL_STEPS} steps: max |difference| {worst:.3e}",
                    $name
                );
                assert!(worst <= 2e-6, "{}: nnet differs from RTNeural by {worst}", $name);
            }
            Err(_) => println!("{}: no RTNeural outputs at {}, not compared", $name, path.display()),
        }
        // Also the fastest stretch of `RTNEURAL_CHUNK` steps over all runs, as the driver
        // reports it: on a busy machine a whole run is rarely left alone, a stretch often is.
        let mut fastest = f64::INFINITY;
        let mut times: Vec<f64> = (0..15)
            .map(|_| {
                let mut state = $state::default();
                let start = std::time::Instant::now();
                let mut sink = 0.0;
                for chunk in black_box(&xs).chunks(RTNEURAL_CHUNK) {
                    let stretch = std::time::Instant::now();
                    for x in chunk {
                        sink += net.step(&mut state, x)[0];
                    }
                    let ns = stretch.elapsed().as_secs_f64() * 1e9 / chunk.len() as f64;
                    fastest = fastest.min(ns);
                }
                black_box(sink);
                start.elapsed().as_secs_f64() * 1e9 / RTNEURAL_STEPS as f64
            })
            .collect();
        times.sort_by(f64::total_cmp);
        println!(
            "{}: as the RTNeural driver times (median of 15 runs of {RTNEURAL_STEPS} steps): nnet {:.2} ns a step (min {:.2}, max {:.2})",
            $name, times[7], times[0], times[14]
        );
        println!(
            "{}: nnet fastest {RTNEURAL_CHUNK}-step stretch {fastest:.2} ns a step",
            $name
        );
    }};
}

/// nnet beside RTNeural's driver, on its weights and input.
fn rtneural(_: &mut Criterion) {
    let selected = |name: &str| std::env::var("RTNEURAL_ONLY").map_or(true, |only| only == name);
    if selected("gru4") {
        against_rtneural!("gru4", Gru4, Gru4State, 4);
    }
    if selected("gru8") {
        against_rtneural!("gru8", Gru8, Gru8State, 8);
    }
    if selected("lstm16") {
        against_rtneural!("lstm16", Lstm16, Lstm16State, 16);
    }
    if selected("lstm40") {
        against_rtneural!("lstm40", Lstm40, Lstm40State, 40);
    }
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

criterion_group!(benches, rtneural, steps, epoch);
criterion_main!(benches);
