//! RMSprop (Keras `RMSprop`), plain or centered, with optional momentum.

use crate::optim::slots::Slots;
use crate::optim::with_state::learning_rate_and_clip;
use crate::optim::{Clip, OptimizerConfig, WithState, check};
use crate::{Parameters, Result, Scalar};

/// RMSprop (Hinton, 2012), as Keras computes it: [`RmsPropConfig`] and the moving averages.
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
/// let mut rmsprop = RmsProp::with_learning_rate(0.01);
/// let mut params = DenseGradient::<1, 1>::zeroed();
/// let mut grads = DenseGradient::<1, 1>::zeroed();
/// grads.tensor_mut(0)[0] = 2.0;
/// rmsprop.step(&mut params, &mut grads);
/// // v = 0.1 · 4 = 0.4, Δ = 0.01 · 2 / sqrt(0.4 + 1e-7)
/// let expected = -0.01 * 2.0 / (0.4_f32 + 1e-7).sqrt();
/// assert!((params.tensor(0)[0] - expected).abs() < 1e-7);
/// ```
pub type RmsProp = WithState<RmsPropConfig>;

/// The settings of [`RmsProp`], with Keras's names and defaults.
///
/// # Examples
///
/// ```
/// use nnet_core::optim::RmsPropConfig;
///
/// let config = RmsPropConfig { centered: true, ..RmsPropConfig::default() };
/// assert_eq!((config.learning_rate, config.rho), (0.001, 0.9));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RmsPropConfig {
    /// Learning rate `η`, positive. Default 0.001 (Keras).
    pub learning_rate: f64,
    /// Decay rate `ρ` of the moving average of squared gradients, in `[0, 1)`. Default 0.9.
    pub rho: f64,
    /// Momentum `μ`, in `[0, 1]`; 0 turns momentum off. Default 0.
    pub momentum: f64,
    /// `ε`, positive, added under the square root. Default 1e-7 (Keras).
    pub epsilon: f64,
    /// Whether to divide by an estimate of the gradient's variance instead of its second
    /// moment. Default `false`.
    pub centered: bool,
    /// Gradient clipping applied at the start of each step. Default `None`.
    pub clip: Option<Clip>,
}

impl Default for RmsPropConfig {
    /// Keras's defaults: learning rate 0.001, ρ 0.9, no momentum, ε 1e-7, not centered, no
    /// clipping.
    fn default() -> Self {
        Self {
            learning_rate: 0.001,
            rho: 0.9,
            momentum: 0.0,
            epsilon: 1e-7,
            centered: false,
            clip: None,
        }
    }
}

/// The moving averages and momentum of [`RmsProp`].
///
/// Public only as its state; nothing outside the crate can name or change it.
#[derive(Debug, Clone, Default)]
pub struct RmsPropState {
    velocity: Slots,
    average_gradient: Slots,
    momentum_buffer: Slots,
}

impl OptimizerConfig for RmsPropConfig {
    type State = RmsPropState;

    learning_rate_and_clip!();

