//! `layer_norm`: Keras's `LayerNormalization` over the units of each sample.

use nalgebra::SVector;
use pulp::Simd;

#[cfg(feature = "std")]
use super::Mode;
use super::{Layer, LayerGradient, LayerKind};
use crate::activation::Linear;
use crate::storage::MatrixStorage;
use crate::{Scalar, TensorInfo};

/// Layer normalization of `N` units, as Keras's `LayerNormalization`: each sample is normalized
/// by the mean and biased variance of its own units, `y = γ (x − μ) / √(σ² + ε) + β`, the same
/// in training and at inference. `γ` (`gamma`, initially 1) and `β` (`beta`, initially 0) are
/// trainable; Keras's default `epsilon` is 1e-3.
///
/// # Examples
///
/// ```
/// use nnet_core::layer::{Layer, LayerNorm};
///
/// let norm = LayerNorm::<4>::new(1e-3);
/// let mut y = [0.0; 4];
/// norm.output_batch(&[1.0, 2.0, 3.0, 4.0], &mut y);
/// assert!(y.iter().sum::<f32>().abs() < 1e-6);
/// assert!(y[3] > 1.3 && y[3] < 1.35); // 1.5 / √(1.25 + 0.001)
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LayerNorm<const N: usize, V = SVector<f32, N>> {
    /// The scale `γ`.
    pub gamma: V,
    /// The offset `β`.
    pub beta: V,
    /// Added to the variance before the square root: an `f64` whatever the scalar, so that an
    /// `f64` network uses the setting as written (an `f32` network rounds it to `f32`).
    pub epsilon: f64,
}

/// The gradient of a [`LayerNorm`]: `∂L/∂γ` and `∂L/∂β`.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerNormGradient<const N: usize, V = SVector<f32, N>> {
    /// `∂L/∂γ`.
    pub gamma: V,
    /// `∂L/∂β`.
    pub beta: V,
}

/// Mean and `1 / √(σ² + ε)` of one sample's units, in `f64`, with `ε` as the scalar `T` holds it.
fn moments<T: Scalar>(x: &[T], epsilon: f64) -> (f64, f64) {
    let n = x.len().max(1) as f64;
    let mean = x.iter().map(|&v| v.as_f64()).sum::<f64>() / n;
    let variance = x
        .iter()
        .map(|&v| crate::math::square(v.as_f64() - mean))
        .sum::<f64>()
        / n;
    (
        mean,
        1.0 / crate::math::sqrt64(variance + crate::scalar::held::<T>(epsilon)),
    )
}

impl<const N: usize, T: Scalar, V: MatrixStorage<N, 1, Scalar = T>> LayerNorm<N, V> {
    /// A layer with `γ = 1`, `β = 0` and the given `epsilon`, which a network of scalar `T`
    /// rounds to `T`.
    pub fn new(epsilon: f64) -> Self {
        let mut gamma = V::zeroed();
        gamma.matrix_mut().fill(T::one());
        Self {
            gamma,
            beta: V::zeroed(),
            epsilon,
        }
    }

    /// One sample's output `a = γ x̂ + β`.
    #[inline(always)]
    fn infer(&self, x: &[T], a: &mut [T]) {
        let (mean, inv) = moments(x, self.epsilon);
        let (g, b) = (self.gamma.matrix(), self.beta.matrix());
        for j in 0..N {
            a[j] = g[j] * T::of_f64((x[j].as_f64() - mean) * inv) + b[j];
        }
    }

    /// One sample: `z = x̂`, `a = γ x̂ + β`.
    fn normalize(&self, x: &[T], z: &mut [T], a: &mut [T]) {
        let (mean, inv) = moments(x, self.epsilon);
        let (g, b) = (self.gamma.matrix(), self.beta.matrix());
        for j in 0..N {
            let xhat = T::of_f64((x[j].as_f64() - mean) * inv);
            z[j] = xhat;
            a[j] = g[j] * xhat + b[j];
        }
    }

