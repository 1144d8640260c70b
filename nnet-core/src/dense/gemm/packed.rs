//! The hand-written kernel: `C += A B` with packed operands and a register-blocked micro-kernel,
//! SIMD chosen at run time.
//!
//! The layout follows GotoBLAS: the `k` dimension is cut into blocks of [`KC`], the rows of `A`
//! into blocks of [`MC`]; each block of `A` is packed into panels of `MR` rows, each `KC × NR`
//! block of `B` into a panel, so the micro-kernel reads both contiguously from L1 while it keeps
//! an `MR × NR` tile of `C` in registers. `MR` is two SIMD registers (16 `f32` or 8 `f64` with
//! AVX2); the instruction set is picked at run time by [`pulp`], so the library needs no special
//! compiler flags. The kernel is written once over [`Lanes`](crate::simd::Lanes), for `f32` and `f64`. Packing
//! buffers are per thread and of fixed size, so products allocate nothing after a thread's first
//! of each element type.

use std::cell::RefCell;

use pulp::{Simd, WithSimd};

use super::Strided;
use crate::Scalar;

/// Depth of one block of the sum: a packed `MR × KC` panel of `A` stays in L1.
const KC: usize = 256;
/// Rows of `A` packed at once (a multiple of every `MR`): a packed `MC × KC` block stays in L2.
const MC: usize = 256;
/// Columns of the register tile.
pub(super) const NR: usize = 6;
/// Columns of `B` packed at once (a multiple of `NR`): the packing buffers have a fixed size,
/// whatever the product.
const NC: usize = 42 * NR;
thread_local! {
    /// Each thread's packing buffers for `A` and `B`, in `f64` words that hold either element
    /// type: grown to their fixed sizes on the thread's first product (of `f32`, then of
    /// `f64`), then reused, so that products allocate nothing after that.
    static PACKS: RefCell<(Vec<f64>, Vec<f64>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// The first `len` elements of type `T` of `words`, grown to hold them if it is shorter.
fn buffer<T: bytemuck::Pod>(words: &mut Vec<f64>, len: usize) -> &mut [T] {
    let needed = (len * size_of::<T>()).div_ceil(size_of::<f64>());
    if words.len() < needed {
        words.resize(needed, 0.0);
    }
    &mut bytemuck::cast_slice_mut(&mut words[..needed])[..len]
}

/// `C += A B` on the calling thread.
pub(super) fn serial<T: Scalar>(
    m: usize,
    n: usize,
    k: usize,
    a: Strided<'_, T>,
    b: Strided<'_, T>,
    c: &mut [T],
) {
    PACKS.with_borrow_mut(|(a_words, b_words)| {
        let a_pack = buffer::<T>(a_words, MC * KC);
        let b_pack = buffer::<T>(b_words, KC * NC);
        for j0 in (0..n).step_by(NC) {
            let nc = NC.min(n - j0);
            crate::simd::dispatch(Kernel {
                m,
                n: nc,
                k,
                a,
                b: b.skip_cols(j0),
                c: &mut c[j0 * m..(j0 + nc) * m],
                a_pack,
                b_pack,
            });
        }
    });
}

struct Kernel<'a, 'c, T> {
    m: usize,
    n: usize,
    k: usize,
    a: Strided<'a, T>,
    b: Strided<'a, T>,
    c: &'c mut [T],
    a_pack: &'c mut [T],
    b_pack: &'c mut [T],
}

impl<T: Scalar> WithSimd for Kernel<'_, '_, T> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let Self {
            m,
            n,
            k,
            a,
            b,
            c,
            a_pack,
            b_pack,
        } = self;
        let mr = 2 * T::lanes::<S>();
        for k0 in (0..k).step_by(KC) {
            let kc = KC.min(k - k0);
            pack_b(b_pack, b, k0, kc, n);
            for i0 in (0..m).step_by(MC) {
                let mc = MC.min(m - i0);
                pack_a::<S, T>(a_pack, a, i0, mc, k0, kc);
                for (jp, b_panel) in b_pack[..kc * n.div_ceil(NR) * NR]
                    .chunks_exact(kc * NR)
                    .enumerate()
                {
                    let j = jp * NR;
                    let cols = NR.min(n - j);
                    for (p, a_panel) in a_pack[..mc.div_ceil(mr) * mr * kc]
                        .chunks_exact(mr * kc)
                        .enumerate()
                    {
                        let i = i0 + p * mr;
                        let tile = tile::<S, T>(simd, a_panel, b_panel, mr);
                        store::<S, T>(&tile, c, m, i, j, mr.min(m - i), cols);
                    }
                }
            }
        }
    }
}

