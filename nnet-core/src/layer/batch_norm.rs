//! `batch_norm`: Keras's `BatchNormalization` over the units of a vector.

use nalgebra::SVector;
use pulp::Simd;

#[cfg(feature = "std")]
use super::Mode;
use super::{Layer, LayerGradient, LayerKind};
use crate::activation::Linear;
use crate::storage::MatrixStorage;
use crate::{Scalar, TensorInfo};

/// Batch normalization of `N` units, as Keras's `BatchNormalization`:
/// `y = γ (x − μ) / √(σ² + ε) + β`.
///
/// In training (`fit`), `μ` and `σ²` are the mean and the biased variance of each unit over the
/// batch, and after each step the moving statistics follow them:
/// `moving = momentum · moving + (1 − momentum) · batch`. At inference (`forward`, `predict`,
/// `evaluate`), `μ` and `σ²` are the moving statistics. `γ` (`gamma`) and `β` (`beta`) are
/// trainable; `moving_mean` and `moving_variance` are not. Keras's defaults: `momentum` 0.99,
/// `epsilon` 1e-3, `γ = 1`, `β = 0`, moving mean 0, moving variance 1.
///
/// The vector storage `V` is an inline `SVector` by default, or a
/// [`HeapVector`](crate::storage::HeapVector) for wide layers.
///
/// # Examples
///
/// ```
/// use nalgebra::vector;
/// use nnet_core::layer::{BatchNorm, Layer};
///
/// let mut norm = BatchNorm::<2>::new(0.99, 1e-3);
/// norm.moving_mean = vector![1.0, -1.0];
/// norm.moving_variance = vector![4.0 - 1e-3, 1.0 - 1e-3];
/// let mut y = [0.0; 2];
/// norm.output_batch(&[3.0, 0.0], &mut y);
/// assert!((y[0] - 1.0).abs() < 1e-6 && (y[1] - 1.0).abs() < 1e-6);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BatchNorm<const N: usize, V = SVector<f32, N>> {
    /// The scale `γ`.
    pub gamma: V,
    /// The offset `β`.
    pub beta: V,
    /// The moving mean, used at inference.
    pub moving_mean: V,
    /// The moving (biased) variance, used at inference.
    pub moving_variance: V,
    /// Weight of the old moving statistics in each update: an `f64` whatever the scalar, so
    /// that an `f64` network uses the setting as written (an `f32` network rounds it to `f32`).
    pub momentum: f64,
    /// Added to the variance before the square root (`f64`, as `momentum`).
    pub epsilon: f64,
}

/// The gradient of a [`BatchNorm`]: `∂L/∂γ`, `∂L/∂β`, and the mean and variance of the last
/// training batch in the slots of the moving statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchNormGradient<const N: usize, V = SVector<f32, N>> {
    /// `∂L/∂γ`.
    pub gamma: V,
    /// `∂L/∂β`.
    pub beta: V,
    /// The mean of each unit over the last training batch.
    pub batch_mean: V,
    /// The biased variance of each unit over the last training batch.
    pub batch_variance: V,
}

impl<const N: usize, T: Scalar, V: MatrixStorage<N, 1, Scalar = T>> BatchNorm<N, V> {
    /// A layer with Keras's initial values (`γ = 1`, `β = 0`, moving mean 0, moving variance
    /// of 1) and the given `momentum` and `epsilon`, which a network of scalar `T` rounds to
    /// `T` where it computes with them.
    pub fn new(momentum: f64, epsilon: f64) -> Self {
        let mut gamma = V::zeroed();
        gamma.matrix_mut().fill(T::one());
        let mut moving_variance = V::zeroed();
        moving_variance.matrix_mut().fill(T::one());
        Self {
            gamma,
            beta: V::zeroed(),
            moving_mean: V::zeroed(),
            moving_variance,
            momentum,
            epsilon,
        }
    }

