//! AdamW: Adam with decoupled weight decay (Keras `AdamW`).

use crate::optim::adam::{AdamHyper, AdamState};
use crate::optim::{Clip, Optimizer, check, clip_gradients};
use crate::{Parameters, Result};

/// AdamW (Loshchilov & Hutter, 2019): [`Adam`](crate::optim::Adam) with decoupled weight decay,
/// as Keras computes it.
///
/// Each step first shrinks every parameter, `w ← w − η λ w` (learning rate `η`, weight decay
/// `λ`), then applies the Adam update:
///
/// ```text
/// m   ← β₁ m + (1 − β₁) g
/// v   ← β₂ v + (1 − β₂) g²
/// η_t = η · sqrt(1 − β₂ᵗ) / (1 − β₁ᵗ)
/// w   ← w − η_t · m / (sqrt(v) + ε)
/// ```
///
/// As in Keras, the decay applies to every tensor, biases included, and is scaled by the
/// current learning rate, so a learning-rate schedule decays it too.
///
/// # Examples
///
/// ```
/// use nnet_core::optim::{AdamW, Optimizer};
/// use nnet_core::{DenseGradient, Parameters};
///
/// let mut adamw = AdamW::new(0.1).with_weight_decay(0.5);
/// let mut params = DenseGradient::<1, 1>::zeroed();
/// params.tensor_mut(0)[0] = 1.0;
/// let mut grads = DenseGradient::<1, 1>::zeroed(); // no gradient: only the decay acts
/// adamw.step(&mut params, &mut grads);
/// assert!((params.tensor(0)[0] - 0.95).abs() < 1e-6); // 1 − 0.1 · 0.5 · 1
/// ```
#[derive(Debug, Clone)]
pub struct AdamW {
    /// Learning rate `η`, positive. Default 0.001 (Keras).
    pub learning_rate: f32,
    /// Weight decay `λ`, non-negative. Default 0.004 (Keras).
    pub weight_decay: f32,
    /// Decay rate `β₁` of the first moment, in `[0, 1)`. Default 0.9.
    pub beta_1: f32,
    /// Decay rate `β₂` of the second moment, in `[0, 1)`. Default 0.999.
    pub beta_2: f32,
    /// `ε`, positive, keeps the denominator away from zero. Default 1e-7 (Keras).
    pub epsilon: f32,
    /// Whether to use the AMSGrad variant. Default `false`.
    pub amsgrad: bool,
    /// Gradient clipping applied at the start of each step, before the decay. Default `None`.
    pub clip: Option<Clip>,
    state: AdamState,
}

impl Default for AdamW {
    /// Keras's defaults: learning rate 0.001, weight decay 0.004, β₁ 0.9, β₂ 0.999, ε 1e-7, no
    /// AMSGrad, no clipping.
    fn default() -> Self {
        Self::new(0.001)
    }
}

impl AdamW {
    /// AdamW with the given learning rate and the other defaults.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::AdamW;
    ///
    /// let adamw = AdamW::new(0.01);
    /// assert_eq!((adamw.learning_rate, adamw.weight_decay), (0.01, 0.004));
    /// ```
    pub fn new(learning_rate: f32) -> Self {
        Self {
            learning_rate,
            weight_decay: 0.004,
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
            amsgrad: false,
            clip: None,
            state: AdamState::default(),
        }
    }

    /// Sets the weight decay `λ`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::AdamW;
    ///
    /// assert_eq!(AdamW::default().with_weight_decay(0.01).weight_decay, 0.01);
    /// ```
    #[must_use]
    pub fn with_weight_decay(mut self, weight_decay: f32) -> Self {
        self.weight_decay = weight_decay;
        self
    }

    /// Sets `β₁`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::AdamW;
    ///
    /// assert_eq!(AdamW::default().with_beta_1(0.5).beta_1, 0.5);
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
    /// use nnet_core::optim::AdamW;
    ///
    /// assert_eq!(AdamW::default().with_beta_2(0.99).beta_2, 0.99);
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
    /// use nnet_core::optim::AdamW;
    ///
    /// assert_eq!(AdamW::default().with_epsilon(1e-8).epsilon, 1e-8);
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
    /// use nnet_core::optim::AdamW;
    ///
    /// assert!(AdamW::default().with_amsgrad(true).amsgrad);
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
    /// use nnet_core::optim::{AdamW, Clip};
    ///
    /// let adamw = AdamW::default().with_clip(Clip::GlobalNorm(1.0));
    /// assert_eq!(adamw.clip, Some(Clip::GlobalNorm(1.0)));
    /// ```
    #[must_use]
    pub fn with_clip(mut self, clip: Clip) -> Self {
        self.clip = Some(clip);
        self
    }

