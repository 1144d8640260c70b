//! A convolution over a batch (column-major, one sample of `IN` values per column): each
//! sample through the per-sample SIMD kernels, in one dispatch of the instruction set for the
//! whole batch.

use pulp::{Simd, WithSimd};

use super::{Conv, ConvKind};
use crate::activation::Activation;
use crate::storage::MatrixStorage;
use crate::{DenseGradient, Scalar};

impl<
    const IN: usize,
    const OUT: usize,
    const F: usize,
    const K: usize,
    T: Scalar,
    A: Activation<T>,
    M: ConvKind,
    S: MatrixStorage<F, K, Scalar = T>,
    B: MatrixStorage<F, 1, Scalar = T>,
    const BIAS: bool,
> Conv<IN, OUT, F, K, A, M, S, B, BIAS>
{
    /// The pre-activations of a batch `x` into `z`, `OUT` per sample.
    pub(super) fn preactivation_batch(&self, x: &[T], z: &mut [T]) {
        crate::simd::dispatch(Forward { layer: self, x, z });
    }

    /// The backward pass of a batch from `delta = ∂L/∂Z`: adds the gradients summed over the
    /// samples to `grad` and writes `∂L/∂X` to `dx` unless it is empty.
    pub(super) fn backward_batch(
        &self,
        x: &[T],
        delta: &[T],
        grad: &mut DenseGradient<K, F, S, B>,
        dx: &mut [T],
    ) {
        crate::simd::dispatch(Backward {
            layer: self,
            x,
            delta,
            grad,
            dx,
        });
    }
}

/// The per-sample forward kernel over each column of a batch.
struct Forward<'a, L, T> {
    layer: &'a L,
    x: &'a [T],
    z: &'a mut [T],
}

impl<
    const IN: usize,
    const OUT: usize,
    const F: usize,
    const K: usize,
    T: Scalar,
    A: Activation<T>,
    M: ConvKind,
    S: MatrixStorage<F, K, Scalar = T>,
    B: MatrixStorage<F, 1, Scalar = T>,
    const BIAS: bool,
> WithSimd for Forward<'_, Conv<IN, OUT, F, K, A, M, S, B, BIAS>, T>
{
    type Output = ();

    #[inline(always)]
    fn with_simd<V: Simd>(self, simd: V) {
        let columns = self.x.chunks_exact(IN).zip(self.z.chunks_exact_mut(OUT));
        for (x, z) in columns {
            self.layer.preactivation_simd(simd, x, z);
        }
    }
}

/// The per-sample backward kernel over each column of a batch.
struct Backward<'a, L, T, G> {
    layer: &'a L,
    x: &'a [T],
    delta: &'a [T],
    grad: &'a mut G,
    dx: &'a mut [T],
}

impl<
    const IN: usize,
    const OUT: usize,
    const F: usize,
    const K: usize,
    T: Scalar,
    A: Activation<T>,
    M: ConvKind,
    S: MatrixStorage<F, K, Scalar = T>,
    B: MatrixStorage<F, 1, Scalar = T>,
    const BIAS: bool,
> WithSimd for Backward<'_, Conv<IN, OUT, F, K, A, M, S, B, BIAS>, T, DenseGradient<K, F, S, B>>
{
    type Output = ();

    #[inline(always)]
    fn with_simd<V: Simd>(self, simd: V) {
        let Self {
            layer,
            x,
            delta,
            grad,
            dx,
        } = self;
        let columns = x.chunks_exact(IN).zip(delta.chunks_exact(OUT));
        if dx.is_empty() {
            for (x, delta) in columns {
                layer.backward_sample(simd, x, delta, grad, None);
            }
        } else {
            for ((x, delta), dx) in columns.zip(dx.chunks_exact_mut(IN)) {
                layer.backward_sample(simd, x, delta, grad, Some(dx));
            }
        }
    }
}
