//! Matrix–matrix products for the dense layer's batches: `C += A B`, split over two threads for large products.
//!
//! Threads split the columns of `C`, never the sum, and each column's sum is computed in the same
//! order whatever the split, so results are the same bits on one thread or two.
//!
//! Two kernels compute the product: the hand-written one in [`packed`] (what the library uses),
//! and nalgebra's `gemm` on strided views, which calls the `matrixmultiply` crate (kept for the
//! benchmark that compares them, `cargo bench -p nnet-benches --bench gemm`, behind the hidden
//! feature `matrixmultiply`: it needs nalgebra's `std` feature, which would compile the `wide`
//! and `matrixmultiply` crates into every build of nnet for nothing). See [`Kernel`] for why.
//!
//! The packed kernel runs at the best instruction set of the CPU, detected once ([`Level`]):
//! AVX-512 where there is (this product is the only user of AVX-512 in the library), else
//! AVX2 and FMA, else scalar code. Every level gives the same bits, so a product can be moved
//! to another level for speed alone (a transposed `A` stays at AVX2, see [`level_for`]), and
//! tests and benchmarks can force one ([`force_gemm_level`]).
//!
//! A dense layer's input gradient `Wᵀ Δ` is computed as `Δᵀ W` written row by row
//! ([`gemm_rows`]): no transposed packing of `W`, and the best level. Training's groups of
//! samples run their products on their own thread (`on_this_thread`).
//!
//! A dense layer's batched forward pass calls [`gemm_bias_then`]: the product starts from the
//! bias (no pass that fills `C` with it first) and each thread applies the activation to its
//! own columns as soon as its half of the product is done. How fast the kernel runs against the
//! machine's FMA peak, per level and on one thread and two, is what `cargo bench -p
//! nnet-benches --bench peak` prints (in GFLOP/s per CPU-second; `BENCHMARKS.md`, "At the
//! machine's peak": 55–59 % at AVX-512, 68–72 % at AVX2 on 7 December's busy machine).

mod packed;

use std::cell::Cell;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU8, Ordering};

#[cfg(feature = "matrixmultiply")]
use nalgebra::{Dyn, MatrixView, MatrixViewMut};

use crate::Scalar;

/// Columns of `C` from which the two threads of a split product share one packing of `A`
/// (packed by the calling thread before both start). Below it each thread packs `A` itself, in
/// parallel: at 256 columns sharing made `Δ Xᵀ` of a batch of 64 with 256 × 256 weights take
/// 108–116 µs against 61–62 µs (7 December, quiet machine); the 1,024-column product of
/// `forward_batch_levels` is level either way.
const SHARED_A_MIN_COLUMNS: usize = 512;

/// Products of at least this many multiply-adds are split over two threads.
pub(crate) const PARALLEL_MIN: usize = 1 << 20;

thread_local! {
    /// Whether this thread's products run on it alone ([`on_this_thread`]).
    static ALONE: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with every product it makes on this thread computed on this thread alone, never
/// split over two: for work already spread over the threads at a coarser grain, where splitting
/// each product again would only add joins — sample-parallel inference ([`crate::batch`]), each
/// thread running the whole network on its own slice of the batch, and training's groups of
/// samples, each on a thread of its own. Same bits either way (threads split the columns or rows
/// of `C`, never the sum).
pub(crate) fn on_this_thread<R>(f: impl FnOnce() -> R) -> R {
    /// Puts the flag back as it was, also when `f` panics.
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            ALONE.set(self.0);
        }
    }
    let _restore = Restore(ALONE.replace(true));
    f()
}

/// An instruction set of the matrix–matrix product, by name: for tests and benchmarks that
/// force one ([`force_gemm_level`]). All give the same bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GemmLevel {
    /// No SIMD: pulp's scalar code (one lane, fused multiply-adds in software where needed).
    Scalar,
    /// The instruction set of the rest of the library (`crate::simd::dispatch`): AVX2 and FMA
    /// where the CPU has them.
    Narrow,
    /// AVX-512 (pulp's `V4`): the matrix–matrix product only.
    Wide,
}

/// An instruction set of the product, with the proof that this CPU has it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Level {
    Scalar,
    Narrow,
    #[cfg(target_arch = "x86_64")]
    Wide(pulp::x86::V4),
}

