//! [`Pool`] as a [`Layer`]: no tensors, the linear activation, and the per-sample passes run
//! over every sample of a batch.

use nalgebra::SVector;
use pulp::Simd;

#[cfg(feature = "std")]
use super::super::Mode;
use super::super::{Layer, LayerKind, NoGradient};
use super::{Pool, PoolKind};
use crate::activation::Linear;
use crate::{Scalar, TensorInfo};

impl<const IN: usize, const OUT: usize, M> super::super::sealed::Sealed for Pool<IN, OUT, M> {}

/// The trace of a pool is `z = a`, its output: backward finds a maximum again from the input.
impl<const IN: usize, const OUT: usize, M: PoolKind, T: Scalar> Layer<IN, OUT, T>
    for Pool<IN, OUT, M>
{
    const KIND: LayerKind = M::KIND;
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
    fn forward_simd_into<V: Simd>(&self, _: V, x: &SVector<T, IN>, a: &mut SVector<T, OUT>) {
        self.pool(x.as_slice(), a.as_mut_slice());
    }

    #[inline(always)]
    fn forward_trace_simd_into<V: Simd>(
        &self,
        _: V,
        x: &SVector<T, IN>,
        z: &mut SVector<T, OUT>,
        a: &mut SVector<T, OUT>,
    ) {
        self.pool(x.as_slice(), a.as_mut_slice());
        z.copy_from(a);
    }

    #[inline(always)]
    fn backward_simd<V: Simd>(
        &self,
        _: V,
        x: &SVector<T, IN>,
        _: &SVector<T, OUT>,
        delta: &SVector<T, OUT>,
        _: &mut NoGradient,
        dx: Option<&mut SVector<T, IN>>,
    ) {
        if let Some(dx) = dx {
            dx.fill(T::zero());
            self.pool_backward(x.as_slice(), delta.as_slice(), dx.as_mut_slice());
        }
    }

    #[cfg(feature = "std")]
    fn forward_batch(&self, _: Mode<'_>, x: &[T], z: &mut [T], a: &mut [T], _: &mut NoGradient) {
        self.output_batch(x, a);
        z.copy_from_slice(a);
    }

    #[cfg(feature = "std")]
    fn output_batch(&self, x: &[T], a: &mut [T]) {
        // `fits` makes IN and OUT non-zero, so the chunks are well defined.
        for (x, a) in x.chunks_exact(IN).zip(a.chunks_exact_mut(OUT)) {
            self.pool(x, a);
        }
    }

    #[cfg(feature = "std")]
    fn activation_backward_batch(&self, _: &[T], _: &[T], _: &mut [T]) {}

    #[cfg(feature = "std")]
    fn backward_batch(&self, x: &[T], _: &[T], delta: &[T], _: &mut NoGradient, dx: &mut [T]) {
        if dx.is_empty() {
            return;
        }
        dx.fill(T::zero());
        let samples = x.chunks_exact(IN).zip(delta.chunks_exact(OUT));
        for ((x, delta), dx) in samples.zip(dx.chunks_exact_mut(IN)) {
            self.pool_backward(x, delta, dx);
        }
    }
}
