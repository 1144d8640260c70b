//! [`CausalConvState`]: what a streaming causal convolution carries from one step to the next,
//! its past inputs in a ring buffer and its last output.

use nalgebra::{SMatrix, SVector};

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
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CausalConvState<const C: usize, const F: usize, const HIST: usize, T: Scalar = f32> {
    /// The last `HIST` inputs, one per column; column `next` holds the oldest.
    pub(super) history: SMatrix<T, C, HIST>,
    /// The column the next input overwrites: the oldest one (0 when `HIST` is 0).
    pub(super) next: usize,
    /// The output of the last step.
    pub(super) output: SVector<T, F>,
}

impl<const C: usize, const F: usize, const HIST: usize, T: Scalar> Default
    for CausalConvState<C, F, HIST, T>
{
    fn default() -> Self {
        Self {
            history: SMatrix::zeros(),
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

    /// Position `p < HIST` of the window of past inputs, `0` the oldest: column
    /// `(next + p) mod HIST`.
    #[inline(always)]
    pub(super) fn window(&self, p: usize) -> &[T] {
        let column = if self.next + p >= HIST {
            self.next + p - HIST
        } else {
            self.next + p
        };
        &self.history.as_slice()[column * C..(column + 1) * C]
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
        let column = self.next;
        self.history.as_mut_slice()[column * C..(column + 1) * C].copy_from_slice(x.as_slice());
        self.next = if column + 1 == HIST { 0 } else { column + 1 };
    }
}
