//! The dense layer over a batch: `Z = W X + b 1ᵀ`, `A = act(Z)`, and its backward pass, with
//! one sample per column.

use super::gemm::{Strided, gemm, gemm_bias_then, gemm_rows};
use crate::activation::{Activation, ActivationKind};
use crate::batch::{vectors, vectors_mut};
use crate::storage::MatrixStorage;
use crate::{Dense, DenseGradient, Scalar};

impl<
    const IN: usize,
    const OUT: usize,
    T: Scalar,
    A: Activation<T>,
    S: MatrixStorage<OUT, IN, Scalar = T>,
    B: MatrixStorage<OUT, 1, Scalar = T>,
    const BIAS: bool,
> Dense<IN, OUT, A, S, B, BIAS>
{
    /// Whether this layer's batched products go through the packed matrix–matrix kernel; thin
    /// layers (the first layer of two inputs, the one-unit output) run column by column through
    /// the fixed-size code instead.
    const GEMM: bool = IN >= 16 && OUT >= 16;

    /// The forward pass of a batch: `x` holds `IN` inputs per sample (column-major, one sample
    /// per column); writes the pre-activations `Z = W X + b 1ᵀ` to `z` and `A = act(Z)` to `a`,
    /// `OUT` values per sample.
    ///
    /// # Examples
    ///
    /// ```
    /// use nalgebra::{matrix, vector};
    /// use nnet_core::{activation::Relu, Dense};
    ///
    /// let mut layer = Dense::<2, 1, Relu>::new(Relu);
    /// layer.weights = matrix![1.0, -1.0];
    /// let (mut z, mut a) = ([0.0; 2], [0.0; 2]);
    /// layer.forward_batch(&[3.0, 1.0, 1.0, 3.0], &mut z, &mut a);
    /// assert_eq!((z, a), ([2.0, -2.0], [2.0, 0.0]));
    /// ```
    pub fn forward_batch(&self, x: &[T], z: &mut [T], a: &mut [T]) {
        if Self::GEMM {
            // `A = act(Z)` by each thread of the product on its columns, still in its cache.
            self.preactivation_then(x, z, a, &|z, a| {
                a.copy_from_slice(z);
                self.activate_batch(a);
            });
        } else {
            self.preactivation_columns(x, z);
            a.copy_from_slice(z);
            self.activate_batch(a);
        }
    }

    /// The outputs `A = act(W X + b 1ᵀ)` of a batch, as [`forward_batch`](Self::forward_batch)
    /// without keeping the pre-activations.
    pub fn output_batch(&self, x: &[T], a: &mut [T]) {
        if Self::GEMM {
            self.preactivation_then(x, a, &mut [], &|a, _| self.activate_batch(a));
        } else {
            self.output_columns(x, a);
        }
    }

    /// `Z = W X + b 1ᵀ` into `z` by the matrix product (the bias added to each column's sum as
    /// the product stores it), then `then(z, extra)` on each thread's columns of `z` and of
    /// `extra` (empty, or `OUT` values per sample).
    fn preactivation_then(
        &self,
        x: &[T],
        z: &mut [T],
        extra: &mut [T],
        then: &(impl Fn(&mut [T], &mut [T]) + Sync),
    ) {
        let batch = z.len() / OUT;
        let w = Strided::col_major(self.weights.matrix().as_slice(), OUT);
        let (x, bias) = (Strided::col_major(x, IN), self.bias.matrix().as_slice());
        gemm_bias_then(OUT, batch, IN, w, x, bias, z, extra, then);
    }

    /// The activation of each column of `z`, in place: an element-wise activation over all
    /// the columns at once, in the registers of the machine's instruction set (a one-unit
    /// output layer's sigmoid, one value per column, would otherwise run as a chain of scalar
    /// operations for each sample); softmax column by column. Each value goes through the same
    /// operations either way: the same bits.
    fn activate_batch(&self, z: &mut [T]) {
        if self.activation.kind() == ActivationKind::Softmax {
            for column in z.chunks_exact_mut(OUT) {
                self.activation.activate(column);
            }
        } else {
            crate::simd::dispatch(ActivateAll {
                activation: &self.activation,
                z,
            });
        }
    }

    /// Turns `grad`, `∂L/∂A` of a batch, into `∂L/∂Z` in place, column by column, given the
    /// batch's `z` and `a`.
    pub fn activation_backward_batch(&self, z: &[T], a: &[T], grad: &mut [T]) {
        let columns = z.chunks_exact(OUT).zip(a.chunks_exact(OUT));
        for ((z, a), grad) in columns.zip(grad.chunks_exact_mut(OUT)) {
            self.activation.backprop(z, a, grad);
        }
    }

    /// The backward pass of a batch from `delta = ∂L/∂Z` (`OUT` values per sample): adds
    /// `Δ Xᵀ` to the weight gradient and the sum of `delta`'s columns to the bias gradient, and
    /// writes `∂L/∂X = Wᵀ Δ` to `dx` unless `dx` is empty (the first layer needs none).
    pub fn backward_batch(
        &self,
        x: &[T],
        delta: &[T],
        grad: &mut DenseGradient<IN, OUT, S, B>,
        dx: &mut [T],
    ) {
        let batch = delta.len() / OUT;
        let deltas = vectors::<OUT, T>(delta);
        let bias = grad.bias.matrix_mut();
        for d in deltas {
            *bias += d;
        }
        let w = self.weights.matrix();
        if Self::GEMM {
            let dw = grad.weights.matrix_mut().as_mut_slice();
            gemm(
                OUT,
                IN,
                batch,
                Strided::col_major(delta, OUT),
                Strided::transposed(x, IN),
                dw,
            );
            if !dx.is_empty() {
                // `Wᵀ Δ` as its transpose `Δᵀ W`, written row by row: `dx` column by column.
                let dt = Strided::transposed(delta, OUT);
                let w = Strided::col_major(w.as_slice(), OUT);
                gemm_rows(batch, IN, OUT, dt, w, dx);
            }
        } else {
            let dw = grad.weights.matrix_mut();
            for (d, x) in deltas.iter().zip(vectors::<IN, T>(x)) {
                dw.ger(T::one(), d, x, T::one());
            }
            // In place: `w.tr_mul(d)` would build each `∂L/∂x` in the frame first.
            for (d, dx) in deltas.iter().zip(vectors_mut::<IN, T>(dx)) {
                dx.gemv_tr(T::one(), w, d, T::zero());
            }
        }
    }
}

/// An element-wise activation over a whole slice, with the SIMD instruction set it is run with.
struct ActivateAll<'a, A, T> {
    activation: &'a A,
    z: &'a mut [T],
}

impl<A: Activation<T>, T: Scalar> pulp::WithSimd for ActivateAll<'_, A, T> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        self.activation.activate(self.z);
    }
}
