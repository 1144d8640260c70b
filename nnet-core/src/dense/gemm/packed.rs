//! The hand-written kernel: `C += A B` with packed operands and a register-blocked micro-kernel,
//! SIMD chosen at run time.
//!
//! The layout follows GotoBLAS: the `k` dimension is cut into blocks of [`KC`], the rows of `A`
//! into blocks of [`MC`]; each block of `A` is packed into panels of `MR` rows, and `B` into
//! `KC × NR` panels (a column-major `B` one panel at a time, copies of its columns; any other
//! `B` [`NC`] columns at a time, along its rows), each staying in L1 while the panels of `A`
//! stream past it from L2, down the columns of `C`; the micro-kernel keeps an `MR × NR` tile of
//! `C` in registers. (A column-major `A` whose columns are at most 1 KiB apart is read in place
//! instead of packed when `C` has at most [`DIRECT_MAX_COLUMNS`] columns.) `MR`
//! is two SIMD registers: 16 `f32` or 8 `f64` with AVX2, under a tile of 6 columns (12
//! accumulators of the 16 registers), 32 `f32` or 16 `f64` with AVX-512, under a tile of 12
//! columns (24 accumulators of the 32 registers). The instruction set is picked at run time
//! ([`Level`]), so the library needs no special compiler flags. Every level sums each element of
//! `C` over `k` in the same blocks of [`KC`], one fused multiply-add per term from zero in the
//! order of `k`, and adds each block's sum to `C` (or, for the first block of a product that
//! starts from a bias, to the bias): all levels give the same bits. The kernel is written once
//! over [`Lanes`](crate::simd::Lanes), for `f32` and `f64`. Packing buffers are per thread and
//! of fixed size (the one that holds all of a shared `A` grows to the largest `A` up to
//! [`SHARED_A_MAX`]), so products allocate nothing after a thread's first of each element type.
//!
//! Measured (`cargo bench -p nnet-benches --bench peak`, 7 December, on a 2-core AVX-512 Xeon
//! whose FMA peak is ≈ 207 GFLOP/s per core; `BENCHMARKS.md`, "At the machine's peak"): the
//! AVX-512 tile's loop alone (a copy of it outside the workspace, on data in L1) runs at
//! ≈ 160 GFLOP/s per CPU-second (≈ 78 % of the peak); the whole `256 × 1024 × 256` product at
//! ≈ 110–120 (55–60 %) on a busy machine, the rest going to packing `B` (a `memmove` from
//! memory), loading `C` when a tile is added to it, and the panels of `A` coming from L2. A
//! profile of that product on one thread (`perf record -e cpu-clock`, 7 December, fourth
//! session): the tile loop ≈ 79 % of the samples, adding the tiles to `C` ≈ 6 % (mostly the
//! load of `C`), packing `B` ≈ 6 %, packing the shared `A` ≈ 1.4 %. Prefetching each tile's
//! columns of `C` before its loop, or the next panel's columns of `B` during a panel's tiles,
//! measured level, and was left out.

use std::cell::RefCell;

use pulp::{Simd, WithSimd};

use super::{Level, Start, Strided};
use crate::Scalar;

