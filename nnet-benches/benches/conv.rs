//! Convolutions: the streaming causal `conv1d` step per sample against a hand-written
//! fixed-array ring-buffer step of the same layer, and a check against RTNeural's outputs.
//!
//! `cargo bench -p nnet-benches --bench conv`
//!
//! - `stream/<size>`: a block of 1,024 samples streamed one step at a time (the state carried
//!   across blocks, as in an audio callback); criterion's time per block / 1,024 is the time per
//!   sample. `c4k3` is 4 channels and 4 filters, kernel 3; `c16k15` 16 and 16, kernel 15; both
//!   dilation 1, one group, no activation. `nnet` calls `Recurrent::step` of `CausalConv1d`
//!   (the layer itself: `network!` does not stream a `conv1d` yet), `hand` the baseline in
//!   `baseline/conv.rs` on the same weights, checked to give nnet's outputs within
//!   `1e-5·max(1, |y|)` over 4,096 steps before measuring.
//! - Before them, for each size, nnet and `hand` timed as the RTNeural driver times its layer
//!   (the median of 15 runs over its 48,000 inputs), printed beside criterion's figures.
//! - The weights, bias and input are those of the RTNeural driver of BENCHMARKS.md
//!   ("Convolution (issue 18)"): `w[o][i][k] = sin(0.37·(o·97 + i·13 + k) + 0.1)·0.3` with `k`
//!   RTNeural's tap index, `0` the *current* input (its `Conv1DT` reads its state newest
//!   first), `b[o] = 0.05·cos(o)`, `x[t][i] = sin(0.011·t·(i + 1)) + 0.3·cos(0.007·t)`. When
//!   that driver's outputs are at `$RTNEURAL_OUT/rtn_<size>.f32` (`/tmp` by default), 48,000
//!   steps of nnet are compared with them first, under both readings of `k`, printing the
//!   largest difference, absolute and relative to `scale = |b| + Σ|w·x|` of its output (the
//!   size of the sum that rounding is relative to); the bench stops unless the newest-first
//!   reading agrees within the rounding of two sums of the same `K + 1` terms in different
//!   orders, `2·K·2⁻²⁴·scale` (`1.4e-6` of the scale for `c4k3`, `2.9e-5` for `c16k15`). The
//!   driver must be built without contracting its own formulas into fused multiply-adds
//!   (`-ffp-contract=off` with `-march=native`): g++ otherwise rounds `0.37·(…) + 0.1`
//!   differently, and the sine of an argument near 600 moves its weights by up to `1e-5`.

#[path = "baseline/conv.rs"]
mod hand;

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nnet::activation::Linear;
use nnet::layer::{CausalConv1d, CausalConvState, Recurrent};
use nnet::{SMatrix, SVector};

/// Samples per measured block.
const BLOCK: usize = 1_024;
/// Samples of the RTNeural driver's stream.
const RTNEURAL_STEPS: usize = 48_000;

/// The driver's weight from input `i` to output `o` at its tap `k`, in `f32` as it computes it.
fn rtneural_weight(o: usize, i: usize, k: usize) -> f32 {
    (0.37_f32 * (o * 97 + i * 13 + k) as f32 + 0.1).sin() * 0.3
}

fn rtneural_bias(o: usize) -> f32 {
    0.05 * (o as f32).cos()
}

/// The driver's input at step `t`.
fn input<const C: usize>(t: usize) -> [f32; C] {
    core::array::from_fn(|i| {
        (0.011_f32 * t as f32 * (i + 1) as f32).sin() + 0.3 * (0.007_f32 * t as f32).cos()
    })
}

