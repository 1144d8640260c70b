//! Categorical cross-entropy: one class out of `N`, with a one-hot or a class-index target.

use nalgebra::SVector;

use super::{Loss, chain_rule, check_finite, clip, log_sum_exp, unclipped, zip_into};
use crate::Scalar;
use crate::activation::{Activation, ActivationKind};
use crate::storage::vector_with_of;

/// Categorical cross-entropy, Keras's `categorical_crossentropy`, for a softmax output over `N`
/// classes and a one-hot (or class-probability) target.
///
/// With `p̂ = clip(p, ε, 1 - ε)` and `ε =` [`EPSILON`](super::EPSILON), one sample's loss is
///
/// ```text
/// L = -Σ_i y_i ln p̂_i
/// ∂L/∂p_i = -y_i / p_i     where p_i is inside [ε, 1 - ε], else 0
/// ```
///
/// Unlike the other losses this is a **sum** over the classes, not a mean over the units: the
/// `N` classes together make one prediction, and Keras reduces them the same way. (Keras also
/// rescales `p` to sum to 1 before clipping; nnet does not, since a softmax output already does.)
///
/// After a softmax output it is computed from the pre-activations `z` (see
/// [`value_and_delta`](CategoricalCrossentropy::value_and_delta)), with the stable log-softmax
/// `ln a_i = z_i - ln Σ_j e^{z_j}`: `L = Σ_i y_i (ln Σ_j e^{z_j} - z_i)` and
/// `∂L/∂z = a Σ_i y_i - y`, which is `a - y` for a one-hot target.
///
/// For class indices use [`SparseCategoricalCrossentropy`].
///
/// # Examples
///
/// ```
/// use nalgebra::vector;
/// use nnet_core::loss::{CategoricalCrossentropy, Loss};
///
/// let loss = CategoricalCrossentropy.value(&vector![0.7_f32, 0.2, 0.1], &vector![1.0, 0.0, 0.0]);
/// assert!((loss - 0.356_675).abs() < 1e-6); // -ln 0.7
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CategoricalCrossentropy;

impl<const N: usize, T: Scalar> Loss<N, T> for CategoricalCrossentropy {
    type Target = SVector<T, N>;

    /// `"categorical_crossentropy"`.
    fn name(&self) -> &'static str {
        "categorical_crossentropy"
    }

    /// `-Σ_i y_i ln p̂_i` with `p̂` clipped to `[ε, 1 - ε]` (a sum over the classes).
    fn value(&self, prediction: &SVector<T, N>, target: &Self::Target) -> T {
        -prediction
            .iter()
            .zip(target.iter())
            .map(|(&p, &y)| y * clip(p).ln_())
            .sum::<T>()
    }

    /// `-y_i / p_i` inside the clipping range, `0` outside it.
    fn gradient(&self, prediction: &SVector<T, N>, target: &Self::Target) -> SVector<T, N> {
        vector_with_of(|g| self.gradient_into(prediction, target, g))
    }

    fn gradient_into(
        &self,
        prediction: &SVector<T, N>,
        target: &Self::Target,
        gradient: &mut SVector<T, N>,
    ) {
        zip_into(gradient, prediction, target, |p, y| {
            if unclipped(p) { -y / p } else { T::zero() }
        });
    }

    /// Accepts finite, non-negative targets (one-hot vectors or class probabilities).
    fn check_target(&self, target: &Self::Target) -> Result<(), String> {
        check_finite(target)?;
        match target.iter().position(|&y| y < T::zero()) {
            None => Ok(()),
            Some(unit) => Err(format!(
                "unit {unit} is {} but categorical cross-entropy needs non-negative class \
                 probabilities: use one-hot vectors, or class indices with \
                 SparseCategoricalCrossentropy",
                target[unit]
            )),
        }
    }

    /// The loss and `∂L/∂z`. After a softmax output this is the fused, stable form
    /// `L = Σ_i y_i (ln Σ_j e^{z_j} - z_i)`, `∂L/∂z = a Σ_i y_i - y` with `a = softmax(z)`;
    /// after any other activation, the chain rule through it.
    ///
    /// # Examples
    ///
    /// ```
    /// use nalgebra::vector;
    /// use nnet_core::activation::Softmax;
    /// use nnet_core::loss::{CategoricalCrossentropy, Loss};
    ///
    /// let (z, a, y) = (vector![1000.0, -1000.0], vector![1.0, 0.0], vector![0.0, 1.0]);
    /// let (loss, delta) = CategoricalCrossentropy.value_and_delta(&Softmax, &z, &a, &y);
    /// assert_eq!(loss, 2000.0);
    /// assert_eq!(delta, vector![1.0, -1.0]);
    /// ```
    fn value_and_delta_into<A: Activation<T>>(
        &self,
        activation: &A,
        z: &SVector<T, N>,
        a: &SVector<T, N>,
        target: &Self::Target,
        delta: &mut SVector<T, N>,
    ) -> T {
        if activation.kind() != ActivationKind::Softmax {
            return chain_rule(self, activation, z, a, target, delta);
        }
        let lse = log_sum_exp(z);
        let value = z
            .iter()
            .zip(target.iter())
            .map(|(&z, &y)| y * (lse - z))
            .sum();
        let total = target.sum();
        zip_into(delta, a, target, |a, y| a * total - y);
        value
    }
}