impl Level {
    /// `level` if this CPU has it.
    fn of(level: GemmLevel) -> Option<Self> {
        match level {
            GemmLevel::Scalar => Some(Self::Scalar),
            GemmLevel::Narrow => Some(Self::Narrow),
            #[cfg(target_arch = "x86_64")]
            GemmLevel::Wide => pulp::x86::V4::try_new().map(Self::Wide),
            #[cfg(not(target_arch = "x86_64"))]
            GemmLevel::Wide => None,
        }
    }

    /// Rows of this level's register tile (and of a packed panel of `A`) in `T`: two registers.
    fn panel_rows<T: Scalar>(self) -> usize {
        struct Rows<T>(core::marker::PhantomData<T>);
        impl<T: Scalar> pulp::WithSimd for Rows<T> {
            type Output = usize;
            #[inline(always)]
            fn with_simd<S: pulp::Simd>(self, _: S) -> usize {
                2 * T::lanes::<S>()
            }
        }
        let rows = Rows::<T>(core::marker::PhantomData);
        match self {
            #[cfg(target_arch = "x86_64")]
            Self::Wide(simd) => pulp::Simd::vectorize(simd, rows),
            Self::Narrow => crate::simd::dispatch(rows),
            Self::Scalar => pulp::Simd::vectorize(pulp::Scalar::new(), rows),
        }
    }

    /// Columns of this level's register tile.
    fn tile_columns(self) -> usize {
        match self {
            #[cfg(target_arch = "x86_64")]
            Self::Wide(_) => packed::NR_WIDE,
            _ => packed::NR_NARROW,
        }
    }
}

/// The best level of this CPU, detected once.
static BEST: LazyLock<Level> =
    LazyLock::new(|| Level::of(GemmLevel::Wide).unwrap_or(Level::Narrow));

/// The level forced by [`force_gemm_level`]: 0 for none, else 1 + the index of a [`GemmLevel`].
static FORCED: AtomicU8 = AtomicU8::new(0);

/// The levels of the product this CPU has, from the slowest.
///
/// # Examples
///
/// ```
/// use nnet_core::__private::{GemmLevel, gemm_levels};
///
/// assert_eq!(gemm_levels()[..2], [GemmLevel::Scalar, GemmLevel::Narrow]);
/// ```
pub fn gemm_levels() -> Vec<GemmLevel> {
    [GemmLevel::Scalar, GemmLevel::Narrow, GemmLevel::Wide]
        .into_iter()
        .filter(|&level| Level::of(level).is_some())
        .collect()
}

/// Makes every later product of this process use `level` (`None`: the best this CPU has), for
/// tests and benchmarks that compare the levels; returns `false`, and changes nothing, if this
/// CPU lacks `level`. All levels give the same bits, so products running meanwhile on other
/// threads are not affected but in speed.
///
/// # Examples
///
/// ```
/// use nnet_core::__private::{GemmLevel, force_gemm_level};
///
/// assert!(force_gemm_level(Some(GemmLevel::Narrow)));
/// assert!(force_gemm_level(None));
/// ```
pub fn force_gemm_level(level: Option<GemmLevel>) -> bool {
    let code = match level {
        None => 0,
        Some(level) if Level::of(level).is_none() => return false,
        Some(GemmLevel::Scalar) => 1,
        Some(GemmLevel::Narrow) => 2,
        Some(GemmLevel::Wide) => 3,
    };
    FORCED.store(code, Ordering::Relaxed);
    true
}

/// The level for a product with this `A`: the forced one, else the best, except that a
/// transposed `A` (`Wᵀ Δ`), packed one element at a time and into AVX-512's 32-row panels that
/// took up to 4× the time of AVX2's 16-row ones (`gemm/w256/input_grad_64`), stays at AVX2.
/// Same bits either way.
fn level_for<T: Scalar>(a: Strided<'_, T>) -> Level {
    match current_level() {
        #[cfg(target_arch = "x86_64")]
        Level::Wide(_) if a.row_stride != 1 && FORCED.load(Ordering::Relaxed) == 0 => Level::Narrow,
        level => level,
    }
}

/// The level products use now: the forced one, else the best.
fn current_level() -> Level {
    let forced = match FORCED.load(Ordering::Relaxed) {
        1 => Level::of(GemmLevel::Scalar),
        2 => Level::of(GemmLevel::Narrow),
        3 => Level::of(GemmLevel::Wide),
        _ => None,
    };
    forced.unwrap_or(*BEST)
}

