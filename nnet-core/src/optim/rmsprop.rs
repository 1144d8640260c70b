//! RMSprop (Keras `RMSprop`), plain or centered, with optional momentum.

use crate::optim::slots::Slots;
use crate::optim::{Clip, Optimizer, check, clip_gradients};
use crate::{Parameters, Result};

/// RMSprop (Hinton, 2012), as Keras computes it.
///
/// With gradient `g`, learning rate `η`, and `v` (and, when centered, `a`) starting at zero:
///
/// ```text
/// v ← ρ v + (1 − ρ) g²
/// a ← ρ a + (1 − ρ) g                        (centered only)
/// d = v + ε,  or  d = max(v − a², 0) + ε     (centered)
/// Δ = η g / sqrt(d)
/// w ← w − Δ,  or, with momentum μ > 0:  s ← μ s + Δ,  w ← w − s
/// ```
///
/// `ε` is inside the square root, as in Keras. The `max(·, 0)` guards the centered variance
/// estimate against rounding below zero, which would make Keras's formula take the square root
/// of a negative number; it changes nothing otherwise. State is allocated on the first step and
/// reused.
///
/// # Examples
///
/// ```
/// use nnet_core::optim::{Optimizer, RmsProp};
/// use nnet_core::{DenseGradient, Parameters};
///
/// let mut rmsprop = RmsProp::new(0.01);
/// let mut params = DenseGradient::<1, 1>::zeroed();
/// let mut grads = DenseGradient::<1, 1>::zeroed();
/// grads.tensor_mut(0)[0] = 2.0;
/// rmsprop.step(&mut params, &mut grads);
/// // v = 0.1 · 4 = 0.4, Δ = 0.01 · 2 / sqrt(0.4 + 1e-7)
/// let expected = -0.01 * 2.0 / (0.4_f32 + 1e-7).sqrt();
/// assert!((params.tensor(0)[0] - expected).abs() < 1e-7);
/// ```
#[derive(Debug, Clone)]
pub struct RmsProp {
    /// Learning rate `η`, positive. Default 0.001 (Keras).
    pub learning_rate: f32,
    /// Decay rate `ρ` of the moving average of squared gradients, in `[0, 1)`. Default 0.9.
    pub rho: f32,
    /// Momentum `μ`, in `[0, 1]`; 0 turns momentum off. Default 0.
    pub momentum: f32,
    /// `ε`, positive, added under the square root. Default 1e-7 (Keras).
    pub epsilon: f32,
    /// Whether to divide by an estimate of the gradient's variance instead of its second
    /// moment. Default `false`.
    pub centered: bool,
    /// Gradient clipping applied at the start of each step. Default `None`.
    pub clip: Option<Clip>,
    velocity: Slots,
    average_gradient: Slots,
    momentum_buffer: Slots,
}

impl Default for RmsProp {
    /// Keras's defaults: learning rate 0.001, ρ 0.9, no momentum, ε 1e-7, not centered, no
    /// clipping.
    fn default() -> Self {
        Self::new(0.001)
    }
}

impl RmsProp {
    /// RMSprop with the given learning rate and the other defaults.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::RmsProp;
    ///
    /// let rmsprop = RmsProp::new(0.01);
    /// assert_eq!((rmsprop.learning_rate, rmsprop.rho, rmsprop.centered), (0.01, 0.9, false));
    /// ```
    pub fn new(learning_rate: f32) -> Self {
        Self {
            learning_rate,
            rho: 0.9,
            momentum: 0.0,
            epsilon: 1e-7,
            centered: false,
            clip: None,
            velocity: Slots::default(),
            average_gradient: Slots::default(),
            momentum_buffer: Slots::default(),
        }
    }

    /// Sets `ρ`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::RmsProp;
    ///
    /// assert_eq!(RmsProp::default().with_rho(0.95).rho, 0.95);
    /// ```
    #[must_use]
    pub fn with_rho(mut self, rho: f32) -> Self {
        self.rho = rho;
        self
    }

    /// Sets the momentum `μ`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::RmsProp;
    ///
    /// assert_eq!(RmsProp::default().with_momentum(0.9).momentum, 0.9);
    /// ```
    #[must_use]
    pub fn with_momentum(mut self, momentum: f32) -> Self {
        self.momentum = momentum;
        self
    }

    /// Sets `ε`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::RmsProp;
    ///
    /// assert_eq!(RmsProp::default().with_epsilon(1e-6).epsilon, 1e-6);
    /// ```
    #[must_use]
    pub fn with_epsilon(mut self, epsilon: f32) -> Self {
        self.epsilon = epsilon;
        self
    }

