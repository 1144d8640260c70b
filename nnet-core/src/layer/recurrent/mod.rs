//! Recurrent layers: `simple_rnn`, `gru` and `lstm`, which carry a state from one time step of
//! a sequence to the next.
//!
//! A recurrent layer of `UNITS` units over `IN` inputs per step implements [`Recurrent`]: one
//! inference step ([`Recurrent::step`], the streaming call), and the training pass over whole
//! sequences with backpropagation through time ([`Recurrent::forward_sequences`],
//! [`Recurrent::backward_sequences`]). Their weights are a [`RecurrentWeights`], laid out as
//! Keras's, with the gates side by side:
//!
//! | kind | gates (Keras's order) | `bias` |
//! | --- | --- | --- |
//! | [`SimpleRnn`] | one | one row |
//! | [`Gru`] | `z` (update), `r` (reset), `h` (candidate) | two rows: input and recurrent (Keras's `reset_after = true`) |
//! | [`Lstm`] | `i`, `f`, `c`, `o` | one row |
//!
//! The state starts at zero, as in Keras.
//!
//! Where the weights live is the storage's choice: inline ([`RecurrentWeights`]), on the heap
//! ([`HeapRecurrentWeights`], past a network's inline budget), or, for a layer of more than
//! [`INLINE_UNITS`](crate::storage::INLINE_UNITS) units, [`LargeRecurrentWeights`] (with `std`),
//! whose layers keep their state and the buffers of a step on the heap too (`HeapHiddenState`,
//! `HeapLstmState`: a step then allocates nothing and needs no stack for its vectors), so that
//! every size up to 65,536 units builds, steps and trains on a small stack.

mod gru;
#[cfg(feature = "std")]
mod large;
mod lstm;
mod product;
mod simple_rnn;
#[cfg(test)]
mod tests;
mod weights;

pub use gru::Gru;
#[cfg(feature = "std")]
pub use large::{HeapHiddenState, HeapLstmState, LargeRecurrentWeights};
pub use lstm::Lstm;
pub use simple_rnn::SimpleRnn;
pub use weights::{
    HEAP_STORAGE, HeapRecurrentWeights, InlineSteps, RecurrentParts, RecurrentPartsMut,
    RecurrentStorage, RecurrentWeights,
};

/// No allocator without `std`: the name exists (as the inline weights) only so that a network
/// whose recurrent layer would need the heap fails on the one error that says so, which
/// `network!` emits, and not on a missing type too.
#[cfg(not(feature = "std"))]
#[doc(hidden)]
pub type LargeRecurrentWeights<
    const IN: usize,
    const UNITS: usize,
    const GATES: usize,
    const BIASES: usize,
    T = f32,
> = RecurrentWeights<IN, UNITS, GATES, BIASES, T>;

use nalgebra::SVector;

use super::{LayerGradient, LayerKind};
use crate::{Scalar, TensorInfo};

