//! Learning-rate schedules: the learning rate of each epoch, from the initial one.
//!
//! The fit loop calls [`LearningRateSchedule::learning_rate`] at the start of every epoch, with
//! the optimizer's initial learning rate and the epoch index counted from 0 (as Keras's
//! `LearningRateScheduler` callback), and sets the result with
//! [`Optimizer::set_learning_rate`](crate::optim::Optimizer::set_learning_rate).
//!
//! The decays take Keras's names and formulas (`keras.optimizers.schedules`), with one
//! difference: Keras counts `step` in batches, and here the step is the index the caller passes,
//! the epoch for the fit loop, so `decay_steps` counts epochs there. Any
//! `Fn(f32, usize) -> f32` (initial learning rate, epoch) is a schedule too.

use crate::Result;
use crate::optim::check;

/// The learning rate as a function of the initial learning rate and the epoch.
///
/// # Examples
///
/// ```
/// use nnet_core::optim::schedule::{LearningRateSchedule, StepDecay};
///
/// // A closure is a schedule: halve the rate after epoch 10.
/// let warm = |initial: f32, epoch: usize| if epoch < 10 { initial } else { initial / 2.0 };
/// assert_eq!(warm.learning_rate(0.1, 12), 0.05);
///
/// let step = StepDecay::new(0.5, 10);
/// assert_eq!(step.learning_rate(0.1, 12), 0.05);
/// ```
pub trait LearningRateSchedule {
    /// The learning rate of epoch `epoch` (0-based) for an initial learning rate `initial`.
    fn learning_rate(&self, initial: f32, epoch: usize) -> f32;

    /// Checks the schedule's parameters (always `Ok` unless the schedule overrides it).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidHyperparameter`](crate::Error::InvalidHyperparameter) naming the first
    /// parameter out of range.
    fn validate(&self) -> Result<()> {
        Ok(())
    }
}

impl<F: Fn(f32, usize) -> f32> LearningRateSchedule for F {
    fn learning_rate(&self, initial: f32, epoch: usize) -> f32 {
        self(initial, epoch)
    }
}

/// The same learning rate at every epoch: `η(e) = η₀`.
///
/// # Examples
///
/// ```
/// use nnet_core::optim::schedule::{Constant, LearningRateSchedule};
///
/// assert_eq!(Constant.learning_rate(0.01, 1000), 0.01);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Constant;

impl LearningRateSchedule for Constant {
    fn learning_rate(&self, initial: f32, _epoch: usize) -> f32 {
        initial
    }
}

/// Multiplies the learning rate by `drop_rate` every `epochs_per_drop` epochs:
/// `η(e) = η₀ · drop_rate^⌊e / epochs_per_drop⌋`.
///
/// # Examples
///
/// ```
/// use nnet_core::optim::schedule::{LearningRateSchedule, StepDecay};
///
/// let schedule = StepDecay::new(0.5, 10);
/// assert_eq!(schedule.learning_rate(0.1, 9), 0.1);
/// assert_eq!(schedule.learning_rate(0.1, 10), 0.05);
/// assert_eq!(schedule.learning_rate(0.1, 25), 0.025);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepDecay {
    /// The factor applied at each drop, positive and finite (usually below 1).
    pub drop_rate: f32,
    /// Epochs between two drops, at least 1 (0 is rejected by `validate` and treated as 1).
    pub epochs_per_drop: usize,
}

impl StepDecay {
    /// A step decay by `drop_rate` every `epochs_per_drop` epochs.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::schedule::StepDecay;
    ///
    /// assert_eq!(StepDecay::new(0.5, 10).epochs_per_drop, 10);
    /// ```
    pub const fn new(drop_rate: f32, epochs_per_drop: usize) -> Self {
        Self {
            drop_rate,
            epochs_per_drop,
        }
    }
}

impl LearningRateSchedule for StepDecay {
    fn learning_rate(&self, initial: f32, epoch: usize) -> f32 {
        let drops = epoch / self.epochs_per_drop.max(1);
        (f64::from(initial) * f64::from(self.drop_rate).powf(drops as f64)) as f32
    }

