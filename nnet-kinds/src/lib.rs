//! What every layer kind of [nnet](https://docs.rs/nnet) is, declared once, and the shapes
//! that flow between layers.
//!
//! `nnet-core` (the layer types and weight files), `nnet-macros` (the `network!` grammar and
//! its checks) and `nnet-safetensors` (matching a file's tensors to a network's under nnet's,
//! PyTorch's and Keras's names) all read this crate, so a kind's facts cannot disagree between
//! them. It has no dependencies and needs neither `std` nor an allocator.
//!
//! Each kind is one [`KindDecl`] in its own file (`src/kinds/dense.rs`, …), reached through
//! [`Kind::decl`]: its word and what its line takes ([`Number`], [`Activation`], its
//! [`OptionDecl`]s with Keras's defaults), its tensors ([`TensorDecl`]: shape as a function of
//! inputs, units and gates, trainable or not, PyTorch's and Keras's names and layouts), its
//! Keras and PyTorch classes and how it trains. Adding a kind is a new file in `src/kinds/` and
//! one line in [`Kind`]'s list. The sizes at which generated networks change how they hold a
//! layer ([`INLINE_UNITS`], [`BATCHED_WEIGHTS`], …) are here too, for the same reason.
//!
//! # Adding a kind
//!
//! Everything a new kind needs, across the workspace:
//! 1. **Its type in `nnet-core`**: a file in `nnet-core/src/layer/` with the type, its `Layer`
//!    implementation (forward next to backward, per sample and batched), its one-line
//!    `Sealed` implementation, and its line in `layer/mod.rs`; its finite-difference tests.
//! 2. **Its declaration here**: a file in `src/kinds/` and one line in [`Kind`]'s list. The
//!    weight loader, the PyTorch and Keras importers, the documentation tables and the macro's
//!    grammar, options, defaults, counts and messages read it; a test in `nnet-core` checks that
//!    the type's tensors are the declared ones, and every generated network checks at compile
//!    time that the macro's counts are its layer types' constants.
//! 3. **Its arms in `nnet-macros`**: the resolved values of its options (`model/mod.rs`), how
//!    they are built (`validate/kinds.rs`), the shapes it reads and writes (`validate/shapes.rs`;
//!    a kind that slides a window, `validate/window.rs`, with its numbers and words read in
//!    `validate/axes.rs`), its type and constructor (`expand/layers.rs`) and its multiply-
//!    accumulates (`Layer::macs` in `model/mod.rs`).
//!
//! # Examples
//!
//! ```
//! use nnet_kinds::Kind;
//!
//! let dense = Kind::from_word("dense").unwrap().decl();
//! let names: Vec<_> = dense.tensors.iter().map(|t| (t.name, t.pytorch[0], t.keras)).collect();
//! assert_eq!(names, [("weight", "weight", "kernel"), ("bias", "bias", "bias")]);
//! assert_eq!(dense.counts(2, 10, |_| true).trainable, 30);
//! ```

#![no_std]

mod decl;
mod kind;
mod kinds;
mod limits;
mod shape;
mod table;
mod window;

pub use decl::{
    Activation, AxesDefault, Counts, Dim, KindDecl, Number, OptionDecl, OptionType, Range,
    Recurrence, TensorDecl,
};
pub use kind::Kind;
pub use limits::{
    BATCHED_WEIGHTS, INLINE_PARAMS, INLINE_UNITS, MAX_RECURRENT_UNITS, MAX_RECURRENT_WEIGHTS,
    MAX_STREAMED_FILTERS, MAX_UNITS,
};
pub use shape::Shape;
pub use table::{FileTable, NamesTable, documented_table};
pub use window::{Axis, Padding, Window};
