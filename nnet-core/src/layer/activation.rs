//! `activation ACT`: an activation on its own, `a = act(x)`.

use nalgebra::SVector;
use pulp::Simd;

#[cfg(feature = "std")]
use super::Mode;
use super::{Layer, LayerKind, NoGradient};
use crate::activation::Activation;
use crate::{Scalar, TensorInfo};

/// A layer that only applies an activation: `a = act(x)`, Keras's `Activation`.
///
/// # Examples
///
/// ```
/// use nnet_core::{activation::Relu, layer::{ActivationLayer, Layer}};
///
/// let layer = ActivationLayer::<2, Relu>::new(Relu);
/// let mut a = [0.0; 4];
/// layer.output_batch(&[-1.0, 2.0, 3.0, -4.0], &mut a);
/// assert_eq!(a, [0.0, 2.0, 3.0, 0.0]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ActivationLayer<const N: usize, A> {
    /// The activation.
    pub activation: A,
}

impl<const N: usize, A> ActivationLayer<N, A> {
    /// The layer of `activation`.
    pub const fn new(activation: A) -> Self {
        Self { activation }
    }
}

impl<const N: usize, A> super::sealed::Sealed for ActivationLayer<N, A> {}

impl<const N: usize, T: Scalar, A: Activation<T>> Layer<N, N, T> for ActivationLayer<N, A> {
    const KIND: LayerKind = LayerKind::Activation;
    const TENSORS: usize = 0;
    const TRAINABLE: usize = 0;
    const NON_TRAINABLE: usize = 0;
    type Gradient = NoGradient;
    type Activation = A;

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
    fn activation(&self) -> &A {
        &self.activation
    }

    #[inline(always)]
    fn forward_simd_into<V: Simd>(&self, _: V, x: &SVector<T, N>, a: &mut SVector<T, N>) {
        a.as_mut_slice().copy_from_slice(x.as_slice());
        self.activation.activate(a.as_mut_slice());
    }

    #[inline(always)]
    fn forward_simd<V: Simd>(&self, _: V, x: &SVector<T, N>) -> SVector<T, N> {
        let mut a = *x;
        self.activation.activate(a.as_mut_slice());
        a
    }

    #[inline(always)]
    fn forward_trace_simd_into<V: Simd>(
        &self,
        _: V,
        x: &SVector<T, N>,
        z: &mut SVector<T, N>,
        a: &mut SVector<T, N>,
    ) {
        z.as_mut_slice().copy_from_slice(x.as_slice());
        a.as_mut_slice().copy_from_slice(x.as_slice());
        self.activation.activate(a.as_mut_slice());
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
            dx.as_mut_slice().copy_from_slice(delta.as_slice());
        }
    }

    #[cfg(feature = "std")]
    fn forward_batch(&self, _: Mode<'_>, x: &[T], z: &mut [T], a: &mut [T], _: &mut NoGradient) {
        z.copy_from_slice(x);
        self.output_batch(x, a);
    }

    #[cfg(feature = "std")]
    fn output_batch(&self, x: &[T], a: &mut [T]) {
        a.copy_from_slice(x);
        for column in a.chunks_exact_mut(N) {
            self.activation.activate(column);
        }
    }

    #[cfg(feature = "std")]
    fn backward_batch(&self, _: &[T], _: &[T], delta: &[T], _: &mut NoGradient, dx: &mut [T]) {
        if !dx.is_empty() {
            dx.copy_from_slice(delta);
        }
    }
}