/// Sparse categorical cross-entropy, Keras's `sparse_categorical_crossentropy`: categorical
/// cross-entropy with the target given as a class index `k` instead of a one-hot vector.
///
/// With `p̂_k = clip(p_k, ε, 1 - ε)`:
///
/// ```text
/// L = -ln p̂_k
/// ∂L/∂p_i = -1 / p_k  for i = k, where p_k is inside [ε, 1 - ε]; else 0
/// ```
///
/// After a softmax output: `L = ln Σ_j e^{z_j} - z_k` and `∂L/∂z = a - e_k`. Everything equals
/// [`CategoricalCrossentropy`] with the one-hot target `e_k`. [`check_target`] rejects indices
/// `k ≥ N`; should one reach the loss anyway, it counts as an all-zero target (loss and
/// gradient 0), never a panic.
///
/// [`check_target`]: SparseCategoricalCrossentropy::check_target
///
/// # Examples
///
/// ```
/// use nalgebra::vector;
/// use nnet_core::loss::{Loss, SparseCategoricalCrossentropy};
///
/// let loss = SparseCategoricalCrossentropy.value(&vector![0.1_f32, 0.8, 0.1], &1);
/// assert!((loss - 0.223_144).abs() < 1e-6); // -ln 0.8
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SparseCategoricalCrossentropy;

impl<const N: usize, T: Scalar> Loss<N, T> for SparseCategoricalCrossentropy {
    type Target = usize;

    /// `"sparse_categorical_crossentropy"`.
    fn name(&self) -> &'static str {
        "sparse_categorical_crossentropy"
    }

    /// `-ln p̂_k` with `p̂_k` clipped to `[ε, 1 - ε]`.
    fn value(&self, prediction: &SVector<T, N>, target: &usize) -> T {
        prediction
            .get(*target)
            .map_or(T::zero(), |&p| -clip(p).ln_())
    }

    /// `-1 / p_k` at the target class inside the clipping range, `0` everywhere else.
    fn gradient(&self, prediction: &SVector<T, N>, target: &usize) -> SVector<T, N> {
        vector_with_of(|g| self.gradient_into(prediction, target, g))
    }

    fn gradient_into(
        &self,
        prediction: &SVector<T, N>,
        target: &usize,
        gradient: &mut SVector<T, N>,
    ) {
        gradient.fill(T::zero());
        if let Some(&p) = prediction.get(*target)
            && unclipped(p)
        {
            gradient[*target] = -T::one() / p;
        }
    }

    /// Accepts class indices `0..N`.
    fn check_target(&self, target: &usize) -> Result<(), String> {
        if *target < N {
            Ok(())
        } else {
            Err(format!(
                "class index {target} is out of range: the network has {N} outputs, so use a \
                 class index in 0..{N}"
            ))
        }
    }

    /// The loss and `∂L/∂z`. After a softmax output this is the fused, stable form
    /// `L = ln Σ_j e^{z_j} - z_k`, `∂L/∂z = a - e_k`; after any other activation, the chain
    /// rule through it.
    ///
    /// # Examples
    ///
    /// ```
    /// use nalgebra::vector;
    /// use nnet_core::activation::Softmax;
    /// use nnet_core::loss::{Loss, SparseCategoricalCrossentropy};
    ///
    /// let (z, a) = (vector![0.0, 0.0], vector![0.5, 0.5]);
    /// let (loss, delta) = SparseCategoricalCrossentropy.value_and_delta(&Softmax, &z, &a, &0);
    /// assert!((loss - 2f32.ln()).abs() < 1e-7);
    /// assert_eq!(delta, vector![-0.5, 0.5]);
    /// ```
    fn value_and_delta_into<A: Activation<T>>(
        &self,
        activation: &A,
        z: &SVector<T, N>,
        a: &SVector<T, N>,
        target: &usize,
        delta: &mut SVector<T, N>,
    ) -> T {
        if activation.kind() != ActivationKind::Softmax {
            return chain_rule(self, activation, z, a, target, delta);
        }
        match z.get(*target) {
            None => {
                delta.fill(T::zero());
                T::zero()
            }
            Some(&z_k) => {
                delta.copy_from(a);
                delta[*target] -= T::one();
                log_sum_exp(z) - z_k
            }
        }
    }
}
