//! The per-sample forward product of a convolution in SIMD registers: `z = bias + Σ kernel ·
//! patch` at each output position, run inside [`dispatch`](crate::simd::dispatch).
//!
//! The kernel is column-major `F × K`, so the weights of one (tap, channel) pair for every
//! filter are `F` contiguous values: an output position's filters are laid across SIMD lanes,
//! kept in registers over the whole window, and each (tap, channel) adds one fused
//! multiply-add per register, as a dense layer's column loop does. When the filters do not
//! fill whole registers the last register overlaps the one before it (both compute the shared
//! filters identically), so no load is masked. A group narrower than a register runs in plain
//! scalar code; a depthwise layer of depth multiplier 1 runs its channels across the lanes
//! instead, each against its own input channel.
//!
//! Eight registers of sums are kept at once: eight registers of filters at one position, or,
//! when the filters fill fewer, as many positions that read the same taps as make eight (along
//! a row, or down a column), each weight register then serving all of them. One position's few sums alone would wait on each
//! other (a multiply-add takes four cycles before the next one on the same sum can start); the
//! sums of each position are still taken in the same order, so the outputs are the same.

use pulp::Simd;

use super::geometry::{Geometry, for_each_run, for_each_tap};
use crate::Scalar;

/// Registers of sums kept at once.
const BLOCK: usize = 8;

/// The first register's worth of `values`.
#[inline(always)]
pub(super) fn load<V: Simd, T: Scalar>(values: &[T]) -> T::Reg<V> {
    T::as_simd::<V>(values).0[0]
}

/// `v` into the first register's worth of `values`.
#[inline(always)]
pub(super) fn store<V: Simd, T: Scalar>(values: &mut [T], v: T::Reg<V>) {
    T::as_mut_simd::<V>(values).0[0] = v;
}

/// The pre-activations of one sample: `z[position · F + f] = bias[f] + Σ` over the taps of the
/// position that read the input and the channels of `f`'s group of `kernel[f, (tap, channel)]
/// · x[(input position, channel)]`.
#[inline(always)]
pub(super) fn preactivation<V: Simd, T: Scalar>(
    simd: V,
    geo: &Geometry,
    kernel: &[T],
    bias: &[T],
    x: &[T],
    z: &mut [T],
) {
    let lanes = T::lanes::<V>();
    let f = geo.filters;
    if geo.is_elementwise() {
        if f < lanes {
            for (position, out) in z.chunks_exact_mut(f).enumerate().take(geo.positions) {
                elementwise_narrow(geo, kernel, bias, x, position, out);
            }
        } else {
            for_each_block!(0, f, |start| elementwise_positions(
                simd, geo, kernel, bias, x, start, z
            ));
        }
        return;
    }
    let (fg, cg) = (geo.group_filters, geo.group_channels);
    for g in 0..geo.groups {
        if fg < lanes {
            for (position, out) in z.chunks_exact_mut(f).enumerate().take(geo.positions) {
                group_narrow(geo, kernel, bias, x, position, g, out);
            }
        } else {
            for_each_block!(g * fg, fg, |start| group_positions(
                simd,
                geo,
                kernel,
                bias,
                x,
                (start, g * cg),
                z
            ));
        }
    }
}

/// The `N` registers of `values` from `start` (which need not be a multiple of the lanes).
/// Their number is known to the compiler, so that indexing them with a constant costs no
/// check: each multiply-add reads its weights straight from memory.
#[inline(always)]
fn registers<V: Simd, T: Scalar, const N: usize>(values: &[T], start: usize) -> &[T::Reg<V>] {
    let lanes = T::lanes::<V>();
    &T::as_simd::<V>(&values[start..start + N * lanes]).0[..N]
}

/// As [`registers`], mutably.
#[inline(always)]
fn registers_mut<V: Simd, T: Scalar, const N: usize>(
    values: &mut [T],
    start: usize,
) -> &mut [T::Reg<V>] {
    let lanes = T::lanes::<V>();
    &mut T::as_mut_simd::<V>(&mut values[start..start + N * lanes]).0[..N]
}

