//! A fixed amount of work per run, for counting instructions under `valgrind --tool=callgrind`
//! (repeatable on a loaded machine, where timings are not): one pass of a benchmark's loop, with
//! no timing loop around it.
//!
//! ```text
//! cargo bench -p nnet-benches --bench counts --no-run
//! valgrind --tool=callgrind target/release/deps/counts-* forward_batch 100
//! ```
//!
//! Modes: `forward_batch N` (N calls of the seed network's `forward_batch` on 1,024 samples),
//! `forward N` (N × 1,024 calls of `forward`), `epoch N` (N one-epoch `fit` calls on 10,000
//! samples, batch 64, Adam, binary cross-entropy: `epoch/seed`), `fit N` (N times `fit/moons`:
//! network creation and 30 epochs), `baseline_batch N` (the hand-written loop of
//! `forward_batch/seed/baseline`), `grouped N` (the prototype below, N batches), `compare N`
//! (`forward_batch` and the prototype alternately, fastest of N × 100 calls each), `digest` (the
//! bits of `forward`, `backward` (gradients and `∂L/∂input`), `forward_batch` and two training
//! epochs of networks of several shapes, in `f32` and `f64`: run before and after a change to
//! check that it computes the same bits). Each prints a digest of its results, so the work is
//! kept and two builds can be compared.

mod baseline;
mod data;
mod networks;

use std::hint::black_box;

use nnet::SVector;
use nnet::loss::BinaryCrossentropy;
use nnet::optim::Adam;
use nnet::train::{FitConfig, Trainer, Verbosity};

use baseline::Params;
use networks::Seed;

/// A running FNV-1a hash of the bit patterns of `f32` or `f64` values.
fn digest<T: nnet::Scalar>(hash: &mut u64, values: &[T]) {
    for v in values {
        for byte in v.as_f64().to_bits().to_le_bytes() {
            *hash = (*hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3);
        }
    }
}

nnet::network! {
    /// Ragged widths: fewer units than a register, whole and partial registers, tanh.
    struct Ragged { input 5; dense 3 relu; dense 37 tanh; dense 13 relu; dense 3 sigmoid; }
}
nnet::network! {
    /// The seed network in `f64`.
    #[scalar = f64]
    struct Seed64 { input 2; dense 10 relu; dense 20 relu; dense 1 sigmoid; }
}
nnet::network! {
    /// Ragged widths in `f64`.
    #[scalar = f64]
    struct Ragged64 { input 5; dense 3 relu; dense 37 tanh; dense 13 relu; dense 3 sigmoid; }
}

/// By hand, what the expansion of `forward_batch` does for networks that run one sample at a
/// time whose output layer is dense with an activation (the prototype of that change), through `nnet_core::batch::forward_grouped`: each sample of a group of 32 through
/// every layer, the last one without its activation (`Preactivation::preactivation_simd`), then the
/// output activation over the group at once, instead of one sample's whole chain after another.
struct Grouped<'a>(&'a Seed, &'a [SVector<f32, 2>], &'a mut [SVector<f32, 1>]);

impl nnet::__private::pulp::WithSimd for Grouped<'_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<V: nnet::__private::pulp::Simd>(self, simd: V) {
        use nnet::layer::{Layer, Preactivation};
        let Grouped(net, inputs, outputs) = self;
        let activation = Layer::<20, 1>::activation(&net.dense3);
        nnet::__private::batch::forward_grouped(inputs, outputs, activation, |x| {
            let a1 = Layer::forward_simd(&net.dense1, simd, x);
            let a2 = Layer::forward_simd(&net.dense2, simd, &a1);
            Preactivation::preactivation_simd(&net.dense3, simd, &a2)
        });
    }
}

/// The digest of one network type's passes on `count` inputs made from the moons.
macro_rules! passes_digest {
    ($hash:expr, $net:ty, $t:ty, $in:literal, $out:literal, $count:expr) => {{
        let hash: &mut u64 = $hash;
        let net = <$net>::seeded(3);
        let (moons, labels) = data::moons($count, 0.1, 11);
        let xs: Vec<nnet::SVector<$t, $in>> = moons
            .iter()
            .enumerate()
            .map(|(i, m)| {
                nnet::SVector::<$t, $in>::from_fn(|r, _| {
                    <$t>::from(m[r % 2]) * (1.0 + r as $t) - 0.1 * (i % 7) as $t
                })
            })
            .collect();
        let ys: Vec<nnet::SVector<$t, $out>> = labels
            .iter()
            .map(|y| nnet::SVector::<$t, $out>::from_element(<$t>::from(y[0])))
            .collect();
        let mut grads = net.zero_gradients();
        for x in &xs {
            digest(hash, net.forward(x).as_slice());
            let trace = net.forward_trace(x);
            let g = nnet::SVector::<$t, $out>::from_fn(|r, _| 0.25 - 0.1 * r as $t);
            digest(hash, net.backward(x, &trace, &g, &mut grads).as_slice());
        }
        for i in 0..<$net as nnet::Parameters<$t>>::TENSORS {
            digest(hash, nnet::Parameters::<$t>::tensor(&grads, i));
        }
        let mut outs = vec![nnet::SVector::<$t, $out>::zeros(); xs.len()];
        net.forward_batch(&xs, &mut outs);
        for y in &outs {
            digest(hash, y.as_slice());
        }
        let mut trained = net.clone();
        let mut trainer = Trainer::new(Adam::default(), BinaryCrossentropy);
        trainer.fit(&mut trained, &xs, &ys, &config(2)).unwrap();
        for i in 0..<$net as nnet::Parameters<$t>>::TENSORS {
            digest(hash, nnet::Parameters::<$t>::tensor(&trained, i));
        }
    }};
}

