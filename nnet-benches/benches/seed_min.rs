//! The seed network's one-sample and batched passes timed as the fastest of many repetitions,
//! beside the hand-written loops: on a loaded machine (the project's has 2 cores shared with
//! other jobs) the fastest repetition is the time of the code itself, where criterion's means
//! move by 2× with the load. Also two variants of the seed network that split its time (a
//! linear output instead of the sigmoid; no second hidden layer), two one-layer networks (the
//! fixed cost of a call, and the sigmoid alone), and the seed network, the linear-output one
//! and the two one-unit ones chained (each call's input depending on the previous call's
//! output): their latency, where the other lines let consecutive calls overlap in the
//! processor (on AMD Zen 3 the chained seed call takes twice as long, see BENCHMARKS.md).
//!
//! `cargo bench -p nnet-benches --bench seed_min -- 3` (three rounds; each prints one line).
mod baseline;
mod data;
mod networks;

use std::hint::black_box;
use std::time::Instant;

use baseline::Params;
use networks::{Seed, W64};
use nnet::SVector;

/// The fastest of `reps` runs of `inner` calls of `f`, in nanoseconds per call.
fn min_ns(reps: usize, inner: usize, mut f: impl FnMut()) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..reps {
        let t = Instant::now();
        for _ in 0..inner {
            f();
        }
        best = best.min(t.elapsed().as_nanos() as f64 / inner as f64);
    }
    best
}

nnet::network! {
    /// The seed network with a linear output: the cost of the sigmoid by difference.
    struct SeedLinear { input 2; dense 10 relu; dense 20 relu; dense 1; }
}
nnet::network! {
    /// Without the second hidden layer: the cost of the 10 → 20 layer by difference.
    struct SeedNoL2 { input 2; dense 20 relu; dense 1 sigmoid; }
}

nnet::network! {
    /// One linear unit: the fixed cost of a call of `forward`.
    struct Tiny { input 2; dense 1; }
}
nnet::network! {
    /// One sigmoid unit: the seed network's output activation with little before it.
    struct TinySigmoid { input 2; dense 1 sigmoid; }
}

fn main() {
    {
        let x = nnet::vector![0.3_f32, -0.7];
        let (tiny, sigmoid, seed) = (Tiny::seeded(1), TinySigmoid::seeded(1), Seed::seeded(1));
        let a = min_ns(3000, 200, || {
            black_box(tiny.forward(black_box(&x)));
        });
        let b = min_ns(3000, 200, || {
            black_box(sigmoid.forward(black_box(&x)));
        });
        // The next input waits for this output (`y · 0` is not folded away: it is NaN for
        // infinite `y`), so calls cannot overlap.
        let chained = |f: &dyn Fn(&SVector<f32, 2>) -> SVector<f32, 1>| {
            let mut chained = x;
            min_ns(3000, 200, || {
                let y = f(black_box(&chained));
                chained[0] += y[0] * 0.0;
            })
        };
        let c = chained(&|x| seed.forward(x));
        let d = chained(&|x| tiny.forward(x));
        let e = chained(&|x| sigmoid.forward(x));
        let linear = SeedLinear::seeded(1);
        let f = chained(&|x| linear.forward(x));
        println!(
            "one linear unit {a:.2} ns   one sigmoid unit {b:.2} ns | chained: seed {c:.2} ns   \
             linear unit {d:.2} ns   sigmoid unit {e:.2} ns   linear output {f:.2} ns"
        );
    }
    {
        let x = nnet::vector![0.3_f32, -0.7];
        let l = SeedLinear::seeded(1);
        let n = SeedNoL2::seeded(1);
        let a = min_ns(3000, 200, || {
            black_box(l.forward(black_box(&x)));
        });
        let b = min_ns(3000, 200, || {
            black_box(n.forward(black_box(&x)));
        });
        let w64 = W64::seeded(1);
        let (xs, _) = data::moons(1024, 0.1, 7);
        let mut ys = vec![SVector::<f32, 1>::zeros(); 1024];
        let c = min_ns(200, 1, || w64.forward_batch(black_box(&xs), &mut ys)) / 1000.0;
        println!("linear-output {a:.2} ns   no-L2 {b:.2} ns   w64 batch {c:.2} us");
    }
    let net = Seed::seeded(1);
    let hand = Params::<2, 10, 20>::from_network(&net);
    let (xs, _) = data::moons(1024, 0.1, 7);
    let arrays = data::arrays(&xs);
    let x = xs[3];
    let a = arrays[3];
    let mut ys = vec![SVector::<f32, 1>::zeros(); 1024];
    let mut out = vec![[0.0_f32; 1]; 1024];
    let args: Vec<String> = std::env::args().collect();
    // `cargo bench` passes `--bench`; the first number among the arguments is the rounds.
    let rounds: usize = args.iter().find_map(|s| s.parse().ok()).unwrap_or(3);
    for _ in 0..rounds {
        let f = min_ns(3000, 200, || {
            black_box(net.forward(black_box(&x)));
        });
        let h = min_ns(3000, 200, || {
            black_box(hand.forward(black_box(&a)));
        });
        let fb = min_ns(300, 2, || net.forward_batch(black_box(&xs), &mut ys)) / 1000.0;
        let hb = min_ns(300, 2, || {
            for (y, x) in out.iter_mut().zip(black_box(&arrays)) {
                *y = hand.forward(x);
            }
        }) / 1000.0;
        let cb = min_ns(300, 2, || {
            hand.forward_chunked(black_box(&arrays), &mut out)
        }) / 1000.0;
        println!(
            "forward {f:.2} ns  hand {h:.2} ns  ratio {:.3} | batch {fb:.2} us  hand {hb:.2} us  chunked {cb:.2} us ratio {:.3}",
            f / h,
            fb / cb
        );
    }
    black_box((&ys, &out));
}
