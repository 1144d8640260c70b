//! Adagrad (Keras `Adagrad`).

use crate::optim::slots::Slots;
use crate::optim::{Clip, Optimizer, check, clip_gradients};
use crate::{Parameters, Result};

/// Adagrad (Duchi et al., 2011), as Keras computes it.
///
/// With gradient `g` and learning rate `η`, and the accumulator `s` starting at
/// `initial_accumulator_value`:
///
/// ```text
/// s ← s + g²
/// w ← w − η g / sqrt(s + ε)
/// ```
///
/// `ε` is inside the square root, as in Keras. The accumulator is allocated on the first step
/// and reused.
///
/// # Examples
///
/// ```
/// use nnet_core::optim::{Adagrad, Optimizer};
/// use nnet_core::{DenseGradient, Parameters};
///
/// let mut adagrad = Adagrad::new(0.1);
/// let mut params = DenseGradient::<1, 1>::zeroed();
/// let mut grads = DenseGradient::<1, 1>::zeroed();
/// grads.tensor_mut(0)[0] = 0.3;
/// adagrad.step(&mut params, &mut grads);
/// // s = 0.1 + 0.09 = 0.19, w = −0.1 · 0.3 / sqrt(0.19 + 1e-7)
/// let expected = -0.1 * 0.3 / (0.19_f32 + 1e-7).sqrt();
/// assert!((params.tensor(0)[0] - expected).abs() < 1e-7);
/// ```
#[derive(Debug, Clone)]
pub struct Adagrad {
    /// Learning rate `η`, positive. Default 0.001 (Keras).
    pub learning_rate: f32,
    /// Starting value of every accumulator, non-negative. Default 0.1 (Keras).
    pub initial_accumulator_value: f32,
    /// `ε`, positive, added under the square root. Default 1e-7 (Keras).
    pub epsilon: f32,
    /// Gradient clipping applied at the start of each step. Default `None`.
    pub clip: Option<Clip>,
    accumulator: Slots,
}

impl Default for Adagrad {
    /// Keras's defaults: learning rate 0.001, initial accumulator 0.1, ε 1e-7, no clipping.
    fn default() -> Self {
        Self::new(0.001)
    }
}

impl Adagrad {
    /// Adagrad with the given learning rate and the other defaults.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::Adagrad;
    ///
    /// let adagrad = Adagrad::new(0.01);
    /// assert_eq!((adagrad.learning_rate, adagrad.initial_accumulator_value), (0.01, 0.1));
    /// ```
    pub fn new(learning_rate: f32) -> Self {
        Self {
            learning_rate,
            initial_accumulator_value: 0.1,
            epsilon: 1e-7,
            clip: None,
            accumulator: Slots::default(),
        }
    }

    /// Sets the starting value of the accumulators (used at the first step after creation or
    /// [`reset`](Adagrad::reset)).
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::Adagrad;
    ///
    /// let adagrad = Adagrad::default().with_initial_accumulator_value(0.0);
    /// assert_eq!(adagrad.initial_accumulator_value, 0.0);
    /// ```
    #[must_use]
    pub fn with_initial_accumulator_value(mut self, value: f32) -> Self {
        self.initial_accumulator_value = value;
        self
    }

    /// Sets `ε`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::Adagrad;
    ///
    /// assert_eq!(Adagrad::default().with_epsilon(1e-6).epsilon, 1e-6);
    /// ```
    #[must_use]
    pub fn with_epsilon(mut self, epsilon: f32) -> Self {
        self.epsilon = epsilon;
        self
    }

    /// Sets the gradient clipping.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::{Adagrad, Clip};
    ///
    /// assert_eq!(Adagrad::default().with_clip(Clip::Value(1.0)).clip, Some(Clip::Value(1.0)));
    /// ```
    #[must_use]
    pub fn with_clip(mut self, clip: Clip) -> Self {
        self.clip = Some(clip);
        self
    }

    /// Forgets the accumulators; the hyperparameters stay.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::{Adagrad, Optimizer};
    /// use nnet_core::{DenseGradient, Parameters};
    ///
    /// let mut adagrad = Adagrad::new(0.1);
    /// let (mut w, mut g) = (DenseGradient::<1, 1>::zeroed(), DenseGradient::<1, 1>::zeroed());
    /// g.tensor_mut(0)[0] = 1.0;
    /// adagrad.step(&mut w, &mut g);
    /// let first = w.tensor(0)[0];
    /// adagrad.reset();
    /// adagrad.step(&mut w, &mut g); // the same step again: the accumulator restarted at 0.1
    /// assert_eq!(w.tensor(0)[0], 2.0 * first);
    /// ```
    pub fn reset(&mut self) {
        self.accumulator.clear();
    }
}

