//! `flatten`: a fixed shape to a vector, Keras's `Flatten`.

use nalgebra::SVector;
use pulp::Simd;

#[cfg(feature = "std")]
use super::Mode;
use super::{Layer, LayerKind, NoGradient};
use crate::activation::Linear;
use crate::{Scalar, TensorInfo};

/// Keras's `Flatten` on `N` values: a sample of a fixed shape, `(steps, channels)` or `(height,
/// width, channels)`, becomes a vector of its `N` values in the channels-last order.
///
/// A sample of a fixed shape is already one flat vector in that order, so the layer is the
/// identity on its values: only the shape that `network!` infers after it changes (to a vector
/// of `N`). It has no tensors, and computes the same in training and at inference. Its trace is
/// `z = a = x`.
///
/// # Examples
///
/// ```
/// use nalgebra::SVector;
/// use nnet_core::layer::{Flatten, Layer, LayerKind};
///
/// // `input (2, 3); flatten;`: six values, as they were.
/// let x = SVector::<f32, 6>::from([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
/// assert_eq!(Flatten::<6>.forward_simd(pulp::Scalar::new(), &x), x);
/// assert_eq!(<Flatten<6> as Layer<6, 6>>::KIND, LayerKind::Flatten);
/// assert_eq!(<Flatten<6> as Layer<6, 6>>::TENSORS, 0);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flatten<const N: usize>;

impl<const N: usize> super::sealed::Sealed for Flatten<N> {}

impl<const N: usize, T: Scalar> Layer<N, N, T> for Flatten<N> {
    const KIND: LayerKind = LayerKind::Flatten;
    const TENSORS: usize = 0;
    const TRAINABLE: usize = 0;
    const NON_TRAINABLE: usize = 0;
    type Gradient = NoGradient;
    type Activation = Linear;

    fn tensor_info(_: usize) -> Option<TensorInfo> {
        None
    }
    fn tensor(&self, _: usize) -> &[T] {
        &[]
    }
    fn tensor_mut(&mut self, _: usize) -> &mut [T] {
        &mut []
    }

    #[inline(always)]
    fn activation(&self) -> &Linear {
        &Linear
    }

    #[inline(always)]
    fn forward_simd_into<V: Simd>(&self, _: V, x: &SVector<T, N>, a: &mut SVector<T, N>) {
        a.copy_from(x);
    }

    #[inline(always)]
    fn forward_simd<V: Simd>(&self, _: V, x: &SVector<T, N>) -> SVector<T, N> {
        *x
    }

    #[inline(always)]
    fn forward_trace_simd_into<V: Simd>(
        &self,
        _: V,
        x: &SVector<T, N>,
        z: &mut SVector<T, N>,
        a: &mut SVector<T, N>,
    ) {
        z.copy_from(x);
        a.copy_from(x);
    }

    #[inline(always)]
    fn backward_simd<V: Simd>(
        &self,
        _: V,
        _: &SVector<T, N>,
        _: &SVector<T, N>,
        delta: &SVector<T, N>,
        _: &mut NoGradient,
        dx: Option<&mut SVector<T, N>>,
    ) {
        if let Some(dx) = dx {
            dx.copy_from(delta);
        }
    }

    #[cfg(feature = "std")]
    fn forward_batch(&self, _: Mode<'_>, x: &[T], z: &mut [T], a: &mut [T], _: &mut NoGradient) {
        z.copy_from_slice(x);
        a.copy_from_slice(x);
    }

    #[cfg(feature = "std")]
    fn output_batch(&self, x: &[T], a: &mut [T]) {
        a.copy_from_slice(x);
    }

    #[cfg(feature = "std")]
    fn activation_backward_batch(&self, _: &[T], _: &[T], _: &mut [T]) {}

    #[cfg(feature = "std")]
    fn backward_batch(&self, _: &[T], _: &[T], delta: &[T], _: &mut NoGradient, dx: &mut [T]) {
        if !dx.is_empty() {
            dx.copy_from_slice(delta);
        }
    }
}
