//! The sizes at which generated networks change how they hold and run a layer, shared by the
//! macro (which picks the storage and the passes) and the run-time crate (whose generic code
//! must agree with it).

/// The most units (or inputs) one layer may have: 65,536.
///
/// # Examples
///
/// ```
/// assert_eq!(nnet_kinds::MAX_UNITS, 65_536);
/// ```
pub const MAX_UNITS: usize = 65_536;

/// Layers are kept inline in the network struct until their weights add up to this many values
/// (64 KiB of `f32`); later layers keep their weights on the heap, so that a network never
/// needs megabytes of stack to be built, moved or cloned.
///
/// # Examples
///
/// ```
/// assert_eq!(nnet_kinds::INLINE_PARAMS, 128 * 128);
/// ```
pub const INLINE_PARAMS: usize = 16_384;

/// Vectors of more than this many values (4 KiB of `f32`) are kept on the heap: a layer of more
/// units keeps its bias, normalization parameters, trace, gradient and deltas there, so that no
/// function frame holds a vector of up to 256 KiB.
///
/// # Examples
///
/// ```
/// assert_eq!(nnet_kinds::INLINE_UNITS, 1024);
/// ```
pub const INLINE_UNITS: usize = 1024;

/// Dense layers of at least this many weights (64 × 64) run batches through matrix–matrix
/// products; a network with one infers (and trains) batch by batch rather than sample by
/// sample.
///
/// # Examples
///
/// ```
/// assert_eq!(nnet_kinds::BATCHED_WEIGHTS, 64 * 64);
/// ```
pub const BATCHED_WEIGHTS: usize = 4096;

/// The most weights one recurrent layer may have (256 KiB of `f32`): the layer is built whole
/// before it moves to the heap, so that bound keeps construction within a 2 MiB stack in debug
/// builds.
///
/// # Examples
///
/// ```
/// assert_eq!(nnet_kinds::MAX_RECURRENT_WEIGHTS, 65_536);
/// ```
pub const MAX_RECURRENT_WEIGHTS: usize = 65_536;
