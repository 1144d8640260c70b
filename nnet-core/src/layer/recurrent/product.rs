//! The products of a recurrent step, `acc += Σₖ scales[k] · rows[k]` (the input's and the
//! previous state's contributions to every gate), in fused multiply-adds in the SIMD registers
//! of this machine.

use nalgebra::SVector;
use pulp::{Simd, WithSimd};

use crate::Scalar;
use crate::simd::Lanes;

/// Registers of the accumulator that one pass over the rows keeps at most: eight AVX2
/// registers are 64 `f32`, half the register file, so a block never leaves it while the rows
/// stream past.
const REGISTERS: usize = 8;

/// `acc[g] += Σₖ scales[k] · rows[k][g]` for every gate: one fused multiply-add per row and
/// value, the rows in order, so every instruction set gives the same bits. Runs in the
/// registers of the best instruction set of this machine (inside a network's pass, which
/// already runs there, the dispatch costs a comparison and a call).
#[inline(always)]
pub(crate) fn add_rows<const UNITS: usize, const GATES: usize, T: Scalar>(
    rows: &[[SVector<T, UNITS>; GATES]],
    scales: &[T],
    acc: &mut [SVector<T, UNITS>; GATES],
) {
    crate::simd::dispatch(AddRows { rows, scales, acc });
}

/// [`add_rows`] as a SIMD operation.
struct AddRows<'a, const UNITS: usize, const GATES: usize, T: Scalar> {
    rows: &'a [[SVector<T, UNITS>; GATES]],
    scales: &'a [T],
    acc: &'a mut [SVector<T, UNITS>; GATES],
}

impl<const UNITS: usize, const GATES: usize, T: Scalar> WithSimd for AddRows<'_, UNITS, GATES, T> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let rows: &[T] = bytemuck::cast_slice(self.rows);
        let acc: &mut [T] = bytemuck::cast_slice_mut(&mut self.acc[..]);
        add_flat::<S, T>(simd, rows, self.scales, acc);
    }
}

/// [`add_rows`] over flat values, `acc.len()` a row's length; in blocks of registers whose
/// count is a constant of each call of [`block`], so that the compiler keeps them in registers.
#[inline(always)]
fn add_flat<S: Simd, T: Scalar>(simd: S, rows: &[T], scales: &[T], acc: &mut [T]) {
    let width = acc.len();
    if width == 0 {
        return;
    }
    let lanes = T::lanes::<S>();
    let (registers, tail) = T::as_mut_simd::<S>(acc);
    for (b, chunk) in registers.chunks_mut(REGISTERS).enumerate() {
        let start = b * REGISTERS * lanes;
        match chunk.len() {
            8 => block::<S, T, 8>(simd, rows, scales, width, start, chunk),
            7 => block::<S, T, 7>(simd, rows, scales, width, start, chunk),
            6 => block::<S, T, 6>(simd, rows, scales, width, start, chunk),
            5 => block::<S, T, 5>(simd, rows, scales, width, start, chunk),
            4 => block::<S, T, 4>(simd, rows, scales, width, start, chunk),
            3 => block::<S, T, 3>(simd, rows, scales, width, start, chunk),
            2 => block::<S, T, 2>(simd, rows, scales, width, start, chunk),
            _ => block::<S, T, 1>(simd, rows, scales, width, start, chunk),
        }
    }
    if !tail.is_empty() {
        let start = width - tail.len();
        for (row, &scale) in rows.chunks_exact(width).zip(scales) {
            for (a, &w) in tail.iter_mut().zip(&row[start..]) {
                *a = w.mul_add(scale, *a);
            }
        }
    }
}

/// `N` registers of the accumulator, from value `start` of each row, through every row.
#[inline(always)]
fn block<S: Simd, T: Scalar, const N: usize>(
    simd: S,
    rows: &[T],
    scales: &[T],
    width: usize,
    start: usize,
    chunk: &mut [T::Reg<S>],
) {
    let mut sums: [T::Reg<S>; N] = core::array::from_fn(|r| chunk[r]);
    for (row, &scale) in rows.chunks_exact(width).zip(scales) {
        let scale = T::splat_reg(simd, scale);
        let (row, _) = T::as_simd::<S>(&row[start..]);
        let row: &[T::Reg<S>; N] = row[..N].try_into().expect("a whole block of the row");
        for (sum, &w) in sums.iter_mut().zip(row) {
            *sum = T::mul_add_reg(simd, w, scale, *sum);
        }
    }
    chunk.copy_from_slice(&sums);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`add_flat`] in the registers of this machine.
    fn flat<T: Scalar>(rows: &[T], scales: &[T], acc: &mut [T]) {
        struct Flat<'a, T>(&'a [T], &'a [T], &'a mut [T]);
        impl<T: Scalar> WithSimd for Flat<'_, T> {
            type Output = ();
            fn with_simd<S: Simd>(self, simd: S) {
                add_flat::<S, T>(simd, self.0, self.1, self.2);
            }
        }
        crate::simd::dispatch(Flat(rows, scales, acc));
    }

    /// Every width from 0 to 70 (whole blocks, partial blocks and tails of every length) and a
    /// few row counts, against the fused sums written out one value at a time, bit for bit.
    #[test]
    fn add_rows_is_the_fused_sum_row_after_row() {
        for width in 0..70 {
            for count in [0, 1, 3, 9] {
                let rows: Vec<f32> = (0..width * count)
                    .map(|n| ((n * 37 % 101) as f32 - 50.0) / 7.0)
                    .collect();
                let scales: Vec<f32> = (0..count).map(|k| 0.3 - k as f32 / 3.0).collect();
                let start: Vec<f32> = (0..width).map(|j| j as f32 / 11.0).collect();
                let mut acc = start.clone();
                flat(&rows, &scales, &mut acc);
                for (j, &found) in acc.iter().enumerate() {
                    let mut expected = start[j];
                    for k in 0..count {
                        expected = rows[k * width + j].mul_add(scales[k], expected);
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
        flat(&rows, &[2.0, -1.0], &mut acc);
        assert_eq!(acc, [0.5 + 2.0 - 4.0, 0.25 + 4.0 - 5.0, 0.125 + 6.0 - 6.0]);
    }

    /// The typed entry point: an LSTM-shaped accumulator of 4 gates of 3 units over 2 rows.
    #[test]
    fn add_rows_over_gates() {
        let rows = [
            [SVector::<f32, 3>::repeat(1.0); 4],
            [SVector::repeat(2.0); 4],
        ];
        let mut acc = [SVector::<f32, 3>::repeat(0.5); 4];
        add_rows(&rows, &[1.0, 0.25], &mut acc);
        assert!(acc.iter().all(|g| g.iter().all(|&v| v == 2.0)));
    }
}
