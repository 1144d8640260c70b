//! Stochastic gradient descent, with momentum and Nesterov momentum (Keras `SGD`).

use crate::optim::slots::Slots;
use crate::optim::{Clip, Optimizer, check, clip_gradients};
use crate::{Parameters, Result};

/// Stochastic gradient descent (Keras `SGD`), with optional momentum.
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
/// use nnet_core::optim::{Optimizer, Sgd};
/// use nnet_core::{DenseGradient, Parameters};
///
/// let mut sgd = Sgd::new(0.1).with_momentum(0.9);
/// assert!(sgd.validate().is_ok());
///
/// let mut params = DenseGradient::<1, 1>::zeroed();
/// let mut grads = DenseGradient::<1, 1>::zeroed();
/// grads.tensor_mut(0)[0] = 1.0;
/// sgd.step(&mut params, &mut grads); // v = −0.1,            w = −0.1
/// sgd.step(&mut params, &mut grads); // v = 0.9·(−0.1) − 0.1, w = −0.29
/// assert!((params.tensor(0)[0] + 0.29).abs() < 1e-6);
/// ```
#[derive(Debug, Clone)]
pub struct Sgd {
    /// Learning rate `η`, positive. Default 0.01 (Keras).
    pub learning_rate: f32,
    /// Momentum `μ`, in `[0, 1]`; 0 is plain gradient descent. Default 0.
    pub momentum: f32,
    /// Whether to use Nesterov momentum (only has an effect when `momentum > 0`). Default
    /// `false`.
    pub nesterov: bool,
    /// Gradient clipping applied at the start of each step. Default `None`.
    pub clip: Option<Clip>,
    velocity: Slots,
}

impl Default for Sgd {
    /// Keras's defaults: learning rate 0.01, no momentum, no Nesterov, no clipping.
    fn default() -> Self {
        Self::new(0.01)
    }
}

impl Sgd {
    /// Plain gradient descent with the given learning rate and the other defaults.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::Sgd;
    ///
    /// let sgd = Sgd::new(0.5);
    /// assert_eq!((sgd.learning_rate, sgd.momentum, sgd.nesterov), (0.5, 0.0, false));
    /// ```
    pub fn new(learning_rate: f32) -> Self {
        Self {
            learning_rate,
            momentum: 0.0,
            nesterov: false,
            clip: None,
            velocity: Slots::default(),
        }
    }

    /// Sets the momentum `μ`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::Sgd;
    ///
    /// assert_eq!(Sgd::default().with_momentum(0.9).momentum, 0.9);
    /// ```
    #[must_use]
    pub fn with_momentum(mut self, momentum: f32) -> Self {
        self.momentum = momentum;
        self
    }

    /// Turns Nesterov momentum on or off.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::Sgd;
    ///
    /// let sgd = Sgd::default().with_momentum(0.9).with_nesterov(true);
    /// assert!(sgd.nesterov);
    /// ```
    #[must_use]
    pub fn with_nesterov(mut self, nesterov: bool) -> Self {
        self.nesterov = nesterov;
        self
    }

    /// Sets the gradient clipping.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::{Clip, Sgd};
    ///
    /// assert_eq!(Sgd::default().with_clip(Clip::Value(0.5)).clip, Some(Clip::Value(0.5)));
    /// ```
    #[must_use]
    pub fn with_clip(mut self, clip: Clip) -> Self {
        self.clip = Some(clip);
        self
    }

    /// Forgets the velocity, e.g. before training another network; the hyperparameters stay.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::{Optimizer, Sgd};
    /// use nnet_core::{DenseGradient, Parameters};
    ///
    /// let mut sgd = Sgd::new(1.0).with_momentum(0.5);
    /// let (mut w, mut g) = (DenseGradient::<1, 1>::zeroed(), DenseGradient::<1, 1>::zeroed());
    /// g.tensor_mut(0)[0] = 1.0;
    /// sgd.step(&mut w, &mut g);
    /// sgd.reset();
    /// sgd.step(&mut w, &mut g); // a first step again: no velocity carried over
    /// assert_eq!(w.tensor(0)[0], -2.0);
    /// ```
    pub fn reset(&mut self) {
        self.velocity.clear();
    }
}

