//! Pooling: `max_pool1d`, `avg_pool1d`, `max_pool2d`, `avg_pool2d`, `global_max_pool` and
//! `global_avg_pool`, one generic layer [`Pool`] whose marker ([`PoolKind`]) says which.
//!
//! - `kind`: the markers and what each takes of a window (maximum or mean);
//! - `pooling`: the type, its constructors and shape check, and the per-sample computations;
//! - `layer`: its [`Layer`](super::Layer) implementation.

mod kind;
mod layer;
mod pooling;
#[cfg(test)]
mod tests;

pub use kind::{
    AvgPool1dKind, AvgPool2dKind, GlobalAvgPoolKind, GlobalMaxPoolKind, MaxPool1dKind,
    MaxPool2dKind, PoolKind,
};
pub use pooling::Pool;
