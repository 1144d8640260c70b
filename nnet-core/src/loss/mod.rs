//! Loss functions, with Keras's names and reduction.
//!
//! A loss compares one sample's prediction with its target. The reduction is Keras's: the mean
//! over output units for one sample, then (in training) the mean over the batch. The one
//! exception is Keras's too: categorical cross-entropy sums over the classes, because the
//! classes of one sample together make one prediction.
//!
//! | loss | Keras name | target |
//! | --- | --- | --- |
//! | [`BinaryCrossentropy`] | `binary_crossentropy` | `SVector<f32, N>`, labels in `[0, 1]` |
//! | [`CategoricalCrossentropy`] | `categorical_crossentropy` | `SVector<f32, N>`, one-hot |
//! | [`SparseCategoricalCrossentropy`] | `sparse_categorical_crossentropy` | `usize` class index |
//! | [`MeanSquaredError`] | `mean_squared_error` | `SVector<f32, N>` |
//! | [`MeanAbsoluteError`] | `mean_absolute_error` | `SVector<f32, N>` |
//! | [`Huber`] | `huber` | `SVector<f32, N>` |
//!
//! Cross-entropy clips probabilities to `[EPSILON, 1 - EPSILON]` as Keras does. Paired with the
//! output activation it belongs to (sigmoid for binary, softmax for categorical), it works from
//! the pre-activations instead, in the fused and numerically stable form `a - y`.

mod binary;
mod categorical;
mod regression;

pub use binary::BinaryCrossentropy;
pub use categorical::{CategoricalCrossentropy, SparseCategoricalCrossentropy};
pub use regression::{Huber, MeanAbsoluteError, MeanSquaredError};

use nalgebra::SVector;

use crate::storage::vector_with_of;

use crate::activation::Activation;
use crate::{Error, Scalar};

/// Keras's fuzz factor `backend.epsilon()`: cross-entropy clips probabilities to
/// `[EPSILON, 1 - EPSILON]` so that their logarithms stay finite.
///
/// It is `f64`, and becomes the network's scalar where it is used: an `f64` network clips at
/// 1e-7 as Keras in float64 does (not at the `f32` 1e-7, 1.0000000117e-7), an `f32` network at
/// the `f32` 1e-7 as always. In `f32`, `1 - EPSILON` rounds to `1 - 2⁻²³ ≈ 0.99999988`.
///
/// # Examples
///
/// ```
/// use nalgebra::vector;
/// use nnet_core::loss::{BinaryCrossentropy, EPSILON, Loss};
///
/// // A confident wrong answer costs -ln(EPSILON) ≈ 16.12, not infinity.
/// let loss = BinaryCrossentropy.value(&vector![0.0], &vector![1.0]);
/// assert!((f64::from(loss) + EPSILON.ln()).abs() < 1e-5);
/// ```
pub const EPSILON: f64 = 1e-7;

/// `p` clipped to `[EPSILON, 1 - EPSILON]`.
#[inline]
fn clip<T: Scalar>(p: T) -> T {
    let epsilon = T::of_f64(EPSILON);
    // As `f32::clamp`.
    let (low, high) = (epsilon, T::one() - epsilon);
    if p < low {
        low
    } else if p > high {
        high
    } else {
        p
    }
}

/// Whether clipping leaves `p` unchanged, i.e. whether the clipped loss depends on `p` there.
///
/// Outside the range the clipped loss is flat, so its gradient is zero (as TensorFlow's
/// `clip_by_value`, which Keras uses, differentiates it).
#[inline]
fn unclipped<T: Scalar>(p: T) -> bool {
    let epsilon = T::of_f64(EPSILON);
    (epsilon..=T::one() - epsilon).contains(&p)
}

/// `ln Σ_i e^{z_i}`, computed as `m + ln Σ_i e^{z_i - m}` with `m = max z` so that it never
/// overflows.
#[inline]
fn log_sum_exp<const N: usize, T: Scalar>(z: &SVector<T, N>) -> T {
    let max = z
        .iter()
        .copied()
        .fold(T::of_f64(f64::NEG_INFINITY), |m, v| m.max(v));
    let sum: T = z.iter().map(|&v| (v - max).exp_()).sum();
    max + sum.ln_()
}