/// Runs `$run::<V, T, N, P>(…, start, …)` over `$len` values from `$first` in blocks of `N`
/// whole registers (8, then 4, 2, 1), and a last register ending at the last value, overlapping
/// the one before it, when `$len` is not a multiple of the lanes (both compute the shared
/// values identically); `P = 8 / N` is the number of positions whose sums fit beside them.
///
/// A block's sums must be a fixed number of registers for the compiler to keep them in
/// registers over the whole window (an array of a run-time length lives in memory, and every
/// multiply-add became a load and a store); four sizes keep the copies of the kernel few.
macro_rules! for_each_block {
    ($first:expr, $len:expr, |$start:ident| $run:ident ( $($arg:expr),* )) => {{
        let (first, len, lanes): (usize, usize, usize) = ($first, $len, T::lanes::<V>());
        let whole = len / lanes;
        let mut register = 0;
        while register < whole {
            let $start = first + register * lanes;
            let left = whole - register;
            register += if left >= BLOCK {
                $run::<V, T, BLOCK, 1>($($arg),*);
                BLOCK
            } else if left >= 4 {
                $run::<V, T, 4, 2>($($arg),*);
                4
            } else if left >= 2 {
                $run::<V, T, 2, 4>($($arg),*);
                2
            } else {
                $run::<V, T, 1, 8>($($arg),*);
                1
            };
        }
        if !len.is_multiple_of(lanes) {
            let $start = first + len - lanes;
            $run::<V, T, 1, 8>($($arg),*);
        }
    }};
}
use for_each_block;

/// The filters of group `g` at one position, into `out` (the position's `F` outputs), for a
/// group of fewer filters than a register holds.
#[inline(always)]
fn group_narrow<T: Scalar>(
    geo: &Geometry,
    kernel: &[T],
    bias: &[T],
    x: &[T],
    position: usize,
    g: usize,
    out: &mut [T],
) {
    let (f, fg, cg) = (geo.filters, geo.group_filters, geo.group_channels);
    let (first_filter, first_channel) = (g * fg, g * cg);
    let out = &mut out[first_filter..first_filter + fg];
    out.copy_from_slice(&bias[first_filter..first_filter + fg]);
    for_each_run!(geo, position, first_channel, |column, offset, len| {
        for (k, &xv) in x[offset..offset + len].iter().enumerate() {
            let column = &kernel[(column + k) * f + first_filter..][..fg];
            for (o, &w) in out.iter_mut().zip(column) {
                *o += w * xv;
            }
        }
    });
}

/// `N` registers of filters from filter `start` of a group whose channels start at
/// `first_channel`, at every position: `P` positions at once wherever `P` positions read the
/// same taps, one at a time elsewhere.
///
/// Runs go along each row over the columns whose windows lie inside the input (the same taps
/// for all), then down each remaining column over the rows whose windows lie inside it; the
/// last run of a range ends at its end, overlapping the one before it when the range is not a
/// multiple of `P` (it computes the shared positions again, identically). Only the positions
/// in neither (the corners of a padded layer, or everything when the ranges are shorter than
/// `P`) run alone.
#[inline(always)]
fn group_positions<V: Simd, T: Scalar, const N: usize, const P: usize>(
    simd: V,
    geo: &Geometry,
    kernel: &[T],
    bias: &[T],
    x: &[T],
    (start, first_channel): (usize, usize),
    z: &mut [T],
) {
    let (out_rows, out_cols) = (geo.rows.output(), geo.out_cols);
    let at = (start, first_channel);
    let (cols, rows) = (geo.interior_cols(), geo.interior_rows());
    let along = P > 1 && cols.len() >= P;
    let down = P > 1 && rows.len() >= P;
    let (across, down_rows) = (
        geo.cols.stride * geo.channels,
        geo.rows.stride * geo.cols.input * geo.channels,
    );
    for p in 0..out_rows {
        if along {
            for q in run_starts(cols.clone(), P) {
                let position = p * out_cols + q;
                group_run::<V, T, N, P>(simd, geo, kernel, bias, x, at, position, (1, across), z);
            }
        }
    }
    for q in (0..out_cols).filter(|q| !along || !cols.contains(q)) {
        if down {
            for p in run_starts(rows.clone(), P) {
                let position = p * out_cols + q;
                group_run::<V, T, N, P>(
                    simd,
                    geo,
                    kernel,
                    bias,
                    x,
                    at,
                    position,
                    (out_cols, down_rows),
                    z,
                );
            }
        }
        // Written out, not a closure: one the compiler did not inline would be compiled
        // without the dispatched instruction set.
        for p in (0..out_rows).filter(|p| !down || !rows.contains(p)) {
            let position = p * out_cols + q;
            let out = &mut z[position * geo.filters..(position + 1) * geo.filters];
            group_block::<V, T, N>(simd, geo, kernel, bias, x, position, at, out);
        }
    }
}

/// The first positions of runs of `len` over `range` (of at least `len` positions): every
/// `len`-th, and a last one ending at the range's end.
#[inline(always)]
fn run_starts(range: core::ops::Range<usize>, len: usize) -> impl Iterator<Item = usize> {
    let whole = range.len() / len;
    let last = (!range.len().is_multiple_of(len)).then(|| range.end - len);
    (0..whole).map(move |r| range.start + r * len).chain(last)
}

