//! Sequence networks: data sets of sequences, the [`SequenceNetwork`] trait that networks
//! declared with `input sequence F;` implement, and the buffers of their training pass.
//!
//! Training them is [`Trainer::fit_sequences`](crate::train::Trainer::fit_sequences): batches
//! of whole sequences, backpropagation through time over every step.

mod data;
mod network;
mod streams;
mod workspace;

pub use data::Sequences;
pub use network::SequenceNetwork;
pub use streams::Streams;
pub use workspace::SequenceWorkspace;
