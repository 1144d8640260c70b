//! Loss functions, with Keras's names and reduction.
//!
//! A loss compares one sample's prediction with its target. The reduction is Keras's: the mean
//! over output units for one sample, then (in training) the mean over the batch.

use nalgebra::SVector;

use crate::activation::Activation;

/// A training target for a network with `N` outputs.
///
/// Dense targets are `SVector<f32, N>`; class indices (`usize`) serve sparse categorical
/// cross-entropy and turn into one-hot vectors where a vector is needed (e.g. in metrics).
///
/// # Examples
///
/// ```
/// use nalgebra::vector;
/// use nnet_core::loss::Target;
///
/// assert_eq!(Target::<3>::to_vector(&1_usize), vector![0.0, 1.0, 0.0]);
/// assert_eq!(Target::<2>::to_vector(&vector![0.5, 1.0]), vector![0.5, 1.0]);
/// ```
pub trait Target<const N: usize>: Copy + core::fmt::Debug + Send + Sync {
    /// The target as a vector of `N` values.
    fn to_vector(&self) -> SVector<f32, N>;
}

impl<const N: usize> Target<N> for SVector<f32, N> {
    #[inline]
    fn to_vector(&self) -> SVector<f32, N> {
        *self
    }
}

/// A class index is the one-hot vector with a 1 at that index (all zeros if out of range;
/// losses reject out-of-range indices before training).
impl<const N: usize> Target<N> for usize {
    #[inline]
    fn to_vector(&self) -> SVector<f32, N> {
        let mut v = SVector::zeros();
        if *self < N {
            v[*self] = 1.0;
        }
        v
    }
}

/// A loss function over a network with `N` outputs.
///
/// # Examples
///
/// A squared-error loss written against the trait (nnet ships
/// `MeanSquaredError`; this is only a sketch):
///
/// ```
/// use nalgebra::{vector, SVector};
/// use nnet_core::loss::Loss;
///
/// #[derive(Debug, Clone, Copy)]
/// struct HalfSquared;
///
/// impl<const N: usize> Loss<N> for HalfSquared {
///     type Target = SVector<f32, N>;
///     fn name(&self) -> &'static str { "half_squared" }
///     fn value(&self, p: &SVector<f32, N>, y: &Self::Target) -> f32 {
///         0.5 * (p - y).norm_squared() / N as f32
///     }
///     fn gradient(&self, p: &SVector<f32, N>, y: &Self::Target) -> SVector<f32, N> {
///         (p - y) / N as f32
///     }
///     fn check_target(&self, _: &Self::Target) -> Result<(), String> { Ok(()) }
/// }
///
/// assert_eq!(HalfSquared.value(&vector![1.0, 3.0], &vector![0.0, 1.0]), 1.25);
/// ```
pub trait Loss<const N: usize>: Clone + core::fmt::Debug + Send + Sync {
    /// What one sample's target is: `SVector<f32, N>`, or `usize` for class indices.
    type Target: Target<N>;

    /// The Keras name, e.g. `binary_crossentropy`.
    fn name(&self) -> &'static str;

    /// The loss of one sample: the mean over the `N` output units.
    fn value(&self, prediction: &SVector<f32, N>, target: &Self::Target) -> f32;

    /// `∂L/∂prediction` of [`value`](Loss::value) for one sample.
    fn gradient(&self, prediction: &SVector<f32, N>, target: &Self::Target) -> SVector<f32, N>;

    /// Checks that a target is one this loss accepts (finite; in `[0, 1]` for binary
    /// cross-entropy; a valid class index, …). The message says what is wrong.
    ///
    /// # Errors
    ///
    /// A description of the problem, used in [`Error::InvalidTarget`](crate::Error::InvalidTarget).
    fn check_target(&self, target: &Self::Target) -> Result<(), String>;

    /// The loss of one sample and its gradient with respect to the output layer's
    /// pre-activations `z`, given `a = activation(z)`.
    ///
    /// The default applies the chain rule through the activation. Cross-entropy losses override
    /// it with the fused, numerically stable form `a - y` when the activation is the one they
    /// pair with (sigmoid, softmax).
    fn value_and_delta<A: Activation>(
        &self,
        activation: &A,
        z: &SVector<f32, N>,
        a: &SVector<f32, N>,
        target: &Self::Target,
    ) -> (f32, SVector<f32, N>) {
        let mut delta = self.gradient(a, target);
        activation.backprop(z.as_slice(), a.as_slice(), delta.as_mut_slice());
        (self.value(a, target), delta)
    }
}