/// `N` registers of filters of a group at one position, from filter `start`; the group's
/// channels start at `first_channel`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn group_block<V: Simd, T: Scalar, const N: usize>(
    simd: V,
    geo: &Geometry,
    kernel: &[T],
    bias: &[T],
    x: &[T],
    position: usize,
    (start, first_channel): (usize, usize),
    out: &mut [T],
) {
    let f = geo.filters;
    let mut sums = [T::splat_reg(simd, T::zero()); N];
    sums.copy_from_slice(registers::<V, T, N>(bias, start));
    for_each_run!(geo, position, first_channel, |column, offset, len| {
        let xs = &x[offset..offset + len];
        let columns = kernel[column * f..(column + len) * f].chunks_exact(f);
        for (column, &xv) in columns.zip(xs) {
            let xv = T::splat_reg(simd, xv);
            let w = registers::<V, T, N>(column, start);
            for r in 0..N {
                sums[r] = T::mul_add_reg(simd, w[r], xv, sums[r]);
            }
        }
    });
    registers_mut::<V, T, N>(out, start).copy_from_slice(&sums);
}

/// `N` registers of filters of a group at `P` positions that read the same taps: from
/// `position`, each `position_step` after the one before, its input `x_step` values after.
/// Each weight register is loaded once for the `P` positions.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn group_run<V: Simd, T: Scalar, const N: usize, const P: usize>(
    simd: V,
    geo: &Geometry,
    kernel: &[T],
    bias: &[T],
    x: &[T],
    (start, first_channel): (usize, usize),
    position: usize,
    (position_step, x_step): (usize, usize),
    z: &mut [T],
) {
    let f = geo.filters;
    let zero = T::splat_reg(simd, T::zero());
    let mut sums = [[zero; N]; P];
    for sums in sums.iter_mut() {
        sums.copy_from_slice(registers::<V, T, N>(bias, start));
    }
    for_each_run!(geo, position, first_channel, |column, offset, len| {
        let xs = &x[offset..offset + (P - 1) * x_step + len];
        let columns = kernel[column * f..(column + len) * f].chunks_exact(f);
        for (channel, column) in columns.enumerate() {
            let mut w = [zero; N];
            w.copy_from_slice(registers::<V, T, N>(column, start));
            for (k, sums) in sums.iter_mut().enumerate() {
                let xv = T::splat_reg(simd, xs[k * x_step + channel]);
                for r in 0..N {
                    sums[r] = T::mul_add_reg(simd, w[r], xv, sums[r]);
                }
            }
        }
    });
    for (k, sums) in sums.iter().enumerate() {
        let at = position + k * position_step;
        let out = &mut z[at * f..(at + 1) * f];
        registers_mut::<V, T, N>(out, start).copy_from_slice(sums);
    }
}

/// Every filter at one position of a depthwise layer of depth multiplier 1 with fewer
/// channels than a register holds.
#[inline(always)]
fn elementwise_narrow<T: Scalar>(
    geo: &Geometry,
    kernel: &[T],
    bias: &[T],
    x: &[T],
    position: usize,
    out: &mut [T],
) {
    let f = geo.filters;
    out.copy_from_slice(&bias[..f]);
    for_each_tap!(geo, position, |tap, offset| {
        let (column, xs) = (&kernel[tap * f..(tap + 1) * f], &x[offset..offset + f]);
        for ((o, &w), &xv) in out.iter_mut().zip(column).zip(xs) {
            *o += w * xv;
        }
    });
}

/// `N` registers of channels from channel `start` of a depthwise layer of depth multiplier 1
/// (filter `c` reads channel `c` only) at every position: the channels across the lanes, each
/// tap one multiply-add of the tap's kernel column and the input position's channels. (`P`
/// is not used: each position reads its own inputs, so neighbours share no register.)
#[inline(always)]
fn elementwise_positions<V: Simd, T: Scalar, const N: usize, const P: usize>(
    simd: V,
    geo: &Geometry,
    kernel: &[T],
    bias: &[T],
    x: &[T],
    start: usize,
    z: &mut [T],
) {
    let f = geo.filters;
    for (position, out) in z.chunks_exact_mut(f).enumerate().take(geo.positions) {
        let mut sums = [T::splat_reg(simd, T::zero()); N];
        sums.copy_from_slice(registers::<V, T, N>(bias, start));
        for_each_tap!(geo, position, |tap, offset| {
            let w = registers::<V, T, N>(&kernel[tap * f..(tap + 1) * f], start);
            let xs = registers::<V, T, N>(&x[offset..offset + f], start);
            for r in 0..N {
                sums[r] = T::mul_add_reg(simd, w[r], xs[r], sums[r]);
            }
        });
        registers_mut::<V, T, N>(out, start).copy_from_slice(&sums);
    }
}
