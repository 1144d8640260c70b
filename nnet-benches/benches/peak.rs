//! The machine's floating-point peak, and the fraction of it the matrix product reaches.
//!
//! Independent chains of fused multiply-adds in `f32` registers, with AVX2 (8 lanes) and
//! AVX-512 (16 lanes) where the CPU has them, on one thread and on every core; then the wide
//! network's product (`256 × 1024 × 256`, `W X` of a batch of 1,024) at each level of nnet's
//! kernel. Not a criterion bench: it prints GFLOP/s (two floating-point operations per lane and
//! FMA; `2 m n k` per product), each the best of five runs, both per second of wall-clock time
//! and per second of CPU time of the process (from `/proc/self/stat`, in ticks of 10 ms: runs
//! last about a second). On a machine shared with other jobs the wall-clock figure falls with
//! the share of the cores this process gets; the CPU-time figure measures what the code does
//! on the core while it runs, which is what to compare with the peak.
//!
//! `cargo bench -p nnet-benches --bench peak`; `-- --products` for the product alone (no FMA
//! chains), `-- --shapes [PART]` for the products of the `gemm` bench whose names contain
//! `PART`, each on one thread and two ([`shapes`]).

mod cpu;

use std::hint::black_box;
use std::time::Instant;

use nnet::__private::{GemmKernel, GemmLevel, force_gemm_level, gemm_levels, gemm_with};
use pulp::{Simd, WithSimd};

use cpu::cpu_seconds;

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

/// One thread's chains at one instruction set: the sum of its lanes (kept), and the lanes.
type Run = fn(u64) -> (f32, usize);

/// GFLOP per second of wall-clock time and per second of CPU time of `flops` operations done
/// by `work`, the best of five runs.
fn best_of_five(flops: f64, mut work: impl FnMut()) -> (f64, f64) {
    let (mut wall, mut cpu) = (0.0_f64, 0.0_f64);
    for _ in 0..5 {
        let (start, cpu_start) = (Instant::now(), cpu_seconds());
        work();
        let (elapsed, cpu_used) = (start.elapsed().as_secs_f64(), cpu_seconds() - cpu_start);
        wall = wall.max(flops / elapsed / 1e9);
        if cpu_used > 0.0 {
            cpu = cpu.max(flops / cpu_used / 1e9);
        }
    }
    (wall, cpu)
}

/// FMA chains of `threads` threads, each running `run`.
fn chains(threads: usize, run: Run) -> (f64, f64) {
    let lanes = run(1).1;
    let flops = threads as f64 * ROUNDS as f64 * (CHAINS * lanes * 2) as f64;
    best_of_five(flops, || {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads).map(|_| scope.spawn(|| run(ROUNDS))).collect();
            for h in handles {
                black_box(h.join().unwrap());
            }
        })
    })
}

fn values(len: usize, seed: usize) -> Vec<f32> {
    (0..len)
        .map(|i| (((i * 7919 + seed * 104_729) % 1000) as f32 - 500.0) / 1000.0)
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|arg| arg == "--shapes") {
        shapes(args.get(at + 1).map_or("", String::as_str));
        return;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("FMA chains, GFLOP/s per second of wall-clock time / of CPU time");
    #[allow(unused_mut)]
    let mut levels: Vec<(&str, Run)> = Vec::new();
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
    // `--products`: the products alone, without the FMA chains (for rounds that alternate
    // builds of the library).
    if args.iter().any(|arg| arg == "--products") {
        levels.clear();
    }
    for (name, run) in levels {
        for threads in [1, cores] {
            let (wall, cpu) = chains(threads, run);
            println!("  {name}, {threads} thread(s): {wall:.1} / {cpu:.1} per CPU-second");
        }
    }

    let (m, n, k) = (256, 1024, 256);
    let (a, b) = (values(m * k, 1), values(k * n, 2));
    let mut c = vec![0.0_f32; m * n];
    let reps = 400;
    let flops = (2 * m * n * k * reps) as f64;
    // On one thread (a pool of one, where the library's split runs both halves in turn) the
    // CPU-time figure is the kernel's alone; on two it also counts the second thread's waits.
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    for (threads, pool) in [(2, None), (1, Some(&one))] {
        println!("nnet's product {m} × {n} × {k} ({threads} thread(s)), {reps} times");
        for level in gemm_levels() {
            if level == GemmLevel::Scalar {
                continue;
            }
            force_gemm_level(Some(level));
            let mut run = || {
                best_of_five(flops, || {
                    for _ in 0..reps {
                        gemm_with(
                            GemmKernel::Packed,
                            (m, n, k),
                            black_box(&a),
                            (1, m),
                            black_box(&b),
                            (1, k),
                            &mut c,
                        );
                    }
                })
            };
            let (wall, cpu) = match pool {
                Some(pool) => pool.install(run),
                None => run(),
            };
            println!("  {level:?}: {wall:.1} / {cpu:.1} per CPU-second");
        }
    }
    force_gemm_level(None);
}