/// A recurrent layer of `UNITS` units over `IN` inputs per time step.
///
/// The training methods work on a batch of sequences laid end to end: `x` holds `IN` values
/// per step, the steps of sequence 0, then those of sequence 1, …; `lengths` gives each
/// sequence's number of steps (each at least 1, summing to the number of steps in `x`). Every
/// sequence starts from the zero state. A layer implements the passes over one sequence from
/// any state ([`forward_sequence_from`](Recurrent::forward_sequence_from),
/// [`backward_sequence_from`](Recurrent::backward_sequence_from),
/// [`final_state`](Recurrent::final_state)), which the passes over a batch go through.
///
/// # Examples
///
/// ```
/// use nalgebra::vector;
/// use nnet_core::activation::Tanh;
/// use nnet_core::layer::{Recurrent, SimpleRnn};
///
/// let mut rnn: SimpleRnn<1, 1, Tanh> = SimpleRnn::zeroed(Tanh);
/// rnn.weights.kernel[0][0][0] = 1.0;
/// rnn.weights.recurrent_kernel[0][0][0] = 0.5;
/// let mut state = Default::default();
/// rnn.step(&mut state, &vector![1.0]);
/// rnn.step(&mut state, &vector![0.0]);
/// // h₁ = tanh(1), h₂ = tanh(0.5 h₁)
/// let h1 = 1.0_f32.tanh();
/// assert!((<SimpleRnn<1, 1, Tanh> as Recurrent<1, 1>>::output(&state)[0] - (0.5 * h1).tanh()).abs() < 1e-6);
/// ```
pub trait Recurrent<const IN: usize, const UNITS: usize, T: Scalar = f32>:
    Clone + core::fmt::Debug + PartialEq + Send + Sync
{
    /// Which kind of layer this is.
    const KIND: LayerKind;
    /// Number of tensors: `kernel`, `recurrent_kernel`, `bias`.
    const TENSORS: usize;
    /// Trainable parameters.
    const TRAINABLE: usize;
    /// Values the training pass keeps per step for the backward pass (gate values, cell state).
    const TRACE: usize;
    /// The bytes the state keeps on the heap, besides its own `size_of`: none for the layers
    /// whose state is inline, the state's vectors and the buffers of a step for a layer of more
    /// than [`INLINE_UNITS`](crate::storage::INLINE_UNITS) units ([`HeapHiddenState`],
    /// [`HeapLstmState`]).
    const HEAP_STATE_BYTES: usize = 0;
    /// The state carried from one step to the next: `h` (and the cell state `c` of an LSTM).
    /// `Copy` when inline; a layer of more than [`INLINE_UNITS`](crate::storage::INLINE_UNITS)
    /// units keeps it on the heap (allocated by `Default`, then reused by every step).
    type State: Clone + Default + core::fmt::Debug + PartialEq + Send + Sync;
    /// The gradient of the layer's tensors.
    type Gradient: LayerGradient<T>;

    /// Name (within the layer), shape and role of tensor `index`, or `None` past the last.
    fn tensor_info(index: usize) -> Option<TensorInfo>;
    /// The values of tensor `index` (column-major), or an empty slice.
    fn tensor(&self, index: usize) -> &[T];
    /// The values of tensor `index` (column-major) mutably, or an empty slice.
    fn tensor_mut(&mut self, index: usize) -> &mut [T];

    /// The layer's output in `state`: its hidden state `h`.
    fn output(state: &Self::State) -> &SVector<T, UNITS>;

    /// Sets `state` back to the zero state, in place: without allocating, for a state on the
    /// heap too.
    fn reset(state: &mut Self::State) {
        *state = Self::State::default();
    }

    /// Advances `state` by one time step with input `x`, in inference: the streaming call,
    /// allocation-free.
    fn step(&self, state: &mut Self::State, x: &SVector<T, IN>);

    /// The training pass over one sequence `x` (`IN` values per step) from the state
    /// `initial`: writes every step's output `h` to `h` (`UNITS` per step) and what the backward
    /// pass needs to `trace` ([`TRACE`](Recurrent::TRACE) per step). From the default state it
    /// is the pass of [`forward_sequences`](Recurrent::forward_sequences); from the state a
    /// previous window of the same signal ended in
    /// ([`final_state`](Recurrent::final_state)), the window continues that signal: the
    /// stateful training of long signals.
    ///
    /// # Examples
    ///
    /// ```
    /// use nalgebra::vector;
    /// use nnet_core::layer::{Gru, Recurrent};
    ///
    /// let mut gru: Gru<1, 2> = Gru::zeroed();
    /// gru.weights.kernel[0][2][0] = 1.0; // the candidate follows the input
    /// gru.weights.recurrent_kernel[1][0][1] = 0.5;
    /// let x = [0.5, -1.0, 2.0, 0.25];
    /// // Steps 0..2 from zero, then steps 2..4 from the state they ended in…
    /// // (`TRACE` = 8 values and 2 outputs per step.)
    /// let (mut trace, mut h) = ([0.0; 32], [0.0; 8]);
    /// gru.forward_sequence_from(&x[..2], &Default::default(), &mut trace[..16], &mut h[..4]);
    /// let mut state = Default::default();
    /// gru.final_state(&x[..2], &mut state, &trace[..16], &h[..4]);
    /// gru.forward_sequence_from(&x[2..], &state, &mut trace[16..], &mut h[4..]);
    /// // …are the four steps `step` takes.
    /// let mut stepped = Default::default();
    /// for v in x {
    ///     gru.step(&mut stepped, &vector![v]);
    /// }
    /// assert_eq!(&h[6..], stepped.h.as_slice());
    /// ```
    fn forward_sequence_from(&self, x: &[T], initial: &Self::State, trace: &mut [T], h: &mut [T]);

    /// Backpropagation through time over one sequence, after
    /// [`forward_sequence_from`](Recurrent::forward_sequence_from) on the same `x` and
    /// `initial` wrote `trace` and `h`: given `dh` (`∂L/∂h` of every step from the layers above,
    /// zero where an output is not used), adds the gradient of every tensor to `grad` and writes
    /// `∂L/∂x` to `dx` unless it is empty. The gradient stops at `initial`, which is held fixed
    /// (truncated backpropagation through time).
    #[allow(clippy::too_many_arguments)]
    fn backward_sequence_from(
        &self,
        x: &[T],
        initial: &Self::State,
        trace: &[T],
        h: &[T],
        dh: &[T],
        grad: &mut Self::Gradient,
        dx: &mut [T],
    );

    /// Moves `state`, the state [`forward_sequence_from`](Recurrent::forward_sequence_from) ran
    /// a sequence from, to the state after its last step, from what the pass wrote to `trace`
    /// and `h` (and `x`, for a layer whose state is its past inputs): what
    /// [`step`](Recurrent::step) would hold after the same inputs. In place, so that a state
    /// kept on the heap is reused; unchanged for an empty sequence.
    fn final_state(&self, x: &[T], state: &mut Self::State, trace: &[T], h: &[T]);

    /// The training pass over a batch of sequences (see the trait's documentation for the
    /// layout), each from the zero state: writes every step's output `h` to `h` (`UNITS` per
    /// step) and what the backward pass needs to `trace` ([`TRACE`](Recurrent::TRACE) per
    /// step).
    fn forward_sequences(&self, x: &[T], lengths: &[usize], trace: &mut [T], h: &mut [T]) {
        let zero = Self::State::default();
        for (start, len) in spans(lengths) {
            self.forward_sequence_from(
                &x[start * IN..(start + len) * IN],
                &zero,
                &mut trace[start * Self::TRACE..(start + len) * Self::TRACE],
                &mut h[start * UNITS..(start + len) * UNITS],
            );
        }
    }

    /// Backpropagation through time, after [`forward_sequences`](Recurrent::forward_sequences)
    /// on the same `x` and `lengths` wrote `trace` and `h`: given `dh`, the gradient of the
    /// loss with respect to every step's output from the layers above (`UNITS` per step, zero
    /// where an output is not used), adds the gradient of every tensor summed over the batch to
    /// `grad` and writes `∂L/∂x` to `dx` unless it is empty.
    #[allow(clippy::too_many_arguments)]
    fn backward_sequences(
        &self,
        x: &[T],
        lengths: &[usize],
        trace: &[T],
        h: &[T],
        dh: &[T],
        grad: &mut Self::Gradient,
        dx: &mut [T],
    ) {
        let zero = Self::State::default();
        for (start, len) in spans(lengths) {
            let (steps, units, traced) = (
                start * IN..(start + len) * IN,
                start * UNITS..(start + len) * UNITS,
                start * Self::TRACE..(start + len) * Self::TRACE,
            );
            let dx = if dx.is_empty() {
                &mut []
            } else {
                &mut dx[steps.clone()]
            };
            self.backward_sequence_from(
                &x[steps],
                &zero,
                &trace[traced],
                &h[units.clone()],
                &dh[units],
                grad,
                dx,
            );
        }
    }

    /// The layer's regularization loss, adding its gradient to `grad` when given: none yet for
    /// recurrent layers.
    fn regularization(&self, grad: Option<&mut Self::Gradient>) -> T {
        let _ = grad;
        T::zero()
    }
}

