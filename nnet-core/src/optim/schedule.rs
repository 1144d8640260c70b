//! Learning-rate schedules: the learning rate of each epoch, Keras's
//! `keras.optimizers.schedules` with their argument names and formulas.

use crate::optim::{check, held};
use crate::{Result, Scalar};

/// A learning-rate schedule: the learning rate of each epoch, with Keras's names and formulas
/// (`keras.optimizers.schedules`).
///
/// [`LearningRateScheduler`](crate::train::LearningRateScheduler) applies one during `fit`:
/// epoch `e` (counted from 1) trains at `learning_rate(e − 1)`, replacing the optimizer's own
/// rate. The one difference from Keras: Keras counts `step` in batches, here it counts epochs
/// from 0, so `decay_steps` counts epochs. A rate computed by a closure instead is
/// `LearningRateScheduler(|epoch, rate| …)`.
///
/// A step decay, `η₀ · drop^⌊e / n⌋`, is `ExponentialDecay` with `staircase: true`.
///
/// # Examples
///
/// ```
/// use nnet_core::optim::Schedule;
///
/// // Halve the rate every 10 epochs.
/// let halving = Schedule::ExponentialDecay {
///     initial_learning_rate: 0.1,
///     decay_steps: 10,
///     decay_rate: 0.5,
///     staircase: true,
/// };
/// assert!(halving.validate().is_ok());
/// assert_eq!(halving.learning_rate(9), 0.1);
/// assert_eq!(halving.learning_rate(12), 0.05);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Schedule {
    /// The same rate at every epoch: `η(e) = learning_rate`.
    Constant {
        /// The learning rate, positive and finite.
        learning_rate: f64,
    },
    /// Keras's `ExponentialDecay`: `η(e) = η₀ · decay_rate^(e / decay_steps)`, or with
    /// `staircase` `η₀ · decay_rate^⌊e / decay_steps⌋`.
    ExponentialDecay {
        /// `η₀`, the rate of epoch 0, positive and finite.
        initial_learning_rate: f64,
        /// Epochs over which the rate is multiplied by `decay_rate`, at least 1.
        decay_steps: usize,
        /// The factor applied every `decay_steps` epochs, positive and finite.
        decay_rate: f64,
        /// Whether to decay in whole steps only (Keras's default: `false`).
        staircase: bool,
    },
    /// Keras's `InverseTimeDecay`: `η(e) = η₀ / (1 + decay_rate · e / decay_steps)`, or with
    /// `staircase` `η₀ / (1 + decay_rate · ⌊e / decay_steps⌋)`.
    InverseTimeDecay {
        /// `η₀`, the rate of epoch 0, positive and finite.
        initial_learning_rate: f64,
        /// Epochs per unit of decay, at least 1.
        decay_steps: usize,
        /// How fast the rate falls, non-negative and finite.
        decay_rate: f64,
        /// Whether to decay in whole steps only (Keras's default: `false`).
        staircase: bool,
    },
    /// Keras's `CosineDecay` (without warm-up): over `decay_steps` epochs the rate follows half
    /// a cosine from `η₀` down to `alpha · η₀`, then stays there:
    /// `η(e) = η₀ · ((1 − alpha) · ½ (1 + cos(π · min(e, decay_steps) / decay_steps)) + alpha)`.
    ///
    /// With `alpha` 0 the rate reaches 0 at epoch `decay_steps`, which `fit` rejects as a
    /// learning rate: train for at most `decay_steps` epochs, or give `alpha` a positive value.
    CosineDecay {
        /// `η₀`, the rate of epoch 0, positive and finite.
        initial_learning_rate: f64,
        /// Epochs over which to decay, at least 1.
        decay_steps: usize,
        /// The final rate as a fraction of `η₀`, in `[0, 1]` (Keras's default: 0).
        alpha: f64,
    },
}

