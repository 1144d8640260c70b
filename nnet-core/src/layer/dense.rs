//! [`Dense`] as a [`Layer`]: its own methods, wired to the trait.

use nalgebra::SVector;
use pulp::Simd;

#[cfg(feature = "std")]
use super::Mode;
use super::{Layer, LayerGradient, LayerKind};
use crate::activation::Activation;
use crate::storage::MatrixStorage;
use crate::{Dense, DenseGradient, TensorInfo};

impl<const IN: usize, const OUT: usize, S: MatrixStorage<OUT, IN>, B: MatrixStorage<OUT, 1>>
    LayerGradient for DenseGradient<IN, OUT, S, B>
{
    fn zeroed() -> Self {
        DenseGradient::zeroed()
    }
    #[inline]
    fn tensor(&self, index: usize) -> &[f32] {
        DenseGradient::tensor(self, index)
    }
    #[inline]
    fn tensor_mut(&mut self, index: usize) -> &mut [f32] {
        DenseGradient::tensor_mut(self, index)
    }
}

impl<
    const IN: usize,
    const OUT: usize,
    A: Activation,
    S: MatrixStorage<OUT, IN>,
    B: MatrixStorage<OUT, 1>,
    const BIAS: bool,
> Layer<IN, OUT> for Dense<IN, OUT, A, S, B, BIAS>
{
    const KIND: LayerKind = LayerKind::Dense;
    const TENSORS: usize = if BIAS { 2 } else { 1 };
    const TRAINABLE: usize = Self::PARAMS;
    const NON_TRAINABLE: usize = 0;
    type Gradient = DenseGradient<IN, OUT, S, B>;
    type Activation = A;

    fn tensor_info(index: usize) -> Option<TensorInfo> {
        crate::dense::dense_tensor_info(IN, OUT, BIAS, index)
    }

    #[inline]
    fn tensor(&self, index: usize) -> &[f32] {
        Dense::tensor(self, index)
    }

    #[inline]
    fn tensor_mut(&mut self, index: usize) -> &mut [f32] {
        Dense::tensor_mut(self, index)
    }

    #[inline(always)]
    fn activation(&self) -> &A {
        &self.activation
    }

    #[inline(always)]
    fn forward_simd_into<V: Simd>(&self, simd: V, x: &SVector<f32, IN>, a: &mut SVector<f32, OUT>) {
        Dense::forward_simd_into(self, simd, x, a);
    }

    #[inline(always)]
    fn forward_simd<V: Simd>(&self, simd: V, x: &SVector<f32, IN>) -> SVector<f32, OUT> {
        Dense::forward_simd(self, simd, x)
    }

    #[inline(always)]
    fn forward_trace_simd_into<V: Simd>(
        &self,
        simd: V,
        x: &SVector<f32, IN>,
        z: &mut SVector<f32, OUT>,
        a: &mut SVector<f32, OUT>,
    ) {
        Dense::forward_trace_simd_into(self, simd, x, z, a);
    }

    #[inline(always)]
    fn forward_trace_simd<V: Simd>(
        &self,
        simd: V,
        x: &SVector<f32, IN>,
    ) -> (SVector<f32, OUT>, SVector<f32, OUT>) {
        Dense::forward_trace_simd(self, simd, x)
    }

    #[inline(always)]
    fn backward_simd<V: Simd>(
        &self,
        simd: V,
        x: &SVector<f32, IN>,
        _z: &SVector<f32, OUT>,
        delta: &SVector<f32, OUT>,
        grad: &mut Self::Gradient,
        dx: Option<&mut SVector<f32, IN>>,
    ) {
        Dense::backward_simd(self, simd, x, delta, grad, dx);
    }

    #[cfg(feature = "std")]
    fn forward_batch(
        &self,
        _mode: Mode<'_>,
        x: &[f32],
        z: &mut [f32],
        a: &mut [f32],
        _grad: &mut Self::Gradient,
    ) {
        Dense::forward_batch(self, x, z, a);
    }

    #[cfg(feature = "std")]
    fn output_batch(&self, x: &[f32], a: &mut [f32]) {
        Dense::output_batch(self, x, a);
    }

    #[cfg(feature = "std")]
    fn activation_backward_batch(&self, z: &[f32], a: &[f32], delta: &mut [f32]) {
        Dense::activation_backward_batch(self, z, a, delta);
    }

    #[cfg(feature = "std")]
    fn backward_batch(
        &self,
        x: &[f32],
        _z: &[f32],
        delta: &[f32],
        grad: &mut Self::Gradient,
        dx: &mut [f32],
    ) {
        Dense::backward_batch(self, x, delta, grad, dx);
    }

    fn regularization(&self, grad: Option<&mut Self::Gradient>) -> f32 {
        let weights = self.weights.matrix().as_slice();
        if let Some(grad) = grad {
            let g = grad.weights.matrix_mut().as_mut_slice();
            self.regularizer.add_gradient(weights, g);
        }
        self.regularizer.penalty(weights)
    }
}