impl Optimizer for Adagrad {
    fn learning_rate(&self) -> f32 {
        self.learning_rate
    }

    fn set_learning_rate(&mut self, learning_rate: f32) {
        self.learning_rate = learning_rate;
    }

    fn validate(&self) -> Result<()> {
        check::learning_rate(self.learning_rate)?;
        check::non_negative(
            "initial_accumulator_value",
            self.initial_accumulator_value,
            "use a non-negative initial accumulator value, such as 0.1 (the default)",
        )?;
        check::positive(
            "epsilon",
            self.epsilon,
            "use a small positive epsilon, such as 1e-7 (the default)",
        )?;
        self.clip.map_or(Ok(()), Clip::validate)
    }

    fn step<P: Parameters, G: Parameters>(&mut self, params: &mut P, grads: &mut G) {
        if let Some(clip) = self.clip {
            clip_gradients(grads, clip);
        }
        if !self.accumulator.fits(params) {
            self.accumulator
                .allocate(params, self.initial_accumulator_value);
        }
        let (lr, eps) = (self.learning_rate, self.epsilon);
        for i in 0..P::TENSORS {
            let (w, g, s) = (
                params.tensor_mut(i),
                grads.tensor(i),
                self.accumulator.get_mut(i),
            );
            for ((w, &g), s) in w.iter_mut().zip(g).zip(s) {
                *s += g * g;
                *w -= lr * g / (*s + eps).sqrt();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::test_support::{assert_invalid, assert_same_trajectory, reference, run};

    /// Keras's Adagrad written out in f64.
    fn keras_adagrad(lr: f64, initial: f64, eps: f64) -> Vec<Vec<f64>> {
        let mut s = Vec::new();
        reference(|_, w, g| {
            s.resize(w.len(), initial);
            for i in 0..w.len() {
                s[i] += g[i] * g[i];
                w[i] -= lr * g[i] / (s[i] + eps).sqrt();
            }
        })
    }

    #[test]
    fn adagrad_defaults_match_reference() {
        let expected = keras_adagrad(0.001, 0.1, 1e-7);
        assert_same_trajectory(&run(&mut Adagrad::default()), &expected);
    }

    #[test]
    fn adagrad_custom_matches_reference() {
        let mut adagrad = Adagrad::new(0.1)
            .with_initial_accumulator_value(0.5)
            .with_epsilon(1e-3);
        let expected = keras_adagrad(0.1, 0.5, 1e-3);
        assert_same_trajectory(&run(&mut adagrad), &expected);
    }

    #[test]
    fn adagrad_zero_accumulator_and_zero_gradient_stay_finite() {
        // The third gradient value is always zero: 0 / sqrt(0 + ε) must be 0, not NaN.
        let mut adagrad = Adagrad::new(0.1).with_initial_accumulator_value(0.0);
        let expected = keras_adagrad(0.1, 0.0, 1e-7);
        let trajectory = run(&mut adagrad);
        assert_same_trajectory(&trajectory, &expected);
        assert!(trajectory.iter().flatten().all(|v| v.is_finite()));
    }

    #[test]
    fn adagrad_state_is_allocated_once() {
        let mut adagrad = Adagrad::default();
        run(&mut adagrad);
        let before = adagrad.accumulator.get(1).as_ptr();
        run(&mut adagrad);
        assert_eq!(adagrad.accumulator.get(1).as_ptr(), before);
    }

    #[test]
    fn adagrad_validate() {
        assert!(Adagrad::default().validate().is_ok());
        assert_invalid(Adagrad::new(f32::NEG_INFINITY).validate(), "learning_rate");
        assert_invalid(
            Adagrad::default()
                .with_initial_accumulator_value(-0.1)
                .validate(),
            "initial_accumulator_value",
        );
        assert_invalid(Adagrad::default().with_epsilon(0.0).validate(), "epsilon");
        assert_invalid(
            Adagrad::default()
                .with_clip(Clip::Norm(f32::NAN))
                .validate(),
            "clipnorm",
        );
    }
}
