//! Softmax, the one activation that mixes the units of a sample.

use super::{Activation, ActivationKind};

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

impl Activation for Softmax {
    #[inline]
    fn kind(&self) -> ActivationKind {
        ActivationKind::Softmax
    }

    #[inline]
    fn activate(&self, z: &mut [f32]) {
        let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0;
        for v in z.iter_mut() {
            *v = crate::math::exp(*v - max);
            sum += *v;
        }
        let inv = 1.0 / sum;
        for v in z.iter_mut() {
            *v *= inv;
        }
    }

    #[inline]
    fn backprop(&self, _z: &[f32], a: &[f32], grad: &mut [f32]) {
        let dot: f32 = a.iter().zip(grad.iter()).map(|(a, g)| a * g).sum();
        for (g, &a) in grad.iter_mut().zip(a) {
            *g = a * (*g - dot);
        }
    }
}