/// nnet's layer of kernel size `KS` from the driver's weights, its tap `k` read as
/// `KS − 1 − tap` (newest first) or as `tap` (oldest first).
fn layer<const C: usize, const F: usize, const K: usize, const HIST: usize, const KS: usize>(
    newest_first: bool,
) -> CausalConv1d<C, F, K, HIST, Linear> {
    let mut kernel = SMatrix::<f32, F, K>::zeros();
    for tap in 0..KS {
        let k = if newest_first { KS - 1 - tap } else { tap };
        for c in 0..C {
            for f in 0..F {
                kernel[(f, tap * C + c)] = rtneural_weight(f, c, k);
            }
        }
    }
    let bias = SVector::<f32, F>::from_fn(|f, _| rtneural_bias(f));
    CausalConv1d::from_parts(kernel, bias, Linear, KS, 1, 1)
}

/// The largest difference from the driver's outputs, absolute and relative to each output's
/// scale, of the layer read one way.
fn rtneural_error<
    const C: usize,
    const F: usize,
    const K: usize,
    const HIST: usize,
    const KS: usize,
>(
    expected: &[f32],
    newest_first: bool,
) -> (f64, f64) {
    let conv = layer::<C, F, K, HIST, KS>(newest_first);
    let mut state = CausalConvState::<C, F, HIST>::default();
    let mut past = vec![[0.0_f32; C]; HIST];
    let (mut absolute, mut relative) = (0.0_f64, 0.0_f64);
    for (t, expected) in expected.chunks_exact(F).enumerate() {
        let x = input::<C>(t);
        conv.step(&mut state, &SVector::from(x));
        past.push(x);
        let window = &past[past.len() - KS..];
        for (f, &e) in expected.iter().enumerate() {
            let mut scale = f64::from(conv.bias[f].abs());
            for (tap, x) in window.iter().enumerate() {
                for (c, &v) in x.iter().enumerate() {
                    scale += f64::from((conv.kernel[(f, tap * C + c)] * v).abs());
                }
            }
            let error = f64::from((state.output()[f] - e).abs());
            absolute = absolute.max(error);
            relative = relative.max(error / scale);
        }
    }
    (absolute, relative)
}

/// nnet against the driver's outputs for `name`, when they are there.
fn check_rtneural<
    const C: usize,
    const F: usize,
    const K: usize,
    const HIST: usize,
    const KS: usize,
>(
    name: &str,
) {
    let dir = std::env::var_os("RTNEURAL_OUT").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
    let path = dir.join(format!("rtn_{name}.f32"));
    let Ok(bytes) = std::fs::read(&path) else {
        println!(
            "{name}: no RTNeural outputs at {}, not compared",
            path.display()
        );
        return;
    };
    let expected: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    assert_eq!(expected.len(), RTNEURAL_STEPS * F, "{}", path.display());
    let newest = rtneural_error::<C, F, K, HIST, KS>(&expected, true);
    let oldest = rtneural_error::<C, F, K, HIST, KS>(&expected, false);
    println!(
        "{name}: nnet against RTNeural over {RTNEURAL_STEPS} steps, max |difference| (and / scale): \
         its tap 0 the newest input {:.3e} ({:.3e}), the oldest {:.3e} ({:.3e})",
        newest.0, newest.1, oldest.0, oldest.1
    );
    // Two sums of the same `K + 1` terms in different orders (fused or not) each round to
    // within `K · u · scale` of the exact sum (`u = 2⁻²⁴`, the recursive-summation bound).
    let bound = 2.0 * K as f64 * f64::from(f32::EPSILON) / 2.0;
    assert!(
        newest.1 <= bound,
        "{name}: nnet differs from RTNeural by {:.3e} of the scale (bound {bound:.3e})",
        newest.1
    );
}

/// Prints nnet's and the baseline's time per step as the RTNeural driver measures its own: the
/// median of 15 runs over its 48,000 inputs, each from the zero state, each output's first
/// filter summed. On a shared machine this resists other jobs better than criterion's samples
/// of tens of milliseconds, and it is the driver's protocol, to set beside its figures.
fn as_the_driver_times<
    const C: usize,
    const F: usize,
    const K: usize,
    const HIST: usize,
    const KS: usize,