    /// The inference transform as `y = scale · x + shift`, per unit: what folding into a dense
    /// layer uses.
    pub fn scale_and_shift(&self) -> (SVector<T, N>, SVector<T, N>) {
        let mut scale = SVector::<T, N>::zeros();
        let mut shift = SVector::<T, N>::zeros();
        self.scale_and_shift_into(scale.as_mut_slice(), shift.as_mut_slice());
        (scale, shift)
    }

    /// [`scale_and_shift`](Self::scale_and_shift) into slices of `N` values.
    pub fn scale_and_shift_into(&self, scale: &mut [T], shift: &mut [T]) {
        let (g, b) = (self.gamma.matrix(), self.beta.matrix());
        let (m, v) = (self.moving_mean.matrix(), self.moving_variance.matrix());
        for j in 0..N.min(scale.len()).min(shift.len()) {
            let s = g[j] / (v[j] + T::of_f64(self.epsilon)).sqrt_();
            scale[j] = s;
            shift[j] = b[j] - s * m[j];
        }
    }

    /// [`scale_and_shift`](Self::scale_and_shift) in the layer's own storage (on the heap for
    /// wide layers), for folding.
    fn affine(&self) -> (V, V) {
        let (mut scale, mut shift) = (V::zeroed(), V::zeroed());
        self.scale_and_shift_into(
            scale.matrix_mut().as_mut_slice(),
            shift.matrix_mut().as_mut_slice(),
        );
        (scale, shift)
    }

    /// One column at inference: `a = γ (x − moving mean) / √(moving variance + ε) + β`.
    #[inline(always)]
    fn infer(&self, x: &[T], a: &mut [T]) {
        let (g, b) = (self.gamma.matrix(), self.beta.matrix());
        let (m, v) = (self.moving_mean.matrix(), self.moving_variance.matrix());
        for j in 0..N {
            a[j] = g[j] * (x[j] - m[j]) / (v[j] + T::of_f64(self.epsilon)).sqrt_() + b[j];
        }
    }

    /// One column: `z = x̂` and `a = γ x̂ + β` with the given mean and variance.
    fn normalize(&self, mean: &[T], variance: &[T], x: &[T], z: &mut [T], a: &mut [T]) {
        let (g, b) = (self.gamma.matrix(), self.beta.matrix());
        for j in 0..N {
            let inv = T::one() / (variance[j] + T::of_f64(self.epsilon)).sqrt_();
            let xhat = (x[j] - mean[j]) * inv;
            z[j] = xhat;
            a[j] = g[j] * xhat + b[j];
        }
    }
}

impl<const N: usize, T: Scalar, V: MatrixStorage<N, 1, Scalar = T>> LayerGradient<T>
    for BatchNormGradient<N, V>
{
    fn zeroed() -> Self {
        Self {
            gamma: V::zeroed(),
            beta: V::zeroed(),
            batch_mean: V::zeroed(),
            batch_variance: V::zeroed(),
        }
    }
    fn tensor(&self, index: usize) -> &[T] {
        match index {
            0 => self.gamma.matrix().as_slice(),
            1 => self.beta.matrix().as_slice(),
            2 => self.batch_mean.matrix().as_slice(),
            3 => self.batch_variance.matrix().as_slice(),
            _ => &[],
        }
    }
    fn tensor_mut(&mut self, index: usize) -> &mut [T] {
        match index {
            0 => self.gamma.matrix_mut().as_mut_slice(),
            1 => self.beta.matrix_mut().as_mut_slice(),
            2 => self.batch_mean.matrix_mut().as_mut_slice(),
            3 => self.batch_variance.matrix_mut().as_mut_slice(),
            _ => &mut [],
        }
    }
}

impl<const N: usize, V> super::sealed::Sealed for BatchNorm<N, V> {}

