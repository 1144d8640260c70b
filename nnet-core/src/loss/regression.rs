//! Regression losses: squared, absolute and Huber error, each the mean over the output units.

use nalgebra::SVector;

use super::{Loss, check_finite, zip_into};
use crate::Error;
use crate::Scalar;
use crate::storage::vector_with_of;

/// Mean squared error, Keras's `mean_squared_error` (`mse`).
///
/// ```text
/// L = 1/N Σ_i (p_i - y_i)²
/// ∂L/∂p_i = 2 (p_i - y_i) / N
/// ```
///
/// # Examples
///
/// ```
/// use nalgebra::vector;
/// use nnet_core::loss::{Loss, MeanSquaredError};
///
/// // (1² + 2²) / 2
/// assert_eq!(MeanSquaredError.value(&vector![1.0, 3.0], &vector![0.0, 1.0]), 2.5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MeanSquaredError;

impl<const N: usize, T: Scalar> Loss<N, T> for MeanSquaredError {
    type Target = SVector<T, N>;

    /// `"mean_squared_error"`.
    fn name(&self) -> &'static str {
        "mean_squared_error"
    }

    /// `1/N Σ_i (p_i - y_i)²`.
    fn value(&self, prediction: &SVector<T, N>, target: &Self::Target) -> T {
        let sum: T = prediction
            .iter()
            .zip(target.iter())
            .map(|(&p, &y)| (p - y) * (p - y))
            .sum();
        sum / T::of_f64(N as f64)
    }

    /// `2 (p_i - y_i) / N`.
    fn gradient(&self, prediction: &SVector<T, N>, target: &Self::Target) -> SVector<T, N> {
        vector_with_of(|g| self.gradient_into(prediction, target, g))
    }

    fn gradient_into(
        &self,
        prediction: &SVector<T, N>,
        target: &Self::Target,
        gradient: &mut SVector<T, N>,
    ) {
        let scale = T::of_f64(2.0) / T::of_f64(N as f64);
        zip_into(gradient, prediction, target, |p, y| (p - y) * scale);
    }

    /// Accepts finite targets.
    fn check_target(&self, target: &Self::Target) -> Result<(), String> {
        check_finite(target)
    }
}

/// Mean absolute error, Keras's `mean_absolute_error` (`mae`).
///
/// ```text
/// L = 1/N Σ_i |p_i - y_i|
/// ∂L/∂p_i = sign(p_i - y_i) / N     with sign(0) = 0
/// ```
///
/// The kink at `p_i = y_i` gets the subgradient 0, as TensorFlow's `abs` does.
///
/// # Examples
///
/// ```
/// use nalgebra::vector;
/// use nnet_core::loss::{Loss, MeanAbsoluteError};
///
/// assert_eq!(MeanAbsoluteError.value(&vector![1.0, 3.0], &vector![0.0, 1.0]), 1.5);
/// assert_eq!(MeanAbsoluteError.gradient(&vector![1.0, 1.0], &vector![0.0, 1.0]), vector![0.5, 0.0]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MeanAbsoluteError;

impl<const N: usize, T: Scalar> Loss<N, T> for MeanAbsoluteError {
    type Target = SVector<T, N>;

    /// `"mean_absolute_error"`.
    fn name(&self) -> &'static str {
        "mean_absolute_error"
    }

    /// `1/N Σ_i |p_i - y_i|`.
    fn value(&self, prediction: &SVector<T, N>, target: &Self::Target) -> T {
        let sum: T = prediction
            .iter()
            .zip(target.iter())
            .map(|(&p, &y)| (p - y).abs())
            .sum();
        sum / T::of_f64(N as f64)
    }

    /// `sign(p_i - y_i) / N`, and `0` where `p_i = y_i`.
    fn gradient(&self, prediction: &SVector<T, N>, target: &Self::Target) -> SVector<T, N> {
        vector_with_of(|g| self.gradient_into(prediction, target, g))
    }

    fn gradient_into(
        &self,
        prediction: &SVector<T, N>,
        target: &Self::Target,
        gradient: &mut SVector<T, N>,
    ) {
        let scale = T::one() / T::of_f64(N as f64);
        zip_into(gradient, prediction, target, |p, y| {
            let e = p - y;
            if e > T::zero() {
                scale
            } else if e < T::zero() {
                -scale
            } else {
                T::zero()
            }
        })
    }

    /// Accepts finite targets.
    fn check_target(&self, target: &Self::Target) -> Result<(), String> {
        check_finite(target)
    }
}

