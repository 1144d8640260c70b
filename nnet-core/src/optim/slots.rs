//! Per-tensor state buffers of an optimizer (moments, velocities, accumulators).

use core::fmt;

use crate::Parameters;

/// One `f32` buffer per tensor, of that tensor's length, allocated on first use and reused.
///
/// Its `Debug` output gives only the sizes: an optimizer's state can hold millions of values.
/// Public only as the state of [`Sgd`](crate::optim::Sgd) and
/// [`Adagrad`](crate::optim::Adagrad); nothing outside the crate can name or change it.
#[derive(Clone, Default)]
pub struct Slots(Vec<Vec<f32>>);

impl Slots {
    /// Whether there is one buffer per tensor of `params`, each of the tensor's length.
    pub(crate) fn fits<P: Parameters>(&self, params: &P) -> bool {
        self.0.len() == P::TENSORS
            && self
                .0
                .iter()
                .enumerate()
                .all(|(i, slot)| slot.len() == params.tensor(i).len())
    }

    /// Replaces the buffers by one per tensor of `params`, each filled with `value`.
    pub(crate) fn allocate<P: Parameters>(&mut self, params: &P, value: f32) {
        self.0 = (0..P::TENSORS)
            .map(|i| vec![value; params.tensor(i).len()])
            .collect();
    }

    /// Drops every buffer.
    pub(crate) fn clear(&mut self) {
        self.0 = Vec::new();
    }

    /// The buffer of tensor `index`, or an empty slice if there is none.
    #[inline]
    pub(crate) fn get_mut(&mut self, index: usize) -> &mut [f32] {
        self.0.get_mut(index).map_or(&mut [], Vec::as_mut_slice)
    }

    /// The buffer of tensor `index`, or an empty slice if there is none.
    #[cfg(test)]
    pub(crate) fn get(&self, index: usize) -> &[f32] {
        self.0.get(index).map_or(&[], Vec::as_slice)
    }
}

impl fmt::Debug for Slots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Slots")
            .field("tensors", &self.0.len())
            .field("values", &self.0.iter().map(Vec::len).sum::<usize>())
            .finish()
    }
}
