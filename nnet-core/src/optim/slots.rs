//! Per-tensor state buffers of an optimizer (moments, velocities, accumulators).
//!
//! The buffers hold the scalar of the network being trained (`f32` or `f64`), chosen at the
//! first step: an optimizer is one value for networks of either scalar, and a step with another
//! scalar than the buffers' starts them afresh, as a network of another shape does.

use core::any::Any;
use core::fmt;

use crate::{Parameters, Scalar};

/// One buffer per tensor, of that tensor's length and of the scalar of the network trained,
/// allocated on first use and reused.
///
/// Its `Debug` output gives only the sizes: an optimizer's state can hold millions of values.
/// Public only as the state of [`Sgd`](crate::optim::Sgd) and
/// [`Adagrad`](crate::optim::Adagrad); nothing outside the crate can name or change it.
#[derive(Default)]
pub struct Slots(Option<Box<dyn Any + Send + Sync>>);

impl Slots {
    /// The buffers, if they hold `T`.
    fn values<T: Scalar>(&self) -> Option<&Vec<Vec<T>>> {
        self.0.as_ref()?.downcast_ref()
    }

    /// Whether the buffers hold `T` and match the tensors of `params` in number and length.
    pub(crate) fn fits<T: Scalar, P: Parameters<T>>(&self, params: &P) -> bool {
        self.values::<T>().is_some_and(|values| {
            values.len() == P::TENSORS
                && values
                    .iter()
                    .enumerate()
                    .all(|(i, slot)| slot.len() == params.tensor(i).len())
        })
    }

    /// Buffers shaped as the tensors of `params`, filled with `value`.
    pub(crate) fn allocate<T: Scalar, P: Parameters<T>>(&mut self, params: &P, value: T) {
        let values: Vec<Vec<T>> = (0..P::TENSORS)
            .map(|i| vec![value; params.tensor(i).len()])
            .collect();
        self.0 = Some(Box::new(values));
    }

    /// Drops the buffers.
    pub(crate) fn clear(&mut self) {
        self.0 = None;
    }

    /// Buffer `index` mutably, or an empty slice if there is none of `T`.
    #[inline]
    pub(crate) fn get_mut<T: Scalar>(&mut self, index: usize) -> &mut [T] {
        self.0
            .as_mut()
            .and_then(|b| b.downcast_mut::<Vec<Vec<T>>>())
            .and_then(|values| values.get_mut(index))
            .map_or(&mut [], Vec::as_mut_slice)
    }

    /// Buffer `index`, or an empty slice.
    #[cfg(test)]
    pub(crate) fn get<T: Scalar>(&self, index: usize) -> &[T] {
        self.values::<T>()
            .and_then(|values| values.get(index))
            .map_or(&[], Vec::as_slice)
    }

    fn lens(&self) -> (usize, usize) {
        fn count<T: Scalar>(values: Option<&Vec<Vec<T>>>) -> Option<(usize, usize)> {
            values.map(|v| (v.len(), v.iter().map(Vec::len).sum()))
        }
        count(self.values::<f32>())
            .or_else(|| count(self.values::<f64>()))
            .unwrap_or((0, 0))
    }
}

impl Clone for Slots {
    fn clone(&self) -> Self {
        let copy: Option<Box<dyn Any + Send + Sync>> = if let Some(v) = self.values::<f32>() {
            Some(Box::new(v.clone()))
        } else if let Some(v) = self.values::<f64>() {
            Some(Box::new(v.clone()))
        } else {
            None
        };
        Self(copy)
    }
}

impl fmt::Debug for Slots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (tensors, values) = self.lens();
        f.debug_struct("Slots")
            .field("tensors", &tensors)
            .field("values", &values)
            .finish()
    }
}
