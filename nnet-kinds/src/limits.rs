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

/// The most units one recurrent layer may have: 65,536 ([`MAX_UNITS`], as any layer). A
/// recurrent layer of up to [`INLINE_UNITS`] units keeps its state and the gates of a step
/// inline (the state is `Copy`, a step works on the stack); past that, with nnet's `std`
/// feature, the state and the buffers of a step live on the heap (allocated with the state,
/// reused by every step, which allocates nothing), as do the weights. Without `std` there is no
/// heap: a recurrent layer must keep its weights within the network's inline budget
/// ([`INLINE_PARAMS`]), which a layer of more than [`INLINE_UNITS`] units never does.
///
/// # Examples
///
/// ```
/// assert_eq!(nnet_kinds::MAX_RECURRENT_UNITS, nnet_kinds::MAX_UNITS);
/// ```
pub const MAX_RECURRENT_UNITS: usize = MAX_UNITS;

/// The most weights one recurrent layer may have: 4,295,098,368 (16 GiB of `f32`), those of
/// the smallest layer of the most units, a `simple_rnn` of [`MAX_UNITS`] units over one input
/// (`65,536 × (1 + 65,536 + 1)`), about those of the largest dense layer
/// (`65,536 × 65,536` and a bias). Larger layers (a `gru 65536` would need 48 GiB for its
/// weights alone, and as much again for their gradient) are refused at compile time, with the
/// memory they would need and the most units that fit. Past the network's inline budget
/// ([`INLINE_PARAMS`]) a recurrent layer keeps its weights on the heap, built there in place.
///
/// # Examples
///
/// ```
/// use nnet_kinds::{MAX_RECURRENT_WEIGHTS, MAX_UNITS as U};
///
/// // A simple RNN of U units over one input: kernel, recurrent kernel and bias.
/// # #[cfg(target_pointer_width = "64")]
/// assert_eq!(MAX_RECURRENT_WEIGHTS, U * (1 + U + 1));
/// ```
///
/// On a target whose `usize` has 32 bits (a Cortex-M, where no layer this large can exist) the
/// product does not fit and the limit is `usize::MAX`; the macro, which checks it, runs on the
/// 64-bit host.
pub const MAX_RECURRENT_WEIGHTS: usize = MAX_UNITS.saturating_mul(MAX_UNITS + 2);

/// The most filters a causal `conv1d` streamed over a sequence may have: 1,024
/// ([`INLINE_UNITS`]); a step's output is a vector on the stack.
///
/// # Examples
///
/// ```
/// assert_eq!(nnet_kinds::MAX_STREAMED_FILTERS, 1024);
/// ```
pub const MAX_STREAMED_FILTERS: usize = INLINE_UNITS;