>(
    name: &str,
    conv: &CausalConv1d<C, F, K, HIST, Linear>,
    hand: &hand::CausalConv<C, F, KS>,
) {
    let arrays: Vec<[f32; C]> = (0..RTNEURAL_STEPS).map(input::<C>).collect();
    let xs: Vec<SVector<f32, C>> = arrays.iter().map(|&x| SVector::from(x)).collect();
    let median = |run: &mut dyn FnMut() -> f32| {
        let mut times: Vec<f64> = (0..15)
            .map(|_| {
                let start = std::time::Instant::now();
                black_box(run());
                start.elapsed().as_secs_f64() * 1e9 / RTNEURAL_STEPS as f64
            })
            .collect();
        times.sort_by(f64::total_cmp);
        times[7]
    };
    let nnet = median(&mut || {
        let mut state = CausalConvState::<C, F, HIST>::default();
        let mut sink = 0.0;
        for x in black_box(&xs) {
            conv.step(&mut state, x);
            sink += state.output()[0];
        }
        sink
    });
    let hand = median(&mut || {
        let mut ring = hand::Ring::<C, KS>::default();
        let mut sink = 0.0;
        for x in black_box(&arrays) {
            sink += hand.step(&mut ring, x)[0];
        }
        sink
    });
    println!(
        "{name}: as the RTNeural driver times (median of 15 runs of {RTNEURAL_STEPS} steps): \
         nnet {nnet:.2} ns, hand {hand:.2} ns a step"
    );
}

/// Registers `stream/<name>`: nnet's step and the hand-written one on the same layer.
fn stream<const C: usize, const F: usize, const K: usize, const HIST: usize, const KS: usize>(
    c: &mut Criterion,
    name: &str,
) {
    check_rtneural::<C, F, K, HIST, KS>(name);
    let conv = layer::<C, F, K, HIST, KS>(true);
    let hand = hand::CausalConv::<C, F, KS>::new(
        |f, c, tap| conv.kernel[(f, tap * C + c)],
        |f| conv.bias[f],
    );
    let arrays: Vec<[f32; C]> = (0..BLOCK).map(input::<C>).collect();
    let xs: Vec<SVector<f32, C>> = arrays.iter().map(|&x| SVector::from(x)).collect();

    // The baseline computes the same function: every output of a long stream agrees.
    let mut state = CausalConvState::<C, F, HIST>::default();
    let mut ring = hand::Ring::<C, KS>::default();
    for (n, (x, a)) in xs.iter().zip(&arrays).cycle().take(4 * BLOCK).enumerate() {
        conv.step(&mut state, x);
        let b = hand.step(&mut ring, a);
        for (f, (&a, &b)) in state.output().iter().zip(&b).enumerate() {
            assert!(
                (a - b).abs() <= 1e-5 * a.abs().max(1.0),
                "{name} sample {n}, filter {f}: nnet {a}, hand {b}"
            );
        }
    }

    as_the_driver_times::<C, F, K, HIST, KS>(name, &conv, &hand);

    let mut group = c.benchmark_group(format!("stream/{name}"));
    group.throughput(Throughput::Elements(BLOCK as u64));
    let mut ys = vec![SVector::<f32, F>::zeros(); BLOCK];
    group.bench_function("nnet", |b| {
        b.iter(|| {
            for (y, x) in ys.iter_mut().zip(black_box(&xs)) {
                conv.step(&mut state, x);
                *y = *state.output();
            }
        })
    });
    let mut hand_ys = vec![[0.0_f32; F]; BLOCK];
    group.bench_function("hand", |b| {
        b.iter(|| {
            for (y, x) in hand_ys.iter_mut().zip(black_box(&arrays)) {
                *y = hand.step(&mut ring, x);
            }
        })
    });
    black_box((&ys, &hand_ys));
    group.finish();
}

fn streams(c: &mut Criterion) {
    stream::<4, 4, 12, 2, 3>(c, "c4k3");
    stream::<16, 16, 240, 14, 15>(c, "c16k15");
}

criterion_group!(benches, streams);
criterion_main!(benches);
