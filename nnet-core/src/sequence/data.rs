//! [`Sequences`]: a data set of sequences of different lengths in two allocations.

use core::ops::Range;

use nalgebra::SVector;

use crate::Scalar;

/// Sequences of `F`-vectors, of any lengths, stored end to end: one allocation for every step
/// of every sequence and one for where each sequence ends, whatever their number.
///
/// The training data of a network declared with `input sequence F;`. The targets that go with
/// it are one per sequence (a network whose last recurrent layer returns its last output), or
/// one per step, in the order of [`steps`](Self::steps) (a network whose last recurrent layer
/// has `return_sequences`).
///
/// # Examples
///
/// ```
/// use nnet_core::nalgebra::vector;
/// use nnet_core::Sequences;
///
/// let mut data = Sequences::<1>::new();
/// data.push(&[vector![1.0], vector![2.0]]);
/// data.push(&[vector![3.0]]);
/// assert_eq!((data.len(), data.total_steps()), (2, 3));
/// assert_eq!(data.get(1), Some(&[vector![3.0]][..]));
/// assert_eq!(data.iter().map(<[_]>::len).collect::<Vec<_>>(), [2, 1]);
///
/// let same: Sequences<1> = vec![vec![vector![1.0], vector![2.0]], vec![vector![3.0]]].into();
/// assert_eq!(same, data);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sequences<const F: usize, T: Scalar = f32> {
    steps: Vec<SVector<T, F>>,
    /// `ends[i]`: one past the last step of sequence `i` in `steps`.
    ends: Vec<usize>,
}

impl<const F: usize, T: Scalar> Sequences<F, T> {
    /// No sequences.
    pub fn new() -> Self {
        Self {
            steps: Vec::new(),
            ends: Vec::new(),
        }
    }

    /// No sequences, with room for `sequences` sequences of `steps` steps in all.
    pub fn with_capacity(sequences: usize, steps: usize) -> Self {
        Self {
            steps: Vec::with_capacity(steps),
            ends: Vec::with_capacity(sequences),
        }
    }

    /// Appends a sequence (an empty one is kept, and refused by `fit` and `evaluate` with an
    /// error naming it).
    pub fn push(&mut self, sequence: &[SVector<T, F>]) {
        self.steps.extend_from_slice(sequence);
        self.ends.push(self.steps.len());
    }

    /// Number of sequences.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are no sequences.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Number of steps of all sequences together.
    pub fn total_steps(&self) -> usize {
        self.steps.len()
    }

    /// Sequence `index`, or `None` past the last.
    pub fn get(&self, index: usize) -> Option<&[SVector<T, F>]> {
        self.steps.get(self.step_range(index)?)
    }

    /// Where sequence `index`'s steps are in [`steps`](Self::steps), or `None` past the last.
    pub fn step_range(&self, index: usize) -> Option<Range<usize>> {
        let end = *self.ends.get(index)?;
        let start = index.checked_sub(1).map_or(0, |i| self.ends[i]);
        Some(start..end)
    }

    /// Every step of every sequence, end to end.
    pub fn steps(&self) -> &[SVector<T, F>] {
        &self.steps
    }

    /// The sequences in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[SVector<T, F>]> + '_ {
        (0..self.len()).map(|i| &self.steps[self.range(i)])
    }

    /// The length of each sequence, in order.
    pub fn lengths(&self) -> impl ExactSizeIterator<Item = usize> + '_ {
        (0..self.len()).map(|i| self.range(i).len())
    }

    /// The first `at` sequences and the rest (`at` is clamped to the length).
    pub fn split_at(&self, at: usize) -> (Self, Self) {
        let at = at.min(self.len());
        let cut = at.checked_sub(1).map_or(0, |i| self.ends[i]);
        let head = Self {
            steps: self.steps[..cut].to_vec(),
            ends: self.ends[..at].to_vec(),
        };
        let tail = Self {
            steps: self.steps[cut..].to_vec(),
            ends: self.ends[at..].iter().map(|e| e - cut).collect(),
        };
        (head, tail)
    }

    fn range(&self, index: usize) -> Range<usize> {
        let start = index.checked_sub(1).map_or(0, |i| self.ends[i]);
        start..self.ends[index]
    }
}

impl<const F: usize, T: Scalar, S: AsRef<[SVector<T, F>]>> FromIterator<S> for Sequences<F, T> {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        let mut data = Self::new();
        for sequence in iter {
            data.push(sequence.as_ref());
        }
        data
    }
}

impl<const F: usize, T: Scalar> From<Vec<Vec<SVector<T, F>>>> for Sequences<F, T> {
    fn from(sequences: Vec<Vec<SVector<T, F>>>) -> Self {
        sequences.into_iter().collect()
    }
}

impl<const F: usize, T: Scalar> From<&[Vec<SVector<T, F>>]> for Sequences<F, T> {
    fn from(sequences: &[Vec<SVector<T, F>>]) -> Self {
        sequences.iter().collect()
    }
}
