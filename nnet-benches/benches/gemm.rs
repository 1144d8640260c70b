//! The matrix products of the wide networks, by the two kernels `nnet-core` has: the
//! hand-written packed kernel the library uses, and nalgebra's `gemm` on strided views
//! (`matrixmultiply::sgemm`), both inside the library's split of the columns over two threads.
//! Throughput is in floating-point operations (`2 m n k` per product).
//!
//! `cargo bench -p nnet-benches --bench gemm`

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use nnet::__private::{GemmKernel, GemmLevel, force_gemm_level, gemm_with};

/// A product `C += A B` as a layer computes it: `A` is `m × k`, `B` is `k × n`; `a_t` / `b_t`
/// when the operand is the transpose of a column-major matrix.
struct Shape {
    name: &'static str,
    m: usize,
    n: usize,
    k: usize,
    a_t: bool,
    b_t: bool,
}

const fn shape(
    name: &'static str,
    (m, n, k): (usize, usize, usize),
    a_t: bool,
    b_t: bool,
) -> Shape {
    Shape {
        name,
        m,
        n,
        k,
        a_t,
        b_t,
    }
}

/// The products of the second layer (`W × W`) of `w256` and `w1024`: the batched forward of
/// 1,024 samples, and training's forward, weight gradient and input gradient in batches of 64 and
/// in groups of 32 samples (what each thread of `fit` computes for a batch of 64).
const SHAPES: [Shape; 11] = [
    shape("w256/forward_1024", (256, 1024, 256), false, false),
    shape("w256/forward_32", (256, 32, 256), false, false),
    shape("w256/weight_grad_32", (256, 256, 32), false, true),
    shape("w256/input_grad_32", (256, 32, 256), true, false),
    shape("w256/forward_64", (256, 64, 256), false, false),
    shape("w256/weight_grad_64", (256, 256, 64), false, true),
    shape("w256/input_grad_64", (256, 64, 256), true, false),
    shape("w1024/forward_1024", (1024, 1024, 1024), false, false),
    shape("w1024/forward_64", (1024, 64, 1024), false, false),
    shape("w1024/weight_grad_64", (1024, 1024, 64), false, true),
    shape("w1024/input_grad_64", (1024, 64, 1024), true, false),
];

fn values(len: usize, seed: usize) -> Vec<f32> {
    (0..len)
        .map(|i| (((i * 7919 + seed * 104_729) % 1000) as f32 - 500.0) / 1000.0)
        .collect()
}

fn gemm(c: &mut Criterion) {
    for s in &SHAPES {
        let (m, n, k) = (s.m, s.n, s.k);
        let (a, b) = (values(m * k, 1), values(k * n, 2));
        // Element (i, l) of A at i * row stride + l * column stride.
        let a_strides = if s.a_t { (k, 1) } else { (1, m) };
        let b_strides = if s.b_t { (n, 1) } else { (1, k) };
        let mut out = vec![0.0_f32; m * n];
        let mut group = c.benchmark_group(format!("gemm/{}", s.name));
        group.throughput(Throughput::Elements((2 * m * n * k) as u64));
        // `packed` at the best level of this CPU, then forced to AVX2 (`packed_narrow`), which
        // is `packed` on a CPU without AVX-512.
        for (name, kernel, level) in [
            ("packed", GemmKernel::Packed, None),
            ("packed_narrow", GemmKernel::Packed, Some(GemmLevel::Narrow)),
            ("matrixmultiply", GemmKernel::Matrixmultiply, None),
        ] {
            force_gemm_level(level);
            group.bench_function(BenchmarkId::new(name, format!("{m}x{n}x{k}")), |bench| {
                bench.iter(|| {
                    gemm_with(
                        kernel,
                        (m, n, k),
                        black_box(&a),
                        a_strides,
                        black_box(&b),
                        b_strides,
                        &mut out,
                    )
                })
            });
        }
        force_gemm_level(None);
        group.finish();
    }
}

criterion_group!(benches, gemm);
criterion_main!(benches);