    /// Turns the centered variant on or off.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::RmsProp;
    ///
    /// assert!(RmsProp::default().with_centered(true).centered);
    /// ```
    #[must_use]
    pub fn with_centered(mut self, centered: bool) -> Self {
        self.centered = centered;
        self
    }

    /// Sets the gradient clipping.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::{Clip, RmsProp};
    ///
    /// assert_eq!(RmsProp::default().with_clip(Clip::Norm(1.0)).clip, Some(Clip::Norm(1.0)));
    /// ```
    #[must_use]
    pub fn with_clip(mut self, clip: Clip) -> Self {
        self.clip = Some(clip);
        self
    }

    /// Forgets the moving averages and the momentum; the hyperparameters stay.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::{Optimizer, RmsProp};
    /// use nnet_core::{DenseGradient, Parameters};
    ///
    /// let one_step = |rmsprop: &mut RmsProp| {
    ///     let (mut w, mut g) = (DenseGradient::<1, 1>::zeroed(), DenseGradient::<1, 1>::zeroed());
    ///     g.tensor_mut(0)[0] = 1.0;
    ///     rmsprop.step(&mut w, &mut g);
    ///     w.tensor(0)[0]
    /// };
    /// let mut rmsprop = RmsProp::default();
    /// let first = one_step(&mut rmsprop);
    /// rmsprop.reset();
    /// assert_eq!(one_step(&mut rmsprop), first);
    /// ```
    pub fn reset(&mut self) {
        self.velocity.clear();
        self.average_gradient.clear();
        self.momentum_buffer.clear();
    }
}

impl Optimizer for RmsProp {
    fn learning_rate(&self) -> f32 {
        self.learning_rate
    }

    fn set_learning_rate(&mut self, learning_rate: f32) {
        self.learning_rate = learning_rate;
    }

