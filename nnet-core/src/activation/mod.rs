//! Activation functions, each with its derivative beside it.
//!
//! Every activation implements [`Activation`], which works in place on the units of one sample
//! (a slice), so the same code serves single vectors and the columns of a batch matrix. Names and
//! defaults follow Keras.

mod elementwise;
pub(crate) mod fast;
mod softmax;

pub use elementwise::{
    Elu, Exponential, Gelu, HardSigmoid, LeakyRelu, Linear, Relu, Selu, Sigmoid, Silu, Softplus,
    Softsign, Step, Tanh,
};
pub use softmax::Softmax;

use crate::Scalar;

/// Which activation a value of some [`Activation`] type is.
///
/// Losses use it to pick a fused, numerically stable gradient (a sigmoid output with binary
/// cross-entropy, a softmax output with categorical cross-entropy).
///
/// # Examples
///
/// ```
/// use nnet_core::activation::{Activation, ActivationKind, Sigmoid};
///
/// assert_eq!(Sigmoid.kind(), ActivationKind::Sigmoid);
/// assert_eq!(ActivationKind::Sigmoid.name(), "sigmoid");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[allow(missing_docs)] // each variant is the activation of the same name
pub enum ActivationKind {
    Linear,
    Relu,
    Sigmoid,
    Tanh,
    Softmax,
    Step,
    LeakyRelu,
    Elu,
    Selu,
    Gelu,
    Silu,
    Softplus,
    Softsign,
    HardSigmoid,
    Exponential,
}

impl ActivationKind {
    /// Every kind, in the order of the grammar.
    pub const ALL: [ActivationKind; 15] = [
        Self::Linear,
        Self::Relu,
        Self::Sigmoid,
        Self::Tanh,
        Self::Softmax,
        Self::Step,
        Self::LeakyRelu,
        Self::Elu,
        Self::Selu,
        Self::Gelu,
        Self::Silu,
        Self::Softplus,
        Self::Softsign,
        Self::HardSigmoid,
        Self::Exponential,
    ];

    /// The Keras name of the activation, as written in `network!`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Linear => "linear",
            Self::Relu => "relu",
            Self::Sigmoid => "sigmoid",
            Self::Tanh => "tanh",
            Self::Softmax => "softmax",
            Self::Step => "step",
            Self::LeakyRelu => "leaky_relu",
            Self::Elu => "elu",
            Self::Selu => "selu",
            Self::Gelu => "gelu",
            Self::Silu => "silu",
            Self::Softplus => "softplus",
            Self::Softsign => "softsign",
            Self::HardSigmoid => "hard_sigmoid",
            Self::Exponential => "exponential",
        }
    }
}

/// An activation function applied to the pre-activations `z` of one sample, in the scalar `T`
/// (`f32` unless said otherwise; every activation of nnet works in both `f32` and `f64`).
///
/// `activate` maps `z` to `a = act(z)` in place; `backprop` maps the gradient with respect to
/// `a` to the gradient with respect to `z` in place, given both `z` and `a` (whichever is
/// cheaper to use). Element-wise activations compute `dL/dz_i = dL/da_i · act'(z_i)`; softmax
/// applies its Jacobian.
///
/// # Examples
///
/// ```
/// use nnet_core::activation::{Activation, Relu};
///
/// let mut z = [-1.0_f32, 2.0];
/// Relu.activate(&mut z);
/// assert_eq!(z, [0.0, 2.0]);
///
/// let mut grad = [5.0_f32, 5.0];
/// Relu.backprop(&[-1.0, 2.0], &z, &mut grad);
/// assert_eq!(grad, [0.0, 5.0]);
/// ```
pub trait Activation<T: Scalar = f32>:
    Copy + core::fmt::Debug + PartialEq + Send + Sync + 'static
{
    /// Which activation this is.
    fn kind(&self) -> ActivationKind;

    /// Replaces each pre-activation in `z` with its activation.
    fn activate(&self, z: &mut [T]);

    /// Turns `grad`, the gradient of the loss with respect to the activations `a = act(z)`, into
    /// the gradient with respect to `z`, in place. `z`, `a` and `grad` have the same length.
    fn backprop(&self, z: &[T], a: &[T], grad: &mut [T]);
}

#[cfg(test)]
mod tests;
