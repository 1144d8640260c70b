//! Where a layer's weight matrix lives: inline in the network, or on the heap.
//!
//! Small networks keep their weights inline, so a network is one flat value that can live on
//! the stack or in a `static`. Large layers keep them in a [`HeapMatrix`], so that constructing,
//! cloning or moving a network with 1024-wide layers never puts megabytes on the stack.
//! `network!` picks the storage of each layer; code that uses a layer sees a matrix either way
//! through [`MatrixStorage`].
//!
//! Vectors follow the same rule: a layer of more than [`INLINE_UNITS`] units keeps its bias (and
//! its network's trace, gradient and deltas) in a [`HeapVector`], so that no function frame
//! holds a vector of 65,536 floats (256 KiB) by value.

use nalgebra::SMatrix;

use crate::Scalar;
#[cfg(feature = "std")]
use nalgebra::SVector;

/// Vectors of more than this many floats (4 KiB) are kept on the heap by generated networks
/// and by the generic code that works with them: the limit of `nnet-kinds`, which the macro
/// reads too.
pub use nnet_kinds::INLINE_UNITS;

/// Storage of an `R × C` matrix of `f32`.
///
/// # Examples
///
/// ```
/// use nalgebra::SMatrix;
/// use nnet_core::storage::{HeapMatrix, MatrixStorage};
///
/// let inline = <SMatrix<f32, 2, 3> as MatrixStorage<2, 3>>::zeroed();
/// let heap = HeapMatrix::<2, 3>::zeroed();
/// assert_eq!(inline.matrix(), heap.matrix());
/// ```
pub trait MatrixStorage<const R: usize, const C: usize>:
    Clone + core::fmt::Debug + PartialEq + Send + Sync + 'static
{
    /// The number type of the matrix.
    type Scalar: Scalar;

    /// A matrix of zeros, built in place (never as a temporary on the stack for heap storage).
    fn zeroed() -> Self;
    /// The matrix.
    fn matrix(&self) -> &SMatrix<Self::Scalar, R, C>;
    /// The matrix, mutably.
    fn matrix_mut(&mut self) -> &mut SMatrix<Self::Scalar, R, C>;
}

impl<const R: usize, const C: usize, T: Scalar> MatrixStorage<R, C> for SMatrix<T, R, C> {
    type Scalar = T;

