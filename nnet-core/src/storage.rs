//! Where a layer's weight matrix lives: inline in the network, or on the heap.
//!
//! Small networks keep their weights inline, so a network is one flat value that can live on
//! the stack or in a `static`. Large layers keep them in a [`HeapMatrix`], so that constructing,
//! cloning or moving a network with 1024-wide layers never puts megabytes on the stack.
//! `network!` picks the storage of each layer; code that uses a layer sees a matrix either way
//! through [`MatrixStorage`].

use nalgebra::SMatrix;

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
    /// A matrix of zeros, built in place (never as a temporary on the stack for heap storage).
    fn zeroed() -> Self;
    /// The matrix.
    fn matrix(&self) -> &SMatrix<f32, R, C>;
    /// The matrix, mutably.
    fn matrix_mut(&mut self) -> &mut SMatrix<f32, R, C>;
}

impl<const R: usize, const C: usize> MatrixStorage<R, C> for SMatrix<f32, R, C> {
    #[inline]
    fn zeroed() -> Self {
        SMatrix::zeros()
    }
    #[inline]
    fn matrix(&self) -> &SMatrix<f32, R, C> {
        self
    }
    #[inline]
    fn matrix_mut(&mut self) -> &mut SMatrix<f32, R, C> {
        self
    }
}

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
pub struct HeapMatrix<const R: usize, const C: usize>(Box<SMatrix<f32, R, C>>);

impl<const R: usize, const C: usize> MatrixStorage<R, C> for HeapMatrix<R, C> {
    fn zeroed() -> Self {
        Self(bytemuck::zeroed_box())
    }
    #[inline]
    fn matrix(&self) -> &SMatrix<f32, R, C> {
        &self.0
    }
    #[inline]
    fn matrix_mut(&mut self) -> &mut SMatrix<f32, R, C> {
        &mut self.0
    }
}

impl<const R: usize, const C: usize> Clone for HeapMatrix<R, C> {
    fn clone(&self) -> Self {
        let mut copy = Self::zeroed();
        copy.0.as_mut_slice().copy_from_slice(self.0.as_slice());
        copy
    }

    fn clone_from(&mut self, source: &Self) {
        self.0.as_mut_slice().copy_from_slice(source.0.as_slice());
    }
}

impl<const R: usize, const C: usize> core::fmt::Debug for HeapMatrix<R, C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(&*self.0, f)
    }
}

impl<const R: usize, const C: usize> PartialEq for HeapMatrix<R, C> {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_slice() == other.0.as_slice()
    }
}

impl<const R: usize, const C: usize> core::ops::Deref for HeapMatrix<R, C> {
    type Target = SMatrix<f32, R, C>;
    #[inline]
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<const R: usize, const C: usize> core::ops::DerefMut for HeapMatrix<R, C> {
    #[inline]
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}