/// `--shapes [PART]`: the products of `benches/gemm.rs` whose names contain `PART` (same
/// shapes, layouts and values) at the best level, each on a pool of one thread and of two,
/// best of five runs of about 0.5 s, in GFLOP/s of wall-clock time / per CPU-second (the
/// one-thread CPU figure is the kernel's alone, and what survives a busy machine), with µs
/// per product (wall).
fn shapes(part: &str) {
    /// A product: its name, `(m, n, k)`, whether `A` and `B` are transposed (stored by rows),
    /// as in `benches/gemm.rs`.
    type Shape = (&'static str, (usize, usize, usize), bool, bool);
    const SHAPES: &[Shape] = &[
        ("w256/forward_1024", (256, 1024, 256), false, false),
        // What each thread of `forward_batch` computes for the middle layer: chunks of 256.
        ("w256/forward_256", (256, 256, 256), false, false),
        ("w256/forward_32", (256, 32, 256), false, false),
        ("w256/weight_grad_32", (256, 256, 32), false, true),
        ("w256/input_grad_32", (256, 32, 256), true, false),
        ("w256/forward_64", (256, 64, 256), false, false),
        ("w256/weight_grad_64", (256, 256, 64), false, true),
        ("w256/input_grad_64", (256, 64, 256), true, false),
        ("w1024/forward_1024", (1024, 1024, 1024), false, false),
        ("w1024/forward_64", (1024, 64, 1024), false, false),
        ("w1024/weight_grad_64", (1024, 1024, 64), false, true),
        ("w1024/input_grad_64", (1024, 64, 1024), true, false),
    ];
    let pools = [1, 2].map(|threads| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        (threads, pool)
    });
    for &(name, (m, n, k), a_t, b_t) in SHAPES.iter().filter(|s| s.0.contains(part)) {
        let (a, b) = (values(m * k, 1), values(k * n, 2));
        let a_strides = if a_t { (k, 1) } else { (1, m) };
        let b_strides = if b_t { (n, 1) } else { (1, k) };
        let mut c = vec![0.0_f32; m * n];
        let per = (2 * m * n * k) as f64;
        let reps = ((40e9 / per) as usize).max(1);
        let mut line = format!("{name:<22}");
        for (threads, pool) in &pools {
            let (wall, cpu) = pool.install(|| {
                best_of_five(per * reps as f64, || {
                    for _ in 0..reps {
                        gemm_with(
                            GemmKernel::Packed,
                            (m, n, k),
                            black_box(&a),
                            a_strides,
                            black_box(&b),
                            b_strides,
                            &mut c,
                        );
                    }
                })
            });
            let micros = per / wall / 1e3;
            line += &format!("  {threads}t: {wall:6.1} / {cpu:6.1} ({micros:8.1} µs)");
        }
        println!("{line}");
    }
}