/// Huber loss, Keras's `huber`: squared near the target, linear far from it, so outliers pull
/// less than with the squared error.
///
/// With `e_i = p_i - y_i` and threshold `δ` ([`delta`](Huber::delta)):
///
/// ```text
/// L = 1/N Σ_i { e_i² / 2          if |e_i| ≤ δ
///             { δ |e_i| - δ² / 2   otherwise
/// ∂L/∂p_i = clamp(e_i, -δ, δ) / N
/// ```
///
/// # Examples
///
/// ```
/// use nalgebra::vector;
/// use nnet_core::loss::{Huber, Loss};
///
/// // (0.5² / 2 + (3 - 0.5)) / 2 with Keras's default δ = 1
/// let loss = Huber::default().value(&vector![0.5, 3.0], &vector![0.0, 0.0]);
/// assert_eq!(loss, 1.3125);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Huber {
    /// Where the loss turns from quadratic to linear: a positive, finite error size. Keras's
    /// default, and [`Default`]'s, is `1.0`.
    pub delta: f32,
}

impl Huber {
    /// A Huber loss with threshold `delta`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidHyperparameter`] if `delta` is not positive and finite.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::loss::Huber;
    ///
    /// assert_eq!(Huber::new(0.5).unwrap().delta, 0.5);
    /// assert!(Huber::new(0.0).is_err());
    /// ```
    pub fn new(delta: f32) -> Result<Self, Error> {
        if delta > 0.0 && delta.is_finite() {
            Ok(Self { delta })
        } else {
            Err(Error::InvalidHyperparameter {
                name: "delta",
                value: f64::from(delta),
                expected: "the Huber delta must be positive and finite (Keras uses 1.0)",
            })
        }
    }
}

impl Default for Huber {
    /// `δ = 1`, as Keras.
    fn default() -> Self {
        Self { delta: 1.0 }
    }
}

impl<const N: usize, T: Scalar> Loss<N, T> for Huber {
    type Target = SVector<T, N>;

    /// `"huber"`.
    fn name(&self) -> &'static str {
        "huber"
    }

    /// `1/N Σ_i (e_i² / 2 if |e_i| ≤ δ, else δ |e_i| - δ² / 2)`.
    fn value(&self, prediction: &SVector<T, N>, target: &Self::Target) -> T {
        let d = T::of_f32(self.delta);
        let sum: T = prediction
            .iter()
            .zip(target.iter())
            .map(|(&p, &y)| {
                let e = (p - y).abs();
                if e <= d {
                    T::of_f64(0.5) * e * e
                } else {
                    d * e - T::of_f64(0.5) * d * d
                }
            })
            .sum();
        sum / T::of_f64(N as f64)
    }

    /// `clamp(e_i, -δ, δ) / N`.
    fn gradient(&self, prediction: &SVector<T, N>, target: &Self::Target) -> SVector<T, N> {
        vector_with_of(|g| self.gradient_into(prediction, target, g))
    }

    fn gradient_into(
        &self,
        prediction: &SVector<T, N>,
        target: &Self::Target,
        gradient: &mut SVector<T, N>,
    ) {
        let d = T::of_f32(self.delta);
        // Written out rather than with `clamp`, which panics if δ is negative or NaN.
        zip_into(gradient, prediction, target, |p, y| {
            let e = p - y;
            let e = if e > d {
                d
            } else if e < -d {
                -d
            } else {
                e
            };
            e / T::of_f64(N as f64)
        })
    }

    /// Accepts finite targets; also reports a `delta` that is not positive and finite, which
    /// would make the loss meaningless.
    fn check_target(&self, target: &Self::Target) -> Result<(), String> {
        if !(self.delta > 0.0 && self.delta.is_finite()) {
            return Err(format!(
                "the Huber loss has delta {}; use a positive, finite delta (Keras uses 1.0)",
                self.delta
            ));
        }
        check_finite(target)
    }
}
