//! [`Conv`] as a [`Layer`]: the per-sample passes wired to the kernels of `forward` and
//! `backward`, the batch passes to `batch`, and the kernel's regularization.

use nalgebra::SVector;
use pulp::{Simd, WithSimd};

use super::backward::{Gradients, backward};
use super::forward::preactivation;
use super::geometry::Geometry;
use super::{Conv, ConvKind};
use crate::activation::{Activation, ActivationKind};
#[cfg(feature = "std")]
use crate::layer::Mode;
use crate::layer::{Layer, LayerKind};
use crate::storage::MatrixStorage;
use crate::{DenseGradient, Scalar, TensorInfo};

impl<
    const IN: usize,
    const OUT: usize,
    const F: usize,
    const K: usize,
    A,
    M,
    S,
    B,
    const BIAS: bool,
> crate::layer::sealed::Sealed for Conv<IN, OUT, F, K, A, M, S, B, BIAS>
{
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
> Conv<IN, OUT, F, K, A, M, S, B, BIAS>
{
    /// The activation over outputs of whole positions: each value, or each position's filters
    /// for a softmax (Keras's last axis).
    #[inline(always)]
    pub(super) fn activate(&self, a: &mut [T]) {
        if self.activation.kind() == ActivationKind::Softmax {
            for position in a.chunks_exact_mut(F) {
                self.activation.activate(position);
            }
        } else {
            self.activation.activate(a);
        }
    }

    /// The activation's backward pass over outputs of whole positions, as
    /// [`activate`](Self::activate).
    #[inline(always)]
    pub(super) fn backprop(&self, z: &[T], a: &[T], delta: &mut [T]) {
        if self.activation.kind() == ActivationKind::Softmax {
            let positions = z.chunks_exact(F).zip(a.chunks_exact(F));
            for ((z, a), delta) in positions.zip(delta.chunks_exact_mut(F)) {
                self.activation.backprop(z, a, delta);
            }
        } else {
            self.activation.backprop(z, a, delta);
        }
    }

    /// The pre-activations of one sample into `z`.
    #[inline(always)]
    pub(super) fn preactivation_simd<V: Simd>(&self, simd: V, x: &[T], z: &mut [T]) {
        let (kernel, bias) = (self.kernel.matrix(), self.bias.matrix());
        let op = Preactivation::<T, F> {
            geo: &self.geometry(),
            kernel: kernel.as_slice(),
            bias: bias.as_slice(),
            x,
            z,
        };
        crate::simd::outlined(simd, op);
    }

    /// The backward pass of one sample, as [`Layer::backward_simd`] (`dx` overwritten).
    #[inline(always)]
    pub(super) fn backward_sample<V: Simd>(
        &self,
        simd: V,
        x: &[T],
        delta: &[T],
        grad: &mut DenseGradient<K, F, S, B>,
        dx: Option<&mut [T]>,
    ) {
        let grads = Gradients {
            kernel: grad.weights.matrix_mut().as_mut_slice(),
            bias: BIAS.then(|| grad.bias.matrix_mut().as_mut_slice()),
            dx,
        };
        let kernel = self.kernel.matrix().as_slice();
        let op = Backward::<T, F> {
            geo: &self.geometry(),
            kernel,
            x,
            delta,
            grads,
        };
        crate::simd::outlined(simd, op);
    }
}

/// `geo` with its filters the constant `F` (the filters of a group too, when there is one), so
/// that the kernels' blocks of registers are picked at compile time as when they were inlined
/// into each layer: small layers (08_digits's 16 and 32 filters) ran 6–19 % slower with the
/// number of filters read at run time.
#[inline(always)]
fn with_filters<const F: usize>(geo: &Geometry) -> Geometry {
    Geometry {
        filters: F,
        group_filters: if geo.groups == 1 { F } else { F / geo.groups },
        ..*geo
    }
}

/// The pre-activations of one sample as an operation of its own: compiled once per scalar
/// type, instruction set and number of filters `F` for every convolution of every network, not
/// inlined into each pass (see [`outlined`](crate::simd::outlined)).
struct Preactivation<'a, T, const F: usize> {
    geo: &'a Geometry,
    kernel: &'a [T],
    bias: &'a [T],
    x: &'a [T],
    z: &'a mut [T],
}

impl<T: Scalar, const F: usize> WithSimd for Preactivation<'_, T, F> {
    type Output = ();

    #[inline(always)]
    fn with_simd<V: Simd>(self, simd: V) {
        let Self {
            geo,
            kernel,
            bias,
            x,
            z,
        } = self;
        preactivation(simd, &with_filters::<F>(geo), kernel, bias, x, z);
    }
}

