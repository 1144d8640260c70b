//! A strict reader and writer of [safetensors](https://huggingface.co/docs/safetensors) files
//! for [nnet](https://docs.rs/nnet), without dependencies (its tests check it against the
//! [`safetensors`](https://docs.rs/safetensors) and [`serde_json`](https://docs.rs/serde_json)
//! crates).
//!
//! The run-time loader of `nnet` and the `network!` macro (which bakes weights into the code
//! at compile time) share this crate, so a file is judged by the same rules and described by
//! the same messages in both places.
//!
//! The format: 8 bytes, the little-endian length `N` of the header; `N` bytes of UTF-8 JSON,
//! an object mapping each tensor's name to `{"dtype", "shape", "data_offsets": [begin, end]}`
//! plus an optional `"__metadata__"` object of strings; then the data section, where each
//! tensor's row-major little-endian bytes lie at `[begin, end)`.
//!
//! [`SafeTensors::parse`] accepts a file only if the header is at most the given length, is
//! valid JSON without duplicate keys, each entry has a known dtype, a shape and offsets that
//! agree, and the tensors' byte ranges tile the data section exactly: no overlap, no gap, no
//! byte past the end and none after the last tensor. Every file it accepts is also accepted
//! by the `safetensors` crate (tested on generated and mutated files). It never panics and
//! never reads out of bounds, and its time grows linearly with the length of the header
//! (`n log n` in the number `n` of tensors), so a
//! weight file cannot stall the loader or the compiler. The tensors are then matched to the
//! tensors of a network (dense weights and biases, normalization parameters and statistics,
//! the kernels and biases of recurrent layers) under nnet's, PyTorch's or Keras's names
//! ([`Naming`]).
//!
//! Networks hold `f32` or `f64` ([`Element`]), and the dtype of each tensor is judged against
//! the network's: `F32` into `f32` and `F64` into `f64` are exact copies; `F32` into `f64`
//! (exact) and `F64` into `f32` (rounded to the nearest, a finite value beyond `f32`'s range
//! refused) only when the caller allows the conversion; every other dtype (`F16`, `BF16`, the
//! integers, …) is refused. [`TensorData::from_values`] writes `F32` or `F64` tensors.

mod dtype;
mod element;
mod error;
mod file;
mod foreign;
mod json;
mod layers;
mod read;
mod write;

pub use dtype::Dtype;
pub use element::Element;
pub use error::{Error, QUOTED_ARCHITECTURE_CHARS, QUOTED_CHARS, shorten, shorten_to};
pub use file::{FileError, read_file};
/// Matching a file's tensors to a network's tensors: shared by the run-time loader and the
/// macro, not part of the public API.
#[doc(hidden)]
pub use foreign::LayerKind;
pub use layers::Naming;
#[doc(hidden)]
pub use layers::{Layout, ResolveOptions, Source, TensorSpec, resolve};
/// The shape of a sample between two layers, which [`Layout::Flattened`] names.
#[doc(hidden)]
pub use nnet_kinds::Shape;
pub use read::{DEFAULT_MAX_HEADER, SafeTensors, Tensor};
pub use write::{TensorData, write};

#[cfg(test)]
mod conv_tests;
#[cfg(test)]
mod element_tests;
#[cfg(test)]
mod file_tests;
#[cfg(test)]
mod layer_tests;
#[cfg(test)]
mod pytorch_order_tests;
#[cfg(test)]
mod quote_tests;
#[cfg(test)]
mod recurrent_tests;
#[cfg(test)]
mod residual_tests;
#[cfg(test)]
mod tests;
