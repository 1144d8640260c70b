//! Optimizers: how a gradient updates the parameters.
//!
//! Keras's optimizers with Keras's names, formulas and defaults: [`Sgd`] (with momentum and
//! Nesterov momentum), [`Adam`], [`AdamW`], [`RmsProp`] and [`Adagrad`]. Each has public
//! hyperparameter fields, `new(learning_rate)`, `with_*` builders, a `Default` with Keras's
//! defaults, and a `clip` field for gradient clipping ([`Clip`]: Keras's `clipnorm`,
//! `global_clipnorm` and `clipvalue`). [`schedule`] holds learning-rate schedules.
//!
//! A step is Keras's: clip the gradients, apply weight decay (AdamW), then update. The
//! per-value arithmetic is `f32` in straight loops over slices; optimizer state is allocated on
//! the first step and reused.
//!
//! # Examples
//!
//! ```
//! use nnet_core::optim::{Adam, Clip, Optimizer};
//! use nnet_core::{DenseGradient, Parameters};
//!
//! let mut adam = Adam::new(0.01).with_clip(Clip::GlobalNorm(1.0));
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
pub mod schedule;
mod sgd;
mod slots;
#[cfg(test)]
mod test_support;

pub use adagrad::Adagrad;
pub use adam::Adam;
pub use adamw::AdamW;
pub use clip::{Clip, clip_gradients};
pub use rmsprop::RmsProp;
pub use schedule::{
    Constant, CosineDecay, ExponentialDecay, InverseTimeDecay, LearningRateSchedule, StepDecay,
};
pub use sgd::Sgd;

use crate::{Parameters, Result};

/// An optimizer: updates parameters from their gradients, keeping whatever state it needs.
///
/// State (moments, velocities) is allocated on the first [`step`](Optimizer::step) and reused
/// after, so steady-state training allocates nothing.
pub trait Optimizer: Clone + core::fmt::Debug + Send {
    /// The current learning rate.
    fn learning_rate(&self) -> f32;

    /// Sets the learning rate (used by learning-rate schedules).
    fn set_learning_rate(&mut self, learning_rate: f32);

    /// Checks every hyperparameter.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidHyperparameter`](crate::Error::InvalidHyperparameter) naming the first
    /// hyperparameter out of range.
    fn validate(&self) -> Result<()>;

    /// Applies one update to `params` from `grads` (the mean gradient of a batch). `grads` may be
    /// modified, e.g. by gradient clipping.
    fn step<P: Parameters, G: Parameters>(&mut self, params: &mut P, grads: &mut G);
}