/// The state of a `simple_rnn` or `gru` layer: its hidden state `h`, zero by default.
///
/// # Examples
///
/// ```
/// use nnet_core::layer::HiddenState;
///
/// let state = HiddenState::<3>::default();
/// assert_eq!(state.h.sum(), 0.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HiddenState<const UNITS: usize, T: Scalar = f32> {
    /// The hidden state, which is also the layer's output.
    pub h: SVector<T, UNITS>,
}

impl<const UNITS: usize, T: Scalar> Default for HiddenState<UNITS, T> {
    fn default() -> Self {
        Self {
            h: SVector::zeros(),
        }
    }
}

/// The state of an `lstm` layer: its hidden state `h` (the output) and cell state `c`, zero by
/// default.
///
/// # Examples
///
/// ```
/// use nnet_core::layer::LstmState;
///
/// let state = LstmState::<3>::default();
/// assert_eq!(state.h.sum() + state.c.sum(), 0.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LstmState<const UNITS: usize, T: Scalar = f32> {
    /// The hidden state, which is also the layer's output.
    pub h: SVector<T, UNITS>,
    /// The cell state.
    pub c: SVector<T, UNITS>,
}

impl<const UNITS: usize, T: Scalar> Default for LstmState<UNITS, T> {
    fn default() -> Self {
        Self {
            h: SVector::zeros(),
            c: SVector::zeros(),
        }
    }
}

/// The steps of each sequence of a batch laid end to end: `(first step, length)` per
/// sequence, from `lengths`.
pub(crate) fn spans(lengths: &[usize]) -> impl Iterator<Item = (usize, usize)> + '_ {
    lengths.iter().scan(0, |start, &len| {
        let span = (*start, len);
        *start += len;
        Some(span)
    })
}
