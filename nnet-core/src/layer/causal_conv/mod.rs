//! The streaming causal `conv1d` of sequence networks: [`CausalConv1d`], a [`Recurrent`]
//! layer whose state ([`CausalConvState`]) is its past inputs.
//!
//! - `conv`: the type, its constructors and shape check, and the sum of its taps;
//! - `kernel`: the sum of a one-group layer's taps, one product in partial sums;
//! - `one_group`: the forward passes of a layer of one group, in the registers that suit it;
//! - `state`: the ring buffer of past inputs and the last output;
//! - `recurrent`: its [`Recurrent`] implementation (a step, and the passes over sequences).
//!
//! [`Recurrent`]: super::Recurrent

mod conv;
mod kernel;
mod one_group;
mod recurrent;
mod state;
#[cfg(test)]
mod tests;

pub use conv::CausalConv1d;
pub use state::CausalConvState;
