//! Stochastic gradient descent, with momentum and Nesterov momentum (Keras `SGD`).

use crate::optim::slots::Slots;
use crate::optim::with_state::learning_rate_and_clip;
use crate::optim::{Clip, OptimizerConfig, WithState, check};
use crate::{Parameters, Result, Scalar};

/// Stochastic gradient descent (Keras `SGD`), with optional momentum: [`SgdConfig`] and the
/// velocity.
///
/// With gradient `g`, learning rate `η` and momentum `μ` (Keras's formulas):
///
/// - `μ = 0`: `w ← w − η g`;
/// - `μ > 0`: `v ← μ v − η g`, then `w ← w + v`;
/// - `μ > 0`, Nesterov: `v ← μ v − η g`, then `w ← w + μ v − η g` (with the new `v`).
///
/// The velocity `v` starts at zero; it is allocated on the first step with momentum and reused.
///
/// # Examples
///
/// ```
/// use nnet_core::optim::{Optimizer, Sgd, SgdConfig};
/// use nnet_core::{DenseGradient, Parameters};
///
/// let mut sgd = Sgd::new(SgdConfig { learning_rate: 0.1, momentum: 0.9, ..SgdConfig::default() });
/// assert!(sgd.validate().is_ok());
///
/// let mut params = DenseGradient::<1, 1>::zeroed();
/// let mut grads = DenseGradient::<1, 1>::zeroed();
/// grads.tensor_mut(0)[0] = 1.0;
/// sgd.step(&mut params, &mut grads); // v = −0.1,            w = −0.1
/// sgd.step(&mut params, &mut grads); // v = 0.9·(−0.1) − 0.1, w = −0.29
/// assert!((params.tensor(0)[0] + 0.29).abs() < 1e-6);
/// ```
pub type Sgd = WithState<SgdConfig>;

/// The settings of [`Sgd`], with Keras's names and defaults.
///
/// # Examples
///
/// ```
/// use nnet_core::optim::SgdConfig;
///
/// let config = SgdConfig { momentum: 0.9, nesterov: true, ..SgdConfig::default() };
/// assert_eq!(config.learning_rate, 0.01);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SgdConfig {
    /// Learning rate `η`, positive. Default 0.01 (Keras).
    pub learning_rate: f64,
    /// Momentum `μ`, in `[0, 1]`; 0 is plain gradient descent. Default 0.
    pub momentum: f64,
    /// Whether to use Nesterov momentum (only has an effect when `momentum > 0`). Default
    /// `false`.
    pub nesterov: bool,
    /// Gradient clipping applied at the start of each step. Default `None`.
    pub clip: Option<Clip>,
}

impl Default for SgdConfig {
    /// Keras's defaults: learning rate 0.01, no momentum, no Nesterov, no clipping.
    fn default() -> Self {
        Self {
            learning_rate: 0.01,
            momentum: 0.0,
            nesterov: false,
            clip: None,
        }
    }
}

impl OptimizerConfig for SgdConfig {
    /// The velocity, one value per parameter.
    type State = Slots;

    learning_rate_and_clip!();

    fn validate(&self) -> Result<()> {
        check::learning_rate_and_clip(self.learning_rate, self.clip)?;
        check::unit_closed(
            "momentum",
            self.momentum,
            "use a momentum in [0, 1], such as 0.9 (0 turns momentum off)",
        )
    }

    fn update<T: Scalar, P: Parameters<T>, G: Parameters<T>>(
        &self,
        velocity: &mut Slots,
        params: &mut P,
        grads: &G,
    ) {
        let (lr, mu) = (T::of_f64(self.learning_rate), T::of_f64(self.momentum));
        if self.momentum == 0.0 {
            for i in P::trainable() {
                for (w, &g) in params.tensor_mut(i).iter_mut().zip(grads.tensor(i)) {
                    *w -= lr * g;
                }
            }
            return;
        }
        if !velocity.fits(params) {
            velocity.allocate(params, T::zero());
        }
        for i in P::trainable() {
            let (w, g, v) = (params.tensor_mut(i), grads.tensor(i), velocity.get_mut(i));
            if self.nesterov {
                for ((w, &g), v) in w.iter_mut().zip(g).zip(v) {
                    *v = mu * *v - lr * g;
                    *w += mu * *v - lr * g;
                }
            } else {
                for ((w, &g), v) in w.iter_mut().zip(g).zip(v) {
                    *v = mu * *v - lr * g;
                    *w += *v;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::test_support::{
        assert_same_trajectory, assert_same_trajectory_f64, assert_validation, reference, run,
        run_f64,
    };

    /// Keras's SGD, written out in f64.
    fn keras_sgd(lr: f64, momentum: f64, nesterov: bool) -> Vec<Vec<f64>> {
        let mut v: Vec<f64> = Vec::new();
        reference(|_, w, g| {
            v.resize(w.len(), 0.0);
            for i in 0..w.len() {
                if momentum == 0.0 {
                    w[i] -= lr * g[i];
                } else {
                    v[i] = momentum * v[i] - lr * g[i];
                    w[i] += if nesterov {
                        momentum * v[i] - lr * g[i]
                    } else {
                        v[i]
                    };
                }
            }
        })
    }

    fn sgd(learning_rate: f64, momentum: f64, nesterov: bool) -> Sgd {
        Sgd::new(SgdConfig {
            learning_rate,
            momentum,
            nesterov,
            clip: None,
        })
    }

    #[test]
    fn sgd_matches_reference() {
        for (mut sgd, expected) in [
            (Sgd::default(), keras_sgd(0.01, 0.0, false)),
            (sgd(0.05, 0.9, false), keras_sgd(0.05, 0.9, false)),
            (sgd(0.05, 0.8, true), keras_sgd(0.05, 0.8, true)),
            // Nesterov without momentum is plain descent.
            (sgd(0.05, 0.0, true), keras_sgd(0.05, 0.0, false)),
        ] {
            assert_same_trajectory(&run(&mut sgd), &expected);
        }
    }

    /// Issue 21: `momentum = 0.99` reached an `f64` network as 0.9900000095.
    #[test]
    fn sgd_in_f64_matches_keras_in_float64() {
        for (mut sgd, expected) in [
            (sgd(0.05, 0.99, false), keras_sgd(0.05, 0.99, false)),
            (sgd(0.1, 0.8, true), keras_sgd(0.1, 0.8, true)),
        ] {
            assert_same_trajectory_f64(&run_f64(&mut sgd), &expected);
        }
    }

    #[test]
    fn sgd_state_is_allocated_once() {
        let mut sgd = sgd(0.05, 0.9, false);
        run(&mut sgd);
        let before = sgd.state.get::<f32>(0).as_ptr();
        run(&mut sgd);
        assert_eq!(sgd.state.get::<f32>(0).as_ptr(), before);
    }

    #[test]
    fn sgd_validate() {
        assert_validation(
            SgdConfig::default(),
            &[|c| c.momentum = 1.0],
            &[
                (|c| c.learning_rate = 0.0, "learning_rate"),
                (|c| c.learning_rate = -0.1, "learning_rate"),
                (|c| c.learning_rate = f64::NAN, "learning_rate"),
                (|c| c.learning_rate = f64::INFINITY, "learning_rate"),
                (|c| c.momentum = -0.1, "momentum"),
                (|c| c.momentum = 1.5, "momentum"),
                (|c| c.momentum = f64::NAN, "momentum"),
                (|c| c.clip = Some(Clip::Norm(0.0)), "clipnorm"),
            ],
        );
    }
}