/// Rejects a target holding NaN or infinity, naming the unit.
fn check_finite<const N: usize, T: Scalar>(target: &SVector<T, N>) -> Result<(), String> {
    match target.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(unit) => Err(format!(
            "unit {unit} is {}; targets must be finite numbers: clean or impute the data, or \
             drop the row",
            target[unit]
        )),
    }
}

/// A training target for a network with `N` outputs.
///
/// Dense targets are `SVector<f32, N>`; class indices (`usize`) serve sparse categorical
/// cross-entropy and turn into one-hot vectors where a vector is needed (e.g. in metrics).
///
/// A target is [`Zeroable`](bytemuck::Zeroable), so that training allocates its batches of
/// targets zeroed in place and copies targets into them, never through the stack.
///
/// # Examples
///
/// ```
/// use nalgebra::vector;
/// use nnet_core::loss::Target;
///
/// assert_eq!(Target::<3>::to_vector(&1_usize), vector![0.0, 1.0, 0.0]);
/// assert_eq!(Target::<2>::to_vector(&vector![0.5, 1.0]), vector![0.5, 1.0]);
/// ```
pub trait Target<const N: usize, T: Scalar = f32>:
    Copy + core::fmt::Debug + Send + Sync + bytemuck::Zeroable
{
    /// The target as a vector of `N` values.
    fn to_vector(&self) -> SVector<T, N>;

    /// [`to_vector`](Target::to_vector) written into `vector`, in place (training uses it, so
    /// that a target of many outputs never passes through a function's frame).
    fn write_vector(&self, vector: &mut SVector<T, N>) {
        *vector = self.to_vector();
    }
}

impl<const N: usize, T: Scalar> Target<N, T> for SVector<T, N> {
    #[inline]
    fn to_vector(&self) -> SVector<T, N> {
        *self
    }

    #[inline]
    fn write_vector(&self, vector: &mut SVector<T, N>) {
        vector.copy_from(self);
    }
}

/// A class index is the one-hot vector with a 1 at that index (all zeros if out of range;
/// losses reject out-of-range indices before training).
impl<const N: usize, T: Scalar> Target<N, T> for usize {
    #[inline]
    fn to_vector(&self) -> SVector<T, N> {
        vector_with_of(|v| self.write_vector(v))
    }

    #[inline]
    fn write_vector(&self, vector: &mut SVector<T, N>) {
        vector.fill(T::zero());
        if *self < N {
            vector[*self] = T::one();
        }
    }
}

/// A loss function over a network with `N` outputs.
///
/// # Examples
///
/// A squared-error loss written against the trait (nnet ships
/// `MeanSquaredError`; this is only a sketch):
///
/// ```
/// use nalgebra::{vector, SVector};
/// use nnet_core::loss::Loss;
///
/// #[derive(Debug, Clone, Copy)]
/// struct HalfSquared;
///
/// impl<const N: usize> Loss<N> for HalfSquared {
///     type Target = SVector<f32, N>;
///     fn name(&self) -> &'static str { "half_squared" }
///     fn value(&self, p: &SVector<f32, N>, y: &Self::Target) -> f32 {
///         0.5 * (p - y).norm_squared() / N as f32
///     }
///     fn gradient(&self, p: &SVector<f32, N>, y: &Self::Target) -> SVector<f32, N> {
///         (p - y) / N as f32
///     }
///     fn check_target(&self, _: &Self::Target) -> Result<(), String> { Ok(()) }
/// }
///
/// assert_eq!(HalfSquared.value(&vector![1.0, 3.0], &vector![0.0, 1.0]), 1.25);
/// ```
pub trait Loss<const N: usize, T: Scalar = f32>: Clone + core::fmt::Debug + Send + Sync {
    /// What one sample's target is: `SVector<f32, N>`, or `usize` for class indices.
    type Target: Target<N, T>;

    /// The Keras name, e.g. `binary_crossentropy`.
    fn name(&self) -> &'static str;

    /// The loss of one sample: the mean over the `N` output units (for categorical
    /// cross-entropy, as in Keras, the sum over the classes).
    fn value(&self, prediction: &SVector<T, N>, target: &Self::Target) -> T;

    /// `∂L/∂prediction` of [`value`](Loss::value) for one sample.
    fn gradient(&self, prediction: &SVector<T, N>, target: &Self::Target) -> SVector<T, N>;

