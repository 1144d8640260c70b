//! Adam (Keras `Adam`), and the update it shares with [`AdamW`](crate::optim::AdamW).

use crate::optim::slots::Slots;
use crate::optim::{Clip, Optimizer, check, clip_gradients};
use crate::{Parameters, Result};

/// Adam (Kingma & Ba, 2015), as Keras computes it.
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
/// let mut adam = Adam::new(0.1);
/// let mut params = DenseGradient::<1, 1>::zeroed();
/// let mut grads = DenseGradient::<1, 1>::zeroed();
/// grads.tensor_mut(0)[0] = 4.0;
/// adam.step(&mut params, &mut grads);
/// // The first step moves each weight by about η, whatever the gradient's scale.
/// assert!((params.tensor(0)[0] + 0.1).abs() < 1e-6);
/// assert_eq!(adam.iterations(), 1);
/// ```
#[derive(Debug, Clone)]
pub struct Adam {
    /// Learning rate `η`, positive. Default 0.001 (Keras).
    pub learning_rate: f32,
    /// Decay rate `β₁` of the first moment, in `[0, 1)`. Default 0.9.
    pub beta_1: f32,
    /// Decay rate `β₂` of the second moment, in `[0, 1)`. Default 0.999.
    pub beta_2: f32,
    /// `ε`, positive, keeps the denominator away from zero. Default 1e-7 (Keras; PyTorch uses
    /// 1e-8).
    pub epsilon: f32,
    /// Whether to use the AMSGrad variant (Reddi et al., 2018). Default `false`.
    pub amsgrad: bool,
    /// Gradient clipping applied at the start of each step. Default `None`.
    pub clip: Option<Clip>,
    state: AdamState,
}

impl Default for Adam {
    /// Keras's defaults: learning rate 0.001, β₁ 0.9, β₂ 0.999, ε 1e-7, no AMSGrad, no clipping.
    fn default() -> Self {
        Self::new(0.001)
    }
}

impl Adam {
    /// Adam with the given learning rate and the other defaults.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::Adam;
    ///
    /// let adam = Adam::new(0.01);
    /// assert_eq!((adam.learning_rate, adam.beta_1, adam.beta_2), (0.01, 0.9, 0.999));
    /// ```
    pub fn new(learning_rate: f32) -> Self {
        Self {
            learning_rate,
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
            amsgrad: false,
            clip: None,
            state: AdamState::default(),
        }
    }

    /// Sets `β₁`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::Adam;
    ///
    /// assert_eq!(Adam::default().with_beta_1(0.5).beta_1, 0.5);
    /// ```
    #[must_use]
    pub fn with_beta_1(mut self, beta_1: f32) -> Self {
        self.beta_1 = beta_1;
        self
    }

    /// Sets `β₂`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::Adam;
    ///
    /// assert_eq!(Adam::default().with_beta_2(0.99).beta_2, 0.99);
    /// ```
    #[must_use]
    pub fn with_beta_2(mut self, beta_2: f32) -> Self {
        self.beta_2 = beta_2;
        self
    }

    /// Sets `ε`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::Adam;
    ///
    /// assert_eq!(Adam::default().with_epsilon(1e-8).epsilon, 1e-8);
    /// ```
    #[must_use]
    pub fn with_epsilon(mut self, epsilon: f32) -> Self {
        self.epsilon = epsilon;
        self
    }

    /// Turns AMSGrad on or off.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::Adam;
    ///
    /// assert!(Adam::default().with_amsgrad(true).amsgrad);
    /// ```
    #[must_use]
    pub fn with_amsgrad(mut self, amsgrad: bool) -> Self {
        self.amsgrad = amsgrad;
        self
    }

    /// Sets the gradient clipping.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::{Adam, Clip};
    ///
    /// assert_eq!(Adam::default().with_clip(Clip::Norm(1.0)).clip, Some(Clip::Norm(1.0)));
    /// ```
    #[must_use]
    pub fn with_clip(mut self, clip: Clip) -> Self {
        self.clip = Some(clip);
        self
    }

    /// Number of steps taken since creation or the last [`reset`](Adam::reset) (Keras
    /// `optimizer.iterations`); step `t` of the formula is `iterations() + 1`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::Adam;
    ///
    /// assert_eq!(Adam::default().iterations(), 0);
    /// ```
    pub fn iterations(&self) -> u64 {
        self.state.iterations
    }

    /// Forgets the moments and the step count, e.g. before training another network; the
    /// hyperparameters stay.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::{Adam, Optimizer};
    /// use nnet_core::DenseGradient;
    ///
    /// let mut adam = Adam::default();
    /// let (mut w, mut g) = (DenseGradient::<2, 2>::zeroed(), DenseGradient::<2, 2>::zeroed());
    /// adam.step(&mut w, &mut g);
    /// adam.reset();
    /// assert_eq!(adam.iterations(), 0);
    /// ```
    pub fn reset(&mut self) {
        self.state = AdamState::default();
    }

    fn hyper(&self) -> AdamHyper {
        AdamHyper {
            learning_rate: self.learning_rate,
            beta_1: self.beta_1,
            beta_2: self.beta_2,
            epsilon: self.epsilon,
            amsgrad: self.amsgrad,
        }
    }
}

impl Optimizer for Adam {
    fn learning_rate(&self) -> f32 {
        self.learning_rate
    }

    fn set_learning_rate(&mut self, learning_rate: f32) {
        self.learning_rate = learning_rate;
    }

    fn validate(&self) -> Result<()> {
        self.hyper().validate()?;
        self.clip.map_or(Ok(()), Clip::validate)
    }

