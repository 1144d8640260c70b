//! The dense (fully connected) layer and its gradient: `a = act(W x + b)`.
//!
//! Everything of the dense layer lives here: the type, its gradient and regularizer (this
//! file), its [`Layer`](crate::Layer) implementation (`layer`), its single-sample SIMD kernels
//! (`kernel`), its batched passes (`batch`) and the matrix–matrix product they run on (`gemm`,
//! with the packed kernel in `gemm/packed`).

#[cfg(feature = "std")]
mod batch;
#[cfg(feature = "std")]
pub(crate) mod gemm;
mod kernel;
mod layer;

use nalgebra::{SMatrix, SVector};
use rand::Rng;

use crate::activation::Activation;
use crate::scalar::held;
use crate::storage::MatrixStorage;
use crate::{Initializer, Parameters, Scalar, TensorInfo};

/// A dense layer of `OUT` units over `IN` inputs: `a = act(W x + b)`.
///
/// `W` is `OUT × IN` (`weights`), `b` has `OUT` entries (`bias`). The weight storage `S` is an
/// inline [`SMatrix`] by default, or a [`HeapMatrix`](crate::storage::HeapMatrix) for large
/// layers; the bias storage `B` an inline [`SVector`], or a
/// [`HeapVector`](crate::storage::HeapVector) for layers of more than
/// [`INLINE_UNITS`](crate::storage::INLINE_UNITS) units.
///
/// `BIAS` is `false` for a layer declared with `use_bias = false`: its bias stays zero and is
/// not a tensor. `regularizer` adds Keras's kernel regularization `l1·Σ|w| + l2·Σw²` to the
/// training loss.
///
/// The methods that return vectors by value ([`forward`](Self::forward),
/// [`backward`](Self::backward), …) are for small layers; their `_into` forms write into
/// vectors the caller provides, wherever those live.
///
/// # Examples
///
/// ```
/// use nalgebra::{matrix, vector};
/// use nnet_core::{activation::Relu, Dense};
///
/// let mut layer = Dense::<2, 2, Relu>::new(Relu);
/// layer.weights = matrix![1.0, -1.0; 2.0, 0.5];
/// layer.bias = vector![0.0, -1.0];
/// // relu([1·3 − 1·1 + 0, 2·3 + 0.5·1 − 1]) = [2, 5.5]
/// assert_eq!(layer.forward(&vector![3.0, 1.0]), vector![2.0, 5.5]);
/// ```
#[derive(Debug, Clone, PartialEq)]
// Weights first, at a cache line: inline weights then start at a 64-byte boundary wherever the
// network lives, so the SIMD loads of a column never straddle two lines by accident of the
// stack's address (`forward/w64` was bimodal, 150 or 220 ns, from one run of the same binary to
// the next).
#[repr(C, align(64))]
pub struct Dense<
    const IN: usize,
    const OUT: usize,
    A,
    S = SMatrix<f32, OUT, IN>,
    B = SVector<f32, OUT>,
    const BIAS: bool = true,
> {
    /// The `OUT × IN` weight matrix `W`.
    pub weights: S,
    /// The bias vector `b` (zero, and not a tensor, without `BIAS`).
    pub bias: B,
    /// The activation function `act`.
    pub activation: A,
    /// The kernel regularization added to the training loss.
    pub regularizer: Regularizer,
}

/// Keras's `L1L2` kernel regularizer: `l1·Σ|w| + l2·Σw²` added to the loss, and
/// `l1·sign(w) + 2·l2·w` to the gradient of each weight.
///
/// # Examples
///
/// ```
/// use nnet_core::Regularizer;
///
/// let r = Regularizer { l1: 0.5, l2: 0.25 };
/// assert_eq!(r.penalty(&[1.0, -2.0]), 0.5 * 3.0 + 0.25 * 5.0);
/// let mut grad = [0.0, 0.0];
/// r.add_gradient(&[1.0, -2.0], &mut grad);
/// assert_eq!(grad, [0.5 + 0.5, -0.5 - 1.0]);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Regularizer {
    /// Factor of `Σ|w|`: an `f64` whatever the scalar, so that an `f64` network uses the factor
    /// as written (an `f32` network rounds it to `f32`).
    pub l1: f64,
    /// Factor of `Σw²` (`f64`, as `l1`).
    pub l2: f64,
}

impl Regularizer {
    /// No regularization.
    pub const NONE: Self = Self { l1: 0.0, l2: 0.0 };

