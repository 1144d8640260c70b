//! The sum of a one-group convolution's taps as one product: the kernel's `K` columns times
//! the `K` values its taps read at a step (oldest tap first, channel by channel), added to the
//! bias in a few partial sums kept apart, so that each addition does not wait for the one
//! before it.
//!
//! A step of a streaming convolution is a matrix–vector product. A long one is too long for
//! the processor to overlap one step's additions with the next step's: summed into one
//! accumulator per filter, its time is the latency of `K` additions in a row (`240 × 4` cycles
//! for 16 channels, kernel 15). Column `j` goes to partial sum `j mod P`, whatever the pass,
//! so that `step` and `forward_sequences` still compute the same sums in the same order. A
//! short one (4 channels, kernel 3) is bound by its instructions instead: in plain arrays it
//! keeps one sum.

use pulp::{Simd, WithSimd};

use crate::Scalar;

/// Registers of filters summed in one pass over the columns (16 registers in AVX2).
const BLOCK: usize = 8;

/// How many partial sums of `F` filters of `T` to keep: 4 while they fit in 8 registers of
/// 32 bytes (up to 16 filters of `f32`), fewer beyond, where the filters' own registers are
/// enough accumulators.
const fn partial_sums<T>(filters: usize) -> usize {
    let bytes = filters * size_of::<T>();
    if bytes <= 64 {
        4
    } else if bytes <= 128 {
        2
    } else {
        1
    }
}

/// Runs `op` in the registers that suit `F` filters of `T`: on x86-64 with AVX2 and FMA
/// (detected once, cached by pulp), registers of 8 `f32` (4 `f64`), or of 4 (2) when the
/// filters do not fill one, so that a whole step runs in one call of code compiled for them;
/// elsewhere, or for fewer filters, [`pulp::Scalar`], where [`add_product`] is plain arrays the
/// compiler vectorizes. The choice is fixed for a process, so every pass of a layer sums alike.
#[inline(always)]
#[cfg_attr(
    not(target_arch = "x86_64"),
    allow(
        clippy::extra_unused_type_parameters,
        reason = "the registers are chosen on x86-64 only"
    )
)]
pub(super) fn dispatch<T: Scalar, const F: usize, Op: WithSimd>(op: Op) -> Op::Output {
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V3::try_new() {
        if F >= T::lanes::<pulp::x86::V3>() {
            return simd.vectorize(Vectorized(simd, op));
        }
        let narrow = pulp::x86::V3_128b(simd);
        if F >= T::lanes::<pulp::x86::V3_128b>() {
            return simd.vectorize(Vectorized(narrow, op));
        }
    }
    op.with_simd(pulp::Scalar::new())
}

/// `op` in the registers of `S`, as a function for pulp's `vectorize` (which otherwise hands
/// an operation the widest registers).
#[cfg(target_arch = "x86_64")]
struct Vectorized<S, Op>(S, Op);

#[cfg(target_arch = "x86_64")]
impl<S: Simd, Op: WithSimd> pulp::NullaryFnOnce for Vectorized<S, Op> {
    type Output = Op::Output;

    #[inline(always)]
    fn call(self) -> Op::Output {
        self.1.with_simd(self.0)
    }
}

/// `z += Σ_j kernel[j] · v[j]` over the `K` columns of `F` weights, `z` holding the bias, in
/// the registers of `simd` (from [`dispatch`]).
#[inline(always)]
pub(super) fn add_product<S: Simd, T: Scalar, const F: usize, const K: usize>(
    simd: S,
    z: &mut [T; F],
    kernel: &[[T; F]; K],
    v: &[T; K],
) {
    if S::IS_SCALAR || F < T::lanes::<S>() {
        add_plain(z, kernel, v);
    } else {
        add_simd(simd, z, kernel, v);
    }
}

/// [`add_product`] in registers of `simd`, for at least one register of filters: blocks of up
/// to [`BLOCK`] registers, each a pass over the columns; the last register of filters ends at
/// `F` (overlapping the one before it when the filters do not fill whole registers: both
/// compute the shared filters alike).
#[inline(always)]
fn add_simd<S: Simd, T: Scalar, const F: usize, const K: usize>(
    simd: S,
    z: &mut [T; F],
    kernel: &[[T; F]; K],
    v: &[T; K],
) {
    let bias = *z;
    let registers = F.div_ceil(T::lanes::<S>());
    let mut first = 0;
    while first < registers {
        let n = (registers - first).min(BLOCK);
        // As many partial sums as keep the block within 8 registers of sums.
        match n {
            1 => block::<S, T, F, K, 1, 4>(simd, &bias, z, kernel, v, first),
            2 => block::<S, T, F, K, 2, 4>(simd, &bias, z, kernel, v, first),
            3 => block::<S, T, F, K, 3, 2>(simd, &bias, z, kernel, v, first),
            4 => block::<S, T, F, K, 4, 2>(simd, &bias, z, kernel, v, first),
            5 => block::<S, T, F, K, 5, 1>(simd, &bias, z, kernel, v, first),
            6 => block::<S, T, F, K, 6, 1>(simd, &bias, z, kernel, v, first),
            7 => block::<S, T, F, K, 7, 1>(simd, &bias, z, kernel, v, first),
            _ => block::<S, T, F, K, BLOCK, 1>(simd, &bias, z, kernel, v, first),
        }
        first += n;
    }
}