impl Schedule {
    /// The learning rate of epoch `epoch`, counted from 0 (Keras's `step`), by the formula of
    /// the variant. A `decay_steps` of 0, which [`validate`](Schedule::validate) rejects,
    /// counts as 1.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::Schedule;
    ///
    /// let smooth = Schedule::InverseTimeDecay {
    ///     initial_learning_rate: 0.3,
    ///     decay_steps: 2,
    ///     decay_rate: 0.5,
    ///     staircase: false,
    /// };
    /// assert_eq!(smooth.learning_rate(0), 0.3);
    /// assert!((smooth.learning_rate(3) - 0.3 / 1.75).abs() < 1e-7); // 0.3 / (1 + 0.5 · 3 / 2)
    /// ```
    pub fn learning_rate(&self, epoch: usize) -> f64 {
        self.rate(epoch, |setting| setting)
    }

    /// The learning rate of epoch `epoch` for a network of scalar `T`, as
    /// [`LearningRateScheduler`](crate::train::LearningRateScheduler) sets it: the formula in
    /// `f64` over the settings as `T` holds them ([`held`]), rounded to `T`. For an `f64`
    /// network it is [`learning_rate`](Schedule::learning_rate); for an `f32` network, bit for
    /// bit the rate of a schedule whose settings are `f32` (a decay rate of 0.96 is the `f32`
    /// 0.9599999785 there, and its powers differ from those of the `f64` 0.96 in the last
    /// `f32` bits).
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::Schedule;
    ///
    /// let decay = Schedule::ExponentialDecay {
    ///     initial_learning_rate: 0.1,
    ///     decay_steps: 1,
    ///     decay_rate: 0.96,
    ///     staircase: false,
    /// };
    /// assert_eq!(decay.learning_rate_for::<f64>(5), decay.learning_rate(5));
    /// let narrow = f64::from(0.1_f32) * f64::from(0.96_f32).powf(5.0);
    /// assert_eq!(decay.learning_rate_for::<f32>(5), f64::from(narrow as f32));
    /// ```
    pub fn learning_rate_for<T: Scalar>(&self, epoch: usize) -> f64 {
        T::of_f64(self.rate(epoch, held::<T>)).as_f64()
    }

    /// The formula of the variant over the settings as `setting` gives them.
    fn rate(&self, epoch: usize, setting: impl Fn(f64) -> f64) -> f64 {
        let initial = setting(self.initial_learning_rate());
        match *self {
            Schedule::Constant { .. } => initial,
            Schedule::ExponentialDecay { decay_rate, .. } => {
                initial * setting(decay_rate).powf(self.progress(epoch))
            }
            Schedule::InverseTimeDecay { decay_rate, .. } => {
                initial / (1.0 + setting(decay_rate) * self.progress(epoch))
            }
            Schedule::CosineDecay { alpha, .. } => {
                let p = self.progress(epoch).min(1.0);
                let cosine = 0.5 * (1.0 + (core::f64::consts::PI * p).cos());
                let alpha = setting(alpha);
                initial * ((1.0 - alpha) * cosine + alpha)
            }
        }
    }

    /// The rate of epoch 0: `learning_rate` or `initial_learning_rate`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::Schedule;
    ///
    /// let cosine = Schedule::CosineDecay { initial_learning_rate: 0.1, decay_steps: 10, alpha: 0.0 };
    /// assert_eq!(cosine.initial_learning_rate(), 0.1);
    /// assert_eq!(cosine.learning_rate(0), 0.1);
    /// ```
    pub const fn initial_learning_rate(&self) -> f64 {
        match *self {
            Schedule::Constant { learning_rate } => learning_rate,
            Schedule::ExponentialDecay {
                initial_learning_rate,
                ..
            }
            | Schedule::InverseTimeDecay {
                initial_learning_rate,
                ..
            }
            | Schedule::CosineDecay {
                initial_learning_rate,
                ..
            } => initial_learning_rate,
        }
    }

    /// `e / decay_steps`, floored with `staircase` (0 for `Constant`); a zero `decay_steps`
    /// counts as 1.
    fn progress(&self, epoch: usize) -> f64 {
        let (steps, staircase) = match *self {
            Schedule::Constant { .. } => return 0.0,
            Schedule::ExponentialDecay {
                decay_steps,
                staircase,
                ..
            }
            | Schedule::InverseTimeDecay {
                decay_steps,
                staircase,
                ..
            } => (decay_steps.max(1), staircase),
            Schedule::CosineDecay { decay_steps, .. } => (decay_steps.max(1), false),
        };
        if staircase {
            (epoch / steps) as f64
        } else {
            epoch as f64 / steps as f64
        }
    }