    fn validate(&self) -> Result<()> {
        check::positive(
            "drop_rate",
            self.drop_rate,
            "use a positive drop rate, such as 0.5 to halve the learning rate",
        )?;
        check::nonzero(
            "epochs_per_drop",
            self.epochs_per_drop,
            "use at least 1 epoch per drop",
        )
    }
}

/// Keras's `ExponentialDecay`: `η(e) = η₀ · decay_rate^(e / decay_steps)`, or with `staircase`
/// `η₀ · decay_rate^⌊e / decay_steps⌋` (the same as [`StepDecay`]).
///
/// # Examples
///
/// ```
/// use nnet_core::optim::schedule::{ExponentialDecay, LearningRateSchedule};
///
/// let smooth = ExponentialDecay::new(0.25, 2);
/// assert_eq!(smooth.learning_rate(0.1, 0), 0.1);
/// assert!((smooth.learning_rate(0.1, 1) - 0.05).abs() < 1e-8); // 0.1 · 0.25^(1/2)
/// assert!((smooth.learning_rate(0.1, 4) - 0.00625).abs() < 1e-9);
///
/// let stairs = smooth.with_staircase(true);
/// assert_eq!(stairs.learning_rate(0.1, 1), 0.1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExponentialDecay {
    /// The factor applied every `decay_steps` epochs, positive and finite.
    pub decay_rate: f32,
    /// Epochs over which the rate is multiplied by `decay_rate`, at least 1 (0 is rejected by
    /// `validate` and treated as 1).
    pub decay_steps: usize,
    /// Whether to decay in whole steps only. Default `false` (Keras).
    pub staircase: bool,
}

impl ExponentialDecay {
    /// A smooth exponential decay by `decay_rate` every `decay_steps` epochs.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::schedule::ExponentialDecay;
    ///
    /// assert!(!ExponentialDecay::new(0.96, 10).staircase);
    /// ```
    pub const fn new(decay_rate: f32, decay_steps: usize) -> Self {
        Self {
            decay_rate,
            decay_steps,
            staircase: false,
        }
    }

    /// Sets `staircase`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::schedule::ExponentialDecay;
    ///
    /// assert!(ExponentialDecay::new(0.96, 10).with_staircase(true).staircase);
    /// ```
    #[must_use]
    pub const fn with_staircase(mut self, staircase: bool) -> Self {
        self.staircase = staircase;
        self
    }
}

impl LearningRateSchedule for ExponentialDecay {
    fn learning_rate(&self, initial: f32, epoch: usize) -> f32 {
        let p = progress(epoch, self.decay_steps, self.staircase);
        (f64::from(initial) * f64::from(self.decay_rate).powf(p)) as f32
    }

    fn validate(&self) -> Result<()> {
        check::positive(
            "decay_rate",
            self.decay_rate,
            "use a positive decay rate, such as 0.96",
        )?;
        check::nonzero("decay_steps", self.decay_steps, "use at least 1 step")
    }
}

/// Keras's `InverseTimeDecay`: `η(e) = η₀ / (1 + decay_rate · e / decay_steps)`, or with
/// `staircase` `η₀ / (1 + decay_rate · ⌊e / decay_steps⌋)`.
///
/// # Examples
///
/// ```
/// use nnet_core::optim::schedule::{InverseTimeDecay, LearningRateSchedule};
///
/// let schedule = InverseTimeDecay::new(0.5, 2);
/// assert_eq!(schedule.learning_rate(0.3, 0), 0.3);
/// assert!((schedule.learning_rate(0.3, 3) - 0.3 / 1.75).abs() < 1e-7);
/// // ⌊3 / 2⌋ = 1: 0.3 / (1 + 0.5)
/// assert!((schedule.with_staircase(true).learning_rate(0.3, 3) - 0.2).abs() < 1e-7);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InverseTimeDecay {
    /// How fast the rate falls, non-negative and finite.
    pub decay_rate: f32,
    /// Epochs per unit of decay, at least 1 (0 is rejected by `validate` and treated as 1).
    pub decay_steps: usize,
    /// Whether to decay in whole steps only. Default `false` (Keras).
    pub staircase: bool,
}

impl InverseTimeDecay {
    /// A smooth inverse-time decay.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::schedule::InverseTimeDecay;
    ///
    /// assert_eq!(InverseTimeDecay::new(0.5, 2).decay_rate, 0.5);
    /// ```
    pub const fn new(decay_rate: f32, decay_steps: usize) -> Self {
        Self {
            decay_rate,
            decay_steps,
            staircase: false,
        }
    }