/// Which kernel computes a product. Both give the same bits.
///
/// The library uses [`Packed`](Self::Packed): the `matrixmultiply` crate allocates its packing
/// buffer on every call, which would break the guarantee that steady-state training and
/// `forward_batch_with` allocate nothing, and nalgebra 0.35 reads and writes out of bounds on
/// strided views with a dimension of 5 or less (dimforge/nalgebra#1616). On this project's AVX2
/// machine the two measured within about 10 % of each other, except `Wᵀ Δ`, where
/// matrixmultiply was 1.5× faster (`BENCHMARKS.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// The hand-written packed kernel of this crate.
    Packed,
    /// nalgebra's `gemm` on strided views, which calls `matrixmultiply::sgemm`: only with the
    /// hidden feature `matrixmultiply` (nalgebra's `std`), which the benchmark switches on.
    #[cfg(feature = "matrixmultiply")]
    Matrixmultiply,
}

/// A read-only strided matrix: element `(i, j)` is `data[i * row_stride + j * col_stride]`.
#[derive(Clone, Copy, Debug)]
pub struct Strided<'a, T = f32> {
    pub(crate) data: &'a [T],
    pub(crate) row_stride: usize,
    pub(crate) col_stride: usize,
}

impl<'a, T: Scalar> Strided<'a, T> {
    /// A column-major matrix with `rows` rows.
    pub(crate) fn col_major(data: &'a [T], rows: usize) -> Self {
        Self {
            data,
            row_stride: 1,
            col_stride: rows,
        }
    }

    /// The transpose of a column-major matrix with `rows` rows.
    pub(crate) fn transposed(data: &'a [T], rows: usize) -> Self {
        Self {
            data,
            row_stride: rows,
            col_stride: 1,
        }
    }

    #[cfg(test)]
    fn at(&self, i: usize, j: usize) -> T {
        self.data[i * self.row_stride + j * self.col_stride]
    }

    /// The matrix as a nalgebra view of `rows × cols`.
    ///
    /// # Panics
    ///
    /// If the data is too short for that shape.
    #[cfg(feature = "matrixmultiply")]
    fn view(self, rows: usize, cols: usize) -> MatrixView<'a, T, Dyn, Dyn, Dyn, Dyn> {
        MatrixView::from_slice_with_strides_generic(
            self.data,
            Dyn(rows),
            Dyn(cols),
            Dyn(self.row_stride),
            Dyn(self.col_stride),
        )
    }

    /// The matrix from row `i` on.
    pub(crate) fn skip_rows(self, i: usize) -> Self {
        Self {
            data: &self.data[(i * self.row_stride).min(self.data.len())..],
            ..self
        }
    }

    /// The matrix from column `j` on.
    pub(crate) fn skip_cols(self, j: usize) -> Self {
        Self {
            data: &self.data[(j * self.col_stride).min(self.data.len())..],
            ..self
        }
    }
}

/// `C += A B` where `A` is `m × k`, `B` is `k × n` and `C` is column-major `m × n` with
/// leading dimension `m`.
pub(crate) fn gemm<T: Scalar>(
    m: usize,
    n: usize,
    k: usize,
    a: Strided<'_, T>,
    b: Strided<'_, T>,
    c: &mut [T],
) {
    split(Kernel::Packed, level_for(a), m, n, k, a, b, c);
}

/// `C = bias 1ᵀ + A B` (`bias` has `m` values: the same bits as filling each column of `C`
/// with it and adding `A B`), then `then(columns of C, the same columns of extra)` on the
/// thread that computed them: a layer's activation on the columns still in that core's cache,
/// on both threads of a split product. `extra` is empty or holds `m × n` values.
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemm_bias_then<T: Scalar>(
    m: usize,
    n: usize,
    k: usize,
    a: Strided<'_, T>,
    b: Strided<'_, T>,
    bias: &[T],
    c: &mut [T],
    extra: &mut [T],
    then: &(impl Fn(&mut [T], &mut [T]) + Sync),
) {
    let level = level_for(a);
    let product = Product { m, n, k, a, b };
    split_then(
        Kernel::Packed,
        level,
        product,
        Start::Bias(bias),
        c,
        extra,
        then,
    );
}