    /// [`gradient`](Loss::gradient) written into `gradient`. The default calls `gradient`;
    /// nnet's losses compute it in place, so that training a network with many outputs never
    /// holds a gradient in a function's frame.
    fn gradient_into(
        &self,
        prediction: &SVector<T, N>,
        target: &Self::Target,
        gradient: &mut SVector<T, N>,
    ) {
        *gradient = self.gradient(prediction, target);
    }

    /// Checks that a target is one this loss accepts (finite; in `[0, 1]` for binary
    /// cross-entropy; a valid class index, …). The message says what is wrong.
    ///
    /// # Errors
    ///
    /// A description of the problem, used in [`Error::InvalidTarget`].
    fn check_target(&self, target: &Self::Target) -> Result<(), String>;

    /// Checks every target with [`check_target`](Loss::check_target), stopping at the first
    /// invalid one. Training calls it before the first epoch.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidTarget`] naming the first invalid row (0-based) of the training data and
    /// what is wrong with it.
    ///
    /// # Examples
    ///
    /// ```
    /// use nalgebra::vector;
    /// use nnet_core::Error;
    /// use nnet_core::loss::{BinaryCrossentropy, Loss};
    ///
    /// let targets = [vector![0.0], vector![1.0], vector![2.0]];
    /// let error = BinaryCrossentropy.check_targets(&targets).unwrap_err();
    /// assert!(matches!(error, Error::InvalidTarget { row: 2, .. }));
    /// ```
    fn check_targets(&self, targets: &[Self::Target]) -> Result<(), Error> {
        for (row, target) in targets.iter().enumerate() {
            self.check_target(target)
                .map_err(|reason| Error::InvalidTarget {
                    data: crate::DataRole::Training,
                    row,
                    reason,
                })?;
        }
        Ok(())
    }

    /// The loss of one sample and its gradient with respect to the output layer's
    /// pre-activations `z`, given `a = activation(z)`.
    ///
    /// The default applies the chain rule through the activation. Cross-entropy losses override
    /// it with the fused, numerically stable form `a - y` when the activation is the one they
    /// pair with (sigmoid, softmax).
    fn value_and_delta<A: Activation<T>>(
        &self,
        activation: &A,
        z: &SVector<T, N>,
        a: &SVector<T, N>,
        target: &Self::Target,
    ) -> (T, SVector<T, N>) {
        let mut value = T::zero();
        let delta = vector_with_of(|delta| {
            value = self.value_and_delta_into(activation, z, a, target, delta);
        });
        (value, delta)
    }

    /// [`value_and_delta`](Loss::value_and_delta) with `∂L/∂z` written into `delta`: what
    /// training calls, and what losses with a fused form override.
    fn value_and_delta_into<A: Activation<T>>(
        &self,
        activation: &A,
        z: &SVector<T, N>,
        a: &SVector<T, N>,
        target: &Self::Target,
        delta: &mut SVector<T, N>,
    ) -> T {
        chain_rule(self, activation, z, a, target, delta)
    }
}

/// The default [`Loss::value_and_delta_into`]: the loss of `a` and its gradient carried back
/// through the activation, `∂L/∂z = act'(z)ᵀ ∂L/∂a`. Losses with a fused form fall back to it
/// after other activations.
fn chain_rule<T: Scalar, L: Loss<N, T>, A: Activation<T>, const N: usize>(
    loss: &L,
    activation: &A,
    z: &SVector<T, N>,
    a: &SVector<T, N>,
    target: &L::Target,
    delta: &mut SVector<T, N>,
) -> T {
    loss.gradient_into(a, target, delta);
    activation.backprop(z.as_slice(), a.as_slice(), delta.as_mut_slice());
    loss.value(a, target)
}

/// `out_i = f(p_i, y_i)`, in place.
#[inline]
fn zip_into<const N: usize, T: Scalar>(
    out: &mut SVector<T, N>,
    p: &SVector<T, N>,
    y: &SVector<T, N>,
    f: impl Fn(T, T) -> T,
) {
    for ((out, &p), &y) in out.iter_mut().zip(p.iter()).zip(y.iter()) {
        *out = f(p, y);
    }
}

#[cfg(test)]
mod tests;
