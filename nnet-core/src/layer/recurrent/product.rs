//! The products of a recurrent step, `acc += Σₖ scales[k] · rows[k]` (the input's and the
//! previous state's contributions to every gate), in fused multiply-adds in the SIMD registers
//! of this machine.

use nalgebra::SVector;
use pulp::{Simd, WithSimd};

use crate::Scalar;

/// Values per step (`GATES·UNITS`) from which the products run as below; narrower layers (a
/// `gru 4`'s 12, a `gru 8`'s 24) add row after row in plain loops of separate multiplies and
/// adds, which the compiler keeps inline in the step. Measured (BENCHMARKS.md, "Recurrent
/// streaming against RTNeural"): the dispatched blocks made a `gru 4` step slower (85 ns against
/// 66), and an `lstm 40` step take 390 ns instead of 740.
pub(crate) const FUSED_MIN: usize = 32;

/// Values per step from which, in a build for a CPU with AVX-512 (`-C target-cpu=native` on
/// one, or `-C target-feature=+avx512f`), the products run in its 512-bit registers (pulp's
/// `V4`, picked at compile time: the default build detects nothing more and its passes stay in
/// AVX2). Each lane computes the same fused multiply-adds in the same order as in 8 lanes, so
/// the bits are those of the other instruction sets. Measured under `target-cpu=native`
/// (BENCHMARKS.md, "Recurrent streaming against RTNeural", 7 December, a busy machine): an
/// `lstm 40` step (160 values, ten registers of 16 lanes in one block) gained, an `lstm 16`
/// step (64 values) was slower in four 512-bit registers than in eight AVX2 ones, hence 128.
#[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
const WIDE_MIN: usize = 128;

/// Registers of the accumulator that one pass over the rows keeps at most with registers of
/// fewer than 16 lanes (AVX2's 16 registers): twelve, with the broadcast scale beside them and
/// the rows' values read as memory operands, so a block never leaves the register file while
/// the rows stream past. An accumulator of more registers is cut into the fewest blocks of at
/// most this many, of equal sizes (give or take one): an `lstm 40`'s 20 registers of `f32` run
/// as two passes of ten instead of eight, eight and four. Each pass is a chain of one fused
/// multiply-add per row for each register, four cycles apiece on Zen 3 and Skylake alike; a
/// block of four registers keeps only half the two FMA units busy, a block of ten both.
const REGISTERS: usize = 12;
/// [`REGISTERS`] with registers of 16 lanes or more (AVX-512's `f32`), whose register file
/// is twice as large (32 registers).
const WIDE_REGISTERS: usize = 16;

/// `acc[g] += Σᵢ x[i] · kernel[i][g] + Σₖ h[k] · recurrent_kernel[k][g]` for every gate (an
/// LSTM's or a simple RNN's step), or, given `recurrent`, the second sum into it instead (a
/// GRU's, whose recurrent candidate term is kept apart): one fused multiply-add per row and
/// value, the input's rows then the state's in order, so every instruction set gives the same
/// bits. One dispatch to the best instruction set of this machine for both products (inside a
/// network's pass, which already runs there, it costs a comparison and a call).
#[inline(always)]
pub(crate) fn add_products<const IN: usize, const UNITS: usize, const GATES: usize, T: Scalar>(
    kernel: &[[SVector<T, UNITS>; GATES]; IN],
    x: &[T],
    recurrent_kernel: &[[SVector<T, UNITS>; GATES]; UNITS],
    h: &[T],
    acc: &mut [SVector<T, UNITS>; GATES],
    recurrent: Option<&mut [SVector<T, UNITS>; GATES]>,
) {
    if GATES * UNITS < FUSED_MIN {
        let acc: &mut [T] = bytemuck::cast_slice_mut(&mut acc[..]);
        add_plain(bytemuck::cast_slice(&kernel[..]), x, acc);
        match recurrent {
            None => add_plain(bytemuck::cast_slice(&recurrent_kernel[..]), h, acc),
            Some(recurrent) => add_plain(
                bytemuck::cast_slice(&recurrent_kernel[..]),
                h,
                bytemuck::cast_slice_mut(&mut recurrent[..]),
            ),
        }
        return;
    }
    let products = Products {
        kernel,
        x,
        recurrent_kernel,
        h,
        acc,
        recurrent,
    };
    #[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
    if GATES * UNITS >= WIDE_MIN
        && let Some(simd) = pulp::x86::V4::try_new()
    {
        return Simd::vectorize(simd, products);
    }
    crate::simd::dispatch(products);
}