/// `C = A B` into a `C` stored row by row (element `(i, j)` at `c[i * n + j]`, the layout of
/// the column-major `Cᵀ`), from zero: the bits of zeroing `C` and adding the product. A dense
/// layer's `∂L/∂X = Wᵀ Δ` is computed as its transpose `Δᵀ W`: `Aᵀ` (`Δ`, `OUT` values per
/// sample, packed into panels of samples) is then a batch's width instead of a layer's whole
/// weight matrix, and `B` (`W`) is packed by contiguous runs; each element's sum has the same
/// terms in the same order as `Wᵀ Δ`'s, hence the same bits. Runs at the best level (unlike
/// [`gemm`] with a transposed `A`) and splits the rows of `C` (the samples) between two
/// threads for large products.
pub(crate) fn gemm_rows<T: Scalar>(
    m: usize,
    n: usize,
    k: usize,
    a: Strided<'_, T>,
    b: Strided<'_, T>,
    c: &mut [T],
) {
    split_rows(current_level(), Product { m, n, k, a, b }, c);
}

/// [`gemm_rows`] at `level`: the rows of `C` in two parts on two threads for large products,
/// else on this one.
fn split_rows<T: Scalar>(level: Level, product: Product<'_, T>, c: &mut [T]) {
    let Product { m, n, k, a, .. } = product;
    if m == 0 || n == 0 {
        return;
    }
    let c = &mut c[..m * n];
    let mr = level.panel_rows::<T>();
    if m * n * k >= PARALLEL_MIN && m > mr && !ALONE.get() {
        // The top rows a multiple of the panels, so that both parts keep whole panels.
        let top = (m / 2).div_ceil(mr) * mr;
        let (c_top, c_bottom) = c.split_at_mut(top * n);
        let first = Product { m: top, ..product };
        let second = Product {
            m: m - top,
            a: a.skip_rows(top),
            ..product
        };
        let one = || {
            serial_from(
                Kernel::Packed,
                level,
                first,
                None,
                Start::Zero,
                (c_top, true),
            )
        };
        let two = || {
            serial_from(
                Kernel::Packed,
                level,
                second,
                None,
                Start::Zero,
                (c_bottom, true),
            );
        };
        #[cfg(feature = "parallel")]
        rayon::join(one, two);
        #[cfg(not(feature = "parallel"))]
        {
            let (mut one, mut two) = (one, two);
            one();
            two();
        }
    } else {
        serial_from(Kernel::Packed, level, product, None, Start::Zero, (c, true));
    }
}

/// `gemm` with the chosen kernel, for the benchmark that compares them: `A` is `m × k` with
/// element `(i, l)` at `a[i * a_strides.0 + l * a_strides.1]`, `B` likewise, `C` column-major.
///
/// # Panics
///
/// If a slice is too short for its shape and strides.
#[allow(clippy::too_many_arguments)]
pub fn gemm_with<T: Scalar>(
    kernel: Kernel,
    (m, n, k): (usize, usize, usize),
    a: &[T],
    a_strides: (usize, usize),
    b: &[T],
    b_strides: (usize, usize),
    c: &mut [T],
) {
    let strided = |data, (row_stride, col_stride)| Strided {
        data,
        row_stride,
        col_stride,
    };
    assert!(c.len() >= m * n, "C holds {} of {m} × {n} values", c.len());
    let a = strided(a, a_strides);
    split(kernel, level_for(a), m, n, k, a, strided(b, b_strides), c);
}

/// What a product's sums are added to: `C` as it is (`C += A B`), a bias of one value per row
/// of `C` (`C = bias 1ᵀ + A B`: the bits of filling `C` with it first), or zero (`C = A B`:
/// the bits of zeroing `C` first).
#[derive(Clone, Copy)]
pub(crate) enum Start<'a, T> {
    C,
    Bias(&'a [T]),
    Zero,
}

/// The operands of a product `A B`: `A` is `m × k`, `B` is `k × n`.
#[derive(Clone, Copy)]
struct Product<'a, T> {
    m: usize,
    n: usize,
    k: usize,
    a: Strided<'a, T>,
    b: Strided<'a, T>,
}

/// `C += A B`, split as [`split_then`] does.
#[allow(clippy::too_many_arguments)]
fn split<T: Scalar>(
    kernel: Kernel,
    level: Level,
    m: usize,
    n: usize,
    k: usize,
    a: Strided<'_, T>,
    b: Strided<'_, T>,
    c: &mut [T],
) {
    let product = Product { m, n, k, a, b };
    split_then(kernel, level, product, Start::C, c, &mut [], &|_, _| ());
}

