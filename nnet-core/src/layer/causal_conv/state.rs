//! [`CausalConvState`]: what a streaming causal convolution carries from one step to the next,
//! its past inputs in a ring buffer and its last output.

use nalgebra::SVector;

use crate::Scalar;

/// The state of a [`CausalConv1d`](super::CausalConv1d) over `C` channels with `F` filters:
/// its last `HIST = dilation · (kernel_size − 1)` inputs, in a ring buffer, and its last
/// output. `Copy`; [`Default`] is the state before the first step, with zeros as the past
/// (Keras's causal padding), so assigning `Default::default()` starts a new sequence.
///
/// # Examples
///
/// ```
/// use nalgebra::vector;
/// use nnet_core::layer::CausalConvState;
///
/// let mut state = CausalConvState::<2, 1, 3>::default();
/// assert_eq!(state.past(1), Some(&[0.0, 0.0][..]));
/// state.push(&vector![1.0, 2.0]);
/// state.push(&vector![3.0, 4.0]);
/// assert_eq!(state.past(1), Some(&[3.0, 4.0][..])); // the latest input
/// assert_eq!(state.past(2), Some(&[1.0, 2.0][..]));
/// assert_eq!(state.past(4), None); // older than the history kept
/// ```
#[derive(Debug, Clone, Copy)]
// The history first, at a cache line, for the same reason as the layer's kernel: the slots a
// step writes and reads then sit alike in lines wherever the state lives.
#[repr(C, align(64))]
pub struct CausalConvState<const C: usize, const F: usize, const HIST: usize, T: Scalar = f32> {
    /// The last `HIST` inputs, one per slot of `C` values, in a ring buffer written twice: slot
    /// `s` of the second half repeats slot `s` of the first, so that the `HIST` slots from
    /// `next` on are the past in order, oldest first, without wrapping (and one slot more, the
    /// oldest's copy, is free for the current input while a step reads its window).
    pub(super) history: [[[T; C]; HIST]; 2],
    /// The slot the next input overwrites: the oldest (0 when `HIST` is 0).
    pub(super) next: usize,
    /// The output of the last step.
    pub(super) output: SVector<T, F>,
}

/// Two states are equal when they hold the same past inputs in the same order and the same
/// last output, wherever their ring buffers stand: states that continue a sequence alike.
///
/// # Examples
///
/// ```
/// use nalgebra::vector;
/// use nnet_core::layer::CausalConvState;
///
/// let (mut a, mut b) = (CausalConvState::<1, 1, 2>::default(), CausalConvState::<1, 1, 2>::default());
/// for x in [1.0, 2.0, 3.0] {
///     a.push(&vector![x]);
/// }
/// for x in [2.0, 3.0] {
///     b.push(&vector![x]);
/// }
/// assert_eq!(a, b); // the same last two inputs, the ring buffers turned differently
/// ```
impl<const C: usize, const F: usize, const HIST: usize, T: Scalar> PartialEq
    for CausalConvState<C, F, HIST, T>
{
    fn eq(&self, other: &Self) -> bool {
        self.output == other.output && (0..HIST).all(|p| self.window(p) == other.window(p))
    }
}

impl<const C: usize, const F: usize, const HIST: usize, T: Scalar> Default
    for CausalConvState<C, F, HIST, T>
{
    fn default() -> Self {
        Self {
            history: [[[T::zero(); C]; HIST]; 2],
            next: 0,
            output: SVector::zeros(),
        }
    }
}

impl<const C: usize, const F: usize, const HIST: usize, T: Scalar> CausalConvState<C, F, HIST, T> {
    /// The output of the last step (zeros before the first).
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::layer::CausalConvState;
    ///
    /// assert_eq!(CausalConvState::<2, 3, 4>::default().output().sum(), 0.0);
    /// ```
    pub fn output(&self) -> &SVector<T, F> {
        &self.output
    }

    /// The input `lag` steps back, `1` the latest, up to `HIST`; `None` for `0` or beyond.
    /// Zeros where no input came yet.
    ///
    /// # Examples
    ///
    /// ```
    /// use nalgebra::vector;
    /// use nnet_core::layer::CausalConvState;
    ///
    /// let mut state = CausalConvState::<1, 1, 2>::default();
    /// for x in [1.0, 2.0, 3.0] {
    ///     state.push(&vector![x]);
    /// }
    /// assert_eq!((state.past(1), state.past(2)), (Some(&[3.0][..]), Some(&[2.0][..])));
    /// assert_eq!(state.past(0), None);
    /// ```
    pub fn past(&self, lag: usize) -> Option<&[T]> {
        (1..=HIST).contains(&lag).then(|| self.window(HIST - lag))
    }

    /// The state whose past inputs are `past(p)` for `p` in `0..HIST`, oldest first, and whose
    /// last output is `output`: the state after a pass over a sequence.
    pub(super) fn from_past<'a>(past: impl Fn(usize) -> &'a [T], output: SVector<T, F>) -> Self
    where
        T: 'a,
    {
        let mut state = Self {
            output,
            ..Self::default()
        };
        for p in 0..HIST {
            let slot = &mut state.history[0][p];
            slot.copy_from_slice(past(p));
            state.history[1][p] = *slot;
        }
        state
    }

    /// Position `p < HIST` of the window of past inputs, `0` the oldest: slot `next + p` of
    /// the doubled buffer.
    #[inline(always)]
    pub(super) fn window(&self, p: usize) -> &[T] {
        &self.history.as_flattened()[self.next + p]
    }

    /// A step with input `x`: the output is `f` of the step's window, its `HIST` past inputs,
    /// oldest first, then `x`, `(HIST + 1) · C` values in a row; then `x` is recorded as the
    /// latest input, as [`push`](Self::push) records it. While `f` reads, `x` is in the place
    /// of the oldest input's second copy, which the window does not reach.
    #[inline(always)]
    pub(super) fn step_with(&mut self, x: &SVector<T, C>, f: impl FnOnce(&[T]) -> SVector<T, F>) {
        if HIST == 0 {
            self.output = f(x.as_slice());
            return;
        }
        // `next` read once: the compiler cannot tell that the slots written do not hold it.
        // Below `HIST` always; saying so spares the checks of the slots' indices.
        let next = self.next.min(HIST.saturating_sub(1));
        let x = x.data.0[0];
        let slots = self.history.as_flattened_mut();
        slots[next + HIST] = x;
        self.output = f(slots[next..=next + HIST].as_flattened());
        slots[next] = x;
        self.next = if next + 1 == HIST { 0 } else { next + 1 };
    }

    /// Records `x` as the latest input, forgetting the oldest (nothing when `HIST` is 0). The
    /// convolution's `step` does it after computing its output.
    ///
    /// # Examples
    ///
    /// ```
    /// use nalgebra::vector;
    /// use nnet_core::layer::CausalConvState;
    ///
    /// let mut state = CausalConvState::<1, 1, 1>::default();
    /// state.push(&vector![5.0]);
    /// assert_eq!(state.past(1), Some(&[5.0][..]));
    /// ```
    #[inline(always)]
    pub fn push(&mut self, x: &SVector<T, C>) {
        if HIST == 0 {
            return;
        }
        let slot = self.next;
        let slots = self.history.as_flattened_mut();
        slots[slot].copy_from_slice(x.as_slice());
        slots[slot + HIST].copy_from_slice(x.as_slice());
        self.next = if slot + 1 == HIST { 0 } else { slot + 1 };
    }
}