    fn validate(&self) -> Result<()> {
        check::learning_rate_and_clip(self.learning_rate, self.clip)?;
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
        )
    }

    fn update<T: Scalar, P: Parameters<T>, G: Parameters<T>>(
        &self,
        state: &mut RmsPropState,
        params: &mut P,
        grads: &G,
    ) {
        if !state.velocity.fits(params) {
            state.velocity.allocate(params, T::zero());
        }
        if self.centered && !state.average_gradient.fits(params) {
            state.average_gradient.allocate(params, T::zero());
        }
        let with_momentum = self.momentum > 0.0;
        if with_momentum && !state.momentum_buffer.fits(params) {
            state.momentum_buffer.allocate(params, T::zero());
        }

        let (lr, rho, mu, eps) = (
            T::of_f64(self.learning_rate),
            T::of_f64(self.rho),
            T::of_f64(self.momentum),
            T::of_f64(self.epsilon),
        );
        // In T, from ρ as T holds it (as Keras, in the variable's dtype).
        let c = T::one() - rho;
        for i in P::trainable() {
            let (w, g, v) = (
                params.tensor_mut(i),
                grads.tensor(i),
                state.velocity.get_mut(i),
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
                    let s = state.momentum_buffer.get_mut(i);
                    for (((w, &g), v), s) in w.iter_mut().zip(g).zip(v).zip(s) {
                        *v = rho * *v + c * g * g;
                        *s = mu * *s + lr * g / (*v + eps).sqrt();
                        *w -= *s;
                    }
                }
                (true, false) => {
                    let a = state.average_gradient.get_mut(i);
                    for (((w, &g), v), a) in w.iter_mut().zip(g).zip(v).zip(a) {
                        *v = rho * *v + c * g * g;
                        *a = rho * *a + c * g;
                        *w -= lr * g / ((*v - *a * *a).max(T::zero()) + eps).sqrt();
                    }
                }
                (true, true) => {
                    let (a, s) = (
                        state.average_gradient.get_mut(i),
                        state.momentum_buffer.get_mut(i),
                    );
                    for ((((w, &g), v), a), s) in w.iter_mut().zip(g).zip(v).zip(a).zip(s) {
                        *v = rho * *v + c * g * g;
                        *a = rho * *a + c * g;
                        *s = mu * *s + lr * g / ((*v - *a * *a).max(T::zero()) + eps).sqrt();
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
    use crate::optim::Optimizer;
    use crate::optim::test_support::{
        assert_same_trajectory, assert_same_trajectory_f64, assert_validation, reference, run,
        run_f64,
    };

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
    fn rmsprop_matches_reference() {
        let defaults = RmsPropConfig::default();
        let momentum = RmsPropConfig {
            learning_rate: 0.01,
            momentum: 0.9,
            rho: 0.8,
            ..defaults
        };
        let centered = RmsPropConfig {
            learning_rate: 0.01,
            centered: true,
            epsilon: 1e-4,
            ..defaults
        };
        let centered_momentum = RmsPropConfig {
            momentum: 0.5,
            ..centered
        };
        for (config, expected) in [
            (defaults, keras_rmsprop(0.001, 0.9, 0.0, 1e-7, false)),
            (momentum, keras_rmsprop(0.01, 0.8, 0.9, 1e-7, false)),
            (centered, keras_rmsprop(0.01, 0.9, 0.0, 1e-4, true)),
            (centered_momentum, keras_rmsprop(0.01, 0.9, 0.5, 1e-4, true)),
        ] {
            assert_same_trajectory(&run(&mut RmsProp::new(config)), &expected);
        }
    }

    /// Issue 21: `rho`, `momentum` and `epsilon` reach an `f64` network as written.
    #[test]
    fn rmsprop_in_f64_matches_keras_in_float64() {
        let config = RmsPropConfig {
            learning_rate: 0.01,
            rho: 0.95,
            momentum: 0.9,
            epsilon: 1e-4,
            centered: true,
            clip: None,
        };
        let expected = keras_rmsprop(0.01, 0.95, 0.9, 1e-4, true);
        assert_same_trajectory_f64(&run_f64(&mut RmsProp::new(config)), &expected);
        let expected = keras_rmsprop(0.001, 0.9, 0.0, 1e-7, false);
        assert_same_trajectory_f64(&run_f64(&mut RmsProp::default()), &expected);
    }

    #[test]
    fn rmsprop_centered_constant_gradient_stays_finite() {
        // A constant gradient has zero variance: after a while v − a² is rounding noise, and
        // in f32 it falls below −ε for these values (at steps 137 and 141), where Keras's
        // formula would take the square root of a negative number.
        let mut rmsprop = RmsProp::new(RmsPropConfig {
            centered: true,
            ..RmsPropConfig::default()
        });
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
        let mut rmsprop = RmsProp::new(RmsPropConfig {
            centered: true,
            momentum: 0.9,
            ..RmsPropConfig::default()
        });
        run(&mut rmsprop);
        let pointers = |r: &RmsProp| {
            [
                r.state.velocity.get::<f32>(0).as_ptr(),
                r.state.average_gradient.get::<f32>(0).as_ptr(),
                r.state.momentum_buffer.get::<f32>(0).as_ptr(),
            ]
        };
        let before = pointers(&rmsprop);
        run(&mut rmsprop);
        assert_eq!(pointers(&rmsprop), before);
    }

    #[test]
    fn rmsprop_validate() {
        assert_validation(
            RmsPropConfig::default(),
            &[],
            &[
                (|c| c.learning_rate = 0.0, "learning_rate"),
                (|c| c.rho = 1.0, "rho"),
                (|c| c.rho = -0.5, "rho"),
                (|c| c.momentum = -0.5, "momentum"),
                (|c| c.epsilon = -1e-7, "epsilon"),
                (|c| c.epsilon = f64::NAN, "epsilon"),
                (|c| c.clip = Some(Clip::Value(0.0)), "clipvalue"),
            ],
        );
    }
}
