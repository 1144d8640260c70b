//! The patches of a batch (im2col): each output position's window of inputs as one column of
//! `K` values, so that a convolution of one group over a batch is one matrix product with its
//! kernel, `Z = W · patches`, through the packed kernel dense layers use; and the way back,
//! adding a column of `∂L/∂patch` into `∂L/∂x` where the patch was read.
//!
//! The patches of a large batch would be `K · positions · batch` values; they are formed a
//! chunk of columns at a time in a per-thread buffer of fixed size (taken out of the thread's
//! slot while in use, so that a product that waits on another thread never finds it borrowed),
//! so batches allocate nothing after a thread's first.

use std::cell::Cell;

use super::geometry::{Geometry, for_each_tap};
use crate::Scalar;

/// Values of patches formed at once: 256 KiB of `f32`, within L2 beside the kernel.
const CHUNK_VALUES: usize = 1 << 16;

thread_local! {
    /// Each thread's buffer for the patches and their gradient, in `f64` words that hold
    /// either element type.
    static SCRATCH: Cell<Vec<f64>> = const { Cell::new(Vec::new()) };
}

/// Columns of `k` values per chunk.
pub(super) fn chunk_columns(k: usize) -> usize {
    (CHUNK_VALUES / k.max(1)).max(1)
}

/// Runs `f` with two buffers of `len` values of `T` each (contents unspecified), from this
/// thread's scratch.
pub(super) fn with_buffers<T: Scalar, R>(len: usize, f: impl FnOnce(&mut [T], &mut [T]) -> R) -> R {
    let mut words = SCRATCH.take();
    let needed = (2 * len * size_of::<T>()).div_ceil(size_of::<f64>());
    if words.len() < needed {
        words.resize(needed, 0.0);
    }
    let values: &mut [T] = bytemuck::cast_slice_mut(&mut words[..needed]);
    let (a, b) = values[..2 * len].split_at_mut(len);
    let result = f(a, b);
    SCRATCH.set(words);
    result
}

/// The patches of columns `columns` of a batch `x` (`inputs` values per sample; column `j` is
/// position `j % positions` of sample `j / positions`) into `patches`, `k` values each: tap
/// `t`'s channels at `t · channels`, zeros where the tap reads padding.
pub(super) fn gather<T: Scalar>(
    geo: &Geometry,
    inputs: usize,
    x: &[T],
    columns: core::ops::Range<usize>,
    k: usize,
    patches: &mut [T],
) {
    let c = geo.channels;
    for (j, patch) in columns.zip(patches.chunks_exact_mut(k)) {
        let sample = &x[(j / geo.positions) * inputs..][..inputs];
        patch.fill(T::zero());
        for_each_tap!(geo, j % geo.positions, |tap, offset| {
            patch[tap * c..(tap + 1) * c].copy_from_slice(&sample[offset..offset + c]);
        });
    }
}

/// The way back of [`gather`]: each column of `patches` added into `dx` where it was read.
pub(super) fn scatter<T: Scalar>(
    geo: &Geometry,
    inputs: usize,
    patches: &[T],
    columns: core::ops::Range<usize>,
    k: usize,
    dx: &mut [T],
) {
    let c = geo.channels;
    for (j, patch) in columns.zip(patches.chunks_exact(k)) {
        let sample = &mut dx[(j / geo.positions) * inputs..][..inputs];
        for_each_tap!(geo, j % geo.positions, |tap, offset| {
            let from = &patch[tap * c..(tap + 1) * c];
            for (d, &p) in sample[offset..offset + c].iter_mut().zip(from) {
                *d += p;
            }
        });
    }
}