    /// Sets `staircase`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::schedule::InverseTimeDecay;
    ///
    /// assert!(InverseTimeDecay::new(0.5, 2).with_staircase(true).staircase);
    /// ```
    #[must_use]
    pub const fn with_staircase(mut self, staircase: bool) -> Self {
        self.staircase = staircase;
        self
    }
}

impl LearningRateSchedule for InverseTimeDecay {
    fn learning_rate(&self, initial: f32, epoch: usize) -> f32 {
        let p = progress(epoch, self.decay_steps, self.staircase);
        (f64::from(initial) / (1.0 + f64::from(self.decay_rate) * p)) as f32
    }

    fn validate(&self) -> Result<()> {
        check::non_negative(
            "decay_rate",
            self.decay_rate,
            "use a non-negative decay rate, such as 0.5",
        )?;
        check::nonzero("decay_steps", self.decay_steps, "use at least 1 step")
    }
}

/// Keras's `CosineDecay` (without warm-up): over `decay_steps` epochs the rate follows half a
/// cosine from `η₀` down to `alpha · η₀`, then stays there:
/// `η(e) = η₀ · ((1 − alpha) · ½ (1 + cos(π · min(e, decay_steps) / decay_steps)) + alpha)`.
///
/// # Examples
///
/// ```
/// use nnet_core::optim::schedule::{CosineDecay, LearningRateSchedule};
///
/// let schedule = CosineDecay::new(10).with_alpha(0.1);
/// assert_eq!(schedule.learning_rate(1.0, 0), 1.0);
/// assert!((schedule.learning_rate(1.0, 5) - 0.55).abs() < 1e-6); // halfway: (1 + 0.1) / 2
/// assert!((schedule.learning_rate(1.0, 50) - 0.1).abs() < 1e-6);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CosineDecay {
    /// Epochs over which to decay, at least 1 (0 is rejected by `validate` and treated as 1).
    pub decay_steps: usize,
    /// The final learning rate as a fraction of the initial one, in `[0, 1]`. Default 0 (Keras).
    pub alpha: f32,
}

impl CosineDecay {
    /// A cosine decay to zero over `decay_steps` epochs.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::schedule::CosineDecay;
    ///
    /// assert_eq!(CosineDecay::new(100).alpha, 0.0);
    /// ```
    pub const fn new(decay_steps: usize) -> Self {
        Self {
            decay_steps,
            alpha: 0.0,
        }
    }

    /// Sets `alpha`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::schedule::CosineDecay;
    ///
    /// assert_eq!(CosineDecay::new(100).with_alpha(0.01).alpha, 0.01);
    /// ```
    #[must_use]
    pub const fn with_alpha(mut self, alpha: f32) -> Self {
        self.alpha = alpha;
        self
    }
}

impl LearningRateSchedule for CosineDecay {
    fn learning_rate(&self, initial: f32, epoch: usize) -> f32 {
        let steps = self.decay_steps.max(1);
        let p = epoch.min(steps) as f64 / steps as f64;
        let cosine = 0.5 * (1.0 + (core::f64::consts::PI * p).cos());
        let alpha = f64::from(self.alpha);
        (f64::from(initial) * ((1.0 - alpha) * cosine + alpha)) as f32
    }

    fn validate(&self) -> Result<()> {
        check::nonzero("decay_steps", self.decay_steps, "use at least 1 step")?;
        check::unit_closed(
            "alpha",
            self.alpha,
            "use an alpha in [0, 1], the final fraction of the initial learning rate",
        )
    }
}

