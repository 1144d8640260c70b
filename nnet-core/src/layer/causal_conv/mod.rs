//! The streaming causal `conv1d` of sequence networks: [`CausalConv1d`], a [`Recurrent`]
//! layer whose state ([`CausalConvState`]) is its past inputs.
//!
//! - `conv`: the type, its constructors and shape check, and the sum of its taps;
//! - `state`: the ring buffer of past inputs and the last output;
//! - `recurrent`: its [`Recurrent`] implementation (a step, and the passes over sequences).
//!
//! [`Recurrent`]: super::Recurrent

mod conv;
mod recurrent;
mod state;
#[cfg(test)]
mod tests;

pub use conv::CausalConv1d;
pub use state::CausalConvState;
