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

use pulp::Simd;

use super::geometry::Geometry;
use crate::Scalar;

/// Registers of filters kept at once.
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
    let f = geo.filters;
    for (position, out) in z.chunks_exact_mut(f).enumerate().take(geo.positions) {
        if geo.is_elementwise() {
            elementwise(simd, geo, kernel, bias, x, position, out);
        } else {
            for g in 0..geo.groups {
                group(simd, geo, kernel, bias, x, position, g, out);
            }
        }
    }
}

/// The filters of group `g` at one position, into `out` (the position's `F` outputs).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn group<V: Simd, T: Scalar>(
    simd: V,
    geo: &Geometry,
    kernel: &[T],
    bias: &[T],
    x: &[T],
    position: usize,
    g: usize,
    out: &mut [T],
) {
    let lanes = T::lanes::<V>();
    let (f, fg, cg) = (geo.filters, geo.group_filters, geo.group_channels);
    let (first_filter, first_channel) = (g * fg, g * cg);
    if fg < lanes {
        let out = &mut out[first_filter..first_filter + fg];
        out.copy_from_slice(&bias[first_filter..first_filter + fg]);
        geo.for_each_tap(position, |tap, offset| {
            let xs = &x[offset + first_channel..offset + first_channel + cg];
            for (c, &xv) in xs.iter().enumerate() {
                let column = &kernel[(tap * cg + c) * f + first_filter..][..fg];
                for (o, &w) in out.iter_mut().zip(column) {
                    *o += w * xv;
                }
            }
        });
        return;
    }
    let registers = fg.div_ceil(lanes);
    let zero = T::splat_reg(simd, T::zero());
    for block in (0..registers).step_by(BLOCK) {
        let count = (registers - block).min(BLOCK);
        // The last register of the group ends at its last filter, overlapping the one before.
        let at = |r: usize| first_filter + ((block + r) * lanes).min(fg - lanes);
        let mut sums = [zero; BLOCK];
        for (r, sum) in sums.iter_mut().enumerate().take(count) {
            *sum = load::<V, T>(&bias[at(r)..at(r) + lanes]);
        }
        geo.for_each_tap(position, |tap, offset| {
            let xs = &x[offset + first_channel..offset + first_channel + cg];
            for (c, &xv) in xs.iter().enumerate() {
                let xv = T::splat_reg(simd, xv);
                let column = &kernel[(tap * cg + c) * f..(tap * cg + c + 1) * f];
                for (r, sum) in sums.iter_mut().enumerate().take(count) {
                    let w = load::<V, T>(&column[at(r)..at(r) + lanes]);
                    *sum = T::mul_add_reg(simd, w, xv, *sum);
                }
            }
        });
        for (r, &sum) in sums.iter().enumerate().take(count) {
            store::<V, T>(&mut out[at(r)..at(r) + lanes], sum);
        }
    }
}

/// Every filter at one position of a depthwise layer of depth multiplier 1 (filter `c` reads
/// channel `c` only): the channels across the lanes, each tap one multiply-add of the tap's
/// kernel column and the input position's channels.
#[inline(always)]
fn elementwise<V: Simd, T: Scalar>(
    simd: V,
    geo: &Geometry,
    kernel: &[T],
    bias: &[T],
    x: &[T],
    position: usize,
    out: &mut [T],
) {
    let lanes = T::lanes::<V>();
    let f = geo.filters;
    if f < lanes {
        out.copy_from_slice(&bias[..f]);
        geo.for_each_tap(position, |tap, offset| {
            let (column, xs) = (&kernel[tap * f..(tap + 1) * f], &x[offset..offset + f]);
            for ((o, &w), &xv) in out.iter_mut().zip(column).zip(xs) {
                *o += w * xv;
            }
        });
        return;
    }
    let registers = f.div_ceil(lanes);
    let zero = T::splat_reg(simd, T::zero());
    for block in (0..registers).step_by(BLOCK) {
        let count = (registers - block).min(BLOCK);
        let at = |r: usize| ((block + r) * lanes).min(f - lanes);
        let mut sums = [zero; BLOCK];
        for (r, sum) in sums.iter_mut().enumerate().take(count) {
            *sum = load::<V, T>(&bias[at(r)..at(r) + lanes]);
        }
        geo.for_each_tap(position, |tap, offset| {
            let (column, xs) = (&kernel[tap * f..(tap + 1) * f], &x[offset..offset + f]);
            for (r, sum) in sums.iter_mut().enumerate().take(count) {
                let w = load::<V, T>(&column[at(r)..at(r) + lanes]);
                let xv = load::<V, T>(&xs[at(r)..at(r) + lanes]);
                *sum = T::mul_add_reg(simd, w, xv, *sum);
            }
        });
        for (r, &sum) in sums.iter().enumerate().take(count) {
            store::<V, T>(&mut out[at(r)..at(r) + lanes], sum);
        }
    }
}