impl Optimizer for Sgd {
    fn learning_rate(&self) -> f32 {
        self.learning_rate
    }

    fn set_learning_rate(&mut self, learning_rate: f32) {
        self.learning_rate = learning_rate;
    }

    fn validate(&self) -> Result<()> {
        check::learning_rate(self.learning_rate)?;
        check::unit_closed(
            "momentum",
            self.momentum,
            "use a momentum in [0, 1], such as 0.9 (0 turns momentum off)",
        )?;
        self.clip.map_or(Ok(()), Clip::validate)
    }

    fn step<P: Parameters, G: Parameters>(&mut self, params: &mut P, grads: &mut G) {
        if let Some(clip) = self.clip {
            clip_gradients(grads, clip);
        }
        let (lr, mu) = (self.learning_rate, self.momentum);
        if mu == 0.0 {
            for i in 0..P::TENSORS {
                for (w, &g) in params.tensor_mut(i).iter_mut().zip(grads.tensor(i)) {
                    *w -= lr * g;
                }
            }
            return;
        }
        if !self.velocity.fits(params) {
            self.velocity.allocate(params, 0.0);
        }
        for i in 0..P::TENSORS {
            let (w, g, v) = (
                params.tensor_mut(i),
                grads.tensor(i),
                self.velocity.get_mut(i),
            );
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
    use crate::optim::test_support::{assert_invalid, assert_same_trajectory, reference, run};

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

    #[test]
    fn sgd_plain_matches_reference() {
        assert_same_trajectory(&run(&mut Sgd::default()), &keras_sgd(0.01, 0.0, false));
    }

    #[test]
    fn sgd_momentum_matches_reference() {
        let mut sgd = Sgd::new(0.05).with_momentum(0.9);
        assert_same_trajectory(&run(&mut sgd), &keras_sgd(0.05, 0.9, false));
    }

    #[test]
    fn sgd_nesterov_matches_reference() {
        let mut sgd = Sgd::new(0.05).with_momentum(0.8).with_nesterov(true);
        assert_same_trajectory(&run(&mut sgd), &keras_sgd(0.05, 0.8, true));
    }

    #[test]
    fn sgd_nesterov_without_momentum_is_plain() {
        let mut sgd = Sgd::new(0.05).with_nesterov(true);
        assert_same_trajectory(&run(&mut sgd), &keras_sgd(0.05, 0.0, false));
    }

    #[test]
    fn sgd_state_is_allocated_once() {
        let mut sgd = Sgd::new(0.05).with_momentum(0.9);
        run(&mut sgd);
        let before = sgd.velocity.get(0).as_ptr();
        run(&mut sgd);
        assert_eq!(sgd.velocity.get(0).as_ptr(), before);
    }

    #[test]
    fn sgd_validate() {
        assert!(Sgd::default().validate().is_ok());
        assert!(Sgd::new(0.1).with_momentum(1.0).validate().is_ok());
        for (sgd, name) in [
            (Sgd::new(0.0), "learning_rate"),
            (Sgd::new(-0.1), "learning_rate"),
            (Sgd::new(f32::NAN), "learning_rate"),
            (Sgd::new(f32::INFINITY), "learning_rate"),
            (Sgd::default().with_momentum(-0.1), "momentum"),
            (Sgd::default().with_momentum(1.5), "momentum"),
            (Sgd::default().with_momentum(f32::NAN), "momentum"),
            (Sgd::default().with_clip(Clip::Norm(0.0)), "clipnorm"),
        ] {
            assert_invalid(sgd.validate(), name);
        }
    }
}