/// Depth of one block of the sum: a packed `MR × KC` panel of `A` stays in L1.
const KC: usize = 256;
/// Rows of `A` packed at once (a multiple of every `MR`): a packed `MC × KC` block stays in L2.
const MC: usize = 256;
/// Columns of the register tile with AVX2 (and without SIMD).
pub(super) const NR_NARROW: usize = 6;
/// Columns of the register tile with AVX-512.
pub(super) const NR_WIDE: usize = 12;
/// Columns of a `B` packed row by row at once (a multiple of both tiles' columns): a `KC × NC`
/// block, read along its rows.
const NC: usize = 21 * NR_WIDE;
/// Most columns of `C` for which a column-major `A` is read in place instead of packed (see
/// [`Kernel`]'s loop): training's `W X` on groups of 32 or 64 samples, not the wider products.
const DIRECT_MAX_COLUMNS: usize = 64;
/// Distance between the columns of a panel of `B` packed column by column: one cache line more
/// than [`KC`], so that the columns of a panel do not share the same sets of L1.
const LDB: usize = KC + 16;
thread_local! {
    /// Each thread's packing buffers for `A` and `B`, in `f64` words that hold either element
    /// type: grown to their fixed sizes on the thread's first product (of `f32`, then of
    /// `f64`), then reused, so that products allocate nothing after that.
    static PACKS: RefCell<(Vec<f64>, Vec<f64>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

thread_local! {
    /// The calling thread's buffer for all of `A` packed once for both threads of a product
    /// split in two ([`with_packed_a`]), grown to the largest such `A` and then reused.
    static SHARED_A: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
}

/// Largest `A` (in elements, padded to whole panels) packed once for both threads: 1 MiB of
/// `f32`, a 512 × 512 or 256 × 1,024 matrix. Larger ones are packed block by block by each
/// thread, so the buffer stays small.
const SHARED_A_MAX: usize = 1 << 18;

/// Runs `f` with all of `A` (`m × k`) packed for `level`, every block of [`KC`] columns and
/// [`MC`] rows in the layout each thread's [`serial`] would give it, so that the two threads of
/// a split product share one packing; with `None` when `A` is too large for that or this
/// thread's buffer is in use (a product that a thread waiting in `rayon::join` took up).
pub(super) fn with_packed_a<T: Scalar, R>(
    level: Level,
    m: usize,
    k: usize,
    a: Strided<'_, T>,
    f: impl FnOnce(Option<&[T]>) -> R,
) -> R {
    let mr = level.panel_rows::<T>();
    let len = m.div_ceil(mr) * mr * k;
    // A transposed `A` (`Wᵀ Δ`) is packed one element at a time: packed once on the calling
    // thread before the two start, it made training's `256 × 64 × 256` input gradient 1.4×
    // slower than each thread packing its own blocks at the same time, as before sharing.
    if len > SHARED_A_MAX || a.row_stride != 1 {
        return f(None);
    }
    SHARED_A.with(|cell| {
        let Ok(mut words) = cell.try_borrow_mut() else {
            return f(None);
        };
        let pack = buffer::<T>(&mut words, len);
        let op = PackA { m, k, a, pack };
        match level {
            #[cfg(target_arch = "x86_64")]
            Level::Wide(simd) => Simd::vectorize(simd, op),
            Level::Narrow => crate::simd::dispatch(op),
            Level::Scalar => Simd::vectorize(pulp::Scalar::new(), op),
        }
        f(Some(pack))
    })
}

/// All of `A` into `pack`: the block of rows `i0..` and columns `k0..` (`kc` of them) starts
/// at `k0 · m_pad + i0 · kc`, where `m_pad` is `m` rounded up to whole panels.
struct PackA<'a, 'p, T> {
    m: usize,
    k: usize,
    a: Strided<'a, T>,
    pack: &'p mut [T],
}

impl<T: Scalar> WithSimd for PackA<'_, '_, T> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) {
        let Self { m, k, a, pack } = self;
        let mr = 2 * T::lanes::<S>();
        let m_pad = m.div_ceil(mr) * mr;
        for k0 in (0..k).step_by(KC) {
            let kc = KC.min(k - k0);
            for i0 in (0..m).step_by(MC) {
                let mc = MC.min(m - i0);
                pack_a::<S, T>(&mut pack[k0 * m_pad + i0 * kc..], a, i0, mc, k0, kc);
            }
        }
    }
}

/// The first `len` elements of type `T` of `words`, grown to hold them if it is shorter.
fn buffer<T: bytemuck::Pod>(words: &mut Vec<f64>, len: usize) -> &mut [T] {
    let needed = (len * size_of::<T>()).div_ceil(size_of::<f64>());
    if words.len() < needed {
        words.resize(needed, 0.0);
    }
    &mut bytemuck::cast_slice_mut(&mut words[..needed])[..len]
}

