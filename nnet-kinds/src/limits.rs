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

/// The most units one recurrent layer may have: 1,024 ([`INLINE_UNITS`]). A recurrent layer's
/// state and the gates of one step are vectors of its units that `step` keeps on the stack (the
/// streaming call allocates nothing); at 1,024 units an LSTM's four gates take 16 KiB, so
/// every step fits a 2 MiB stack in debug builds.
///
/// # Examples
///
/// ```
/// assert_eq!(nnet_kinds::MAX_RECURRENT_UNITS, nnet_kinds::INLINE_UNITS);
/// ```
pub const MAX_RECURRENT_UNITS: usize = INLINE_UNITS;

/// The most weights one recurrent layer may have: 8,392,704 (32 MiB of `f32`), those of the
/// largest LSTM ([`MAX_RECURRENT_UNITS`]) over as many inputs as units. Past the network's
/// inline budget ([`INLINE_PARAMS`]) a recurrent layer keeps its weights on the heap, built
/// there in place, as dense layers do; dense layers have no limit of their own on weights
/// (up to [`MAX_UNITS`] × [`MAX_UNITS`]), but the per-step vectors bound a recurrent layer's
/// units, and this bound keeps the largest one trainable in seconds. Without nnet's `std`
/// feature there is no heap, and a recurrent layer must fit the inline budget.
///
/// # Examples
///
/// ```
/// use nnet_kinds::{MAX_RECURRENT_UNITS as U, MAX_RECURRENT_WEIGHTS};
///
/// // An LSTM's four gates over U inputs and U units, with one bias row.
/// assert_eq!(MAX_RECURRENT_WEIGHTS, 4 * U * (U + U + 1));
/// ```
pub const MAX_RECURRENT_WEIGHTS: usize = 4 * MAX_RECURRENT_UNITS * (2 * MAX_RECURRENT_UNITS + 1);