    /// Whether the regularizer adds nothing.
    pub fn is_none(&self) -> bool {
        self.l1 == 0.0 && self.l2 == 0.0
    }

    /// `l1·Σ|w| + l2·Σw²`, summed in `f64` with the factors as the scalar `T` holds them.
    pub fn penalty<T: Scalar>(&self, weights: &[T]) -> T {
        if self.is_none() {
            return T::zero();
        }
        let (l1, l2) = (held::<T>(self.l1), held::<T>(self.l2));
        let sum: f64 = weights
            .iter()
            .map(|&w| {
                let w = w.as_f64();
                l1 * w.abs() + l2 * w * w
            })
            .sum();
        T::of_f64(sum)
    }

    /// Adds `l1·sign(w) + 2·l2·w` (with `sign(0) = 0`, as Keras) to `grad`.
    pub fn add_gradient<T: Scalar>(&self, weights: &[T], grad: &mut [T]) {
        if self.is_none() {
            return;
        }
        for (g, &w) in grad.iter_mut().zip(weights) {
            let sign = if w > T::zero() {
                T::one()
            } else if w < T::zero() {
                -T::one()
            } else {
                T::zero()
            };
            let (l1, l2) = (T::of_f64(self.l1), T::of_f64(self.l2));
            *g += l1 * sign + T::of_f64(2.0) * l2 * w;
        }
    }
}

/// The gradient of a loss with respect to a [`Dense`] layer's weights and bias.
///
/// # Examples
///
/// ```
/// use nnet_core::{DenseGradient, Parameters};
///
/// let grad = DenseGradient::<3, 2>::zeroed();
/// assert_eq!(grad.tensor(0).len(), 6);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct DenseGradient<
    const IN: usize,
    const OUT: usize,
    S = SMatrix<f32, OUT, IN>,
    B = SVector<f32, OUT>,
