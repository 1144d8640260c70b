//! The declaration of each kind, one file per kind. A new kind is a new file here and one line
//! in [`Kind`](crate::Kind)'s list (`kind.rs`).

pub(crate) mod activation;
pub(crate) mod batch_norm;
pub(crate) mod conv;
pub(crate) mod dense;
pub(crate) mod dropout;
pub(crate) mod flatten;
pub(crate) mod gru;
pub(crate) mod layer_norm;
pub(crate) mod lstm;
pub(crate) mod pool;
mod shared;
pub(crate) mod simple_rnn;