/// `C = start + A B` on the calling thread (see [`Start`]), with `A` already packed by
/// [`with_packed_a`] if `a_packed`; `C` column-major, or stored row by row if `c_by_rows`
/// (element `(i, j)` at `c[i * n + j]`).
#[allow(clippy::too_many_arguments)]
pub(super) fn serial<T: Scalar>(
    level: Level,
    m: usize,
    n: usize,
    k: usize,
    a: Strided<'_, T>,
    a_packed: Option<&[T]>,
    b: Strided<'_, T>,
    start: Start<'_, T>,
    (c, c_by_rows): (&mut [T], bool),
) {
    PACKS.with_borrow_mut(|(a_words, b_words)| {
        let a_pack = buffer::<T>(a_words, MC * KC);
        let b_pack = buffer::<T>(b_words, (LDB * NR_WIDE).max(KC * NC));
        macro_rules! kernel {
            ($nr:expr) => {
                Kernel::<T, { $nr }> {
                    m,
                    n,
                    k,
                    a,
                    a_packed,
                    b,
                    start,
                    c,
                    c_by_rows,
                    a_pack,
                    b_pack,
                }
            };
        }
        match level {
            #[cfg(target_arch = "x86_64")]
            Level::Wide(simd) => Simd::vectorize(simd, kernel!(NR_WIDE)),
            Level::Narrow => crate::simd::dispatch(kernel!(NR_NARROW)),
            Level::Scalar => Simd::vectorize(pulp::Scalar::new(), kernel!(NR_NARROW)),
        }
    });
}

struct Kernel<'a, 'c, T, const NR: usize> {
    m: usize,
    n: usize,
    k: usize,
    a: Strided<'a, T>,
    a_packed: Option<&'a [T]>,
    b: Strided<'a, T>,
    start: Start<'a, T>,
    c: &'c mut [T],
    c_by_rows: bool,
    a_pack: &'c mut [T],
    b_pack: &'c mut [T],
}

