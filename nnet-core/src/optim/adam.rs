//! Adam (Keras `Adam`): its settings, and the update and state it shares with
//! [`AdamW`](crate::optim::AdamW).

use crate::optim::slots::Slots;
use crate::optim::with_state::learning_rate_and_clip;
use crate::optim::{Clip, OptimizerConfig, WithState, check, held};
use crate::{Parameters, Result, Scalar};

/// Adam (Kingma & Ba, 2015), as Keras computes it: [`AdamConfig`] and the moments.
///
/// With gradient `g`, learning rate `η`, step `t = 1, 2, …`, and moments `m`, `v` starting at
/// zero:
///
/// ```text
/// m   ← β₁ m + (1 − β₁) g
/// v   ← β₂ v + (1 − β₂) g²
/// η_t = η · sqrt(1 − β₂ᵗ) / (1 − β₁ᵗ)
/// w   ← w − η_t · m / (sqrt(v) + ε)
/// ```
///
/// With `amsgrad`, `v̂ ← max(v̂, v)` replaces `v` in the last line. The bias correction is folded
/// into `η_t`, so `ε` is Keras's "epsilon hat" and not the `ε` of the paper's algorithm 1.
/// Moments are allocated on the first step and reused.
///
/// # Examples
///
/// ```
/// use nnet_core::optim::{Adam, Optimizer};
/// use nnet_core::{DenseGradient, Parameters};
///
/// let mut adam = Adam::with_learning_rate(0.1);
/// let mut params = DenseGradient::<1, 1>::zeroed();
/// let mut grads = DenseGradient::<1, 1>::zeroed();
/// grads.tensor_mut(0)[0] = 4.0;
/// adam.step(&mut params, &mut grads);
/// // The first step moves each weight by about η, whatever the gradient's scale.
/// assert!((params.tensor(0)[0] + 0.1).abs() < 1e-6);
/// assert_eq!(adam.iterations(), 1);
/// ```
pub type Adam = WithState<AdamConfig>;

/// The settings of [`Adam`], with Keras's names and defaults.
///
/// # Examples
///
/// ```
/// use nnet_core::optim::{Adam, AdamConfig};
///
/// let adam = Adam::new(AdamConfig { beta_1: 0.5, ..AdamConfig::default() });
/// assert_eq!((adam.config.learning_rate, adam.config.beta_1), (0.001, 0.5));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamConfig {
    /// Learning rate `η`, positive. Default 0.001 (Keras).
    pub learning_rate: f64,
    /// Decay rate `β₁` of the first moment, in `[0, 1)`. Default 0.9.
    pub beta_1: f64,
    /// Decay rate `β₂` of the second moment, in `[0, 1)`. Default 0.999.
    pub beta_2: f64,
    /// `ε`, positive, keeps the denominator away from zero. Default 1e-7 (Keras; PyTorch uses
    /// 1e-8).
    pub epsilon: f64,
    /// Whether to use the AMSGrad variant (Reddi et al., 2018). Default `false`.
    pub amsgrad: bool,
    /// Gradient clipping applied at the start of each step. Default `None`.
    pub clip: Option<Clip>,
}

impl Default for AdamConfig {
    /// Keras's defaults: learning rate 0.001, β₁ 0.9, β₂ 0.999, ε 1e-7, no AMSGrad, no clipping.
    fn default() -> Self {
        Self {
            learning_rate: 0.001,
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
            amsgrad: false,
            clip: None,
        }
    }
}

impl OptimizerConfig for AdamConfig {
    type State = AdamState;

    learning_rate_and_clip!();

    fn validate(&self) -> Result<()> {
        check::learning_rate_and_clip(self.learning_rate, self.clip)?;
        check::unit_half_open(
            "beta_1",
            self.beta_1,
            "use a beta_1 in [0, 1), such as 0.9 (the default)",
        )?;
        check::unit_half_open(
            "beta_2",
            self.beta_2,
            "use a beta_2 in [0, 1), such as 0.999 (the default)",
        )?;
        check::positive(
            "epsilon",
            self.epsilon,
            "use a small positive epsilon, such as 1e-7 (the default)",
        )
    }