/// The columns of `C` (and of `extra`, unless empty) in two halves on two threads for large
/// products, else on this one; `then` on each part once its product is done.
fn split_then<T: Scalar>(
    kernel: Kernel,
    level: Level,
    product: Product<'_, T>,
    start: Start<'_, T>,
    c: &mut [T],
    extra: &mut [T],
    then: &(impl Fn(&mut [T], &mut [T]) + Sync),
) {
    let Product { m, n, k, a, b } = product;
    if m == 0 || n == 0 {
        return;
    }
    debug_assert!(c.len() >= m * n);
    let c = &mut c[..m * n];
    let extra = if extra.is_empty() {
        extra
    } else {
        &mut extra[..m * n]
    };
    // Columns of the kernel's register tile: the left half is a multiple of it, so that both
    // halves keep whole tiles.
    let tile = match kernel {
        Kernel::Packed => level.tile_columns(),
        #[cfg(feature = "matrixmultiply")]
        Kernel::Matrixmultiply => 8,
    };
    if m * n * k >= PARALLEL_MIN && n >= 2 * tile && !ALONE.get() {
        let left = (n / 2).div_ceil(tile) * tile;
        let (c_left, c_right) = c.split_at_mut(left * m);
        let (e_left, e_right) = extra.split_at_mut(if extra.is_empty() { 0 } else { left * m });
        let halves = move |packed: Option<&[T]>| {
            let right = b.skip_cols(left);
            let first = Product { n: left, ..product };
            let second = Product {
                n: n - left,
                b: right,
                ..product
            };
            let one = || {
                serial_from(kernel, level, first, packed, start, (c_left, false));
                then(c_left, e_left);
            };
            let two = || {
                serial_from(kernel, level, second, packed, start, (c_right, false));
                then(c_right, e_right);
            };
            #[cfg(feature = "parallel")]
            rayon::join(one, two);
            #[cfg(not(feature = "parallel"))]
            {
                let (mut one, mut two) = (one, two);
                one();
                two();
            }
        };
        match kernel {
            // Both threads read the same packing of `A` when each has enough columns to pay
            // for the calling thread packing all of it before they start: with a batch of 64
            // (training's `W X`), each thread packing its own blocks at the same time was
            // faster.
            Kernel::Packed if n >= SHARED_A_MIN_COLUMNS => {
                packed::with_packed_a(level, m, k, a, halves)
            }
            Kernel::Packed => {
                let mut halves = halves;
                halves(None)
            }
            #[cfg(feature = "matrixmultiply")]
            Kernel::Matrixmultiply => {
                let mut halves = halves;
                halves(None)
            }
        }
    } else {
        serial_from(kernel, level, product, None, start, (c, false));
        then(c, extra);
    }
}

/// `C += A B` on the calling thread (`A` packed already if `a_packed`, for `Packed`).
#[cfg(test)]
#[allow(clippy::too_many_arguments)]
fn serial<T: Scalar>(
    kernel: Kernel,
    level: Level,
    m: usize,
    n: usize,
    k: usize,
    a: Strided<'_, T>,
    a_packed: Option<&[T]>,
    b: Strided<'_, T>,
    c: &mut [T],
) {
    let product = Product { m, n, k, a, b };
    serial_from(kernel, level, product, a_packed, Start::C, (c, false));
}