/// `e / decay_steps`, floored with `staircase`; a zero `decay_steps` counts as 1.
fn progress(epoch: usize, decay_steps: usize, staircase: bool) -> f64 {
    let steps = decay_steps.max(1);
    if staircase {
        (epoch / steps) as f64
    } else {
        epoch as f64 / steps as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::test_support::assert_invalid;

    fn assert_rates(schedule: &impl LearningRateSchedule, initial: f32, expected: &[f64]) {
        for (epoch, &e) in expected.iter().enumerate() {
            let got = f64::from(schedule.learning_rate(initial, epoch));
            assert!(
                (got - e).abs() <= 1e-7 * e.abs().max(1e-3),
                "epoch {epoch}: {got} vs {e}"
            );
        }
    }

    #[test]
    fn constant_by_hand() {
        assert_rates(&Constant, 0.01, &[0.01; 5]);
    }

    #[test]
    fn step_decay_by_hand() {
        // 0.2 · 0.5^⌊e/3⌋
        let expected = [0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025];
        assert_rates(&StepDecay::new(0.5, 3), 0.2, &expected);
        // One epoch per drop: 0.1 · 0.9^e
        assert_rates(&StepDecay::new(0.9, 1), 0.1, &[0.1, 0.09, 0.081, 0.0729]);
    }

    #[test]
    fn exponential_decay_by_hand() {
        // 0.1 · 0.64^(e/2) = 0.1 · 0.8^e
        let smooth = ExponentialDecay::new(0.64, 2);
        assert_rates(&smooth, 0.1, &[0.1, 0.08, 0.064, 0.0512, 0.04096]);
        let stairs = smooth.with_staircase(true);
        assert_rates(&stairs, 0.1, &[0.1, 0.1, 0.064, 0.064, 0.04096]);
    }

    #[test]
    fn inverse_time_decay_by_hand() {
        // 1 / (1 + 0.5 e / 2) = 1 / (1 + e / 4)
        let smooth = InverseTimeDecay::new(0.5, 2);
        assert_rates(&smooth, 1.0, &[1.0, 0.8, 1.0 / 1.5, 1.0 / 1.75, 0.5]);
        let stairs = smooth.with_staircase(true);
        assert_rates(&stairs, 1.0, &[1.0, 1.0, 1.0 / 1.5, 1.0 / 1.5, 0.5]);
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
        assert_rates(&CosineDecay::new(4).with_alpha(0.2), 1.0, &expected);
        assert_rates(&CosineDecay::new(2), 0.5, &[0.5, 0.25, 0.0, 0.0]);
    }

    #[test]
    fn closure_and_trait_object() {
        let schedules: Vec<Box<dyn LearningRateSchedule>> = vec![
            Box::new(|initial: f32, epoch: usize| initial / (epoch + 1) as f32),
            Box::new(StepDecay::new(0.5, 1)),
        ];
        assert_eq!(schedules[0].learning_rate(1.0, 3), 0.25);
        assert_eq!(schedules[1].learning_rate(1.0, 2), 0.25);
        assert!(schedules.iter().all(|s| s.validate().is_ok()));
    }

    #[test]
    fn zero_steps_do_not_panic() {
        assert_eq!(StepDecay::new(0.5, 0).learning_rate(1.0, 2), 0.25);
        assert_eq!(ExponentialDecay::new(0.5, 0).learning_rate(1.0, 2), 0.25);
        assert_eq!(InverseTimeDecay::new(1.0, 0).learning_rate(1.0, 3), 0.25);
        assert_eq!(CosineDecay::new(0).learning_rate(1.0, 3), 0.0);
    }

    #[test]
    fn schedules_validate() {
        assert!(StepDecay::new(0.5, 10).validate().is_ok());
        assert!(ExponentialDecay::new(1.5, 10).validate().is_ok());
        assert!(InverseTimeDecay::new(0.0, 1).validate().is_ok());
        assert!(CosineDecay::new(1).with_alpha(1.0).validate().is_ok());
        assert_invalid(StepDecay::new(0.0, 10).validate(), "drop_rate");
        assert_invalid(StepDecay::new(f32::NAN, 10).validate(), "drop_rate");
        assert_invalid(StepDecay::new(0.5, 0).validate(), "epochs_per_drop");
        assert_invalid(ExponentialDecay::new(-0.5, 10).validate(), "decay_rate");
        assert_invalid(ExponentialDecay::new(0.5, 0).validate(), "decay_steps");
        assert_invalid(InverseTimeDecay::new(-1.0, 10).validate(), "decay_rate");
        assert_invalid(InverseTimeDecay::new(1.0, 0).validate(), "decay_steps");
        assert_invalid(CosineDecay::new(0).validate(), "decay_steps");
        assert_invalid(CosineDecay::new(10).with_alpha(1.5).validate(), "alpha");
    }
}