/// `acc[j] += Σₖ scales[k] · rows[k·W + j]`, `W = acc.len()`: one set of rows of
/// [`add_products`], over flat values (the layers whose vectors live on the heap), with the same
/// operations in the same order.
#[cfg(feature = "std")]
pub(crate) fn add_rows_flat<T: Scalar>(rows: &[T], scales: &[T], acc: &mut [T]) {
    if acc.len() < FUSED_MIN {
        add_plain(rows, scales, acc);
        return;
    }
    #[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
    if acc.len() >= WIDE_MIN
        && let Some(simd) = pulp::x86::V4::try_new()
    {
        return Simd::vectorize(simd, Flat { rows, scales, acc });
    }
    crate::simd::dispatch(Flat { rows, scales, acc });
}

/// `acc[j] += scales[k] · rows[k·W + j]`, row after row, a multiply and an add (the products
/// of layers narrower than [`FUSED_MIN`]).
#[inline(always)]
pub(super) fn add_plain<T: Scalar>(rows: &[T], scales: &[T], acc: &mut [T]) {
    let width = acc.len();
    if width == 0 {
        return;
    }
    for (row, &scale) in rows.chunks_exact(width).zip(scales) {
        for (a, &w) in acc.iter_mut().zip(row) {
            *a += scale * w;
        }
    }
}

/// [`add_rows_flat`] as a SIMD operation.
#[cfg(feature = "std")]
struct Flat<'a, T> {
    rows: &'a [T],
    scales: &'a [T],
    acc: &'a mut [T],
}

#[cfg(feature = "std")]
impl<T: Scalar> WithSimd for Flat<'_, T> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        add_flat::<S, T>(simd, [(self.rows, self.scales), (&[], &[])], self.acc);
    }
}

/// [`add_products`] as a SIMD operation.
struct Products<'a, const IN: usize, const UNITS: usize, const GATES: usize, T: Scalar> {
    kernel: &'a [[SVector<T, UNITS>; GATES]; IN],
    x: &'a [T],
    recurrent_kernel: &'a [[SVector<T, UNITS>; GATES]; UNITS],
    h: &'a [T],
    acc: &'a mut [SVector<T, UNITS>; GATES],
    recurrent: Option<&'a mut [SVector<T, UNITS>; GATES]>,
}

impl<const IN: usize, const UNITS: usize, const GATES: usize, T: Scalar> WithSimd
    for Products<'_, IN, UNITS, GATES, T>
{
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let input = (bytemuck::cast_slice(&self.kernel[..]), self.x);
        let state = (bytemuck::cast_slice(&self.recurrent_kernel[..]), self.h);
        let acc: &mut [T] = bytemuck::cast_slice_mut(&mut self.acc[..]);
        match self.recurrent {
            None => add_flat::<S, T>(simd, [input, state], acc),
            Some(recurrent) => {
                add_flat::<S, T>(simd, [input, (&[], &[])], acc);
                let recurrent: &mut [T] = bytemuck::cast_slice_mut(&mut recurrent[..]);
                add_flat::<S, T>(simd, [state, (&[], &[])], recurrent);
            }
        }
    }
}

/// Rows (each `acc.len()` values) and their scales.
type Rows<'a, T> = (&'a [T], &'a [T]);

