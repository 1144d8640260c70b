//! Adagrad (Keras `Adagrad`).

use crate::optim::slots::Slots;
use crate::optim::with_state::learning_rate_and_clip;
use crate::optim::{Clip, OptimizerConfig, WithState, check};
use crate::{Parameters, Result, Scalar};

/// Adagrad (Duchi et al., 2011), as Keras computes it: [`AdagradConfig`] and the accumulators.
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
/// let mut adagrad = Adagrad::with_learning_rate(0.1);
/// let mut params = DenseGradient::<1, 1>::zeroed();
/// let mut grads = DenseGradient::<1, 1>::zeroed();
/// grads.tensor_mut(0)[0] = 0.3;
/// adagrad.step(&mut params, &mut grads);
/// // s = 0.1 + 0.09 = 0.19, w = −0.1 · 0.3 / sqrt(0.19 + 1e-7)
/// let expected = -0.1 * 0.3 / (0.19_f32 + 1e-7).sqrt();
/// assert!((params.tensor(0)[0] - expected).abs() < 1e-7);
/// ```
pub type Adagrad = WithState<AdagradConfig>;

/// The settings of [`Adagrad`], with Keras's names and defaults.
///
/// # Examples
///
/// ```
/// use nnet_core::optim::AdagradConfig;
///
/// let config = AdagradConfig { initial_accumulator_value: 0.0, ..AdagradConfig::default() };
/// assert_eq!((config.learning_rate, config.epsilon), (0.001, 1e-7));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdagradConfig {
    /// Learning rate `η`, positive. Default 0.001 (Keras).
    pub learning_rate: f64,
    /// Starting value of every accumulator (at the first step after creation or
    /// [`reset`](WithState::reset)), non-negative. Default 0.1 (Keras).
    pub initial_accumulator_value: f64,
    /// `ε`, positive, added under the square root. Default 1e-7 (Keras).
    pub epsilon: f64,
    /// Gradient clipping applied at the start of each step. Default `None`.
    pub clip: Option<Clip>,
}

impl Default for AdagradConfig {
    /// Keras's defaults: learning rate 0.001, initial accumulator 0.1, ε 1e-7, no clipping.
    fn default() -> Self {
        Self {
            learning_rate: 0.001,
            initial_accumulator_value: 0.1,
            epsilon: 1e-7,
            clip: None,
        }
    }
}

impl OptimizerConfig for AdagradConfig {
    /// The accumulators, one value per parameter.
    type State = Slots;

    learning_rate_and_clip!();

    fn validate(&self) -> Result<()> {
        check::learning_rate_and_clip(self.learning_rate, self.clip)?;
        check::non_negative(
            "initial_accumulator_value",
            self.initial_accumulator_value,
            "use a non-negative initial accumulator value, such as 0.1 (the default)",
        )?;
        check::positive(
            "epsilon",
            self.epsilon,
            "use a small positive epsilon, such as 1e-7 (the default)",
        )
    }

    fn update<T: Scalar, P: Parameters<T>, G: Parameters<T>>(
        &self,
        sums: &mut Slots,
        params: &mut P,
        grads: &G,
    ) {
        if !sums.fits(params) {
            sums.allocate(params, T::of_f64(self.initial_accumulator_value));
        }
        let (lr, eps) = (T::of_f64(self.learning_rate), T::of_f64(self.epsilon));
        for i in P::trainable() {
            let (w, g, s) = (params.tensor_mut(i), grads.tensor(i), sums.get_mut::<T>(i));
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
    use crate::optim::Optimizer;
    use crate::optim::test_support::{
        Params, assert_same_trajectory, assert_same_trajectory_f64, assert_validation, reference,
        run, run_f64,
    };

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

    fn adagrad(initial_accumulator_value: f64, epsilon: f64) -> Adagrad {
        Adagrad::new(AdagradConfig {
            learning_rate: 0.1,
            initial_accumulator_value,
            epsilon,
            clip: None,
        })
    }

    #[test]
    fn adagrad_defaults_match_reference() {
        let expected = keras_adagrad(0.001, 0.1, 1e-7);
        assert_same_trajectory(&run(&mut Adagrad::default()), &expected);
    }

    #[test]
    fn adagrad_custom_matches_reference() {
        let expected = keras_adagrad(0.1, 0.5, 1e-3);
        assert_same_trajectory(&run(&mut adagrad(0.5, 1e-3)), &expected);
    }

    /// Issue 21: the initial accumulator and `epsilon` reach an `f64` network as written.
    #[test]
    fn adagrad_in_f64_matches_keras_in_float64() {
        let expected = keras_adagrad(0.1, 0.3, 1e-3);
        assert_same_trajectory_f64(&run_f64(&mut adagrad(0.3, 1e-3)), &expected);
    }

    #[test]
    fn adagrad_zero_accumulator_and_zero_gradient_stay_finite() {
        // The third gradient value is always zero: 0 / sqrt(0 + ε) must be 0, not NaN.
        let expected = keras_adagrad(0.1, 0.0, 1e-7);
        let trajectory = run(&mut adagrad(0.0, 1e-7));
        assert_same_trajectory(&trajectory, &expected);
        assert!(trajectory.iter().flatten().all(|v| v.is_finite()));
    }

    #[test]
    fn adagrad_reset_restarts_the_accumulator() {
        let mut adagrad = Adagrad::with_learning_rate(0.1);
        let (mut w, mut g) = (Params::zeroed(), Params::zeroed());
        g.tensor_mut(0)[0] = 1.0;
        adagrad.step(&mut w, &mut g);
        let first = w.tensor(0)[0];
        adagrad.reset();
        adagrad.step(&mut w, &mut g); // the same step again: the accumulator restarted at 0.1
        assert_eq!(w.tensor(0)[0], 2.0 * first);
    }

    #[test]
    fn adagrad_state_is_allocated_once() {
        let mut adagrad = Adagrad::default();
        run(&mut adagrad);
        let before = adagrad.state.get::<f32>(1).as_ptr();
        run(&mut adagrad);
        assert_eq!(adagrad.state.get::<f32>(1).as_ptr(), before);
    }

    #[test]
    fn adagrad_validate() {
        assert_validation(
            AdagradConfig::default(),
            &[],
            &[
                (|c| c.learning_rate = f64::NEG_INFINITY, "learning_rate"),
                (
                    |c| c.initial_accumulator_value = -0.1,
                    "initial_accumulator_value",
                ),
                (|c| c.epsilon = 0.0, "epsilon"),
                (|c| c.clip = Some(Clip::Norm(f64::NAN)), "clipnorm"),
            ],
        );
    }
}