/// Rows `i0..i0 + mc` and columns `k0..k0 + kc` of `A` into panels of `mr` rows, each stored
/// column by column (`mr` values per column); rows past the end are zero. Reads along whichever
/// dimension of `A` is contiguous.
#[inline(always)]
fn pack_a<S: Simd, T: Scalar>(
    pack: &mut [T],
    a: Strided<'_, T>,
    i0: usize,
    mc: usize,
    k0: usize,
    kc: usize,
) {
    let mr = 2 * T::lanes::<S>();
    let panels = pack[..mc.div_ceil(mr) * mr * kc].chunks_exact_mut(mr * kc);
    for (p, panel) in panels.enumerate() {
        let first = i0 + p * mr;
        let rows = mr.min(mc - p * mr);
        if a.row_stride == 1 {
            for (kk, column) in panel.chunks_exact_mut(mr).enumerate() {
                let start = first + (k0 + kk) * a.col_stride;
                if rows == mr {
                    // Two registers' worth: moved as such, not through a call to memcpy.
                    let (from, _) = T::as_simd::<S>(&a.data[start..start + mr]);
                    let (to, _) = T::as_mut_simd::<S>(column);
                    (to[0], to[1]) = (from[0], from[1]);
                } else {
                    column[..rows].copy_from_slice(&a.data[start..start + rows]);
                    column[rows..].fill(T::zero());
                }
            }
        } else {
            panel.fill(T::zero());
            for r in 0..rows {
                let row = &a.data[(first + r) * a.row_stride + k0 * a.col_stride..];
                for (kk, slot) in panel.iter_mut().skip(r).step_by(mr).enumerate() {
                    *slot = row[kk * a.col_stride];
                }
            }
        }
    }
}

/// Rows `k0..k0 + kc` of `B` as panels of `NR` columns, each `kc` rows of `NR` values; columns
/// past the end are zero. Reads along whichever dimension of `B` is contiguous.
#[inline(always)]
fn pack_b<T: Scalar>(pack: &mut [T], b: Strided<'_, T>, k0: usize, kc: usize, n: usize) {
    let panels = pack[..n.div_ceil(NR) * NR * kc].chunks_exact_mut(NR * kc);
    for (p, panel) in panels.enumerate() {
        let first = p * NR;
        let cols = NR.min(n - first);
        if b.row_stride == 1 {
            if cols < NR {
                panel.fill(T::zero());
            }
            for jj in 0..cols {
                let column = &b.data[k0 + (first + jj) * b.col_stride..][..kc];
                for (slot, &v) in panel.iter_mut().skip(jj).step_by(NR).zip(column) {
                    *slot = v;
                }
            }
        } else {
            for (kk, row) in panel.chunks_exact_mut(NR).enumerate() {
                for (jj, slot) in row.iter_mut().enumerate() {
                    *slot = if jj < cols {
                        b.data[(k0 + kk) * b.row_stride + (first + jj) * b.col_stride]
                    } else {
                        T::zero()
                    };
                }
            }
        }
    }
}

/// The `mr × NR` product of a packed panel of `A` and a packed panel of `B`, in registers.
#[inline(always)]
fn tile<S: Simd, T: Scalar>(
    simd: S,
    a_panel: &[T],
    b_panel: &[T],
    mr: usize,
) -> [[T::Reg<S>; 2]; NR] {
    let zero = T::splat_reg(simd, T::zero());
    let mut acc = [[zero; 2]; NR];
    for (a, b) in a_panel.chunks_exact(mr).zip(b_panel.chunks_exact(NR)) {
        let (a, _) = T::as_simd::<S>(a);
        let (a0, a1) = (a[0], a[1]);
        for (acc, &b) in acc.iter_mut().zip(b) {
            let b = T::splat_reg(simd, b);
            acc[0] = T::mul_add_reg(simd, a0, b, acc[0]);
            acc[1] = T::mul_add_reg(simd, a1, b, acc[1]);
        }
    }
    acc
}

/// Adds the first `rows × cols` of a tile to `C` at `(i, j)`.
#[inline(always)]
fn store<S: Simd, T: Scalar>(
    tile: &[[T::Reg<S>; 2]; NR],
    c: &mut [T],
    ldc: usize,
    i: usize,
    j: usize,
    rows: usize,
    cols: usize,
) {
    for (jj, acc) in tile.iter().enumerate().take(cols) {
        let column = &mut c[(j + jj) * ldc + i..][..rows];
        let values: &[T] = bytemuck::cast_slice(acc.as_slice());
        for (c, v) in column.iter_mut().zip(values) {
            *c += *v;
        }
    }
}