/// `acc[j] += Σₖ scales[k] · rows[k·W + j]` over both sets of rows in turn, `W = acc.len()`;
/// in blocks of registers whose count is a constant of each call of [`block`], so that the
/// compiler keeps them in registers.
#[inline(always)]
fn add_flat<S: Simd, T: Scalar>(simd: S, sets: [Rows<'_, T>; 2], acc: &mut [T]) {
    let width = acc.len();
    if width == 0 {
        return;
    }
    let lanes = T::lanes::<S>();
    let (registers, tail) = T::as_mut_simd::<S>(acc);
    let per_block = if lanes >= 16 {
        // AVX-512: blocks of sixteen, as measured on the Xeon (not re-measured here).
        WIDE_REGISTERS
    } else {
        // The fewest blocks of at most `REGISTERS`, as even as can be (see there).
        let blocks = registers.len().div_ceil(REGISTERS).max(1);
        registers.len().div_ceil(blocks)
    };
    for (b, chunk) in registers.chunks_mut(per_block).enumerate() {
        let start = b * per_block * lanes;
        match chunk.len() {
            16 => block::<S, T, 16>(simd, sets, width, start, chunk),
            15 => block::<S, T, 15>(simd, sets, width, start, chunk),
            14 => block::<S, T, 14>(simd, sets, width, start, chunk),
            13 => block::<S, T, 13>(simd, sets, width, start, chunk),
            12 => block::<S, T, 12>(simd, sets, width, start, chunk),
            11 => block::<S, T, 11>(simd, sets, width, start, chunk),
            10 => block::<S, T, 10>(simd, sets, width, start, chunk),
            9 => block::<S, T, 9>(simd, sets, width, start, chunk),
            8 => block::<S, T, 8>(simd, sets, width, start, chunk),
            7 => block::<S, T, 7>(simd, sets, width, start, chunk),
            6 => block::<S, T, 6>(simd, sets, width, start, chunk),
            5 => block::<S, T, 5>(simd, sets, width, start, chunk),
            4 => block::<S, T, 4>(simd, sets, width, start, chunk),
            3 => block::<S, T, 3>(simd, sets, width, start, chunk),
            2 => block::<S, T, 2>(simd, sets, width, start, chunk),
            _ => block::<S, T, 1>(simd, sets, width, start, chunk),
        }
    }
    if !tail.is_empty() {
        let start = width - tail.len();
        for (rows, scales) in sets {
            for (row, &scale) in rows.chunks_exact(width).zip(scales) {
                for (a, &w) in tail.iter_mut().zip(&row[start..]) {
                    *a = w.mul_add(scale, *a);
                }
            }
        }
    }
}

/// `N` registers of the accumulator, from value `start` of each row, through every row.
#[inline(always)]
fn block<S: Simd, T: Scalar, const N: usize>(
    simd: S,
    sets: [Rows<'_, T>; 2],
    width: usize,
    start: usize,
    chunk: &mut [T::Reg<S>],
) {
    let mut sums: [T::Reg<S>; N] = core::array::from_fn(|r| chunk[r]);
    for (rows, scales) in sets {
        for (row, &scale) in rows.chunks_exact(width).zip(scales) {
            let scale = T::splat_reg(simd, scale);
            let (row, _) = T::as_simd::<S>(&row[start..]);
            let row: &[T::Reg<S>; N] = row[..N].try_into().expect("a whole block of the row");
            for (sum, &w) in sums.iter_mut().zip(row) {
                *sum = T::mul_add_reg(simd, w, scale, *sum);
            }
        }
    }
    chunk.copy_from_slice(&sums);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every width from 0 to 70 (whole blocks, partial blocks and tails of every length), and
    /// wider ones of one or two blocks of sixteen registers of 16 lanes (AVX-512's, when the
    /// build has it) and a tail, and a few row counts, against the sums written out one value
    /// at a time, bit for bit: fused from [`FUSED_MIN`] values on, a multiply and an add below.
    #[test]
    fn add_rows_is_the_fused_sum_row_after_row() {
        for width in (0..70).chain([128, 160, 255, 256, 257, 300, 520]) {
            for count in [0, 1, 3, 9] {
                let rows: Vec<f32> = (0..width * count)
                    .map(|n| ((n * 37 % 101) as f32 - 50.0) / 7.0)
                    .collect();
                let scales: Vec<f32> = (0..count).map(|k| 0.3 - k as f32 / 3.0).collect();
                let start: Vec<f32> = (0..width).map(|j| j as f32 / 11.0).collect();
                let mut acc = start.clone();
                add_rows_flat(&rows, &scales, &mut acc);
                for (j, &found) in acc.iter().enumerate() {
                    let mut expected = start[j];
                    for k in 0..count {
                        expected = if width < FUSED_MIN {
                            expected + scales[k] * rows[k * width + j]
                        } else {
                            rows[k * width + j].mul_add(scales[k], expected)
                        };
                    }
                    assert_eq!(
                        found.to_bits(),
                        expected.to_bits(),
                        "width {width}, value {j}"
                    );
                }
            }
        }
    }

    /// `f64` takes the same path.
    #[test]
    fn add_rows_in_f64() {
        let rows = [1.0_f64, 2.0, 3.0, 4.0, 5.0, 6.0];
        let mut acc = [0.5, 0.25, 0.125];
        add_rows_flat(&rows, &[2.0, -1.0], &mut acc);
        assert_eq!(acc, [0.5 + 2.0 - 4.0, 0.25 + 4.0 - 5.0, 0.125 + 6.0 - 6.0]);
    }

    /// The typed entry point: an LSTM-shaped accumulator (4 gates of 3 units, 2 inputs), and a
    /// GRU-shaped one whose state's sum goes apart.
    #[test]
    fn add_products_over_gates() {
        let kernel = [
            [SVector::<f32, 3>::repeat(1.0); 4],
            [SVector::repeat(2.0); 4],
        ];
        let recurrent_kernel = [[SVector::<f32, 3>::repeat(4.0); 4]; 3];
        let mut acc = [SVector::<f32, 3>::repeat(0.5); 4];
        add_products(
            &kernel,
            &[1.0, 0.25],
            &recurrent_kernel,
            &[0.5, 0.0, -0.25],
            &mut acc,
            None,
        );
        assert!(acc.iter().all(|g| g.iter().all(|&v| v == 0.5 + 1.5 + 1.0)));
        let mut acc = [SVector::<f32, 3>::repeat(0.5); 4];
        let mut apart = [SVector::<f32, 3>::zeros(); 4];
        add_products(
            &kernel,
            &[1.0, 0.25],
            &recurrent_kernel,
            &[0.5, 0.0, -0.25],
            &mut acc,
            Some(&mut apart),
        );
        assert!(acc.iter().all(|g| g.iter().all(|&v| v == 2.0)));
        assert!(apart.iter().all(|g| g.iter().all(|&v| v == 1.0)));
    }
}