    fn update<T: Scalar, P: Parameters<T>, G: Parameters<T>>(
        &self,
        s: &mut AdamState,
        params: &mut P,
        grads: &G,
    ) {
        if !(s.m.fits(params) && s.v.fits(params)) {
            s.m.allocate(params, T::zero());
            s.v.allocate(params, T::zero());
            s.v_hat.clear();
            s.iterations = 0;
        }
        if self.amsgrad && !s.v_hat.fits(params) {
            s.v_hat.allocate(params, T::zero());
        }

        // The per-step scalars in f64, the per-value arithmetic in T; `1 − β` in T, from β as
        // T holds it (Keras computes it in the variable's dtype too).
        let t = i32::try_from(s.iterations.saturating_add(1)).unwrap_or(i32::MAX);
        let (b1, b2) = (held::<T>(self.beta_1), held::<T>(self.beta_2));
        let alpha = T::of_f64(
            held::<T>(self.learning_rate) * (1.0 - b2.powi(t)).sqrt() / (1.0 - b1.powi(t)),
        );
        let (c1, c2, eps) = (
            T::one() - T::of_f64(self.beta_1),
            T::one() - T::of_f64(self.beta_2),
            T::of_f64(self.epsilon),
        );

        for i in P::trainable() {
            let (w, g) = (params.tensor_mut(i), grads.tensor(i));
            let (m, v) = (s.m.get_mut(i), s.v.get_mut(i));
            if self.amsgrad {
                let v_hat = s.v_hat.get_mut::<T>(i);
                for ((((w, &g), m), v), v_hat) in w.iter_mut().zip(g).zip(m).zip(v).zip(v_hat) {
                    *m += (g - *m) * c1;
                    *v += (g * g - *v) * c2;
                    *v_hat = v_hat.max(*v);
                    *w -= alpha * *m / (v_hat.sqrt() + eps);
                }
            } else {
                for (((w, &g), m), v) in w.iter_mut().zip(g).zip(m).zip(v) {
                    *m += (g - *m) * c1;
                    *v += (g * g - *v) * c2;
                    *w -= alpha * *m / (v.sqrt() + eps);
                }
            }
        }
        s.iterations = s.iterations.saturating_add(1);
    }
}

/// The moments and step count of [`Adam`] and [`AdamW`](crate::optim::AdamW).
///
/// Public only as their state; nothing outside the crate can name or change it.
#[derive(Debug, Clone, Default)]
pub struct AdamState {
    m: Slots,
    v: Slots,
    v_hat: Slots,
    iterations: u64,
}

impl<C: OptimizerConfig<State = AdamState>> WithState<C> {
    /// Number of steps taken since creation or the last [`reset`](WithState::reset) (Keras
    /// `optimizer.iterations`); step `t` of Adam's formula is `iterations() + 1`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::{Adam, AdamW, Optimizer};
    /// use nnet_core::DenseGradient;
    ///
    /// let mut adam = Adam::default();
    /// let (mut w, mut g) = (DenseGradient::<2, 2>::zeroed(), DenseGradient::<2, 2>::zeroed());
    /// adam.step(&mut w, &mut g);
    /// assert_eq!(adam.iterations(), 1);
    /// adam.reset();
    /// assert_eq!(adam.iterations(), 0);
    /// assert_eq!(AdamW::default().iterations(), 0);
    /// ```
    pub fn iterations(&self) -> u64 {
        self.state.iterations
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::optim::test_support::{
        assert_same_trajectory, assert_same_trajectory_f64, assert_validation, reference, run,
        run_f64,
    };

    /// Keras's Adam written out in f64, with decoupled weight decay `wd` (0 for Adam) applied
    /// first as Keras's AdamW does.
    pub(crate) fn keras_adam(
        lr: f64,
        b1: f64,
        b2: f64,
        eps: f64,
        amsgrad: bool,
        wd: f64,
    ) -> Vec<Vec<f64>> {
        let (mut m, mut v, mut v_hat) = (Vec::new(), Vec::new(), Vec::new());
        reference(|t, w, g| {
            m.resize(w.len(), 0.0);
            v.resize(w.len(), 0.0);
            v_hat.resize(w.len(), 0.0);
            let t = t as i32;
            let lr_t = lr * (1.0 - b2.powi(t)).sqrt() / (1.0 - b1.powi(t));
            for i in 0..w.len() {
                w[i] -= lr * wd * w[i];
                m[i] = b1 * m[i] + (1.0 - b1) * g[i];
                v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i];
                v_hat[i] = f64::max(v_hat[i], v[i]);
                let denominator = if amsgrad { v_hat[i] } else { v[i] };
                w[i] -= lr_t * m[i] / (denominator.sqrt() + eps);
            }
        })
    }

    /// AMSGrad with learning rate 0.05 and β₂ = 0.5: β₂ forgets fast, so `v` falls below its
    /// running maximum and AMSGrad differs from Adam.
    pub(crate) fn amsgrad_config() -> AdamConfig {
        AdamConfig {
            learning_rate: 0.05,
            beta_2: 0.5,
            amsgrad: true,
            ..AdamConfig::default()
        }
    }

    #[test]
    fn adam_matches_reference() {
        let defaults = AdamConfig::default();
        let custom = AdamConfig {
            learning_rate: 0.05,
            beta_1: 0.5,
            beta_2: 0.75,
            epsilon: 1e-3,
            ..defaults
        };
        let amsgrad = amsgrad_config();
        for (config, expected) in [
            (defaults, keras_adam(0.001, 0.9, 0.999, 1e-7, false, 0.0)),
            (custom, keras_adam(0.05, 0.5, 0.75, 1e-3, false, 0.0)),
            (amsgrad, keras_adam(0.05, 0.9, 0.5, 1e-7, true, 0.0)),
        ] {
            assert_same_trajectory(&run(&mut Adam::new(config)), &expected);
        }
        let plain = keras_adam(0.05, 0.9, 0.5, 1e-7, false, 0.0);
        assert_ne!(
            plain.last(),
            keras_adam(0.05, 0.9, 0.5, 1e-7, true, 0.0).last()
        );
    }

