//! The hand-written kernel: `C += A B` with packed operands and a register-blocked micro-kernel,
//! SIMD chosen at run time.
//!
//! The layout follows GotoBLAS: the `k` dimension is cut into blocks of [`KC`], the rows of `A`
//! into blocks of [`MC`]; each block of `A` is packed into panels of `MR` rows, each `KC × NR`
//! block of `B` into a panel, so the micro-kernel reads both contiguously from L1 while it keeps
//! an `MR × NR` tile of `C` in registers. `MR` is two SIMD registers (16 floats with AVX2); the
//! instruction set is picked at run time by [`pulp`], so the library needs no special
//! compiler flags. Packing buffers are per thread and of fixed size, so products allocate
//! nothing after a thread's first.

use std::cell::RefCell;

use pulp::{Simd, WithSimd};

use super::Strided;

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
    /// Each thread's packing buffers for `A` and `B`: allocated at their fixed sizes on the
    /// thread's first product, then reused, so that products allocate nothing after that.
    static PACKS: RefCell<(Vec<f32>, Vec<f32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// `C += A B` on the calling thread.
pub(super) fn serial(m: usize, n: usize, k: usize, a: Strided<'_>, b: Strided<'_>, c: &mut [f32]) {
    PACKS.with_borrow_mut(|(a_pack, b_pack)| {
        a_pack.resize(MC * KC, 0.0);
        b_pack.resize(KC * NC, 0.0);
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

struct Kernel<'a, 'c> {
    m: usize,
    n: usize,
    k: usize,
    a: Strided<'a>,
    b: Strided<'a>,
    c: &'c mut [f32],
    a_pack: &'c mut [f32],
    b_pack: &'c mut [f32],
}

impl WithSimd for Kernel<'_, '_> {
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
        let mr = 2 * S::F32_LANES;
        for k0 in (0..k).step_by(KC) {
            let kc = KC.min(k - k0);
            pack_b(b_pack, b, k0, kc, n);
            for i0 in (0..m).step_by(MC) {
                let mc = MC.min(m - i0);
                pack_a::<S>(a_pack, a, i0, mc, k0, kc);
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
                        let tile = tile::<S>(simd, a_panel, b_panel, mr);
                        store::<S>(&tile, c, m, i, j, mr.min(m - i), cols);
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
fn pack_a<S: Simd>(pack: &mut [f32], a: Strided<'_>, i0: usize, mc: usize, k0: usize, kc: usize) {
    let mr = 2 * S::F32_LANES;
    let panels = pack[..mc.div_ceil(mr) * mr * kc].chunks_exact_mut(mr * kc);
    for (p, panel) in panels.enumerate() {
        let first = i0 + p * mr;
        let rows = mr.min(mc - p * mr);
        if a.row_stride == 1 {
            for (kk, column) in panel.chunks_exact_mut(mr).enumerate() {
                let start = first + (k0 + kk) * a.col_stride;
                if rows == mr {
                    // Two registers' worth: moved as such, not through a call to memcpy.
                    let (from, _) = S::as_simd_f32s(&a.data[start..start + mr]);
                    let (to, _) = S::as_mut_simd_f32s(column);
                    (to[0], to[1]) = (from[0], from[1]);
                } else {
                    column[..rows].copy_from_slice(&a.data[start..start + rows]);
                    column[rows..].fill(0.0);
                }
            }
        } else {
            panel.fill(0.0);
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
fn pack_b(pack: &mut [f32], b: Strided<'_>, k0: usize, kc: usize, n: usize) {
    let panels = pack[..n.div_ceil(NR) * NR * kc].chunks_exact_mut(NR * kc);
    for (p, panel) in panels.enumerate() {
        let first = p * NR;
        let cols = NR.min(n - first);
        if b.row_stride == 1 {
            if cols < NR {
                panel.fill(0.0);
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
                        0.0
                    };
                }
            }
        }
    }
}

/// The `mr × NR` product of a packed panel of `A` and a packed panel of `B`, in registers.
#[inline(always)]
fn tile<S: Simd>(simd: S, a_panel: &[f32], b_panel: &[f32], mr: usize) -> [[S::f32s; 2]; NR] {
    let zero = simd.splat_f32s(0.0);
    let mut acc = [[zero; 2]; NR];
    for (a, b) in a_panel.chunks_exact(mr).zip(b_panel.chunks_exact(NR)) {
        let (a, _) = S::as_simd_f32s(a);
        let (a0, a1) = (a[0], a[1]);
        for (acc, &b) in acc.iter_mut().zip(b) {
            let b = simd.splat_f32s(b);
            acc[0] = simd.mul_add_f32s(a0, b, acc[0]);
            acc[1] = simd.mul_add_f32s(a1, b, acc[1]);
        }
    }
    acc
}

/// Adds the first `rows × cols` of a tile to `C` at `(i, j)`.
#[inline(always)]
fn store<S: Simd>(
    tile: &[[S::f32s; 2]; NR],
    c: &mut [f32],
    ldc: usize,
    i: usize,
    j: usize,
    rows: usize,
    cols: usize,
) {
    for (jj, acc) in tile.iter().enumerate().take(cols) {
        let column = &mut c[(j + jj) * ldc + i..][..rows];
        let values: &[f32] = bytemuck::cast_slice(acc.as_slice());
        for (c, v) in column.iter_mut().zip(values) {
            *c += v;
        }
    }
}