    #[inline]
    fn zeroed() -> Self {
        SMatrix::zeros()
    }
    #[inline]
    fn matrix(&self) -> &SMatrix<T, R, C> {
        self
    }
    #[inline]
    fn matrix_mut(&mut self) -> &mut SMatrix<T, R, C> {
        self
    }
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
/// An `R × C` matrix of `f32` on the heap, allocated zeroed in place and cloned element by
/// element, so no step needs the matrix's size in stack space.
///
/// Dereferences to the nalgebra matrix.
///
/// # Examples
///
/// ```
/// use nnet_core::storage::{HeapMatrix, MatrixStorage};
///
/// // 4 MiB: more than a debug-build test thread's stack.
/// let mut big = HeapMatrix::<1024, 1024>::zeroed();
/// big[(3, 4)] = 1.5;
/// let copy = big.clone();
/// assert_eq!(copy[(3, 4)], 1.5);
/// ```
pub struct HeapMatrix<const R: usize, const C: usize, T: Scalar = f32>(Box<SMatrix<T, R, C>>);

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
/// An `N`-vector of `f32` on the heap: a [`HeapMatrix`] of one column.
///
/// # Examples
///
/// ```
/// use nnet_core::storage::{HeapVector, MatrixStorage};
///
/// let mut v = HeapVector::<65536>::zeroed();
/// v[65535] = 2.0;
/// assert_eq!(v.sum(), 2.0);
/// ```
pub type HeapVector<const N: usize, T = f32> = HeapMatrix<N, 1, T>;

#[cfg(feature = "std")]
impl<const R: usize, const C: usize, T: Scalar> HeapMatrix<R, C, T> {
    /// The matrix, moved out of its box (to return it by value where an API must).
    pub fn into_inner(self) -> SMatrix<T, R, C> {
        *self.0
    }
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
/// Runs `f` on a zeroed `N`-vector: on the stack for up to [`INLINE_UNITS`] floats, on the heap
/// beyond, so that generic code never holds a large vector in its own frame.
///
/// # Examples
///
/// ```
/// use nnet_core::storage::with_zeroed_vector;
///
/// let sum = with_zeroed_vector::<65536, _>(|v| {
///     v.fill(0.5);
///     v.sum()
/// });
/// assert_eq!(sum, 32768.0);
/// ```
#[inline]
pub fn with_zeroed_vector<const N: usize, R>(f: impl FnOnce(&mut SVector<f32, N>) -> R) -> R {
    with_zeroed_vector_of(f)
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
/// [`with_zeroed_vector`] for any [`Scalar`].
///
/// # Examples
///
/// ```
/// let sum = nnet_core::storage::with_zeroed_vector_of::<4, _, f64>(|v| {
///     v.fill(0.25);
///     v.sum()
/// });
/// assert_eq!(sum, 1.0_f64);
/// ```
#[inline]
pub fn with_zeroed_vector_of<const N: usize, R, T: Scalar>(
    f: impl FnOnce(&mut SVector<T, N>) -> R,
) -> R {
    if N > INLINE_UNITS {
        let mut v = HeapVector::<N, T>::zeroed();
        f(v.matrix_mut())
    } else {
        with_inline_vector(f)
    }
}

#[cfg(feature = "std")]
/// The inline half of [`with_zeroed_vector`], in a frame of its own: debug builds reserve stack
/// for every local of a function, even one on a branch never taken.
#[inline]
fn with_inline_vector<const N: usize, R, T: Scalar>(f: impl FnOnce(&mut SVector<T, N>) -> R) -> R {
    let mut v = SVector::zeros();
    f(&mut v)
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
/// A vector that `f` fills from zeros, returned by value: built on the heap beyond
/// [`INLINE_UNITS`] floats and moved out once, so that only the caller's slot holds it (in debug
/// builds, nalgebra's `SVector::zeros()` alone needs four times the vector's size of stack).
///
/// # Examples
///
/// ```
/// use nnet_core::storage::vector_with;
///
/// let v = vector_with::<3>(|v| v[1] = 2.0);
/// assert_eq!(v, nalgebra::vector![0.0, 2.0, 0.0]);
/// ```
#[inline]
pub fn vector_with<const N: usize>(f: impl FnOnce(&mut SVector<f32, N>)) -> SVector<f32, N> {
    vector_with_of(f)
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
/// [`vector_with`] for any [`Scalar`].
///
/// # Examples
///
/// ```
/// let v = nnet_core::storage::vector_with_of::<2, f64>(|v| v[0] = 0.5);
/// assert_eq!(v, nalgebra::vector![0.5_f64, 0.0]);
/// ```
#[inline]
pub fn vector_with_of<const N: usize, T: Scalar>(
    f: impl FnOnce(&mut SVector<T, N>),
) -> SVector<T, N> {
    if N > INLINE_UNITS {
        heap_vector_with(f)
    } else {
        inline_vector_with(f)
    }
}

#[cfg(feature = "std")]
fn heap_vector_with<const N: usize, T: Scalar>(
    f: impl FnOnce(&mut SVector<T, N>),
) -> SVector<T, N> {
    let mut v = HeapVector::<N, T>::zeroed();
    f(v.matrix_mut());
    v.into_inner()
}

#[cfg(feature = "std")]
#[inline]
fn inline_vector_with<const N: usize, T: Scalar>(
    f: impl FnOnce(&mut SVector<T, N>),
) -> SVector<T, N> {
    let mut v = SVector::zeros();
    f(&mut v);
    v
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
/// `n` zero vectors, allocated zeroed in place (never through a vector on the stack).
///
/// # Examples
///
/// ```
/// let vs = nnet_core::storage::zeroed_vectors::<65536>(3);
/// assert_eq!(vs.len(), 3);
/// assert_eq!(vs[2][65535], 0.0);
/// ```
pub fn zeroed_vectors<const N: usize>(n: usize) -> Vec<SVector<f32, N>> {
    bytemuck::zeroed_vec(n)
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
/// [`zeroed_vectors`] of any [`Scalar`]: `n` zero vectors of `T`, allocated zeroed in place.
///
/// # Examples
///
/// ```
/// let vs = nnet_core::storage::zeroed_vectors_of::<4, f64>(2);
/// assert_eq!(vs[1][3], 0.0_f64);
/// ```
pub fn zeroed_vectors_of<const N: usize, T: Scalar>(n: usize) -> Vec<SVector<T, N>> {
    bytemuck::zeroed_vec(n)
}

#[cfg(feature = "std")]
impl<const R: usize, const C: usize, T: Scalar> MatrixStorage<R, C> for HeapMatrix<R, C, T> {
    type Scalar = T;

    fn zeroed() -> Self {
        Self(bytemuck::zeroed_box())
    }
    #[inline]
    fn matrix(&self) -> &SMatrix<T, R, C> {
        &self.0
    }
    #[inline]
    fn matrix_mut(&mut self) -> &mut SMatrix<T, R, C> {
        &mut self.0
    }
}

#[cfg(feature = "std")]
impl<const R: usize, const C: usize, T: Scalar> Clone for HeapMatrix<R, C, T> {
    fn clone(&self) -> Self {
        let mut copy = Self::zeroed();
        copy.0.as_mut_slice().copy_from_slice(self.0.as_slice());
        copy
    }

    fn clone_from(&mut self, source: &Self) {
        self.0.as_mut_slice().copy_from_slice(source.0.as_slice());
    }
}

#[cfg(feature = "std")]
impl<const R: usize, const C: usize, T: Scalar> core::fmt::Debug for HeapMatrix<R, C, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(&*self.0, f)
    }
}

#[cfg(feature = "std")]
impl<const R: usize, const C: usize, T: Scalar> PartialEq for HeapMatrix<R, C, T> {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_slice() == other.0.as_slice()
    }
}

#[cfg(feature = "std")]
impl<const R: usize, const C: usize, T: Scalar> core::ops::Deref for HeapMatrix<R, C, T> {
    type Target = SMatrix<T, R, C>;
    #[inline]
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

#[cfg(feature = "std")]
impl<const R: usize, const C: usize, T: Scalar> core::ops::DerefMut for HeapMatrix<R, C, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}
