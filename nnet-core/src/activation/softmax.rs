//! Softmax, the one activation that mixes the units of a sample.

use super::{Activation, ActivationKind};
use crate::Scalar;

/// Softmax over the units of one sample: `a_i = e^{z_i} / Σ_j e^{z_j}`.
///
/// Computed as `e^{z_i - max z} / Σ_j e^{z_j - max z}`, which never overflows. Its backward pass
/// applies the Jacobian: `dL/dz_i = a_i (dL/da_i - Σ_j a_j dL/da_j)`. Paired with categorical
/// cross-entropy the losses use the fused gradient `a - y` instead.
///
/// A one-unit softmax always outputs 1, so `network!` rejects it.
///
/// # Examples
///
/// ```
/// use nnet_core::activation::{Activation, Softmax};
///
/// let mut z = [1000.0_f32, 1000.0];
/// Softmax.activate(&mut z);
/// assert_eq!(z, [0.5, 0.5]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Softmax;

impl Softmax {
    /// Which activation this is: [`ActivationKind::Softmax`].
    ///
    /// ```
    /// use nnet_core::activation::{ActivationKind, Softmax};
    /// assert_eq!(Softmax.kind(), ActivationKind::Softmax);
    /// ```
    pub const fn kind(&self) -> ActivationKind {
        ActivationKind::Softmax
    }
}

impl<T: Scalar> Activation<T> for Softmax {
    #[inline]
    fn kind(&self) -> ActivationKind {
        ActivationKind::Softmax
    }

    #[inline]
    fn activate(&self, z: &mut [T]) {
        // `max` ignores NaN, as `f32::max`.
        let max = z
            .iter()
            .fold(T::of_f64(f64::NEG_INFINITY), |m, &v| m.max(v));
        let mut sum = T::zero();
        for v in z.iter_mut() {
            *v = (*v - max).exp_();
            sum += *v;
        }
        let inv = T::one() / sum;
        for v in z.iter_mut() {
            *v *= inv;
        }
    }

    #[inline]
    fn backprop(&self, _z: &[T], a: &[T], grad: &mut [T]) {
        let dot: T = a.iter().zip(grad.iter()).map(|(&a, &g)| a * g).sum();
        for (g, &a) in grad.iter_mut().zip(a) {
            *g = a * (*g - dot);
        }
    }
}
