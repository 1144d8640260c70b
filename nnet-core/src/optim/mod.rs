//! Optimizers: how a gradient updates the parameters.

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