> {
    /// `∂L/∂W`, `OUT × IN`.
    pub weights: S,
    /// `∂L/∂b`.
    pub bias: B,
}

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
    /// Number of trainable parameters, `OUT · IN + OUT` (`OUT · IN` without a bias).
    pub const PARAMS: usize = OUT * IN + if BIAS { OUT } else { 0 };

    /// A layer with all weights and biases zero and no regularizer.
    pub fn new(activation: A) -> Self {
        Self {
            weights: S::zeroed(),
            bias: B::zeroed(),
            activation,
            regularizer: Regularizer::NONE,
        }
    }

    /// The same layer with `regularizer`.
    pub fn with_regularizer(mut self, regularizer: Regularizer) -> Self {
        self.regularizer = regularizer;
        self
    }

    /// A layer initialized from `rng`: first the weights (fans `IN`, `OUT`) from `kernel`, then
    /// the bias from `bias` (fans `OUT`, `OUT`, as Keras).
    pub fn initialized<R: Rng + ?Sized>(
        activation: A,
        kernel: Initializer,
        bias: Initializer,
        rng: &mut R,
    ) -> Self {
        let mut layer = Self::new(activation);
        kernel.fill(layer.weights.matrix_mut().as_mut_slice(), IN, OUT, rng);
        if BIAS {
            bias.fill(layer.bias.matrix_mut().as_mut_slice(), OUT, OUT, rng);
        }
        layer
    }

    /// The pre-activations `z = W x + b`.
    #[inline]
    pub fn preactivation(&self, x: &SVector<T, IN>) -> SVector<T, OUT> {
        let mut z = *self.bias.matrix();
        z.gemv(T::one(), self.weights.matrix(), x, T::one());
        z
    }

    /// [`preactivation`](Self::preactivation) into `z`.
    #[inline]
    pub fn preactivation_into(&self, x: &SVector<T, IN>, z: &mut SVector<T, OUT>) {
        z.copy_from(self.bias.matrix());
        z.gemv(T::one(), self.weights.matrix(), x, T::one());
    }

    /// The layer's output `act(W x + b)`.
    #[inline]
    pub fn forward(&self, x: &SVector<T, IN>) -> SVector<T, OUT> {
        let mut a = self.preactivation(x);
        self.activation.activate(a.as_mut_slice());
        a
    }

    /// The pre-activations `z` and the output `a = act(z)`, as the backward pass needs them.
    #[inline]
    pub fn forward_trace(&self, x: &SVector<T, IN>) -> (SVector<T, OUT>, SVector<T, OUT>) {
        let z = self.preactivation(x);
        let mut a = z;
        self.activation.activate(a.as_mut_slice());
        (z, a)
    }

    /// Turns `∂L/∂a` into `∂L/∂z` through the activation, given this layer's `z` and `a`.
    #[inline]
    pub fn activation_backward(
        &self,
        z: &SVector<T, OUT>,
        a: &SVector<T, OUT>,
        grad_a: &SVector<T, OUT>,
    ) -> SVector<T, OUT> {
        let mut delta = *grad_a;
        self.activation
            .backprop(z.as_slice(), a.as_slice(), delta.as_mut_slice());
        delta
    }

    /// Turns `delta`, `∂L/∂a`, into `∂L/∂z` in place, given this layer's `z` and `a`.
    #[inline]
    pub fn activation_backward_in_place(
        &self,
        z: &SVector<T, OUT>,
        a: &SVector<T, OUT>,
        delta: &mut SVector<T, OUT>,
    ) {
        self.activation
            .backprop(z.as_slice(), a.as_slice(), delta.as_mut_slice());
    }

    /// Backward pass from `delta = ∂L/∂z`: adds `δ xᵀ` to the weight gradient and `δ` to the
    /// bias gradient, and returns `∂L/∂x = Wᵀ δ`.
    #[inline]
    pub fn backward(
        &self,
        x: &SVector<T, IN>,
        delta: &SVector<T, OUT>,
        grad: &mut DenseGradient<IN, OUT, S, B>,
    ) -> SVector<T, IN> {
        let mut dx = SVector::zeros();
        self.backward_into(x, delta, grad, Some(&mut dx));
        dx
    }

    /// [`backward`](Self::backward) writing `∂L/∂x` into `dx`, or not computing it for `None`
    /// (the first layer of a network needs none).
    #[inline]
    pub fn backward_into(
        &self,
        x: &SVector<T, IN>,
        delta: &SVector<T, OUT>,
        grad: &mut DenseGradient<IN, OUT, S, B>,
        dx: Option<&mut SVector<T, IN>>,
    ) {
        grad.weights.matrix_mut().ger(T::one(), delta, x, T::one());
        *grad.bias.matrix_mut() += delta;
        if let Some(dx) = dx {
            dx.gemv_tr(T::one(), self.weights.matrix(), delta, T::zero());
        }
    }

    /// A zero gradient of this layer's shapes.
    pub fn zero_gradient(&self) -> DenseGradient<IN, OUT, S, B> {
        DenseGradient::zeroed()
    }

    /// Tensor `index` of this layer: 0 the weights, 1 the bias (with `BIAS`), else empty.
    #[inline]
    pub fn tensor(&self, index: usize) -> &[T] {
        match index {
            0 => self.weights.matrix().as_slice(),
            1 if BIAS => self.bias.matrix().as_slice(),
            _ => &[],
        }
    }

    /// Tensor `index` of this layer, mutably: 0 the weights, 1 the bias (with `BIAS`), else
    /// empty.
    #[inline]
    pub fn tensor_mut(&mut self, index: usize) -> &mut [T] {
        match index {
            0 => self.weights.matrix_mut().as_mut_slice(),
            1 if BIAS => self.bias.matrix_mut().as_mut_slice(),
            _ => &mut [],
        }
    }
}

impl<
    const IN: usize,
    const OUT: usize,
    T: Scalar,
    S: MatrixStorage<OUT, IN, Scalar = T>,
    B: MatrixStorage<OUT, 1, Scalar = T>,
> DenseGradient<IN, OUT, S, B>
{
    /// A gradient of zeros.
    pub fn zeroed() -> Self {
        Self {
            weights: S::zeroed(),
            bias: B::zeroed(),
        }
    }

    /// Tensor `index`: 0 the weight gradient, 1 the bias gradient, else empty.
    #[inline]
    pub fn tensor(&self, index: usize) -> &[T] {
        match index {
            0 => self.weights.matrix().as_slice(),
            1 => self.bias.matrix().as_slice(),
            _ => &[],
        }
    }

    /// Tensor `index`, mutably: 0 the weight gradient, 1 the bias gradient, else empty.
    #[inline]
    pub fn tensor_mut(&mut self, index: usize) -> &mut [T] {
        match index {
            0 => self.weights.matrix_mut().as_mut_slice(),
            1 => self.bias.matrix_mut().as_mut_slice(),
            _ => &mut [],
        }
    }
}

