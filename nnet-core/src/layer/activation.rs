//! `activation ACT`: an activation on its own, `a = act(x)`.

use nalgebra::SVector;
use pulp::Simd;

#[cfg(feature = "std")]
use super::Mode;
use super::{Layer, LayerKind, NoGradient};
use crate::TensorInfo;
use crate::activation::Activation;

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

impl<const N: usize, A: Activation> ActivationLayer<N, A> {
    /// The layer of `activation`.
    pub const fn new(activation: A) -> Self {
        Self { activation }
    }
}

impl<const N: usize, A: Activation> Layer<N, N> for ActivationLayer<N, A> {
    const KIND: LayerKind = LayerKind::Activation;
    const TENSORS: usize = 0;
    const TRAINABLE: usize = 0;
    const NON_TRAINABLE: usize = 0;
    type Gradient = NoGradient;
    type Activation = A;

    fn tensor_info(_: usize) -> Option<TensorInfo> {
        None
    }
    fn tensor(&self, _: usize) -> &[f32] {
        &[]
    }
    fn tensor_mut(&mut self, _: usize) -> &mut [f32] {
        &mut []
    }

    #[inline(always)]
    fn activation(&self) -> &A {
        &self.activation
    }

    #[inline(always)]
    fn forward_simd_into<V: Simd>(&self, _: V, x: &SVector<f32, N>, a: &mut SVector<f32, N>) {
        a.as_mut_slice().copy_from_slice(x.as_slice());
        self.activation.activate(a.as_mut_slice());
    }

    #[inline(always)]
    fn forward_simd<V: Simd>(&self, _: V, x: &SVector<f32, N>) -> SVector<f32, N> {
        let mut a = *x;
        self.activation.activate(a.as_mut_slice());
        a
    }

    #[inline(always)]
    fn forward_trace_simd_into<V: Simd>(
        &self,
        _: V,
        x: &SVector<f32, N>,
        z: &mut SVector<f32, N>,
        a: &mut SVector<f32, N>,
    ) {
        z.as_mut_slice().copy_from_slice(x.as_slice());
        a.as_mut_slice().copy_from_slice(x.as_slice());
        self.activation.activate(a.as_mut_slice());
    }

    #[inline(always)]
    fn backward_simd<V: Simd>(
        &self,
        _: V,
        _: &SVector<f32, N>,
        _: &SVector<f32, N>,
        delta: &SVector<f32, N>,
        _: &mut NoGradient,
        dx: Option<&mut SVector<f32, N>>,
    ) {
        if let Some(dx) = dx {
            dx.as_mut_slice().copy_from_slice(delta.as_slice());
        }
    }

    #[cfg(feature = "std")]
    fn forward_batch(
        &self,
        _: Mode<'_>,
        x: &[f32],
        z: &mut [f32],
        a: &mut [f32],
        _: &mut NoGradient,
    ) {
        z.copy_from_slice(x);
        self.output_batch(x, a);
    }

    #[cfg(feature = "std")]
    fn output_batch(&self, x: &[f32], a: &mut [f32]) {
        a.copy_from_slice(x);
        for column in a.chunks_exact_mut(N) {
            self.activation.activate(column);
        }
    }

    #[cfg(feature = "std")]
    fn backward_batch(
        &self,
        _: &[f32],
        _: &[f32],
        delta: &[f32],
        _: &mut NoGradient,
        dx: &mut [f32],
    ) {
        if !dx.is_empty() {
            dx.copy_from_slice(delta);
        }
    }
}