    fn step<P: Parameters, G: Parameters>(&mut self, params: &mut P, grads: &mut G) {
        if let Some(clip) = self.clip {
            clip_gradients(grads, clip);
        }
        let hyper = self.hyper();
        self.state.update(params, grads, &hyper);
    }
}

/// The hyperparameters the Adam update reads.
pub(crate) struct AdamHyper {
    pub(crate) learning_rate: f32,
    pub(crate) beta_1: f32,
    pub(crate) beta_2: f32,
    pub(crate) epsilon: f32,
    pub(crate) amsgrad: bool,
}

impl AdamHyper {
    pub(crate) fn validate(&self) -> Result<()> {
        check::learning_rate(self.learning_rate)?;
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
}

/// The moments and step count of Adam and AdamW.
#[derive(Debug, Clone, Default)]
pub(crate) struct AdamState {
    m: Slots,
    v: Slots,
    v_hat: Slots,
    iterations: u64,
}

impl AdamState {
    pub(crate) fn iterations(&self) -> u64 {
        self.iterations
    }

    /// One Adam update of `params` from `grads` (already clipped).
    pub(crate) fn update<P: Parameters, G: Parameters>(
        &mut self,
        params: &mut P,
        grads: &G,
        h: &AdamHyper,
    ) {
        if !(self.m.fits(params) && self.v.fits(params)) {
            self.m.allocate(params, 0.0);
            self.v.allocate(params, 0.0);
            self.v_hat.clear();
            self.iterations = 0;
        }
        if h.amsgrad && !self.v_hat.fits(params) {
            self.v_hat.allocate(params, 0.0);
        }

        // The per-step scalars in f64, the per-value arithmetic in f32.
        let t = i32::try_from(self.iterations.saturating_add(1)).unwrap_or(i32::MAX);
        let (b1, b2) = (f64::from(h.beta_1), f64::from(h.beta_2));
        let alpha =
            (f64::from(h.learning_rate) * (1.0 - b2.powi(t)).sqrt() / (1.0 - b1.powi(t))) as f32;
        let (c1, c2, eps) = (1.0 - h.beta_1, 1.0 - h.beta_2, h.epsilon);

        for i in 0..P::TENSORS {
            let (w, g) = (params.tensor_mut(i), grads.tensor(i));
            let (m, v) = (self.m.get_mut(i), self.v.get_mut(i));
            if h.amsgrad {
                let v_hat = self.v_hat.get_mut(i);
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
        self.iterations = self.iterations.saturating_add(1);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::optim::test_support::{assert_invalid, assert_same_trajectory, reference, run};

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

    #[test]
    fn adam_defaults_match_reference() {
        let expected = keras_adam(0.001, 0.9, 0.999, 1e-7, false, 0.0);
        assert_same_trajectory(&run(&mut Adam::default()), &expected);
    }

    #[test]
    fn adam_custom_matches_reference() {
        let mut adam = Adam::new(0.05)
            .with_beta_1(0.5)
            .with_beta_2(0.75)
            .with_epsilon(1e-3);
        let expected = keras_adam(0.05, 0.5, 0.75, 1e-3, false, 0.0);
        assert_same_trajectory(&run(&mut adam), &expected);
    }

    #[test]
    fn adam_amsgrad_matches_reference() {
        // β₂ = 0.5 forgets fast, so v falls below its running maximum and AMSGrad differs.
        let mut adam = Adam::new(0.05).with_beta_2(0.5).with_amsgrad(true);
        let expected = keras_adam(0.05, 0.9, 0.5, 1e-7, true, 0.0);
        assert_same_trajectory(&run(&mut adam), &expected);
        let plain = keras_adam(0.05, 0.9, 0.5, 1e-7, false, 0.0);
        assert_ne!(plain.last(), expected.last());
    }

    #[test]
    fn adam_clips_before_the_update() {
        // Adam's first step is η g / (|g| + ε / sqrt(1 − β₂)): about η · sign(g), so a step
        // smaller than η shows the gradient was clipped to ±0.1 before the moments saw it.
        let mut adam = Adam::new(0.01).with_clip(Clip::Value(0.1));
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
        let mut adam = Adam::default().with_amsgrad(true);
        run(&mut adam);
        let pointers = |a: &Adam| {
            [
                a.state.m.get(1).as_ptr(),
                a.state.v.get(1).as_ptr(),
                a.state.v_hat.get(1).as_ptr(),
            ]
        };
        let before = pointers(&adam);
        run(&mut adam);
        assert_eq!(pointers(&adam), before);
        assert_eq!(adam.iterations(), 12);
    }

    #[test]
    fn adam_validate() {
        assert!(Adam::default().validate().is_ok());
        assert!(Adam::default().with_beta_1(0.0).validate().is_ok());
        assert_invalid(Adam::new(0.0).validate(), "learning_rate");
        assert_invalid(Adam::new(f32::NAN).validate(), "learning_rate");
        assert_invalid(Adam::default().with_beta_1(1.0).validate(), "beta_1");
        assert_invalid(Adam::default().with_beta_1(-0.1).validate(), "beta_1");
        assert_invalid(Adam::default().with_beta_2(1.0).validate(), "beta_2");
        assert_invalid(Adam::default().with_beta_2(f32::NAN).validate(), "beta_2");
        assert_invalid(Adam::default().with_epsilon(0.0).validate(), "epsilon");
        assert_invalid(Adam::default().with_epsilon(-1e-7).validate(), "epsilon");
        assert_invalid(
            Adam::default().with_clip(Clip::Value(-1.0)).validate(),
            "clipvalue",
        );
    }
}
