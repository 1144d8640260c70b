//! AdamW: Adam with decoupled weight decay (Keras `AdamW`).

use crate::optim::adam::AdamState;
use crate::optim::{AdamConfig, Clip, OptimizerConfig, WithState, check};
use crate::{Parameters, Result};

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
    pub weight_decay: f32,
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

    fn learning_rate(&self) -> f32 {
        self.adam.learning_rate
    }

    fn set_learning_rate(&mut self, learning_rate: f32) {
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

    fn update<P: Parameters, G: Parameters>(
        &self,
        state: &mut AdamState,
        params: &mut P,
        grads: &G,
    ) {
        // Keras: decay with the plain learning rate, then the Adam update.
        let decay = self.adam.learning_rate * self.weight_decay;
        if decay != 0.0 {
            for i in 0..P::TENSORS {
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
    use crate::optim::adam::tests::keras_adam;
    use crate::optim::test_support::{assert_invalid, assert_same_trajectory, run};
    use crate::optim::{Adam, Optimizer};

    fn adamw(weight_decay: f32, adam: AdamConfig) -> AdamW {
        AdamW::new(AdamWConfig { adam, weight_decay })
    }

    #[test]
    fn adamw_defaults_match_reference() {
        let expected = keras_adam(0.001, 0.9, 0.999, 1e-7, false, 0.004);
        assert_same_trajectory(&run(&mut AdamW::default()), &expected);
    }

    #[test]
    fn adamw_strong_decay_matches_reference() {
        let adam = AdamConfig {
            learning_rate: 0.05,
            beta_1: 0.8,
            ..AdamConfig::default()
        };
        let expected = keras_adam(0.05, 0.8, 0.999, 1e-7, false, 0.5);
        assert_same_trajectory(&run(&mut adamw(0.5, adam)), &expected);
    }

    #[test]
    fn adamw_amsgrad_matches_reference() {
        let adam = AdamConfig {
            learning_rate: 0.05,
            beta_2: 0.5,
            amsgrad: true,
            ..AdamConfig::default()
        };
        let expected = keras_adam(0.05, 0.9, 0.5, 1e-7, true, 0.1);
        assert_same_trajectory(&run(&mut adamw(0.1, adam)), &expected);
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
        let valid = AdamWConfig::default();
        assert!(valid.validate().is_ok());
        assert!(
            AdamWConfig {
                weight_decay: 0.0,
                ..valid
            }
            .validate()
            .is_ok()
        );
        let adam = valid.adam;
        for (config, name) in [
            (
                AdamWConfig {
                    adam: AdamConfig {
                        learning_rate: -1.0,
                        ..adam
                    },
                    ..valid
                },
                "learning_rate",
            ),
            (
                AdamWConfig {
                    adam: AdamConfig {
                        beta_1: 1.0,
                        ..adam
                    },
                    ..valid
                },
                "beta_1",
            ),
            (
                AdamWConfig {
                    adam: AdamConfig {
                        beta_2: 2.0,
                        ..adam
                    },
                    ..valid
                },
                "beta_2",
            ),
            (
                AdamWConfig {
                    adam: AdamConfig {
                        epsilon: 0.0,
                        ..adam
                    },
                    ..valid
                },
                "epsilon",
            ),
            (
                AdamWConfig {
                    weight_decay: -0.1,
                    ..valid
                },
                "weight_decay",
            ),
            (
                AdamWConfig {
                    weight_decay: f32::INFINITY,
                    ..valid
                },
                "weight_decay",
            ),
            (
                AdamWConfig {
                    adam: AdamConfig {
                        clip: Some(Clip::GlobalNorm(0.0)),
                        ..adam
                    },
                    ..valid
                },
                "global_clipnorm",
            ),
        ] {
            assert_invalid(config.validate(), name);
            assert_invalid(AdamW::new(config).validate(), name);
        }
    }
}
