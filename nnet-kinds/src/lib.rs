//! What every layer kind of [nnet](https://docs.rs/nnet) is, declared once, and the shapes
//! that flow between layers.
//!
//! `nnet-core` (the layer types and weight files), `nnet-macros` (the `network!` grammar and
//! its checks) and `nnet-safetensors` (matching a file's tensors to a network's under nnet's,
//! PyTorch's and Keras's names) all read this crate, so a kind's facts cannot disagree between
//! them. It has no dependencies and needs neither `std` nor an allocator.

#![no_std]

mod shape;

pub use shape::Shape;