impl<const N: usize, T: Scalar, V: MatrixStorage<N, 1, Scalar = T>> Layer<N, N, T>
    for BatchNorm<N, V>
{
    const KIND: LayerKind = LayerKind::BatchNorm;
    const TENSORS: usize = 4;
    const TRAINABLE: usize = 2 * N;
    const NON_TRAINABLE: usize = 2 * N;
    type Gradient = BatchNormGradient<N, V>;
    type Activation = Linear;

    fn tensor_info(index: usize) -> Option<TensorInfo> {
        match index {
            0 => Some(TensorInfo::vector("", "gamma", N)),
            1 => Some(TensorInfo::vector("", "beta", N)),
            2 => Some(TensorInfo::vector("", "moving_mean", N).non_trainable()),
            3 => Some(TensorInfo::vector("", "moving_variance", N).non_trainable()),
            _ => None,
        }
    }

    fn tensor(&self, index: usize) -> &[T] {
        match index {
            0 => self.gamma.matrix().as_slice(),
            1 => self.beta.matrix().as_slice(),
            2 => self.moving_mean.matrix().as_slice(),
            3 => self.moving_variance.matrix().as_slice(),
            _ => &[],
        }
    }

    fn tensor_mut(&mut self, index: usize) -> &mut [T] {
        match index {
            0 => self.gamma.matrix_mut().as_mut_slice(),
            1 => self.beta.matrix_mut().as_mut_slice(),
            2 => self.moving_mean.matrix_mut().as_mut_slice(),
            3 => self.moving_variance.matrix_mut().as_mut_slice(),
            _ => &mut [],
        }
    }

    #[inline(always)]
    fn activation(&self) -> &Linear {
        &Linear
    }

    #[inline(always)]
    fn forward_simd_into<V2: Simd>(&self, _: V2, x: &SVector<T, N>, a: &mut SVector<T, N>) {
        self.infer(x.as_slice(), a.as_mut_slice());
    }

    #[inline(always)]
    fn forward_trace_simd_into<V2: Simd>(
        &self,
        _: V2,
        x: &SVector<T, N>,
        z: &mut SVector<T, N>,
        a: &mut SVector<T, N>,
    ) {
        let (m, v) = (self.moving_mean.matrix(), self.moving_variance.matrix());
        self.normalize(
            m.as_slice(),
            v.as_slice(),
            x.as_slice(),
            z.as_mut_slice(),
            a.as_mut_slice(),
        );
    }

    /// The derivative of the inference transform (moving statistics are constants).
    #[inline(always)]
    fn backward_simd<V2: Simd>(
        &self,
        _: V2,
        _: &SVector<T, N>,
        z: &SVector<T, N>,
        delta: &SVector<T, N>,
        grad: &mut Self::Gradient,
        dx: Option<&mut SVector<T, N>>,
    ) {
        *grad.gamma.matrix_mut() += delta.component_mul(z);
        *grad.beta.matrix_mut() += delta;
        if let Some(dx) = dx {
            let (g, v) = (self.gamma.matrix(), self.moving_variance.matrix());
            for j in 0..N {
                dx[j] = delta[j] * g[j] / (v[j] + T::of_f64(self.epsilon)).sqrt_();
            }
        }
    }

    /// In training: each unit's mean and biased variance over the batch go to `grad`'s
    /// `batch_mean` and `batch_variance`, and the batch is normalized with them.
    #[cfg(feature = "std")]
    fn forward_batch(
        &self,
        mode: Mode<'_>,
        x: &[T],
        z: &mut [T],
        a: &mut [T],
        grad: &mut Self::Gradient,
    ) {
        if !mode.is_training() {
            let (m, v) = (self.moving_mean.matrix(), self.moving_variance.matrix());
            let columns = x.chunks_exact(N).zip(z.chunks_exact_mut(N));
            for ((x, z), a) in columns.zip(a.chunks_exact_mut(N)) {
                self.normalize(m.as_slice(), v.as_slice(), x, z, a);
            }
            return;
        }
        let n = x.len() / N;
        let mean = grad.batch_mean.matrix_mut().as_mut_slice();
        let variance = grad.batch_variance.matrix_mut().as_mut_slice();
        mean.fill(T::zero());
        variance.fill(T::zero());
        if n == 0 {
            return;
        }
        // Two passes in f64: the mean, then the squared deviations from it.
        for j in 0..N {
            let sum: f64 = x.chunks_exact(N).map(|c| c[j].as_f64()).sum();
            let mu = sum / n as f64;
            let sq: f64 = x
                .chunks_exact(N)
                .map(|c| crate::math::square(c[j].as_f64() - mu))
                .sum();
            mean[j] = T::of_f64(mu);
            variance[j] = T::of_f64(sq / n as f64);
        }
        let columns = x.chunks_exact(N).zip(z.chunks_exact_mut(N));
        for ((x, z), a) in columns.zip(a.chunks_exact_mut(N)) {
            self.normalize(mean, variance, x, z, a);
        }
    }

    #[cfg(feature = "std")]
    fn output_batch(&self, x: &[T], a: &mut [T]) {
        for (x, a) in x.chunks_exact(N).zip(a.chunks_exact_mut(N)) {
            self.infer(x, a);
        }
    }

    /// The gradient through the batch's mean and variance:
    /// `∂L/∂xᵢ = γ/(n σ) · (n δᵢ − Σδ − x̂ᵢ Σ δ x̂)`, with `σ² + ε` from `grad`'s
    /// `batch_variance`. After a pass in inference mode, use the per-sample backward pass.
    #[cfg(feature = "std")]
    fn backward_batch(
        &self,
        _: &[T],
        z: &[T],
        delta: &[T],
        grad: &mut Self::Gradient,
        dx: &mut [T],
    ) {
        let n = delta.len() / N;
        if n == 0 {
            return;
        }
        let g = self.gamma.matrix();
        for j in 0..N {
            let (mut sum, mut dot) = (0.0_f64, 0.0_f64);
            for (d, z) in delta.chunks_exact(N).zip(z.chunks_exact(N)) {
                sum += d[j].as_f64();
                dot += d[j].as_f64() * z[j].as_f64();
            }
            grad.gamma.matrix_mut()[j] += T::of_f64(dot);
            grad.beta.matrix_mut()[j] += T::of_f64(sum);
            if dx.is_empty() {
                continue;
            }
            let inv = 1.0
                / crate::math::sqrt64(
                    grad.batch_variance.matrix()[j].as_f64()
                        + crate::scalar::held::<T>(self.epsilon),
                );
            let k = g[j].as_f64() * inv / n as f64;
            let columns = delta.chunks_exact(N).zip(z.chunks_exact(N));
            for ((d, z), dx) in columns.zip(dx.chunks_exact_mut(N)) {
                let v = n as f64 * d[j].as_f64() - sum - z[j].as_f64() * dot;
                dx[j] = T::of_f64(k * v);
            }
        }
    }

    fn update_state(&mut self, grad: &Self::Gradient) {
        let m = T::of_f64(self.momentum);
        let mean = grad.batch_mean.matrix();
        let variance = grad.batch_variance.matrix();
        for (moving, &batch) in self.moving_mean.matrix_mut().iter_mut().zip(mean.iter()) {
            *moving = m * *moving + (T::one() - m) * batch;
        }
        for (moving, &batch) in self
            .moving_variance
            .matrix_mut()
            .iter_mut()
            .zip(variance.iter())
        {
            *moving = m * *moving + (T::one() - m) * batch;
        }
    }
}