    /// Issue 21: with settings kept in `f32`, an `f64` network's Adam used `1 − β₂` =
    /// 0.000999987 and `ε` = 1.0000000116e-7, 1e-5 away from Keras in float64.
    #[test]
    fn adam_in_f64_matches_keras_in_float64() {
        let custom = AdamConfig {
            learning_rate: 0.05,
            beta_1: 0.7,
            beta_2: 0.99,
            epsilon: 1e-3,
            ..AdamConfig::default()
        };
        for (config, expected) in [
            (
                AdamConfig::default(),
                keras_adam(0.001, 0.9, 0.999, 1e-7, false, 0.0),
            ),
            (custom, keras_adam(0.05, 0.7, 0.99, 1e-3, false, 0.0)),
            (
                amsgrad_config(),
                keras_adam(0.05, 0.9, 0.5, 1e-7, true, 0.0),
            ),
        ] {
            assert_same_trajectory_f64(&run_f64(&mut Adam::new(config)), &expected);
        }
    }

    /// Settings in `f64` leave an `f32` network's Adam bit for bit what it was with `f32`
    /// settings: the update written out with `f32` settings and `f32` arithmetic.
    #[test]
    fn adam_in_f32_is_bit_identical_to_f32_settings() {
        let (lr, b1, b2, eps) = (0.05_f32, 0.7_f32, 0.99_f32, 1e-3_f32);
        let mut adam = Adam::new(AdamConfig {
            learning_rate: 0.05,
            beta_1: 0.7,
            beta_2: 0.99,
            epsilon: 1e-3,
            ..AdamConfig::default()
        });
        let got = run(&mut adam);
        let mut w: Vec<f32> = crate::optim::test_support::initial()
            .iter()
            .map(|&v| v as f32)
            .collect();
        let (mut m, mut v) = (vec![0.0_f32; 8], vec![0.0_f32; 8]);
        for (t, got) in (1..).zip(&got) {
            let g = crate::optim::test_support::gradient(t as usize);
            let (b1d, b2d) = (f64::from(b1), f64::from(b2));
            let alpha = (f64::from(lr) * (1.0 - b2d.powi(t)).sqrt() / (1.0 - b1d.powi(t))) as f32;
            for i in 0..8 {
                let g = g[i] as f32;
                m[i] += (g - m[i]) * (1.0 - b1);
                v[i] += (g * g - v[i]) * (1.0 - b2);
                w[i] -= alpha * m[i] / (v[i].sqrt() + eps);
            }
            let expected: Vec<f64> = w.iter().map(|&x| f64::from(x)).collect();
            assert_eq!(got, &expected, "step {t}");
        }
    }

    #[test]
    fn adam_clips_before_the_update() {
        // Adam's first step is η g / (|g| + ε / sqrt(1 − β₂)): about η · sign(g), so a step
        // smaller than η shows the gradient was clipped to ±0.1 before the moments saw it.
        let mut adam = Adam::new(AdamConfig {
            learning_rate: 0.01,
            clip: Some(Clip::Value(0.1)),
            ..AdamConfig::default()
        });
        let trajectory = run(&mut adam);
        let first = &trajectory[0];
        let w0 = crate::optim::test_support::initial();
        let g1 = crate::optim::test_support::gradient(1);
        for i in 0..w0.len() {
            let g = g1[i].clamp(-0.1, 0.1);
            let expected = w0[i] - 0.01 * g / (g.abs() + 1e-7 / 0.001_f64.sqrt());
            assert!((first[i] - expected).abs() < 1e-6, "{i}");
        }
    }

    #[test]
    fn adam_state_is_allocated_once() {
        let mut adam = Adam::new(AdamConfig {
            amsgrad: true,
            ..AdamConfig::default()
        });
        run(&mut adam);
        let pointers = |a: &Adam| {
            [
                a.state.m.get::<f32>(1).as_ptr(),
                a.state.v.get::<f32>(1).as_ptr(),
                a.state.v_hat.get::<f32>(1).as_ptr(),
            ]
        };
        let before = pointers(&adam);
        run(&mut adam);
        assert_eq!(pointers(&adam), before);
        assert_eq!(adam.iterations(), 12);
    }

    #[test]
    fn adam_validate() {
        assert_validation(
            AdamConfig::default(),
            &[|c| c.beta_1 = 0.0],
            &[
                (|c| c.learning_rate = 0.0, "learning_rate"),
                (|c| c.learning_rate = f64::NAN, "learning_rate"),
                (|c| c.beta_1 = 1.0, "beta_1"),
                (|c| c.beta_1 = -0.1, "beta_1"),
                (|c| c.beta_2 = 1.0, "beta_2"),
                (|c| c.beta_2 = f64::NAN, "beta_2"),
                (|c| c.epsilon = 0.0, "epsilon"),
                (|c| c.epsilon = -1e-7, "epsilon"),
                (|c| c.clip = Some(Clip::Value(-1.0)), "clipvalue"),
            ],
        );
    }
}
