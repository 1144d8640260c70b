//! What the audio examples share (`07_amp`, `09_tcn`): the test audio, the effect they learn,
//! the error-to-signal ratio and the training windows. `tests/examples.rs` includes it too, so
//! the examples' test trains on the same audio.
//!
//! The effect: a one-pole low-pass filter at 1.5 kHz, `l[n] = l[n−1] + α (x[n] − l[n−1])`,
//! followed by a tanh saturation with drive 6, `y[n] = tanh(6 · l[n])`. Its output depends on
//! the past input (the filter) and is strongly nonlinear (the saturation clips every loud
//! passage). The audio is generated at 48 kHz: events of 20 to 250 ms, each a chord of one to
//! three sines, a chirp, or a burst of noise, with a random loudness and a fade in and out.

// Each example (and the test) uses its own part of the module.
#![allow(dead_code)]

use std::f32::consts::TAU;

use nnet::rand::rngs::StdRng;
use nnet::rand::{Rng, SeedableRng};
use nnet::{SVector, vector};
use nnet::{Sequences, Streams};

/// Samples per second.
pub const RATE: f32 = 48_000.0;
/// Cut-off frequency of the effect's low-pass filter, Hz.
pub const CUTOFF: f32 = 1_500.0;
/// Gain before the saturation.
pub const DRIVE: f32 = 6.0;

/// `seconds` of test audio: events of 20 to 250 ms, each a chord, a chirp or a noise burst.
pub fn audio(seconds: f32, seed: u64) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    let total = (seconds * RATE) as usize;
    let mut out = Vec::with_capacity(total);
    while out.len() < total {
        let len = (rng.random_range(0.02..0.25) * RATE) as usize;
        let loudness = rng.random_range(0.02_f32..1.0).powi(2).max(0.01);
        let log_frequency = |rng: &mut StdRng| 60.0 * 50.0_f32.powf(rng.random_range(0.0..1.0));
        let kind = rng.random_range(0..3);
        let tones: Vec<(f32, f32)> = (0..rng.random_range(1..=3))
            .map(|_| (log_frequency(&mut rng), rng.random_range(0.0..TAU)))
            .collect();
        let (f0, f1) = (log_frequency(&mut rng), log_frequency(&mut rng));
        let mut phase = 0.0_f32;
        for n in 0..len {
            let t = n as f32 / RATE;
            let value = match kind {
                0 => {
                    tones
                        .iter()
                        .map(|&(f, p)| (TAU * f * t + p).sin())
                        .sum::<f32>()
                        / tones.len() as f32
                }
                1 => {
                    let f = f0 + (f1 - f0) * n as f32 / len as f32;
                    phase = (phase + TAU * f / RATE) % TAU;
                    phase.sin()
                }
                _ => rng.random_range(-1.0..1.0),
            };
            // 5 ms fades, so that events do not click.
            let fade = (n.min(len - n) as f32 / (0.005 * RATE)).min(1.0);
            out.push(loudness * fade * value);
        }
    }
    out.truncate(total);
    out
}

/// The effect: a one-pole low-pass filter at `CUTOFF`, then `tanh(DRIVE · …)`.
pub fn effect(input: &[f32]) -> Vec<f32> {
    let alpha = 1.0 - (-TAU * CUTOFF / RATE).exp();
    let mut low = 0.0;
    input
        .iter()
        .map(|&x| {
            low += alpha * (x - low);
            (DRIVE * low).tanh()
        })
        .collect()
}

/// `Σ(y − ŷ)² / Σy²`.
pub fn esr(target: &[f32], prediction: &[f32]) -> f64 {
    let (mut error, mut energy) = (0.0_f64, 0.0_f64);
    for (&y, &p) in target.iter().zip(prediction) {
        error += f64::from(y - p).powi(2);
        energy += f64::from(y).powi(2);
    }
    error / energy
}

/// `input` cut into windows of `window` samples (the rest dropped), and the target of every
/// sample in the same order.
pub fn windows(
    input: &[f32],
    target: &[f32],
    window: usize,
) -> (Sequences<1>, Vec<SVector<f32, 1>>) {
    let mut data = Sequences::with_capacity(input.len() / window, input.len());
    let mut targets = Vec::with_capacity(input.len());
    for (x, y) in input.chunks_exact(window).zip(target.chunks_exact(window)) {
        let steps: Vec<SVector<f32, 1>> = x.iter().map(|&v| vector![v]).collect();
        data.push(&steps);
        targets.extend(y.iter().map(|&v| vector![v]));
    }
    (data, targets)
}

/// `input` cut into `count` streams of equal length (the rest dropped), each in windows of
/// `window` samples for stateful training, and the target of every sample, stream after
/// stream.
pub fn streams(
    input: &[f32],
    target: &[f32],
    count: usize,
    window: usize,
) -> nnet::Result<(Streams<1>, Vec<SVector<f32, 1>>)> {
    let length = input.len() / count.max(1);
    let signals: Vec<Vec<SVector<f32, 1>>> = input
        .chunks_exact(length.max(1))
        .take(count)
        .map(|x| x.iter().map(|&v| vector![v]).collect())
        .collect();
    let targets = target[..length * count]
        .iter()
        .map(|&v| vector![v])
        .collect();
    Ok((Streams::new(&signals, window)?, targets))
}
