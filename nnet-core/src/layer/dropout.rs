//! `dropout RATE`: inverted dropout in training, the identity at inference.

use nalgebra::SVector;
use pulp::Simd;

#[cfg(feature = "std")]
use super::Mode;
use super::{Layer, LayerKind, NoGradient};
use crate::activation::Linear;
use crate::{Scalar, TensorInfo};

/// Keras's `Dropout(rate)`: in training, each unit of each sample is zeroed with probability
/// `rate` and the others are scaled by `1 / (1 − rate)` (inverted dropout), so the expected
/// output equals the input; at inference the layer is the identity.
///
/// The masks come from the generator of the training pass (seeded from `FitConfig::seed`), so
/// the same seed gives the same masks and the same weights.
///
/// # Examples
///
/// ```
/// use nnet_core::layer::{Dropout, Layer, Mode, NoGradient};
/// use rand::SeedableRng;
///
/// let dropout = Dropout::<1000>::new(0.25);
/// let x = vec![1.0; 1000];
/// let (mut z, mut a) = (vec![0.0; 1000], vec![0.0; 1000]);
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
/// dropout.forward_batch(Mode::Training(&mut rng), &x, &mut z, &mut a, &mut NoGradient);
/// let kept = a.iter().filter(|&&v| v != 0.0).count();
/// assert!((700..800).contains(&kept));
/// assert!(a.iter().all(|&v| v == 0.0 || v == 1.0 / 0.75));
///
/// dropout.output_batch(&x, &mut a);
/// assert_eq!(a, x);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dropout<const N: usize> {
    /// Probability of dropping a unit, in `[0, 1)`: an `f64` whatever the scalar, so that an
    /// `f64` network scales by `1 / (1 − rate)` of the rate as written (an `f32` network rounds
    /// it to `f32`).
    pub rate: f64,
}

impl<const N: usize> Dropout<N> {
    /// A dropout layer of `rate`, in `[0, 1)` (`network!` checks it).
    pub const fn new(rate: f64) -> Self {
        Self { rate }
    }

    /// Writes a fresh mask to `scale`: `0` for a dropped unit, `1 / (1 − rate)` for a kept one.
    /// (A rate of 1 or more, which `network!` refuses, drops every unit.)
    pub fn draw_mask<T: Scalar>(&self, rng: &mut dyn rand::RngCore, scale: &mut [T]) {
        // The rate as the scalar holds it: an `f32` network draws exactly as with an `f32` rate.
        let rate = crate::scalar::held::<T>(self.rate);
        let keep = if rate < 1.0 {
            T::one() / (T::one() - T::of_f64(rate))
        } else {
            T::zero()
        };
        for s in scale {
            // 24 random bits: a uniform number in [0, 1) with every value exact in f32 (and so
            // compared exactly in f64).
            let u = f64::from((rng.next_u32() >> 8) as f32 * (1.0 / 16_777_216.0));
            *s = if u < rate { T::zero() } else { keep };
        }
    }
}

impl<const N: usize> super::sealed::Sealed for Dropout<N> {}

impl<const N: usize, T: Scalar> Layer<N, N, T> for Dropout<N> {
    const KIND: LayerKind = LayerKind::Dropout;
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
    fn forward_simd_into<V: Simd>(&self, _: V, x: &SVector<T, N>, a: &mut SVector<T, N>) {
        a.as_mut_slice().copy_from_slice(x.as_slice());
    }

    #[inline(always)]
    fn forward_simd<V: Simd>(&self, _: V, x: &SVector<T, N>) -> SVector<T, N> {
        *x
    }

    #[inline(always)]
    fn forward_trace_simd_into<V: Simd>(
        &self,
        _: V,
        x: &SVector<T, N>,
        z: &mut SVector<T, N>,
        a: &mut SVector<T, N>,
    ) {
        z.fill(T::one());
        a.as_mut_slice().copy_from_slice(x.as_slice());
    }

    #[inline(always)]
    fn backward_simd<V: Simd>(
        &self,
        _: V,
        _: &SVector<T, N>,
        _: &SVector<T, N>,
        delta: &SVector<T, N>,
        _: &mut NoGradient,
        dx: Option<&mut SVector<T, N>>,
    ) {
        if let Some(dx) = dx {
            dx.as_mut_slice().copy_from_slice(delta.as_slice());
        }
    }

    /// In training, `z` receives the mask's scale per unit and `a = x · z`.
    #[cfg(feature = "std")]
    fn forward_batch(&self, mode: Mode<'_>, x: &[T], z: &mut [T], a: &mut [T], _: &mut NoGradient) {
        match mode {
            Mode::Training(rng) if self.rate > 0.0 => self.draw_mask(rng, z),
            _ => z.fill(T::one()),
        }
        for ((a, &x), &s) in a.iter_mut().zip(x).zip(z.iter()) {
            *a = x * s;
        }
    }

    #[cfg(feature = "std")]
    fn output_batch(&self, x: &[T], a: &mut [T]) {
        a.copy_from_slice(x);
    }

    #[cfg(feature = "std")]
    fn backward_batch(&self, _: &[T], z: &[T], delta: &[T], _: &mut NoGradient, dx: &mut [T]) {
        for ((dx, &d), &s) in dx.iter_mut().zip(delta).zip(z) {
            *dx = d * s;
        }
    }
}
