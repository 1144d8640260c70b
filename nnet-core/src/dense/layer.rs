//! [`Dense`] as a [`Layer`]: its own methods, wired to the trait.

use nalgebra::SVector;
use pulp::Simd;

use crate::activation::Activation;
#[cfg(feature = "std")]
use crate::layer::Mode;
use crate::layer::{Layer, LayerGradient, LayerKind, Preactivation};
use crate::storage::MatrixStorage;
use crate::{Dense, DenseGradient, Scalar, TensorInfo};

impl<
    const IN: usize,
    const OUT: usize,
    T: Scalar,
    S: MatrixStorage<OUT, IN, Scalar = T>,
    B: MatrixStorage<OUT, 1, Scalar = T>,
> LayerGradient<T> for DenseGradient<IN, OUT, S, B>
{
    fn zeroed() -> Self {
        DenseGradient::zeroed()
    }
    #[inline]
    fn tensor(&self, index: usize) -> &[T] {
        DenseGradient::tensor(self, index)
    }
    #[inline]
    fn tensor_mut(&mut self, index: usize) -> &mut [T] {
        DenseGradient::tensor_mut(self, index)
    }
}

impl<const IN: usize, const OUT: usize, A, S, B, const BIAS: bool> crate::layer::sealed::Sealed
    for Dense<IN, OUT, A, S, B, BIAS>
{
}

impl<
    const IN: usize,
    const OUT: usize,
    T: Scalar,
    A: Activation<T>,
    S: MatrixStorage<OUT, IN, Scalar = T>,
    B: MatrixStorage<OUT, 1, Scalar = T>,
    const BIAS: bool,
> Layer<IN, OUT, T> for Dense<IN, OUT, A, S, B, BIAS>
{
    const KIND: LayerKind = LayerKind::Dense;
    const TENSORS: usize = if BIAS { 2 } else { 1 };
    const TRAINABLE: usize = Self::PARAMS;
    const NON_TRAINABLE: usize = 0;
    type Gradient = DenseGradient<IN, OUT, S, B>;
    type Activation = A;

    fn tensor_info(index: usize) -> Option<TensorInfo> {
        super::dense_tensor_info(IN, OUT, BIAS, index)
    }

    #[inline]
    fn tensor(&self, index: usize) -> &[T] {
        Dense::tensor(self, index)
    }

    #[inline]
    fn tensor_mut(&mut self, index: usize) -> &mut [T] {
        Dense::tensor_mut(self, index)
    }

    #[inline(always)]
    fn activation(&self) -> &A {
        &self.activation
    }

    #[inline(always)]
    fn forward_simd_into<V: Simd>(&self, simd: V, x: &SVector<T, IN>, a: &mut SVector<T, OUT>) {
        Dense::forward_simd_into(self, simd, x, a);
    }

    #[inline(always)]
    fn forward_simd<V: Simd>(&self, simd: V, x: &SVector<T, IN>) -> SVector<T, OUT> {
        Dense::forward_simd(self, simd, x)
    }

    #[inline(always)]
    fn forward_trace_simd_into<V: Simd>(
        &self,
        simd: V,
        x: &SVector<T, IN>,
        z: &mut SVector<T, OUT>,
        a: &mut SVector<T, OUT>,
    ) {
        Dense::forward_trace_simd_into(self, simd, x, z, a);
    }

    #[inline(always)]
    fn forward_trace_simd<V: Simd>(
        &self,
        simd: V,
        x: &SVector<T, IN>,
    ) -> (SVector<T, OUT>, SVector<T, OUT>) {
        Dense::forward_trace_simd(self, simd, x)
    }

    #[inline(always)]
    fn backward_simd<V: Simd>(
        &self,
        simd: V,
        x: &SVector<T, IN>,
        _z: &SVector<T, OUT>,
        delta: &SVector<T, OUT>,
        grad: &mut Self::Gradient,
        dx: Option<&mut SVector<T, IN>>,
    ) {
        Dense::backward_simd(self, simd, x, delta, grad, dx);
    }

    #[cfg(feature = "std")]
    fn forward_batch(
        &self,
        _mode: Mode<'_>,
        x: &[T],
        z: &mut [T],
        a: &mut [T],
        _grad: &mut Self::Gradient,
    ) {
        Dense::forward_batch(self, x, z, a);
    }

    #[cfg(feature = "std")]
    fn output_batch(&self, x: &[T], a: &mut [T]) {
        Dense::output_batch(self, x, a);
    }

    #[cfg(feature = "std")]
    fn activation_backward_batch(&self, z: &[T], a: &[T], delta: &mut [T]) {
        Dense::activation_backward_batch(self, z, a, delta);
    }

    #[cfg(feature = "std")]
    fn backward_batch(
        &self,
        x: &[T],
        _z: &[T],
        delta: &[T],
        grad: &mut Self::Gradient,
        dx: &mut [T],
    ) {
        Dense::backward_batch(self, x, delta, grad, dx);
    }

    fn regularization(&self, grad: Option<&mut Self::Gradient>) -> T {
        let weights = self.weights.matrix().as_slice();
        if let Some(grad) = grad {
            let g = grad.weights.matrix_mut().as_mut_slice();
            self.regularizer.add_gradient(weights, g);
        }
        self.regularizer.penalty(weights)
    }
}

impl<
    const IN: usize,
    const OUT: usize,
    T: Scalar,
    A: Activation<T>,
    S: MatrixStorage<OUT, IN, Scalar = T>,
    B: MatrixStorage<OUT, 1, Scalar = T>,
    const BIAS: bool,
> Preactivation<IN, OUT, T> for Dense<IN, OUT, A, S, B, BIAS>
{
    #[inline(always)]
    fn preactivation_simd<V: Simd>(&self, simd: V, x: &SVector<T, IN>) -> SVector<T, OUT> {
        Dense::preactivation_simd(self, simd, x)
    }

    #[inline(always)]
    fn lanes_exact<V: Simd>(&self) -> bool {
        Self::lanes_exact::<V>()
    }

    #[inline(always)]
    fn preactivation_lanes<V: Simd>(&self, simd: V, x: &[T::Reg<V>; IN]) -> [T::Reg<V>; OUT] {
        Dense::preactivation_lanes(self, simd, x)
    }

    #[inline(always)]
    fn forward_lanes<V: Simd>(&self, simd: V, x: &[T::Reg<V>; IN]) -> [T::Reg<V>; OUT] {
        Dense::forward_lanes(self, simd, x)
    }
}