    /// Checks every parameter (`fit` does, before the first epoch).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidHyperparameter`](crate::Error::InvalidHyperparameter) naming the first
    /// parameter out of range.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::Schedule;
    ///
    /// let cosine = Schedule::CosineDecay { initial_learning_rate: 0.1, decay_steps: 0, alpha: 0.0 };
    /// assert!(cosine.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        let decay_steps = match *self {
            Schedule::Constant { learning_rate } => return check::learning_rate(learning_rate),
            Schedule::ExponentialDecay { decay_steps, .. }
            | Schedule::InverseTimeDecay { decay_steps, .. }
            | Schedule::CosineDecay { decay_steps, .. } => decay_steps,
        };
        check::positive(
            "initial_learning_rate",
            self.initial_learning_rate(),
            "use a positive, finite initial learning rate such as 0.001",
        )?;
        check::nonzero("decay_steps", decay_steps, "use at least 1 step")?;
        match *self {
            Schedule::Constant { .. } => Ok(()),
            Schedule::ExponentialDecay { decay_rate, .. } => check::positive(
                "decay_rate",
                decay_rate,
                "use a positive decay rate, such as 0.96 (0.5 halves the rate each decay_steps)",
            ),
            Schedule::InverseTimeDecay { decay_rate, .. } => check::non_negative(
                "decay_rate",
                decay_rate,
                "use a non-negative decay rate, such as 0.5",
            ),
            Schedule::CosineDecay { alpha, .. } => check::unit_closed(
                "alpha",
                alpha,
                "use an alpha in [0, 1], the final fraction of the initial learning rate",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::test_support::assert_invalid;

    fn assert_rates(schedule: Schedule, expected: &[f64]) {
        for (epoch, &e) in expected.iter().enumerate() {
            let got = schedule.learning_rate(epoch);
            assert!(
                (got - e).abs() <= 1e-7 * e.abs().max(1e-3),
                "epoch {epoch}: {got} vs {e}"
            );
        }
    }

    fn exponential(initial: f64, steps: usize, rate: f64, staircase: bool) -> Schedule {
        Schedule::ExponentialDecay {
            initial_learning_rate: initial,
            decay_steps: steps,
            decay_rate: rate,
            staircase,
        }
    }

    fn inverse_time(initial: f64, steps: usize, rate: f64, staircase: bool) -> Schedule {
        Schedule::InverseTimeDecay {
            initial_learning_rate: initial,
            decay_steps: steps,
            decay_rate: rate,
            staircase,
        }
    }

    fn cosine(initial: f64, steps: usize, alpha: f64) -> Schedule {
        Schedule::CosineDecay {
            initial_learning_rate: initial,
            decay_steps: steps,
            alpha,
        }
    }

    #[test]
    fn constant_by_hand() {
        assert_rates(
            Schedule::Constant {
                learning_rate: 0.01,
            },
            &[0.01; 5],
        );
    }

    #[test]
    fn exponential_decay_by_hand() {
        // 0.1 · 0.64^(e/2) = 0.1 · 0.8^e
        let smooth = exponential(0.1, 2, 0.64, false);
        assert_rates(smooth, &[0.1, 0.08, 0.064, 0.0512, 0.04096]);
        let stairs = exponential(0.1, 2, 0.64, true);
        assert_rates(stairs, &[0.1, 0.1, 0.064, 0.064, 0.04096]);
    }

    #[test]
    fn step_decay_is_staircase_exponential_decay() {
        // 0.2 · 0.5^⌊e/3⌋
        let expected = [0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025];
        assert_rates(exponential(0.2, 3, 0.5, true), &expected);
        // One epoch per drop: 0.1 · 0.9^e
        let every_epoch = [0.1, 0.09, 0.081, 0.0729];
        assert_rates(exponential(0.1, 1, 0.9, true), &every_epoch);
        assert_rates(exponential(0.1, 1, 0.9, false), &every_epoch);
    }

    #[test]
    fn inverse_time_decay_by_hand() {
        // 1 / (1 + 0.5 e / 2) = 1 / (1 + e / 4)
        let smooth = inverse_time(1.0, 2, 0.5, false);
        assert_rates(smooth, &[1.0, 0.8, 1.0 / 1.5, 1.0 / 1.75, 0.5]);
        let stairs = inverse_time(1.0, 2, 0.5, true);
        assert_rates(stairs, &[1.0, 1.0, 1.0 / 1.5, 1.0 / 1.5, 0.5]);
    }

    #[test]
    fn cosine_decay_by_hand() {
        // Over 4 epochs to alpha = 0.2: 0.2 + 0.8 · (1 + cos(π e / 4)) / 2, then 0.2.
        let h = core::f64::consts::FRAC_1_SQRT_2;
        let expected = [
            1.0,
            0.2 + 0.4 * (1.0 + h),
            0.6,
            0.2 + 0.4 * (1.0 - h),
            0.2,
            0.2,
            0.2,
        ];
        assert_rates(cosine(1.0, 4, 0.2), &expected);
        assert_rates(cosine(0.5, 2, 0.0), &[0.5, 0.25, 0.0, 0.0]);
    }

    /// An `f32` network's rates are those of `f32` settings, bit for bit: the formula over the
    /// settings widened from `f32`, rounded to `f32`; an `f64` network's use the settings as
    /// written.
    #[test]
    fn rates_for_a_scalar_use_the_settings_as_it_holds_them() {
        let narrow = |x: f64| f64::from(x as f32);
        for (initial, rate) in [(0.1, 0.96), (0.003, 0.9), (0.3, 0.64)] {
            for epoch in 0..50 {
                let old = (narrow(initial) * narrow(rate).powf(epoch as f64 / 3.0)) as f32;
                let schedule = exponential(initial, 3, rate, false);
                assert_eq!(schedule.learning_rate_for::<f32>(epoch), f64::from(old));
                let exact = initial * rate.powf(epoch as f64 / 3.0);
                assert_eq!(schedule.learning_rate_for::<f64>(epoch), exact);
            }
        }
        let cosine = cosine(0.1, 7, 0.3);
        let alpha = narrow(0.3);
        let p = 3.0_f64 / 7.0;
        let cos = 0.5 * (1.0 + (core::f64::consts::PI * p).cos());
        let old = (narrow(0.1) * ((1.0 - alpha) * cos + alpha)) as f32;
        assert_eq!(cosine.learning_rate_for::<f32>(3), f64::from(old));
    }

    #[test]
    fn zero_steps_do_not_panic() {
        assert_eq!(exponential(1.0, 0, 0.5, true).learning_rate(2), 0.25);
        assert_eq!(exponential(1.0, 0, 0.5, false).learning_rate(2), 0.25);
        assert_eq!(inverse_time(1.0, 0, 1.0, false).learning_rate(3), 0.25);
        assert_eq!(cosine(1.0, 0, 0.0).learning_rate(3), 0.0);
    }

    #[test]
    fn schedules_validate() {
        assert!(Schedule::Constant { learning_rate: 0.1 }.validate().is_ok());
        assert!(exponential(0.1, 10, 1.5, false).validate().is_ok());
        assert!(inverse_time(0.1, 1, 0.0, false).validate().is_ok());
        assert!(cosine(0.1, 1, 1.0).validate().is_ok());
        for (schedule, name) in [
            (Schedule::Constant { learning_rate: 0.0 }, "learning_rate"),
            (exponential(0.0, 10, 0.5, true), "initial_learning_rate"),
            (
                exponential(f64::NAN, 10, 0.5, true),
                "initial_learning_rate",
            ),
            (exponential(0.1, 10, 0.0, true), "decay_rate"),
            (exponential(0.1, 10, f64::NAN, false), "decay_rate"),
            (exponential(0.1, 0, 0.5, false), "decay_steps"),
            (inverse_time(-0.1, 10, 1.0, false), "initial_learning_rate"),
            (inverse_time(0.1, 10, -1.0, false), "decay_rate"),
            (inverse_time(0.1, 0, 1.0, false), "decay_steps"),
            (cosine(f64::INFINITY, 10, 0.0), "initial_learning_rate"),
            (cosine(0.1, 0, 0.0), "decay_steps"),
            (cosine(0.1, 10, 1.5), "alpha"),
        ] {
            assert_invalid(schedule.validate(), name);
        }
    }
}
