//! Binary cross-entropy: independent yes/no predictions, one per output unit.

use nalgebra::SVector;

use super::{Loss, chain_rule, check_finite, clip, unclipped, zip_into};
use crate::Scalar;
use crate::activation::{Activation, ActivationKind};
use crate::storage::vector_with_of;

/// Binary cross-entropy, Keras's `binary_crossentropy`, for outputs that are probabilities of
/// independent yes/no labels (one unit for a binary classifier, several for multi-label).
///
/// With `p̂ = clip(p, ε, 1 - ε)` and `ε =` [`EPSILON`](super::EPSILON), one sample's loss is the
/// mean over the `N` units
///
/// ```text
/// L = -1/N Σ_i [ y_i ln p̂_i + (1 - y_i) ln(1 - p̂_i) ]
/// ∂L/∂p_i = (p̂_i - y_i) / (p̂_i (1 - p̂_i)) / N     where p_i is inside [ε, 1 - ε], else 0
/// ```
///
/// After a sigmoid output it is computed from the pre-activations `z` instead (see
/// [`value_and_delta`](BinaryCrossentropy::value_and_delta)), in the stable form Keras uses
/// for logits: `L = 1/N Σ_i [max(z_i, 0) - z_i y_i + ln(1 + e^{-|z_i|})]` and
/// `∂L/∂z_i = (σ(z_i) - y_i) / N`. That form needs no clipping and is finite for any finite `z`.
///
/// Targets are labels in `[0, 1]`: 0 or 1, or a probability (soft labels).
///
/// # Examples
///
/// ```
/// use nalgebra::vector;
/// use nnet_core::loss::{BinaryCrossentropy, Loss};
///
/// // -(ln 0.8 + ln 0.6) / 2
/// let loss = BinaryCrossentropy.value(&vector![0.8_f32, 0.4], &vector![1.0, 0.0]);
/// assert!((loss - 0.366_985).abs() < 1e-6);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BinaryCrossentropy;

impl<const N: usize, T: Scalar> Loss<N, T> for BinaryCrossentropy {
    type Target = SVector<T, N>;

    /// `"binary_crossentropy"`.
    fn name(&self) -> &'static str {
        "binary_crossentropy"
    }

    /// `-1/N Σ_i [y_i ln p̂_i + (1 - y_i) ln(1 - p̂_i)]` with `p̂` clipped to `[ε, 1 - ε]`.
    fn value(&self, prediction: &SVector<T, N>, target: &Self::Target) -> T {
        let sum: T = prediction
            .iter()
            .zip(target.iter())
            .map(|(&p, &y)| {
                let p = clip(p);
                -(y * p.ln_() + (T::one() - y) * (T::one() - p).ln_())
            })
            .sum();
        sum / T::of_f64(N as f64)
    }

    /// `(p_i - y_i) / (p_i (1 - p_i)) / N` inside the clipping range, `0` outside it.
    fn gradient(&self, prediction: &SVector<T, N>, target: &Self::Target) -> SVector<T, N> {
        vector_with_of(|g| self.gradient_into(prediction, target, g))
    }

    fn gradient_into(
        &self,
        prediction: &SVector<T, N>,
        target: &Self::Target,
        gradient: &mut SVector<T, N>,
    ) {
        zip_into(gradient, prediction, target, |p, y| {
            if unclipped(p) {
                (p - y) / (p * (T::one() - p)) / T::of_f64(N as f64)
            } else {
                T::zero()
            }
        });
    }

    /// Accepts finite labels in `[0, 1]`.
    fn check_target(&self, target: &Self::Target) -> Result<(), String> {
        check_finite(target)?;
        match target
            .iter()
            .position(|y| !(T::zero()..=T::one()).contains(y))
        {
            None => Ok(()),
            Some(unit) => Err(format!(
                "unit {unit} is {} but binary cross-entropy needs labels in [0, 1]: use 0 and 1 \
                 (or probabilities), e.g. map labels -1/1 to 0/1",
                target[unit]
            )),
        }
    }

    /// The loss and `∂L/∂z`. After a sigmoid output this is the fused, stable form
    /// `L = 1/N Σ_i [max(z_i, 0) - z_i y_i + ln(1 + e^{-|z_i|})]`, `∂L/∂z_i = (a_i - y_i) / N`
    /// with `a = σ(z)`; after any other activation, the chain rule through it.
    ///
    /// # Examples
    ///
    /// ```
    /// use nalgebra::vector;
    /// use nnet_core::activation::Sigmoid;
    /// use nnet_core::loss::{BinaryCrossentropy, Loss};
    ///
    /// // A sigmoid that saturated on the wrong answer still gets the full gradient.
    /// let (z, a, y) = (vector![-1000.0], vector![0.0], vector![1.0]);
    /// let (loss, delta) = BinaryCrossentropy.value_and_delta(&Sigmoid, &z, &a, &y);
    /// assert_eq!(loss, 1000.0);
    /// assert_eq!(delta, vector![-1.0]);
    /// ```
    fn value_and_delta_into<A: Activation<T>>(
        &self,
        activation: &A,
        z: &SVector<T, N>,
        a: &SVector<T, N>,
        target: &Self::Target,
        delta: &mut SVector<T, N>,
    ) -> T {
        if activation.kind() != ActivationKind::Sigmoid {
            return chain_rule(self, activation, z, a, target, delta);
        }
        let sum: T = z
            .iter()
            .zip(target.iter())
            .map(|(&z, &y)| z.max(T::zero()) - z * y + (-z.abs()).exp_().ln_1p_())
            .sum();
        zip_into(delta, a, target, |a, y| (a - y) / T::of_f64(N as f64));
        sum / T::of_f64(N as f64)
    }
}