    /// One sample's backward pass: `∂L/∂x = (γδ − mean(γδ) − x̂ · mean(γδ x̂)) / √(σ² + ε)`.
    fn backward_one(
        &self,
        x: &[T],
        z: &[T],
        delta: &[T],
        grad: &mut LayerNormGradient<N, V>,
        dx: Option<&mut [T]>,
    ) {
        let g = self.gamma.matrix();
        for j in 0..N {
            grad.gamma.matrix_mut()[j] += delta[j] * z[j];
            grad.beta.matrix_mut()[j] += delta[j];
        }
        let Some(dx) = dx else { return };
        let (_, inv) = moments(x, self.epsilon);
        let n = N as f64;
        let (mut mean_g, mut mean_gz) = (0.0_f64, 0.0_f64);
        for j in 0..N {
            let gd = g[j].as_f64() * delta[j].as_f64();
            mean_g += gd;
            mean_gz += gd * z[j].as_f64();
        }
        mean_g /= n;
        mean_gz /= n;
        for j in 0..N {
            let gd = g[j].as_f64() * delta[j].as_f64();
            dx[j] = T::of_f64((gd - mean_g - z[j].as_f64() * mean_gz) * inv);
        }
    }
}

impl<const N: usize, T: Scalar, V: MatrixStorage<N, 1, Scalar = T>> LayerGradient<T>
    for LayerNormGradient<N, V>
{
    fn zeroed() -> Self {
        Self {
            gamma: V::zeroed(),
            beta: V::zeroed(),
        }
    }
    fn tensor(&self, index: usize) -> &[T] {
        match index {
            0 => self.gamma.matrix().as_slice(),
            1 => self.beta.matrix().as_slice(),
            _ => &[],
        }
    }
    fn tensor_mut(&mut self, index: usize) -> &mut [T] {
        match index {
            0 => self.gamma.matrix_mut().as_mut_slice(),
            1 => self.beta.matrix_mut().as_mut_slice(),
            _ => &mut [],
        }
    }
}

impl<const N: usize, V> super::sealed::Sealed for LayerNorm<N, V> {}

impl<const N: usize, T: Scalar, V: MatrixStorage<N, 1, Scalar = T>> Layer<N, N, T>
    for LayerNorm<N, V>
{
    const KIND: LayerKind = LayerKind::LayerNorm;
    const TENSORS: usize = 2;
    const TRAINABLE: usize = 2 * N;
    const NON_TRAINABLE: usize = 0;
    type Gradient = LayerNormGradient<N, V>;
    type Activation = Linear;

    fn tensor_info(index: usize) -> Option<TensorInfo> {
        match index {
            0 => Some(TensorInfo::vector("", "gamma", N)),
            1 => Some(TensorInfo::vector("", "beta", N)),
            _ => None,
        }
    }

    fn tensor(&self, index: usize) -> &[T] {
        match index {
            0 => self.gamma.matrix().as_slice(),
            1 => self.beta.matrix().as_slice(),
            _ => &[],
        }
    }

    fn tensor_mut(&mut self, index: usize) -> &mut [T] {
        match index {
            0 => self.gamma.matrix_mut().as_mut_slice(),
            1 => self.beta.matrix_mut().as_mut_slice(),
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
        self.normalize(x.as_slice(), z.as_mut_slice(), a.as_mut_slice());
    }

    #[inline(always)]
    fn backward_simd<V2: Simd>(
        &self,
        _: V2,
        x: &SVector<T, N>,
        z: &SVector<T, N>,
        delta: &SVector<T, N>,
        grad: &mut Self::Gradient,
        dx: Option<&mut SVector<T, N>>,
    ) {
        self.backward_one(
            x.as_slice(),
            z.as_slice(),
            delta.as_slice(),
            grad,
            dx.map(|d| d.as_mut_slice()),
        );
    }

    #[cfg(feature = "std")]
    fn forward_batch(
        &self,
        _: Mode<'_>,
        x: &[T],
        z: &mut [T],
        a: &mut [T],
        _: &mut Self::Gradient,
    ) {
        let columns = x.chunks_exact(N).zip(z.chunks_exact_mut(N));
        for ((x, z), a) in columns.zip(a.chunks_exact_mut(N)) {
            self.normalize(x, z, a);
        }
    }

    #[cfg(feature = "std")]
    fn output_batch(&self, x: &[T], a: &mut [T]) {
        for (x, a) in x.chunks_exact(N).zip(a.chunks_exact_mut(N)) {
            self.infer(x, a);
        }
    }

    #[cfg(feature = "std")]
    fn backward_batch(
        &self,
        x: &[T],
        z: &[T],
        delta: &[T],
        grad: &mut Self::Gradient,
        dx: &mut [T],
    ) {
        let n = delta.len() / N;
        for i in 0..n {
            let r = i * N..(i + 1) * N;
            let dx = if dx.is_empty() {
                None
            } else {
                Some(&mut dx[r.clone()])
            };
            self.backward_one(&x[r.clone()], &z[r.clone()], &delta[r], grad, dx);
        }
    }
}