    /// Number of steps taken since creation or the last [`reset`](AdamW::reset).
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::AdamW;
    ///
    /// assert_eq!(AdamW::default().iterations(), 0);
    /// ```
    pub fn iterations(&self) -> u64 {
        self.state.iterations()
    }

    /// Forgets the moments and the step count; the hyperparameters stay.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::{AdamW, Optimizer};
    /// use nnet_core::DenseGradient;
    ///
    /// let mut adamw = AdamW::default();
    /// let (mut w, mut g) = (DenseGradient::<2, 2>::zeroed(), DenseGradient::<2, 2>::zeroed());
    /// adamw.step(&mut w, &mut g);
    /// adamw.reset();
    /// assert_eq!(adamw.iterations(), 0);
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

impl Optimizer for AdamW {
    fn learning_rate(&self) -> f32 {
        self.learning_rate
    }

    fn set_learning_rate(&mut self, learning_rate: f32) {
        self.learning_rate = learning_rate;
    }

    fn validate(&self) -> Result<()> {
        self.hyper().validate()?;
        check::non_negative(
            "weight_decay",
            self.weight_decay,
            "use a non-negative weight decay, such as 0.004 (the default)",
        )?;
        self.clip.map_or(Ok(()), Clip::validate)
    }

    fn step<P: Parameters, G: Parameters>(&mut self, params: &mut P, grads: &mut G) {
        if let Some(clip) = self.clip {
            clip_gradients(grads, clip);
        }
        // Keras: clip, then decay with the plain learning rate, then the Adam update.
        let decay = self.learning_rate * self.weight_decay;
        if decay != 0.0 {
            for i in 0..P::TENSORS {
                for w in params.tensor_mut(i) {
                    *w -= decay * *w;
                }
            }
        }
        let hyper = self.hyper();
        self.state.update(params, grads, &hyper);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::adam::tests::keras_adam;
    use crate::optim::test_support::{assert_invalid, assert_same_trajectory, run};

    #[test]
    fn adamw_defaults_match_reference() {
        let expected = keras_adam(0.001, 0.9, 0.999, 1e-7, false, 0.004);
        assert_same_trajectory(&run(&mut AdamW::default()), &expected);
    }

    #[test]
    fn adamw_strong_decay_matches_reference() {
        let mut adamw = AdamW::new(0.05).with_weight_decay(0.5).with_beta_1(0.8);
        let expected = keras_adam(0.05, 0.8, 0.999, 1e-7, false, 0.5);
        assert_same_trajectory(&run(&mut adamw), &expected);
    }

    #[test]
    fn adamw_amsgrad_matches_reference() {
        let mut adamw = AdamW::new(0.05)
            .with_weight_decay(0.1)
            .with_beta_2(0.5)
            .with_amsgrad(true);
        let expected = keras_adam(0.05, 0.9, 0.5, 1e-7, true, 0.1);
        assert_same_trajectory(&run(&mut adamw), &expected);
    }

    #[test]
    fn adamw_without_decay_is_adam() {
        let mut adamw = AdamW::new(0.05).with_weight_decay(0.0);
        let mut adam = crate::optim::Adam::new(0.05);
        assert_eq!(run(&mut adamw), run(&mut adam));
    }

    #[test]
    fn adamw_validate() {
        assert!(AdamW::default().validate().is_ok());
        assert!(AdamW::default().with_weight_decay(0.0).validate().is_ok());
        assert_invalid(AdamW::new(-1.0).validate(), "learning_rate");
        assert_invalid(AdamW::default().with_beta_1(1.0).validate(), "beta_1");
        assert_invalid(AdamW::default().with_beta_2(2.0).validate(), "beta_2");
        assert_invalid(AdamW::default().with_epsilon(0.0).validate(), "epsilon");
        assert_invalid(
            AdamW::default().with_weight_decay(-0.1).validate(),
            "weight_decay",
        );
        assert_invalid(
            AdamW::default().with_weight_decay(f32::INFINITY).validate(),
            "weight_decay",
        );
        assert_invalid(
            AdamW::default().with_clip(Clip::GlobalNorm(0.0)).validate(),
            "global_clipnorm",
        );
    }
}