impl<
    const IN: usize,
    const OUT: usize,
    T: Scalar,
    A: crate::activation::Activation<T>,
    S: MatrixStorage<OUT, IN, Scalar = T>,
    B: MatrixStorage<OUT, 1, Scalar = T>,
    const BIAS: bool,
> crate::Dense<IN, OUT, A, S, B, BIAS>
{
    /// A copy of this layer with a bias (zero where it had none): what both folds start from.
    fn with_bias(&self) -> crate::Dense<IN, OUT, A, S, B, true> {
        let mut layer = crate::Dense::<IN, OUT, A, S, B, true>::new(self.activation);
        layer.regularizer = self.regularizer;
        layer.weights.clone_from(&self.weights);
        if BIAS {
            layer.bias.clone_from(&self.bias);
        }
        layer
    }

    /// This layer followed by `norm` at inference, as one dense layer: with `norm`'s
    /// `y = s·z + t` per unit ([`BatchNorm::scale_and_shift`]), the weights become `diag(s) W`
    /// and the bias `s·b + t`. Exact up to rounding for a layer whose activation is linear,
    /// which is what `network!` folds (the activation, if any, comes after the normalization).
    ///
    /// # Examples
    ///
    /// ```
    /// use nalgebra::{matrix, vector};
    /// use nnet_core::{activation::Linear, layer::{BatchNorm, Layer}, Dense};
    ///
    /// let mut dense = Dense::<2, 2, Linear>::new(Linear);
    /// dense.weights = matrix![1.0, 2.0; -1.0, 0.5];
    /// dense.bias = vector![0.1, 0.2];
    /// let mut norm = BatchNorm::<2>::new(0.99, 1e-3);
    /// norm.gamma = vector![2.0, 0.5];
    /// norm.moving_mean = vector![1.0, -1.0];
    /// let x = vector![0.3, -0.7];
    /// let separate = norm.forward_simd(pulp::Scalar::new(), &dense.forward(&x));
    /// let folded = dense.folded(&norm).forward(&x);
    /// assert!((separate - folded).norm() < 1e-6);
    /// ```
    pub fn folded<V: MatrixStorage<OUT, 1, Scalar = T>>(
        &self,
        norm: &BatchNorm<OUT, V>,
    ) -> crate::Dense<IN, OUT, A, S, B, true> {
        let mut folded = self.with_bias();
        let (scale, shift) = norm.affine();
        let (w, bias) = (folded.weights.matrix_mut(), folded.bias.matrix_mut());
        let (scale, shift) = (scale.matrix(), shift.matrix());
        for j in 0..OUT {
            let s = scale[j];
            for c in 0..IN {
                w[(j, c)] *= s;
            }
            bias[j] = s * bias[j] + shift[j];
        }
        folded
    }

    /// `norm` followed by this layer at inference, as one dense layer: with `norm`'s
    /// `y = s·x + t` per input, the weights become `W diag(s)` and the bias `b + W t`. Exact up
    /// to rounding whatever this layer's activation, which comes after both.
    ///
    /// # Examples
    ///
    /// ```
    /// use nalgebra::{matrix, vector};
    /// use nnet_core::{activation::Tanh, layer::{BatchNorm, Layer}, Dense};
    ///
    /// let mut norm = BatchNorm::<2>::new(0.99, 1e-3);
    /// norm.gamma = vector![2.0, 0.5];
    /// norm.beta = vector![0.1, -0.3];
    /// norm.moving_mean = vector![1.0, -1.0];
    /// let mut dense = Dense::<2, 2, Tanh>::new(Tanh);
    /// dense.weights = matrix![1.0, 2.0; -1.0, 0.5];
    /// let x = vector![0.3, -0.7];
    /// let separate = dense.forward(&norm.forward_simd(pulp::Scalar::new(), &x));
    /// let folded = dense.folded_after(&norm).forward(&x);
    /// assert!((separate - folded).norm() < 1e-6);
    /// ```
    pub fn folded_after<V: MatrixStorage<IN, 1, Scalar = T>>(
        &self,
        norm: &BatchNorm<IN, V>,
    ) -> crate::Dense<IN, OUT, A, S, B, true> {
        let mut folded = self.with_bias();
        let (scale, shift) = norm.affine();
        let (w, bias) = (folded.weights.matrix_mut(), folded.bias.matrix_mut());
        let (scale, shift) = (scale.matrix(), shift.matrix());
        for j in 0..OUT {
            let mut sum = bias[j];
            for c in 0..IN {
                sum += w[(j, c)] * shift[c];
                w[(j, c)] *= scale[c];
            }
            bias[j] = sum;
        }
        folded
    }
}