/// Shapes of the tensors of a dense layer: 0 the `weight` `[units, inputs]`, 1 the `bias`
/// `[units]` when it has one.
pub(crate) const fn dense_tensor_info(
    inputs: usize,
    units: usize,
    bias: bool,
    index: usize,
) -> Option<TensorInfo> {
    match index {
        0 => Some(TensorInfo::matrix("", "weight", units, inputs)),
        1 if bias => Some(TensorInfo::vector("", "bias", units)),
        _ => None,
    }
}

/// A lone layer's gradient is itself a parameter list of two tensors, `weight` and `bias`.
impl<
    const IN: usize,
    const OUT: usize,
    T: Scalar,
    S: MatrixStorage<OUT, IN, Scalar = T>,
    B: MatrixStorage<OUT, 1, Scalar = T>,
> Parameters<T> for DenseGradient<IN, OUT, S, B>
{
    const TENSORS: usize = 2;

    fn tensor_info(index: usize) -> Option<TensorInfo> {
        dense_tensor_info(IN, OUT, true, index)
    }

    fn tensor(&self, index: usize) -> &[T] {
        DenseGradient::tensor(self, index)
    }

    fn tensor_mut(&mut self, index: usize) -> &mut [T] {
        DenseGradient::tensor_mut(self, index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::{Linear, Tanh};
    use crate::storage::HeapMatrix;
    use nalgebra::{matrix, vector};

    #[test]
    fn forward_by_hand() {
        let mut layer = Dense::<3, 2, Tanh>::new(Tanh);
        layer.weights = matrix![0.1, 0.2, 0.3; -0.4, 0.5, -0.6];
        layer.bias = vector![0.05, -0.05];
        let x = vector![1.0, 2.0, 3.0];
        // z0 = 0.1 + 0.4 + 0.9 + 0.05 = 1.45; z1 = -0.4 + 1.0 - 1.8 - 0.05 = -1.25
        let a = layer.forward(&x);
        assert!((a[0] - 1.45_f32.tanh()).abs() < 1e-6);
        assert!((a[1] - (-1.25_f32).tanh()).abs() < 1e-6);
    }

    #[test]
    fn inline_weights_start_at_a_cache_line_wherever_the_layer_lives() {
        #[derive(Clone)]
        struct Network {
            _first: u8,
            dense: Dense<2, 64, Linear>,
            _last: f32,
        }
        let on_stack = Network {
            _first: 1,
            dense: Dense::new(Linear),
            _last: 0.0,
        };
        let in_array = [(7_u8, on_stack.dense.clone()), (9, Dense::new(Linear))];
        let boxed = Box::new(on_stack.clone());
        let layers = [
            &on_stack.dense,
            &in_array[0].1,
            &in_array[1].1,
            &boxed.dense,
        ];
        for layer in layers {
            assert_eq!(layer.weights.as_ptr() as usize % 64, 0);
            // 2 × 64 weights fill whole lines: the bias follows at a line too.
            assert_eq!(layer.bias.as_ptr() as usize % 64, 0);
        }
    }

    #[test]
    fn backward_by_hand() {
        let mut layer = Dense::<2, 2, Linear>::new(Linear);
        layer.weights = matrix![1.0, 2.0; 3.0, 4.0];
        let x = vector![5.0, 6.0];
        let delta = vector![1.0, -1.0];
        let mut grad = layer.zero_gradient();
        let dx = layer.backward(&x, &delta, &mut grad);
        assert_eq!(grad.weights, matrix![5.0, 6.0; -5.0, -6.0]);
        assert_eq!(grad.bias, delta);
        assert_eq!(dx, vector![1.0 - 3.0, 2.0 - 4.0]);
    }

    #[test]
    fn heap_and_inline_agree() {
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(1);
        let inline = Dense::<4, 3, Tanh>::initialized(
            Tanh,
            Initializer::HeNormal,
            Initializer::Normal,
            &mut rng,
        );
        let mut heap = Dense::<4, 3, Tanh, HeapMatrix<3, 4>>::new(Tanh);
        heap.tensor_mut(0).copy_from_slice(inline.tensor(0));
        heap.tensor_mut(1).copy_from_slice(inline.tensor(1));
        let x = vector![0.5, -1.0, 2.0, 0.25];
        assert_eq!(inline.forward(&x), heap.forward(&x));
    }
}
