//! A convolution over a batch (column-major, one sample of `IN` values per column).
//!
//! A convolution of one group with enough filters and kernel columns is a matrix product over
//! the batch's patches (`patches`): `Z = W · P` forward, `∂W += Δ · Pᵀ` and `∂P = Wᵀ · Δ`
//! backward, through the packed kernel of dense layers (`dense::gemm`), a chunk of columns at a
//! time; a 1 × 1 convolution with strides 1 is that product over the batch itself, whose
//! columns are already its patches. Other convolutions (grouped, depthwise, narrow) run each sample through the per-sample
//! SIMD kernels, in one dispatch of the instruction set for the whole batch.

use pulp::{Simd, WithSimd};

use super::patches::{chunk_columns, gather, scatter, with_buffers};
use super::{Conv, ConvKind};
use crate::activation::Activation;
use crate::dense::gemm::{Strided, gemm};
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
    /// Whether this layer's batches go through the matrix product of their patches: one
    /// group, and at least 16 filters and 16 kernel columns (a dense layer's threshold; the
    /// per-sample kernels are faster below it).
    fn by_patches(&self) -> bool {
        self.groups == 1 && F >= 16 && K >= 16
    }

    /// Whether each output position reads exactly its own input position's channels (a 1 × 1
    /// kernel with strides 1, which no padding changes): the batch is then its own matrix of
    /// patches, `K = channels` values per position, and needs no copy.
    fn is_pointwise(&self) -> bool {
        let (rows, cols) = (self.window.rows, self.window.cols);
        rows.kernel == 1 && cols.kernel == 1 && rows.stride == 1 && cols.stride == 1
    }

    /// The pre-activations of a batch `x` into `z`, `OUT` per sample.
    pub(super) fn preactivation_columns(&self, x: &[T], z: &mut [T]) {
        if !self.by_patches() {
            crate::simd::dispatch(Forward { layer: self, x, z });
            return;
        }
        let columns = z.len() / F;
        let kernel = Strided::col_major(self.kernel.matrix().as_slice(), F);
        let bias = self.bias.matrix().as_slice();
        if self.is_pointwise() {
            for column in z.chunks_exact_mut(F) {
                column.copy_from_slice(bias);
            }
            gemm(F, columns, K, kernel, Strided::col_major(x, K), z);
            return;
        }
        let geo = self.geometry();
        let chunk = chunk_columns(K);
        with_buffers::<T, _>(chunk * K, |patches, _| {
            for first in (0..columns).step_by(chunk) {
                let n = chunk.min(columns - first);
                let patches = &mut patches[..n * K];
                gather(&geo, IN, x, first..first + n, K, patches);
                let z = &mut z[first * F..(first + n) * F];
                for column in z.chunks_exact_mut(F) {
                    column.copy_from_slice(bias);
                }
                gemm(F, n, K, kernel, Strided::col_major(patches, K), z);
            }
        });
    }

    /// The backward pass of a batch from `delta = ∂L/∂Z`: adds the gradients summed over the
    /// samples to `grad` and writes `∂L/∂X` to `dx` unless it is empty.
    pub(super) fn backward_columns(
        &self,
        x: &[T],
        delta: &[T],
        grad: &mut DenseGradient<K, F, S, B>,
        dx: &mut [T],
    ) {
        if !self.by_patches() {
            crate::simd::dispatch(Backward {
                layer: self,
                x,
                delta,
                grad,
                dx,
            });
            return;
        }
        if BIAS {
            let bias = grad.bias.matrix_mut().as_mut_slice();
            for column in delta.chunks_exact(F) {
                for (b, &d) in bias.iter_mut().zip(column) {
                    *b += d;
                }
            }
        }
        let columns = delta.len() / F;
        let kernel = self.kernel.matrix().as_slice();
        let gk = grad.weights.matrix_mut().as_mut_slice();
        dx.fill(T::zero());
        if self.is_pointwise() {
            let delta = Strided::col_major(delta, F);
            gemm(F, K, columns, delta, Strided::transposed(x, K), gk);
            if !dx.is_empty() {
                gemm(K, columns, F, Strided::transposed(kernel, F), delta, dx);
            }
            return;
        }
        let geo = self.geometry();
        let chunk = chunk_columns(K);
        with_buffers::<T, _>(chunk * K, |patches, dpatches| {
            for first in (0..columns).step_by(chunk) {
                let n = chunk.min(columns - first);
                let (patches, dpatches) = (&mut patches[..n * K], &mut dpatches[..n * K]);
                gather(&geo, IN, x, first..first + n, K, patches);
                let delta = Strided::col_major(&delta[first * F..(first + n) * F], F);
                gemm(F, K, n, delta, Strided::transposed(patches, K), gk);
                if !dx.is_empty() {
                    dpatches.fill(T::zero());
                    gemm(K, n, F, Strided::transposed(kernel, F), delta, dpatches);
                    scatter(&geo, IN, dpatches, first..first + n, K, dx);
                }
            }
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