    fn validate(&self) -> Result<()> {
        check::learning_rate(self.learning_rate)?;
        check::unit_half_open(
            "rho",
            self.rho,
            "use a rho in [0, 1), such as 0.9 (the default)",
        )?;
        check::unit_closed(
            "momentum",
            self.momentum,
            "use a momentum in [0, 1], such as 0.9 (0 turns momentum off)",
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
        if !self.velocity.fits(params) {
            self.velocity.allocate(params, 0.0);
        }
        if self.centered && !self.average_gradient.fits(params) {
            self.average_gradient.allocate(params, 0.0);
        }
        let with_momentum = self.momentum > 0.0;
        if with_momentum && !self.momentum_buffer.fits(params) {
            self.momentum_buffer.allocate(params, 0.0);
        }

        let (lr, rho, mu, eps) = (self.learning_rate, self.rho, self.momentum, self.epsilon);
        let c = 1.0 - rho;
        for i in 0..P::TENSORS {
            let (w, g, v) = (
                params.tensor_mut(i),
                grads.tensor(i),
                self.velocity.get_mut(i),
            );
            // Four loops rather than branches inside one, so that each vectorizes.
            match (self.centered, with_momentum) {
                (false, false) => {
                    for ((w, &g), v) in w.iter_mut().zip(g).zip(v) {
                        *v = rho * *v + c * g * g;
                        *w -= lr * g / (*v + eps).sqrt();
                    }
                }
                (false, true) => {
                    let s = self.momentum_buffer.get_mut(i);
                    for (((w, &g), v), s) in w.iter_mut().zip(g).zip(v).zip(s) {
                        *v = rho * *v + c * g * g;
                        *s = mu * *s + lr * g / (*v + eps).sqrt();
                        *w -= *s;
                    }
                }
                (true, false) => {
                    let a = self.average_gradient.get_mut(i);
                    for (((w, &g), v), a) in w.iter_mut().zip(g).zip(v).zip(a) {
                        *v = rho * *v + c * g * g;
                        *a = rho * *a + c * g;
                        *w -= lr * g / ((*v - *a * *a).max(0.0) + eps).sqrt();
                    }
                }
                (true, true) => {
                    let (a, s) = (
                        self.average_gradient.get_mut(i),
                        self.momentum_buffer.get_mut(i),
                    );
                    for ((((w, &g), v), a), s) in w.iter_mut().zip(g).zip(v).zip(a).zip(s) {
                        *v = rho * *v + c * g * g;
                        *a = rho * *a + c * g;
                        *s = mu * *s + lr * g / ((*v - *a * *a).max(0.0) + eps).sqrt();
                        *w -= *s;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::test_support::{assert_invalid, assert_same_trajectory, reference, run};

    /// Keras's RMSprop written out in f64.
    fn keras_rmsprop(lr: f64, rho: f64, momentum: f64, eps: f64, centered: bool) -> Vec<Vec<f64>> {
        let (mut v, mut a, mut s) = (Vec::new(), Vec::new(), Vec::new());
        reference(|_, w, g| {
            v.resize(w.len(), 0.0);
            a.resize(w.len(), 0.0);
            s.resize(w.len(), 0.0);
            for i in 0..w.len() {
                v[i] = rho * v[i] + (1.0 - rho) * g[i] * g[i];
                let denominator = if centered {
                    a[i] = rho * a[i] + (1.0 - rho) * g[i];
                    v[i] - a[i] * a[i] + eps
                } else {
                    v[i] + eps
                };
                let increment = lr * g[i] / denominator.sqrt();
                if momentum > 0.0 {
                    s[i] = momentum * s[i] + increment;
                    w[i] -= s[i];
                } else {
                    w[i] -= increment;
                }
            }
        })
    }

    #[test]
    fn rmsprop_defaults_match_reference() {
        let expected = keras_rmsprop(0.001, 0.9, 0.0, 1e-7, false);
        assert_same_trajectory(&run(&mut RmsProp::default()), &expected);
    }

    #[test]
    fn rmsprop_momentum_matches_reference() {
        let mut rmsprop = RmsProp::new(0.01).with_momentum(0.9).with_rho(0.8);
        let expected = keras_rmsprop(0.01, 0.8, 0.9, 1e-7, false);
        assert_same_trajectory(&run(&mut rmsprop), &expected);
    }

    #[test]
    fn rmsprop_centered_matches_reference() {
        let mut rmsprop = RmsProp::new(0.01).with_centered(true).with_epsilon(1e-4);
        let expected = keras_rmsprop(0.01, 0.9, 0.0, 1e-4, true);
        assert_same_trajectory(&run(&mut rmsprop), &expected);
    }

    #[test]
    fn rmsprop_centered_momentum_matches_reference() {
        let mut rmsprop = RmsProp::new(0.01)
            .with_centered(true)
            .with_momentum(0.5)
            .with_epsilon(1e-4);
        let expected = keras_rmsprop(0.01, 0.9, 0.5, 1e-4, true);
        assert_same_trajectory(&run(&mut rmsprop), &expected);
    }

    #[test]
    fn rmsprop_centered_constant_gradient_stays_finite() {
        // A constant gradient has zero variance: after a while v − a² is rounding noise, and
        // in f32 it falls below −ε for these values (at steps 137 and 141), where Keras's
        // formula would take the square root of a negative number.
        let mut rmsprop = RmsProp::new(0.001).with_centered(true);
        let mut params = crate::optim::test_support::dense(&[0.0; 6], &[0.0; 2]);
        for _ in 0..400 {
            let w = [3.3, 123.4, 1.0, -3.3, -123.4, 0.0];
            let mut grads = crate::optim::test_support::dense(&w, &[3.3, 123.4]);
            rmsprop.step(&mut params, &mut grads);
        }
        assert!(params.all_finite());
    }

    #[test]
    fn rmsprop_state_is_allocated_once() {
        let mut rmsprop = RmsProp::default().with_centered(true).with_momentum(0.9);
        run(&mut rmsprop);
        let pointers = |r: &RmsProp| {
            [
                r.velocity.get(0).as_ptr(),
                r.average_gradient.get(0).as_ptr(),
                r.momentum_buffer.get(0).as_ptr(),
            ]
        };
        let before = pointers(&rmsprop);
        run(&mut rmsprop);
        assert_eq!(pointers(&rmsprop), before);
    }

    #[test]
    fn rmsprop_validate() {
        assert!(RmsProp::default().validate().is_ok());
        assert_invalid(RmsProp::new(0.0).validate(), "learning_rate");
        assert_invalid(RmsProp::default().with_rho(1.0).validate(), "rho");
        assert_invalid(RmsProp::default().with_rho(-0.5).validate(), "rho");
        assert_invalid(
            RmsProp::default().with_momentum(-0.5).validate(),
            "momentum",
        );
        assert_invalid(RmsProp::default().with_epsilon(-1e-7).validate(), "epsilon");
        assert_invalid(
            RmsProp::default().with_epsilon(f32::NAN).validate(),
            "epsilon",
        );
        assert_invalid(
            RmsProp::default().with_clip(Clip::Value(0.0)).validate(),
            "clipvalue",
        );
    }
}