impl<T: Scalar, const NR: usize> WithSimd for Kernel<'_, '_, T, NR> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let Self {
            m,
            n,
            k,
            a,
            a_packed,
            b,
            start,
            c,
            c_by_rows,
            a_pack,
            b_pack,
        } = self;
        let mr = 2 * T::lanes::<S>();
        // A column-major `B` is packed column by column (copies of contiguous runs), any other
        // row by row.
        let by_columns = b.row_stride == 1;
        // A column-major `A` of whole panels with columns at most 1 KiB apart is read where it
        // is, unpacked: its panels' columns are contiguous runs already, and packing it cost
        // more than it saved (a third of training's `W X` on 32 samples with 256 rows). Columns
        // further apart stay packed: 4 KiB apart (1,024 rows of `f32`), a panel's columns fall
        // into the same sets of L1 and the product took 1.3–1.7× the time of the packed one.
        // And only for a narrow `C` (at most `DIRECT_MAX_COLUMNS`), whose few panels of `B` do
        // not pay for packing `A`: each panel of `B` reads every panel of `A` again, and read in
        // place a panel's columns 1 KiB apart share 4 of the 64 sets of a 32 KiB L1 (AMD Zen 3),
        // so that `forward_batch`'s chunks of 256 samples (`256 × 256 × 256`) ran at 67–71
        // GFLOP/s per CPU-second in place against 77–83 packed (8 December, `peak --shapes`).
        let direct = a_packed.is_none()
            && n <= DIRECT_MAX_COLUMNS
            && a.row_stride == 1
            && m % mr == 0
            // (Columns at least a panel apart: the tile walks them in whole steps.)
            && (mr..=1024 / size_of::<T>()).contains(&a.col_stride);
        // A `B` packed column by column is packed one panel at a time, where the panel stays in
        // L1 while the panels of `A` stream past it from L2, down the columns of `C`; any other
        // `B` (`Xᵀ` of a weight gradient) a block of `NC` columns at a time, along its rows: one
        // panel at a time, its rows were short reads a row of `B` apart, in the same sets of L1
        // (1 KiB or more apart), and training's `Δ Xᵀ` took longer than at `1cb5ab3`, which
        // packed blocks.
        let nc = if by_columns { n } else { NC };
        for k0 in (0..k).step_by(KC) {
            let kc = KC.min(k - k0);
            // Only the first block of `k` starts from the bias or zero; the others add to `C`.
            let start = if k0 == 0 { start } else { Start::C };
            for j0 in (0..n).step_by(nc) {
                let nc = nc.min(n - j0);
                if !by_columns {
                    pack_b_rows::<T, NR>(b_pack, b, k0, kc, j0, nc);
                }
                for i0 in (0..m).step_by(MC) {
                    let mc = MC.min(m - i0);
                    let a_block: &[T] = match a_packed {
                        Some(packed) => &packed[k0 * m.div_ceil(mr) * mr + i0 * kc..],
                        None if direct => &[],
                        None => {
                            pack_a::<S, T>(a_pack, a, i0, mc, k0, kc);
                            a_pack
                        }
                    };
                    let a_block = &a_block[..if direct { 0 } else { mc.div_ceil(mr) * mr * kc }];
                    for j in (j0..j0 + nc).step_by(NR) {
                        let cols = NR.min(n - j);
                        if by_columns {
                            pack_b_columns::<T, NR>(b_pack, b, k0, kc, j, cols);
                        }
                        let q = (j - j0) / NR;
                        for p in 0..mc.div_ceil(mr) {
                            let i = i0 + p * mr;
                            // Panel `p` of `A`, its columns `a_step` apart.
                            let (a_panel, a_step) = if direct {
                                let panel = &a.data[i + k0 * a.col_stride..];
                                (&panel[..(kc - 1) * a.col_stride + mr], a.col_stride)
                            } else {
                                (&a_block[p * mr * kc..(p + 1) * mr * kc], mr)
                            };
                            let tile = if by_columns {
                                let b_panel = &b_pack[..NR * LDB];
                                tile_by_columns::<S, T, NR>(
                                    simd,
                                    (a_panel, a_step),
                                    b_panel,
                                    mr,
                                    kc,
                                )
                            } else {
                                let b_rows = &b_pack[q * kc * NR..(q + 1) * kc * NR];
                                tile_by_rows::<S, T, NR>(simd, (a_panel, a_step), b_rows, mr)
                            };
                            let to = Tile {
                                ldc: if c_by_rows { n } else { m },
                                by_rows: c_by_rows,
                                i,
                                j,
                                rows: mr.min(m - i),
                                cols,
                            };
                            store::<S, T, NR>(simd, &tile, c, to, start);
                        }
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

/// Rows `k0..k0 + kc` of the `cols` columns of a column-major `B` from `first` on as one panel
/// of `NR` columns, each `kc` contiguous values, the next `LDB` further on (copies of `B`'s
/// runs); columns past `cols` are zero.
#[inline(always)]
fn pack_b_columns<T: Scalar, const NR: usize>(
    panel: &mut [T],
    b: Strided<'_, T>,
    k0: usize,
    kc: usize,
    first: usize,
    cols: usize,
) {
    for (jj, column) in panel.chunks_exact_mut(LDB).take(NR).enumerate() {
        let column = &mut column[..kc];
        if jj < cols {
            column.copy_from_slice(&b.data[k0 + (first + jj) * b.col_stride..][..kc]);
        } else {
            column.fill(T::zero());
        }
    }
}

/// Rows `k0..k0 + kc` of the `cols` columns of `B` from `first` on as panels of `NR` columns,
/// each `kc` rows of `NR` values (panel `q` at `q · kc · NR`); columns past `cols` are zero.
/// Reads `B`'s rows as runs of `cols` values where they are contiguous.
#[inline(always)]
fn pack_b_rows<T: Scalar, const NR: usize>(
    pack: &mut [T],
    b: Strided<'_, T>,
    k0: usize,
    kc: usize,
    first: usize,
    cols: usize,
) {
    let panels = cols.div_ceil(NR);
    let pack = &mut pack[..panels * kc * NR];
    if b.col_stride == 1 {
        // Row `kk` of panel `q` at `q · kc + kk`, moved as arrays of `NR` (not through memcpy).
        let (pack_rows, _) = pack.as_chunks_mut::<NR>();
        for kk in 0..kc {
            let row = &b.data[(k0 + kk) * b.row_stride + first..][..cols];
            let (runs, rest) = row.as_chunks::<NR>();
            let mut to = pack_rows.iter_mut().skip(kk).step_by(kc);
            // `runs` first: `zip` stops on it without taking a row from `to`.
            for (run, to) in runs.iter().zip(&mut to) {
                *to = *run;
            }
            if let Some(to) = to.next() {
                for (jj, slot) in to.iter_mut().enumerate() {
                    *slot = rest.get(jj).copied().unwrap_or(T::zero());
                }
            }
        }
    } else {
        for (q, panel) in pack.chunks_exact_mut(kc * NR).enumerate() {
            for (kk, row) in panel.chunks_exact_mut(NR).enumerate() {
                for (jj, slot) in row.iter_mut().enumerate() {
                    let j = q * NR + jj;
                    *slot = if j < cols {
                        b.data[(k0 + kk) * b.row_stride + (first + j) * b.col_stride]
                    } else {
                        T::zero()
                    };
                }
            }
        }
    }
}

/// The `mr × NR` product of a panel of `A` (`mr` rows, each column `a_step` values after the
/// one before: packed, or in place) and a panel of `B` packed row by row, in registers.
#[inline(always)]
fn tile_by_rows<S: Simd, T: Scalar, const NR: usize>(
    simd: S,
    (a_panel, a_step): (&[T], usize),
    b_panel: &[T],
    mr: usize,
) -> [[T::Reg<S>; 2]; NR] {
    let zero = T::splat_reg(simd, T::zero());
    let mut acc = [[zero; 2]; NR];
    // A macro, not a closure: the compiler left a closure as a call per column.
    macro_rules! step {
        ($a:expr, $b:expr) => {{
            let (a, _) = T::as_simd::<S>(&$a[..mr]);
            let (a0, a1) = (a[0], a[1]);
            for (acc, &b) in acc.iter_mut().zip($b) {
                let b = T::splat_reg(simd, b);
                acc[0] = T::mul_add_reg(simd, a0, b, acc[0]);
                acc[1] = T::mul_add_reg(simd, a1, b, acc[1]);
            }
        }};
    }
    // All columns but the last in whole steps of `a_step` (no bounds check per column: the
    // last one of a panel read in place may end where `A` does), then the last.
    let (b_rows, _) = b_panel.as_chunks::<NR>();
    let Some((b_last, b_body)) = b_rows.split_last() else {
        return acc;
    };
    let (a_body, a_last) = a_panel.split_at(b_body.len() * a_step);
    for (a, b) in a_body.chunks_exact(a_step).zip(b_body) {
        step!(a, b);
    }
    step!(a_last, b_last);
    acc
}

/// The `mr × NR` product of a panel of `A` (`kc` columns, as in [`tile_by_rows`]) and a panel
/// of `B` packed column by column, in registers: the same sums in the same order as
/// [`tile_by_rows`].
#[inline(always)]
fn tile_by_columns<S: Simd, T: Scalar, const NR: usize>(
    simd: S,
    (a_panel, a_step): (&[T], usize),
    b_panel: &[T],
    mr: usize,
    kc: usize,
) -> [[T::Reg<S>; 2]; NR] {
    let zero = T::splat_reg(simd, T::zero());
    let mut acc = [[zero; 2]; NR];
    let kc = kc.min(KC);
    if kc == 0 {
        return acc;
    }
    let b_panel = &b_panel[..NR * LDB];
    // As in `tile_by_rows`, a macro.
    macro_rules! step {
        ($l:expr, $a:expr) => {{
            let (a, _) = T::as_simd::<S>(&$a[..mr]);
            let (a0, a1) = (a[0], a[1]);
            for (jj, acc) in acc.iter_mut().enumerate() {
                let b = T::splat_reg(simd, b_panel[jj * LDB + $l]);
                acc[0] = T::mul_add_reg(simd, a0, b, acc[0]);
                acc[1] = T::mul_add_reg(simd, a1, b, acc[1]);
            }
        }};
    }
    // As in `tile_by_rows`: whole steps, then the last column.
    let (a_body, a_last) = a_panel.split_at((kc - 1) * a_step);
    for (l, a) in (0..kc - 1).zip(a_body.chunks_exact(a_step)) {
        step!(l, a);
    }
    step!(kc - 1, a_last);
    acc
}

/// Where a tile goes in `C`: its first row and column, how many of its rows and columns are in
/// `C`, and `C`'s leading dimension (between columns, or between rows if `by_rows`).
#[derive(Clone, Copy)]
struct Tile {
    ldc: usize,
    by_rows: bool,
    i: usize,
    j: usize,
    rows: usize,
    cols: usize,
}

/// Adds the first `rows × cols` of a tile to what `start` says at `(i, j)` (`C` there, the rows
/// `i..` of a bias, or zero) and writes the sums to `C`: whole registers at a time when the tile
/// has all its rows and `C` is column-major, else value by value.
#[inline(always)]
fn store<S: Simd, T: Scalar, const NR: usize>(
    simd: S,
    tile: &[[T::Reg<S>; 2]; NR],
    c: &mut [T],
    to: Tile,
    start: Start<'_, T>,
) {
    let Tile {
        ldc,
        by_rows,
        i,
        j,
        rows,
        cols,
    } = to;
    let mr = 2 * T::lanes::<S>();
    // What the sum of row `r` of the tile adds to, `c` being its element of `C`.
    let from = |c: T, r: usize| match start {
        Start::C => c,
        Start::Bias(bias) => bias[i + r],
        Start::Zero => T::zero(),
    };
    if by_rows {
        // Row `r` of the tile is lane `r` of each column's registers: `cols` values in a row of
        // `C`, each from another register.
        let values: &[T] = bytemuck::cast_slice(tile.as_slice());
        for r in 0..rows {
            let row = &mut c[(i + r) * ldc + j..][..cols];
            for (jj, c) in row.iter_mut().enumerate() {
                *c = from(*c, r) + values[jj * mr + r];
            }
        }
        return;
    }
    for (jj, acc) in tile.iter().enumerate().take(cols) {
        let column = &mut c[(j + jj) * ldc + i..][..rows];
        if rows == mr {
            let (to, _) = T::as_mut_simd::<S>(column);
            let zero = T::splat_reg(simd, T::zero());
            let from = match start {
                Start::C => [to[0], to[1]],
                Start::Bias(bias) => {
                    let (bias, _) = T::as_simd::<S>(&bias[i..i + rows]);
                    [bias[0], bias[1]]
                }
                Start::Zero => [zero, zero],
            };
            to[0] = T::add_reg(simd, from[0], acc[0]);
            to[1] = T::add_reg(simd, from[1], acc[1]);
        } else {
            let values: &[T] = bytemuck::cast_slice(acc.as_slice());
            for (r, (c, v)) in column.iter_mut().zip(values).enumerate() {
                *c = from(*c, r) + *v;
            }
        }
    }
}
