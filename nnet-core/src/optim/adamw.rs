//! AdamW: Adam with decoupled weight decay (Keras `AdamW`).

use crate::optim::adam::AdamState;
use crate::optim::{AdamConfig, Clip, OptimizerConfig, WithState, check};
use crate::{Parameters, Result, Scalar};

/// AdamW (Loshchilov & Hutter, 2019): [`Adam`](crate::optim::Adam) with decoupled weight decay,
/// as Keras computes it: [`AdamWConfig`] and Adam's moments.
///
/// Each step first shrinks every parameter, `w ← w − η λ w` (learning rate `η`, weight decay
/// `λ`), then applies [`Adam`](crate::optim::Adam)'s update, the same code. As in Keras, the decay
/// applies to every tensor, biases included, and is scaled by the current learning rate, so a
/// learning-rate schedule decays it too.
///
/// # Examples
///
/// ```
/// use nnet_core::optim::{AdamConfig, AdamW, AdamWConfig, Optimizer};
/// use nnet_core::{DenseGradient, Parameters};
///
/// let adam = AdamConfig { learning_rate: 0.1, ..AdamConfig::default() };
/// let mut adamw = AdamW::new(AdamWConfig { adam, weight_decay: 0.5 });
/// let mut params = DenseGradient::<1, 1>::zeroed();
/// params.tensor_mut(0)[0] = 1.0;
/// let mut grads = DenseGradient::<1, 1>::zeroed(); // no gradient: only the decay acts
/// adamw.step(&mut params, &mut grads);
/// assert!((params.tensor(0)[0] - 0.95).abs() < 1e-6); // 1 − 0.1 · 0.5 · 1
/// ```
pub type AdamW = WithState<AdamWConfig>;

/// The settings of [`AdamW`]: Adam's settings plus the weight decay, with Keras's defaults.
///
/// # Examples
///
/// ```
/// use nnet_core::optim::{AdamConfig, AdamWConfig};
///
/// let config = AdamWConfig { weight_decay: 0.01, ..AdamWConfig::default() };
/// assert_eq!(config.adam, AdamConfig::default());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamWConfig {
    /// Adam's settings (learning rate, β₁, β₂, ε, AMSGrad, clipping), whose clipping applies
    /// before the decay. Default [`AdamConfig::default`] (Keras's AdamW has Adam's defaults).
    pub adam: AdamConfig,
    /// Weight decay `λ`, non-negative. Default 0.004 (Keras).
    pub weight_decay: f64,
}

impl Default for AdamWConfig {
    /// Keras's defaults: Adam's, and weight decay 0.004.
    fn default() -> Self {
        Self {
            adam: AdamConfig::default(),
            weight_decay: 0.004,
        }
    }
}

impl OptimizerConfig for AdamWConfig {
    type State = AdamState;

    fn learning_rate(&self) -> f64 {
        self.adam.learning_rate
    }

    fn set_learning_rate(&mut self, learning_rate: f64) {
        self.adam.learning_rate = learning_rate;
    }

    fn clip(&self) -> Option<Clip> {
        self.adam.clip
    }

    fn validate(&self) -> Result<()> {
        self.adam.validate()?;
        check::non_negative(
            "weight_decay",
            self.weight_decay,
            "use a non-negative weight decay, such as 0.004 (the default)",
        )
    }

    fn update<T: Scalar, P: Parameters<T>, G: Parameters<T>>(
        &self,
        state: &mut AdamState,
        params: &mut P,
        grads: &G,
    ) {
        // Keras: decay with the plain learning rate, then the Adam update.
        // The product in T, of the settings as T holds them.
        let decay = T::of_f64(self.adam.learning_rate) * T::of_f64(self.weight_decay);
        if decay != T::zero() {
            for i in P::trainable() {
                for w in params.tensor_mut(i) {
                    *w -= decay * *w;
                }
            }
        }
        self.adam.update(state, params, grads);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::Adam;
    use crate::optim::adam::tests::{amsgrad_config, keras_adam};
    use crate::optim::test_support::{
        assert_same_trajectory, assert_same_trajectory_f64, assert_validation, run, run_f64,
    };

    fn adamw(weight_decay: f64, adam: AdamConfig) -> AdamW {
        AdamW::new(AdamWConfig { adam, weight_decay })
    }

    #[test]
    fn adamw_matches_reference() {
        let defaults = AdamConfig::default();
        let strong = AdamConfig {
            learning_rate: 0.05,
            beta_1: 0.8,
            ..defaults
        };
        let amsgrad = amsgrad_config();
        for (weight_decay, adam, expected) in [
            (
                0.004,
                defaults,
                keras_adam(0.001, 0.9, 0.999, 1e-7, false, 0.004),
            ),
            (0.5, strong, keras_adam(0.05, 0.8, 0.999, 1e-7, false, 0.5)),
            (0.1, amsgrad, keras_adam(0.05, 0.9, 0.5, 1e-7, true, 0.1)),
        ] {
            assert_same_trajectory(&run(&mut adamw(weight_decay, adam)), &expected);
        }
        assert_eq!(AdamWConfig::default().weight_decay, 0.004);
    }

    /// Issue 21: the weight decay and Adam's settings reach an `f64` network as written.
    #[test]
    fn adamw_in_f64_matches_keras_in_float64() {
        let adam = AdamConfig {
            learning_rate: 0.05,
            beta_1: 0.8,
            ..AdamConfig::default()
        };
        let expected = keras_adam(0.05, 0.8, 0.999, 1e-7, false, 0.3);
        assert_same_trajectory_f64(&run_f64(&mut adamw(0.3, adam)), &expected);
    }

    #[test]
    fn adamw_without_decay_is_adam() {
        let adam = AdamConfig {
            learning_rate: 0.05,
            ..AdamConfig::default()
        };
        assert_eq!(run(&mut adamw(0.0, adam)), run(&mut Adam::new(adam)));
    }

    #[test]
    fn adamw_validate() {
        assert_validation(
            AdamWConfig::default(),
            &[|c| c.weight_decay = 0.0],
            &[
                (|c| c.adam.learning_rate = -1.0, "learning_rate"),
                (|c| c.adam.beta_1 = 1.0, "beta_1"),
                (|c| c.adam.beta_2 = 2.0, "beta_2"),
                (|c| c.adam.epsilon = 0.0, "epsilon"),
                (|c| c.weight_decay = -0.1, "weight_decay"),
                (|c| c.weight_decay = f64::INFINITY, "weight_decay"),
                (
                    |c| c.adam.clip = Some(Clip::GlobalNorm(0.0)),
                    "global_clipnorm",
                ),
            ],
        );
    }
}
