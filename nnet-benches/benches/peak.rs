//! The machine's floating-point peak: independent chains of fused multiply-adds in `f32`
//! registers, with AVX2 (8 lanes) and AVX-512 (16 lanes) where the CPU has them, on one
//! thread and on every core. Not a criterion bench: it prints GFLOP/s (two floating-point
//! operations per lane and FMA), the best of five runs of each.
//!
//! `cargo bench -p nnet-benches --bench peak`

use std::hint::black_box;
use std::time::Instant;

use pulp::{Simd, WithSimd};

/// Independent accumulators: more than an FMA's latency (4 cycles) times the FMA ports of a
/// core (2), so the chains never wait on each other, and few enough to stay in AVX2's 16
/// registers with `a` and `b`.
const CHAINS: usize = 12;
/// FMA rounds per chain and run.
const ROUNDS: u64 = 100_000_000;

/// `ROUNDS` rounds of `acc = a · acc + b` on each of `CHAINS` registers.
struct Chains {
    rounds: u64,
}

impl WithSimd for Chains {
    type Output = (f32, usize);

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) -> (f32, usize) {
        let a = simd.splat_f32s(black_box(0.999_999_9));
        let b = simd.splat_f32s(black_box(1.0e-7));
        let mut acc: [_; CHAINS] = core::array::from_fn(|i| simd.splat_f32s(black_box(i as f32)));
        for _ in 0..self.rounds {
            for r in acc.iter_mut() {
                *r = simd.mul_add_f32s(a, *r, b);
            }
        }
        let sum = acc
            .iter()
            .fold(simd.splat_f32s(0.0), |s, &r| simd.add_f32s(s, r));
        (simd.reduce_sum_f32s(sum), S::F32_LANES)
    }
}

/// GFLOP/s of `threads` threads each running the chains with `run`.
fn measure(threads: usize, run: fn(u64) -> (f32, usize)) -> f64 {
    let start = Instant::now();
    let lanes = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads).map(|_| scope.spawn(|| run(ROUNDS))).collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        black_box(results[0].0);
        results[0].1
    });
    let flops = threads as f64 * ROUNDS as f64 * (CHAINS * lanes * 2) as f64;
    flops / start.elapsed().as_secs_f64() / 1e9
}

fn main() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    #[allow(unused_mut)]
    let mut levels: Vec<(&str, fn(u64) -> (f32, usize))> = Vec::new();
    #[cfg(target_arch = "x86_64")]
    if pulp::x86::V3::try_new().is_some() {
        levels.push(("AVX2 + FMA", |rounds| {
            Simd::vectorize(pulp::x86::V3::try_new().unwrap(), Chains { rounds })
        }));
    }
    #[cfg(target_arch = "x86_64")]
    if pulp::x86::V4::try_new().is_some() {
        levels.push(("AVX-512", |rounds| {
            Simd::vectorize(pulp::x86::V4::try_new().unwrap(), Chains { rounds })
        }));
    }
    for (name, run) in levels {
        for threads in [1, cores] {
            let best = (0..5)
                .map(|_| measure(threads, run))
                .fold(0.0_f64, f64::max);
            println!("{name}, {threads} thread(s): {best:.1} GFLOP/s (best of 5)");
        }
    }
}