/// `C = start + A B` on the calling thread (`A` packed already if `a_packed`, for `Packed`):
/// `C` column-major, or stored row by row if `c_by_rows` (`Packed` only).
fn serial_from<T: Scalar>(
    kernel: Kernel,
    level: Level,
    product: Product<'_, T>,
    a_packed: Option<&[T]>,
    start: Start<'_, T>,
    (c, c_by_rows): (&mut [T], bool),
) {
    let Product { m, n, k, a, b } = product;
    if k == 0 {
        for (i, row) in c[..m * n]
            .chunks_exact_mut(if c_by_rows { n } else { 1 })
            .enumerate()
        {
            let i = if c_by_rows { i } else { i % m };
            match start {
                Start::C => {}
                Start::Bias(bias) => row.fill(bias[i]),
                Start::Zero => row.fill(T::zero()),
            }
        }
        return;
    }
    match kernel {
        Kernel::Packed => packed::serial(level, m, n, k, a, a_packed, b, start, (c, c_by_rows)),
        // nalgebra 0.35 hands products with a dimension of 5 or less to its own column-by-column
        // code, whose `axcpy` reads and writes past the ends of strided vectors (it takes the
        // length of the strided slice for the number of elements): those stay with `packed`.
        #[cfg(feature = "matrixmultiply")]
        Kernel::Matrixmultiply if m.min(n).min(k) <= 5 || c_by_rows => {
            packed::serial(level, m, n, k, a, None, b, start, (c, c_by_rows))
        }
        #[cfg(feature = "matrixmultiply")]
        Kernel::Matrixmultiply => {
            let _ = a_packed;
            for column in c[..m * n].chunks_exact_mut(m) {
                match start {
                    Start::C => {}
                    Start::Bias(bias) => column.copy_from_slice(&bias[..m]),
                    Start::Zero => column.fill(T::zero()),
                }
            }
            let mut c = MatrixViewMut::from_slice_generic(&mut c[..m * n], Dyn(m), Dyn(n));
            c.gemm(T::one(), &a.view(m, k), &b.view(k, n), T::one());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kernels of this build.
    const KERNELS: &[Kernel] = &[
        Kernel::Packed,
        #[cfg(feature = "matrixmultiply")]
        Kernel::Matrixmultiply,
    ];

    /// The levels of this CPU.
    fn levels() -> Vec<Level> {
        gemm_levels().into_iter().filter_map(Level::of).collect()
    }

    /// `C += A B` by the definition, in f64.
    fn reference(m: usize, n: usize, k: usize, a: Strided<'_>, b: Strided<'_>, c: &mut [f32]) {
        for j in 0..n {
            for i in 0..m {
                let sum: f64 = (0..k)
                    .map(|l| f64::from(a.at(i, l)) * f64::from(b.at(l, j)))
                    .sum();
                c[j * m + i] += sum as f32;
            }
        }
    }

    fn values(len: usize, seed: usize) -> Vec<f32> {
        (0..len)
            .map(|i| (((i * 7919 + seed * 104_729) % 1000) as f32 - 500.0) / 250.0)
            .collect()
    }

    #[test]
    fn matches_the_definition_for_every_layout_and_ragged_shape() {
        for &(m, n, k) in &[
            (1, 1, 1),
            (17, 5, 3),
            (33, 13, 300),
            (20, 300, 40),
            (64, 64, 64),
            (70, 7, 2),
            // Read unpacked at every level, over three blocks of `k`.
            (64, 40, 600),
            // The same `A` packed: wider than what is read unpacked.
            (64, 65, 600),
        ] {
            let a_data = values(m * k, 1);
            let b_data = values(k * n, 2);
            for (a, b) in [
                (
                    Strided::col_major(&a_data, m),
                    Strided::col_major(&b_data, k),
                ),
                (
                    Strided::transposed(&a_data, k),
                    Strided::transposed(&b_data, n),
                ),
            ] {
                let mut want = values(m * n, 3);
                reference(m, n, k, a, b, &mut want);
                for &kernel in KERNELS {
                    for level in levels() {
                        let mut got = values(m * n, 3);
                        split(kernel, level, m, n, k, a, b, &mut got);
                        for (g, w) in got.iter().zip(&want) {
                            assert!(
                                (g - w).abs() <= 1e-4 * (1.0 + w.abs()),
                                "{kernel:?} {level:?} {m}x{n}x{k}: {g} {w}"
                            );
                        }
                    }
                }
            }
        }
    }

    /// The `f64` product (the same packed kernel, in `f64` lanes) against the definition, for
    /// every layout and ragged shapes, on one thread and two.
    #[test]
    fn f64_matches_the_definition() {
        let values64 = |len, seed| -> Vec<f64> {
            values(len, seed)
                .into_iter()
                .map(|v| f64::from(v) / 3.0)
                .collect()
        };
        for &(m, n, k) in &[
            (1, 1, 1),
            (17, 5, 3),
            (33, 13, 300),
            (70, 7, 2),
            (130, 101, 300),
        ] {
            let (a_data, b_data) = (values64(m * k, 1), values64(k * n, 2));
            for (a, b) in [
                (
                    Strided::col_major(&a_data, m),
                    Strided::col_major(&b_data, k),
                ),
                (
                    Strided::transposed(&a_data, k),
                    Strided::transposed(&b_data, n),
                ),
            ] {
                let mut want = values64(m * n, 3);
                for j in 0..n {
                    for i in 0..m {
                        want[j * m + i] += (0..k).map(|l| a.at(i, l) * b.at(l, j)).sum::<f64>();
                    }
                }
                let mut got = values64(m * n, 3);
                gemm(m, n, k, a, b, &mut got);
                for (g, w) in got.iter().zip(&want) {
                    assert!(
                        (g - w).abs() <= 1e-12 * (1.0 + w.abs()),
                        "{m}x{n}x{k}: {g} {w}"
                    );
                }
                for level in levels() {
                    let mut one = values64(m * n, 3);
                    serial(Kernel::Packed, level, m, n, k, a, None, b, &mut one);
                    assert_eq!(got, one, "{m}x{n}x{k}: two threads, one thread, {level:?}");
                }
            }
        }
    }

    #[cfg(feature = "matrixmultiply")]
    #[test]
    fn both_kernels_give_the_same_bits() {
        // Both sum each element over `k` in blocks of 256, one fused multiply-add per term from
        // zero, and add each block's sum to `C`.
        for &(m, n, k) in &[(64, 64, 64), (33, 13, 300), (256, 70, 600)] {
            let (a_data, b_data) = (values(m * k, 6), values(k * n, 7));
            let (a, b) = (
                Strided::col_major(&a_data, m),
                Strided::transposed(&b_data, n),
            );
            let mut packed = values(m * n, 8);
            let mut other = packed.clone();
            serial(Kernel::Packed, *BEST, m, n, k, a, None, b, &mut packed);
            serial(
                Kernel::Matrixmultiply,
                *BEST,
                m,
                n,
                k,
                a,
                None,
                b,
                &mut other,
            );
            assert_eq!(packed, other, "{m}x{n}x{k}");
        }
    }

    #[test]
    fn two_threads_give_the_same_bits_as_one() {
        // Ragged: the right half ends in a partial register tile of either kernel.
        let (m, n, k) = (130, 101, 300);
        assert!(m * n * k >= PARALLEL_MIN);
        let (a_data, b_data) = (values(m * k, 4), values(k * n, 5));
        for (a, b) in [
            (
                Strided::col_major(&a_data, m),
                Strided::col_major(&b_data, k),
            ),
            (
                Strided::transposed(&a_data, k),
                Strided::transposed(&b_data, n),
            ),
        ] {
            for &kernel in KERNELS {
                for level in levels() {
                    let mut two = vec![0.0; m * n];
                    split(kernel, level, m, n, k, a, b, &mut two);
                    let mut one = vec![0.0; m * n];
                    serial(kernel, level, m, n, k, a, None, b, &mut one);
                    assert_eq!(two, one, "{kernel:?} {level:?}");
                }
            }
        }
    }

    /// Every level of this CPU gives the bits of the scalar level, in `f32` and `f64`, for every
    /// layout of both operands, ragged shapes (partial tiles of each level, more than one block
    /// of `k`, of rows and of packed columns) and a split over two threads.
    #[test]
    fn every_level_gives_the_same_bits() {
        fn check<T: Scalar + std::fmt::Debug>(value: impl Fn(f32) -> T) {
            let values =
                |len, seed| -> Vec<T> { values(len, seed).into_iter().map(&value).collect() };
            for &(m, n, k) in &[
                (1, 1, 1),
                (17, 5, 3),
                (33, 13, 300),
                (70, 25, 2),
                (256, 64, 256),
                (64, 40, 600),
                // A column-major `A` read in place up to 64 columns of `C`, packed from 65.
                (64, 65, 300),
                (32, 200, 40),
                (300, 530, 70),
                (48, 1100, 20),
            ] {
                let (a_data, b_data) = (values(m * k, 9), values(k * n, 10));
                let a_layouts = [
                    Strided::col_major(&a_data, m),
                    Strided::transposed(&a_data, k),
                ];
                let b_layouts = [
                    Strided::col_major(&b_data, k),
                    Strided::transposed(&b_data, n),
                ];
                for a in a_layouts {
                    for b in b_layouts {
                        let mut scalar = values(m * n, 11);
                        serial(
                            Kernel::Packed,
                            Level::Scalar,
                            m,
                            n,
                            k,
                            a,
                            None,
                            b,
                            &mut scalar,
                        );
                        for level in levels() {
                            let mut got = values(m * n, 11);
                            split(Kernel::Packed, level, m, n, k, a, b, &mut got);
                            assert!(
                                got == scalar,
                                "{level:?} {m}x{n}x{k}, A rows {} apart, B rows {} apart",
                                a.row_stride,
                                b.row_stride
                            );
                        }
                    }
                }
            }
        }
        check(|v| v);
        check(|v| f64::from(v) / 3.0);
    }

    /// `C = A B` stored row by row gives the bits of zeroing the column-major `Cᵀ` and adding
    /// `Bᵀ Aᵀ` to it at the scalar level (what a dense layer's `Wᵀ Δ` computed), at every
    /// level, on one thread and two (rows split between them), for ragged shapes and more
    /// than one block of `k`, in `f32` and `f64`; with `k = 0`, zeros.
    #[test]
    fn a_product_by_rows_gives_the_bits_of_the_transposed_product() {
        fn check<T: Scalar + std::fmt::Debug>(value: impl Fn(f32) -> T) {
            let values =
                |len, seed| -> Vec<T> { values(len, seed).into_iter().map(&value).collect() };
            // (m, n, k): m samples, n inputs, k outputs of a layer.
            for &(m, n, k) in &[
                (1, 1, 1),
                (5, 17, 3),
                (32, 256, 256),
                (33, 70, 300),
                (64, 130, 200),
                (100, 40, 20),
                (7, 9, 0),
            ] {
                // Δ: k × m column-major; W: k × n column-major.
                let (delta, w) = (values(k * m, 15), values(k * n, 16));
                let mut want = vec![T::zero(); n * m];
                serial(
                    Kernel::Packed,
                    Level::Scalar,
                    n,
                    m,
                    k,
                    Strided::transposed(&w, k),
                    None,
                    Strided::col_major(&delta, k),
                    &mut want,
                );
                let product = Product {
                    m,
                    n,
                    k,
                    a: Strided::transposed(&delta, k),
                    b: Strided::col_major(&w, k),
                };
                for level in levels() {
                    let mut got = values(m * n, 17);
                    split_rows(level, product, &mut got);
                    assert!(got == want, "{level:?} {m}x{n}x{k}");
                    let mut one = values(m * n, 17);
                    on_this_thread(|| split_rows(level, product, &mut one));
                    assert!(one == want, "{level:?} {m}x{n}x{k}, one thread");
                }
            }
        }
        check(|v| v);
        check(|v| f64::from(v) / 3.0);
    }

    /// Starting from a bias gives the bits of filling each column of `C` with it and adding
    /// the product, at every level, on one thread and two, with more than one block of `k`;
    /// `then` sees each column of `C` and of `extra` once, after its product.
    #[test]
    fn a_bias_start_gives_the_bits_of_a_filled_c() {
        for &(m, n, k) in &[(17, 5, 3), (33, 13, 300), (256, 70, 600), (130, 101, 300)] {
            let (a_data, b_data, bias) = (values(m * k, 12), values(k * n, 13), values(m, 14));
            let (a, b) = (
                Strided::col_major(&a_data, m),
                Strided::col_major(&b_data, k),
            );
            for level in levels() {
                let mut filled: Vec<f32> = bias.iter().copied().cycle().take(m * n).collect();
                split(Kernel::Packed, level, m, n, k, a, b, &mut filled);
                let mut got = vec![f32::NAN; m * n];
                let mut extra = vec![0.0; m * n];
                let product = Product { m, n, k, a, b };
                let then = |c: &mut [f32], e: &mut [f32]| {
                    assert_eq!(c.len(), e.len());
                    assert_eq!(c.len() % m, 0);
                    for (e, c) in e.iter_mut().zip(c.iter()) {
                        *e += 1.0 + c;
                    }
                };
                split_then(
                    Kernel::Packed,
                    level,
                    product,
                    Start::Bias(&bias),
                    &mut got,
                    &mut extra,
                    &then,
                );
                assert_eq!(got, filled, "{level:?} {m}x{n}x{k}");
                let want: Vec<f32> = filled.iter().map(|c| 1.0 + c).collect();
                assert_eq!(extra, want, "{level:?} {m}x{n}x{k}");
            }
        }
    }
}