/// The backward pass of one sample as an operation of its own, as [`Preactivation`].
struct Backward<'a, T, const F: usize> {
    geo: &'a Geometry,
    kernel: &'a [T],
    x: &'a [T],
    delta: &'a [T],
    grads: Gradients<'a, T>,
}

impl<T: Scalar, const F: usize> WithSimd for Backward<'_, T, F> {
    type Output = ();

    #[inline(always)]
    fn with_simd<V: Simd>(self, simd: V) {
        let Self {
            geo,
            kernel,
            x,
            delta,
            grads,
        } = self;
        let geo = &with_filters::<F>(geo);
        // Two copies, with and without `∂L/∂x`, so that neither tests for it in its inner loop
        // (the first layer of a network never wants it; inlined into each layer, the test was
        // decided at compile time, and the per-sample epoch of 08_digits ran 15 % slower
        // without this).
        match grads.dx {
            Some(dx) => {
                let grads = Gradients {
                    dx: Some(dx),
                    ..grads
                };
                backward(simd, geo, kernel, x, delta, grads);
            }
            None => {
                let grads = Gradients { dx: None, ..grads };
                backward(simd, geo, kernel, x, delta, grads);
            }
        }
    }
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
> Layer<IN, OUT, T> for Conv<IN, OUT, F, K, A, M, S, B, BIAS>
{
    const KIND: LayerKind = M::KIND;
    const TENSORS: usize = if BIAS { 2 } else { 1 };
    const TRAINABLE: usize = Self::PARAMS;
    const NON_TRAINABLE: usize = 0;
    /// The kernel's gradient (`F × K`, in the slot of a dense layer's weights) and the bias's.
    type Gradient = DenseGradient<K, F, S, B>;
    type Activation = A;

    fn tensor_info(index: usize) -> Option<TensorInfo> {
        super::conv_tensor_info(F, K, BIAS, index)
    }

    #[inline]
    fn tensor(&self, index: usize) -> &[T] {
        Conv::tensor(self, index)
    }

    #[inline]
    fn tensor_mut(&mut self, index: usize) -> &mut [T] {
        Conv::tensor_mut(self, index)
    }

    #[inline(always)]
    fn activation(&self) -> &A {
        &self.activation
    }

    #[inline(always)]
    fn forward_simd_into<V: Simd>(&self, simd: V, x: &SVector<T, IN>, a: &mut SVector<T, OUT>) {
        self.preactivation_simd(simd, x.as_slice(), a.as_mut_slice());
        self.activate(a.as_mut_slice());
    }

    #[inline(always)]
    fn forward_trace_simd_into<V: Simd>(
        &self,
        simd: V,
        x: &SVector<T, IN>,
        z: &mut SVector<T, OUT>,
        a: &mut SVector<T, OUT>,
    ) {
        self.preactivation_simd(simd, x.as_slice(), z.as_mut_slice());
        a.as_mut_slice().copy_from_slice(z.as_slice());
        self.activate(a.as_mut_slice());
    }

    /// Each position's filters for a softmax, each value otherwise.
    #[inline(always)]
    fn activation_backward_in_place(
        &self,
        z: &SVector<T, OUT>,
        a: &SVector<T, OUT>,
        delta: &mut SVector<T, OUT>,
    ) {
        self.backprop(z.as_slice(), a.as_slice(), delta.as_mut_slice());
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
        let dx = dx.map(|dx| dx.as_mut_slice());
        self.backward_sample(simd, x.as_slice(), delta.as_slice(), grad, dx);
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
        self.preactivation_columns(x, z);
        a.copy_from_slice(z);
        self.activate(a);
    }

    #[cfg(feature = "std")]
    fn output_batch(&self, x: &[T], a: &mut [T]) {
        self.preactivation_columns(x, a);
        self.activate(a);
    }

    #[cfg(feature = "std")]
    fn activation_backward_batch(&self, z: &[T], a: &[T], delta: &mut [T]) {
        self.backprop(z, a, delta);
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
        self.backward_columns(x, delta, grad, dx);
    }

    fn regularization(&self, grad: Option<&mut Self::Gradient>) -> T {
        let kernel = self.kernel.matrix().as_slice();
        if let Some(grad) = grad {
            let g = grad.weights.matrix_mut().as_mut_slice();
            self.regularizer.add_gradient(kernel, g);
        }
        self.regularizer.penalty(kernel)
    }
}