/// `R` registers of filters from register `first` on, in `P` partial sums (column `j` into
/// sum `j mod P`, the first from the bias, then added pairwise as in [`add_in`]).
#[inline(always)]
fn block<S: Simd, T: Scalar, const F: usize, const K: usize, const R: usize, const P: usize>(
    simd: S,
    bias: &[T; F],
    z: &mut [T; F],
    kernel: &[[T; F]; K],
    v: &[T; K],
    first: usize,
) {
    let lanes = T::lanes::<S>();
    let at = |r: usize| ((first + r) * lanes).min(F - lanes);
    let load = |values: &[T], r: usize| T::as_simd::<S>(&values[at(r)..at(r) + lanes]).0[0];
    let zero = T::splat_reg(simd, T::zero());
    let mut sums = [[zero; R]; P];
    for (r, sum) in sums[0].iter_mut().enumerate() {
        *sum = load(bias, r);
    }
    let add = |sums: &mut [T::Reg<S>; R], j: usize| {
        let v = T::splat_reg(simd, v[j]);
        for (r, sum) in sums.iter_mut().enumerate() {
            *sum = T::mul_add_reg(simd, load(&kernel[j], r), v, *sum);
        }
    };
    // Indices up to constants, so that a short kernel unrolls whole.
    for chunk in 0..K / P {
        for (p, sums) in sums.iter_mut().enumerate() {
            add(sums, chunk * P + p);
        }
    }
    for (p, sums) in sums.iter_mut().enumerate().take(K % P) {
        add(sums, K / P * P + p);
    }
    let mut width = P;
    while width > 1 {
        width /= 2;
        let (low, high) = sums.split_at_mut(width);
        for (low, high) in low.iter_mut().zip(&*high) {
            for (l, &h) in low.iter_mut().zip(high) {
                *l = T::add_reg(simd, *l, h);
            }
        }
    }
    for (r, &sum) in sums[0].iter().enumerate() {
        T::as_mut_simd::<S>(&mut z[at(r)..at(r) + lanes]).0[0] = sum;
    }
}

/// [`add_product`] in plain arrays.
#[inline(always)]
fn add_plain<T: Scalar, const F: usize, const K: usize>(
    z: &mut [T; F],
    kernel: &[[T; F]; K],
    v: &[T; K],
) {
    // A short product is cheaper in one sum: its steps overlap in the processor anyway, and
    // the partial sums cost instructions.
    let sums = if F * K <= 64 { 1 } else { partial_sums::<T>(F) };
    match sums {
        4 => add_in::<T, F, K, 4>(z, kernel, v),
        2 => add_in::<T, F, K, 2>(z, kernel, v),
        _ => add_in::<T, F, K, 1>(z, kernel, v),
    }
}

/// [`add_plain`] in `P` partial sums: column `j` into sum `j mod P`, the first sum starting
/// from `z`, then the sums added pairwise, `P / 2` apart.
#[inline(always)]
fn add_in<T: Scalar, const F: usize, const K: usize, const P: usize>(
    z: &mut [T; F],
    kernel: &[[T; F]; K],
    v: &[T; K],
) {
    let mut sums = [[T::zero(); F]; P];
    sums[0] = *z;
    let (columns, column_tail) = kernel.as_chunks::<P>();
    let (values, value_tail) = v.as_chunks::<P>();
    for (columns, values) in columns.iter().zip(values) {
        for ((sum, column), &v) in sums.iter_mut().zip(columns).zip(values) {
            for (s, &w) in sum.iter_mut().zip(column) {
                *s += w * v;
            }
        }
    }
    for ((sum, column), &v) in sums.iter_mut().zip(column_tail).zip(value_tail) {
        for (s, &w) in sum.iter_mut().zip(column) {
            *s += w * v;
        }
    }
    let mut width = P;
    while width > 1 {
        width /= 2;
        let (low, high) = sums.split_at_mut(width);
        for (low, high) in low.iter_mut().zip(&*high) {
            for (l, &h) in low.iter_mut().zip(high) {
                *l += h;
            }
        }
    }
    *z = sums[0];
}