fn config(epochs: usize) -> FitConfig {
    FitConfig {
        batch_size: 64,
        epochs,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let mode = args.first().map_or("forward_batch", String::as_str);
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1);
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    match mode {
        "forward_batch" => {
            let net = Seed::seeded(1);
            let (xs, _) = data::moons(1024, 0.1, 7);
            let mut ys = vec![SVector::<f32, 1>::zeros(); 1024];
            for _ in 0..n {
                net.forward_batch(black_box(&xs), &mut ys);
            }
            for y in &ys {
                digest(&mut hash, y.as_slice());
            }
        }
        "forward" => {
            let net = Seed::seeded(1);
            let (xs, _) = data::moons(1024, 0.1, 7);
            for _ in 0..n {
                for x in &xs {
                    let y = net.forward(black_box(x));
                    digest(&mut hash, y.as_slice());
                }
            }
        }
        "baseline_batch" => {
            let net = Seed::seeded(1);
            let hand = Params::<2, 10, 20>::from_network(&net);
            let (xs, _) = data::moons(1024, 0.1, 7);
            let arrays = data::arrays(&xs);
            let mut out = vec![[0.0_f32; 1]; 1024];
            for _ in 0..n {
                for (y, x) in out.iter_mut().zip(black_box(&arrays)) {
                    *y = hand.forward(x);
                }
            }
            for y in &out {
                digest(&mut hash, y);
            }
        }
        "epoch" => {
            let (xs, ys) = data::moons(10_000, 0.1, 7);
            let mut net = Seed::seeded(1);
            let mut trainer = Trainer::new(Adam::default(), BinaryCrossentropy);
            for _ in 0..n {
                trainer.fit(&mut net, &xs, &ys, &config(1)).unwrap();
            }
            digest(&mut hash, net.forward(&xs[3]).as_slice());
        }
        "fit" => {
            let (xs, ys) = data::moons(10_000, 0.1, 7);
            for _ in 0..n {
                let mut net = Seed::seeded(1);
                let mut trainer = Trainer::new(Adam::default(), BinaryCrossentropy);
                trainer.fit(&mut net, &xs, &ys, &config(30)).unwrap();
                digest(&mut hash, net.forward(&xs[3]).as_slice());
            }
        }
        "grouped" | "compare" => {
            let net = Seed::seeded(1);
            let (xs, _) = data::moons(1024, 0.1, 7);
            let mut ys = vec![SVector::<f32, 1>::zeros(); 1024];
            let mut each = ys.clone();
            net.forward_batch(&xs, &mut each);
            nnet::__private::simd::dispatch(Grouped(&net, &xs, &mut ys));
            assert_eq!(ys, each, "grouped outputs differ");
            if mode == "grouped" {
                for _ in 0..n {
                    nnet::__private::simd::dispatch(Grouped(&net, black_box(&xs), &mut ys));
                }
            } else {
                // Alternating, the fastest of n runs of 100 calls each.
                let (mut best_each, mut best_grouped) = (f64::MAX, f64::MAX);
                for _ in 0..n {
                    let t = std::time::Instant::now();
                    for _ in 0..100 {
                        net.forward_batch(black_box(&xs), &mut each);
                    }
                    best_each = best_each.min(t.elapsed().as_secs_f64() / 100.0);
                    let t = std::time::Instant::now();
                    for _ in 0..100 {
                        nnet::__private::simd::dispatch(Grouped(&net, black_box(&xs), &mut ys));
                    }
                    best_grouped = best_grouped.min(t.elapsed().as_secs_f64() / 100.0);
                }
                println!(
                    "forward_batch {:.2} µs, grouped {:.2} µs (fastest of {n} × 100 calls)",
                    best_each * 1e6,
                    best_grouped * 1e6
                );
            }
            for y in &ys {
                digest(&mut hash, y.as_slice());
            }
        }
        "digest" => {
            for _ in 0..n {
                passes_digest!(&mut hash, Seed, f32, 2, 1, 1024);
                passes_digest!(&mut hash, networks::W64, f32, 2, 1, 256);
                passes_digest!(&mut hash, networks::W256, f32, 2, 1, 64);
                passes_digest!(&mut hash, Ragged, f32, 5, 3, 512);
                passes_digest!(&mut hash, Seed64, f64, 2, 1, 512);
                passes_digest!(&mut hash, Ragged64, f64, 5, 3, 256);
            }
        }
        other => panic!("unknown mode {other}"),
    }
    println!("{mode} {n}: digest {hash:016x}");
}
