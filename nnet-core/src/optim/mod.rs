//! Optimizers: how a gradient updates the parameters.
//!
//! Keras's optimizers with Keras's names, formulas and defaults: [`Sgd`] (with momentum and
//! Nesterov momentum), [`Adam`], [`AdamW`], [`RmsProp`] and [`Adagrad`]. Each is its settings,
//! a plain struct with public fields and a `Default` with Keras's defaults ([`SgdConfig`],
//! [`AdamConfig`], [`AdamWConfig`], [`RmsPropConfig`], [`AdagradConfig`]), plus the state its
//! updates keep ([`WithState`]). The settings include gradient clipping, `clip` ([`Clip`]:
//! Keras's `clipnorm`, `global_clipnorm` and `clipvalue`). [`Schedule`] is a learning-rate
//! schedule.
//!
//! A step is Keras's: clip the gradients, apply weight decay (AdamW), then update. The
//! per-value arithmetic is in the network's scalar, in straight loops over slices; optimizer
//! state is allocated on the first step and reused.
//!
//! Settings are `f64` and become the network's scalar where they are used, so an `f64` network
//! computes with `1 − β₂ = 0.001` (to `f64` rounding) as Keras in float64 does, and an `f32`
//! network with exactly the `f32` values and `f32` arithmetic it always had (`1 − β₂` computed
//! in `f32` from `β₂` as an `f32`): see [`held`].
//!
//! # Examples
//!
//! ```
//! use nnet_core::optim::{Adam, AdamConfig, Clip, Optimizer};
//! use nnet_core::{DenseGradient, Parameters};
//!
//! // Keras: Adam(learning_rate=0.01, global_clipnorm=1.0)
//! let mut adam = Adam::new(AdamConfig {
//!     learning_rate: 0.01,
//!     clip: Some(Clip::GlobalNorm(1.0)),
//!     ..AdamConfig::default()
//! });
//! adam.validate()?;
//!
//! // Minimise ½‖w − 3‖² over a 2 × 2 weight and its bias.
//! let mut w = DenseGradient::<2, 2>::zeroed();
//! let mut g = DenseGradient::<2, 2>::zeroed();
//! for _ in 0..2000 {
//!     for i in 0..2 {
//!         for (g, w) in g.tensor_mut(i).iter_mut().zip(w.tensor(i)) {
//!             *g = w - 3.0;
//!         }
//!     }
//!     adam.step(&mut w, &mut g);
//! }
//! assert!(w.tensor(0).iter().all(|w| (w - 3.0).abs() < 1e-2));
//! # Ok::<(), nnet_core::Error>(())
//! ```

mod adagrad;
mod adam;
mod adamw;
mod check;
mod clip;
mod rmsprop;
mod schedule;
mod sgd;
mod slots;
#[cfg(test)]
mod test_support;
mod with_state;

pub use adagrad::{Adagrad, AdagradConfig};
pub use adam::{Adam, AdamConfig};
pub use adamw::{AdamW, AdamWConfig};
pub use clip::{Clip, clip_gradients};
pub use rmsprop::{RmsProp, RmsPropConfig};
pub use schedule::Schedule;
pub use sgd::{Sgd, SgdConfig};
pub use with_state::{OptimizerConfig, WithState};

use crate::{Parameters, Result, Scalar};

/// A setting as a network of scalar `T` holds it, widened back to `f64` for the per-step
/// scalars an optimizer computes in `f64` (Adam's bias correction, a clipping factor): the
/// setting itself for an `f64` network, the `f32` nearest to it for an `f32` network.
///
/// So an `f32` network's optimizer computes from the same `f32` settings as when settings were
/// `f32`, bit for bit, and an `f64` network's from the settings as written.
///
/// # Examples
///
/// ```
/// use nnet_core::optim::held;
///
/// assert_eq!(held::<f64>(0.999), 0.999);
/// assert_eq!(held::<f32>(0.999), f64::from(0.999_f32));
/// ```
pub fn held<T: Scalar>(setting: f64) -> f64 {
    crate::scalar::held::<T>(setting)
}

/// An optimizer: updates parameters from their gradients, keeping whatever state it needs; the
/// interface the fit loop drives. [`WithState`] implements it for every [`OptimizerConfig`].
///
/// State (moments, velocities) is allocated on the first [`step`](Optimizer::step) and reused
/// after, so steady-state training allocates nothing.
pub trait Optimizer: Clone + core::fmt::Debug + Send {
    /// The current learning rate.
    fn learning_rate(&self) -> f64;

    /// Sets the learning rate (used by learning-rate schedules).
    fn set_learning_rate(&mut self, learning_rate: f64);

    /// Checks every hyperparameter.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidHyperparameter`](crate::Error::InvalidHyperparameter) naming the first
    /// hyperparameter out of range.
    fn validate(&self) -> Result<()>;

    /// Applies one update to `params` from `grads` (the mean gradient of a batch). `grads` may be
    /// modified, e.g. by gradient clipping.
    fn step<T: Scalar, P: Parameters<T>, G: Parameters<T>>(
        &mut self,
        params: &mut P,
        grads: &mut G,
    );

    /// [`step`](Optimizer::step), saving every tensor of `params` into `previous` first, and
    /// returning whether the trainable tensors of `params` are all finite after the update:
    /// what the fit loop needs to undo an update that overflowed. The default copies, steps and
    /// checks in three passes over the weights; [`Adam`] does all three in its one pass.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::{Optimizer, Sgd};
    /// use nnet_core::{DenseGradient, Parameters};
    ///
    /// let mut sgd = Sgd::with_learning_rate(1.0);
    /// let (mut w, mut g, mut saved) = (
    ///     DenseGradient::<1, 1>::zeroed(),
    ///     DenseGradient::<1, 1>::zeroed(),
    ///     DenseGradient::<1, 1>::zeroed(),
    /// );
    /// w.tensor_mut(0)[0] = 2.0;
    /// g.tensor_mut(0)[0] = f32::INFINITY;
    /// assert!(!sgd.step_saving(&mut w, &mut g, &mut saved));
    /// assert_eq!(saved.tensor(0)[0], 2.0);
    /// ```
    fn step_saving<T: Scalar, P: Parameters<T>, G: Parameters<T>>(
        &mut self,
        params: &mut P,
        grads: &mut G,
        previous: &mut P,
    ) -> bool {
        saving(params, previous, |params| self.step(params, grads))
    }
}

/// `update` of `params`, saving every tensor of `params` into `previous` first; whether the
/// trainable tensors of `params` are all finite after: the three passes of the default
/// [`Optimizer::step_saving`] and [`OptimizerConfig::update_saving`].
pub(crate) fn saving<T: Scalar, P: Parameters<T>>(
    params: &mut P,
    previous: &mut P,
    update: impl FnOnce(&mut P),
) -> bool {
    previous.copy_from(params);
    update(params);
    P::trainable().all(|i| crate::params::all_finite(params.tensor(i)))
}
