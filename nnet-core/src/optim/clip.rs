//! Gradient clipping: Keras's optimizer options `clipnorm`, `global_clipnorm` and `clipvalue`.

use crate::optim::{check, held};
use crate::{Parameters, Result, Scalar};

/// How gradients are clipped before an optimizer step (at most one way, as in Keras).
///
/// Every optimizer's settings have a `clip: Option<Clip>` field (default `None`), and
/// [`clip_gradients`] applies it at the start of [`step`](crate::optim::Optimizer::step), before
/// weight decay and the update.
///
/// # Examples
///
/// ```
/// use nnet_core::optim::{Adam, AdamConfig, Clip};
///
/// // Keras: Adam(global_clipnorm=1.0)
/// let adam = Adam::new(AdamConfig { clip: Some(Clip::GlobalNorm(1.0)), ..AdamConfig::default() });
/// assert_eq!(adam.config.clip, Some(Clip::GlobalNorm(1.0)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Clip {
    /// Keras `clipnorm = c`: each tensor `g` is clipped on its own to an L2 norm of at most `c`,
    /// `g ← g · c / max(‖g‖₂, c)`.
    Norm(f64),
    /// Keras `global_clipnorm = c`: every tensor is scaled by the same factor so that the norm
    /// of all gradients together, `‖g‖ = sqrt(Σᵢ ‖gᵢ‖₂²)`, is at most `c`:
    /// `gᵢ ← gᵢ · c / max(‖g‖, c)`.
    GlobalNorm(f64),
    /// Keras `clipvalue = c`: each value is clamped to `[−c, c]`.
    Value(f64),
}

impl Clip {
    /// The threshold `c`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::Clip;
    ///
    /// assert_eq!(Clip::Value(0.5).threshold(), 0.5);
    /// ```
    pub const fn threshold(self) -> f64 {
        match self {
            Clip::Norm(c) | Clip::GlobalNorm(c) | Clip::Value(c) => c,
        }
    }

    /// Checks that the threshold is positive and finite.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidHyperparameter`](crate::Error::InvalidHyperparameter) named `clipnorm`,
    /// `global_clipnorm` or `clipvalue` (Keras's names) if it is not.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::Clip;
    ///
    /// assert!(Clip::Norm(1.0).validate().is_ok());
    /// assert!(Clip::Value(0.0).validate().is_err());
    /// assert!(Clip::GlobalNorm(f64::NAN).validate().is_err());
    /// ```
    pub fn validate(self) -> Result<()> {
        let name = match self {
            Clip::Norm(_) => "clipnorm",
            Clip::GlobalNorm(_) => "global_clipnorm",
            Clip::Value(_) => "clipvalue",
        };
        check::positive(
            name,
            self.threshold(),
            "use a positive, finite clipping threshold such as 1.0",
        )
    }
}

/// Clips `grads` in place as `clip` says (see [`Clip`] for the formulas).
///
/// A threshold that is not positive and finite leaves the gradients unchanged, as Keras ignores
/// a non-positive one; [`Clip::validate`] reports it. Gradients that hold NaN or infinity are
/// left unchanged by norm clipping, and NaN stays NaN under value clipping, so that a diverging
/// training run shows as such instead of being quietly rescaled (Keras would turn every
/// gradient into NaN under `global_clipnorm`). Norms are summed in `f64`; the threshold is used
/// as the network's scalar holds it ([`held`](crate::optim::held)).
///
/// # Examples
///
/// ```
/// use nnet_core::optim::{clip_gradients, Clip};
/// use nnet_core::{DenseGradient, Parameters};
///
/// let mut grads = DenseGradient::<1, 2>::zeroed();
/// grads.tensor_mut(0).copy_from_slice(&[3.0, 4.0]); // norm 5
/// grads.tensor_mut(1).copy_from_slice(&[0.5, -2.0]);
///
/// let mut by_norm = grads.clone();
/// clip_gradients(&mut by_norm, Clip::Norm(1.0));
/// assert_eq!(by_norm.tensor(0), &[0.6, 0.8]);
///
/// clip_gradients(&mut grads, Clip::Value(1.0));
/// assert_eq!(grads.tensor(0), &[1.0, 1.0]);
/// assert_eq!(grads.tensor(1), &[0.5, -1.0]);
/// ```
pub fn clip_gradients<T: Scalar, G: Parameters<T>>(grads: &mut G, clip: Clip) {
    let c = clip.threshold();
    if !(c.is_finite() && c > 0.0) {
        return;
    }
    match clip {
        Clip::Norm(_) => {
            for i in G::trainable() {
                let values = grads.tensor_mut(i);
                let norm = sum_of_squares(values).sqrt();
                rescale(values, norm, held::<T>(c));
            }
        }
        Clip::GlobalNorm(_) => {
            let norm = G::trainable()
                .map(|i| sum_of_squares(grads.tensor(i)))
                .sum::<f64>()
                .sqrt();
            for i in G::trainable() {
                rescale(grads.tensor_mut(i), norm, held::<T>(c));
            }
        }
        Clip::Value(_) => {
            let c = T::of_f64(c);
            for i in G::trainable() {
                for g in grads.tensor_mut(i) {
                    // Comparisons rather than `clamp`, so that NaN stays NaN.
                    if *g > c {
                        *g = c;
                    } else if *g < -c {
                        *g = -c;
                    }
                }
            }
        }
    }
}

/// Scales `values` by `c / norm` if `norm` is finite and above `c`.
fn rescale<T: Scalar>(values: &mut [T], norm: f64, c: f64) {
    if norm.is_finite() && norm > c {
        let factor = T::of_f64(c / norm);
        for v in values {
            *v *= factor;
        }
    }
}

/// `Σ v²` in `f64`, over eight independent lanes so that the loop vectorizes.
fn sum_of_squares<T: Scalar>(values: &[T]) -> f64 {
    let mut lanes = [0.0_f64; 8];
    let chunks = values.chunks_exact(8);
    let tail = chunks.remainder();
    for chunk in chunks {
        for (lane, &v) in lanes.iter_mut().zip(chunk) {
            let v = v.as_f64();
            *lane += v * v;
        }
    }
    let tail: f64 = tail.iter().map(|&v| v.as_f64() * v.as_f64()).sum();
    lanes.iter().sum::<f64>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::test_support::{assert_close, dense, flat};

    /// Weights `[3, 4, 0, 12, 1, -2]`, bias `[0.5, -0.5]`: norms 13.3791 and 0.7071.
    fn grads() -> crate::DenseGradient<3, 2> {
        dense(&[3.0, 4.0, 0.0, 12.0, 1.0, -2.0], &[0.5, -0.5])
    }

    #[test]
    fn clip_norm_per_tensor() {
        let mut g = grads();
        clip_gradients(&mut g, Clip::Norm(2.0));
        // ‖w‖ = sqrt(9 + 16 + 0 + 144 + 1 + 4) = sqrt(174); the bias (norm 0.7071) is untouched.
        let s = 2.0 / 174.0_f64.sqrt();
        let w = [3.0 * s, 4.0 * s, 0.0, 12.0 * s, s, -2.0 * s];
        assert_close(&flat(&g), &[&w[..], &[0.5, -0.5]].concat(), 1e-7);
        let norm: f64 = w.iter().map(|v| v * v).sum::<f64>().sqrt();
        assert!((norm - 2.0).abs() < 1e-12);
    }

    /// Issue 21: a threshold of 0.1 reached an `f64` network as 0.10000000149.
    #[test]
    fn clip_thresholds_reach_f64_gradients_as_written() {
        type Grads64 =
            crate::DenseGradient<3, 2, nalgebra::SMatrix<f64, 2, 3>, nalgebra::SVector<f64, 2>>;
        let mut g = Grads64 {
            weights: nalgebra::SMatrix::from_fn(|i, j| (i * 3 + j) as f64 + 1.0),
            bias: nalgebra::SVector::from([0.5, -0.5]),
        };
        let mut by_value = g.clone();
        clip_gradients(&mut by_value, Clip::Value(0.1));
        assert_eq!(by_value.tensor(0)[0], 0.1);
        clip_gradients(&mut g, Clip::GlobalNorm(0.1));
        let norm = (0..2)
            .flat_map(|i| g.tensor(i).to_vec())
            .map(|v| v * v)
            .sum::<f64>()
            .sqrt();
        assert!((norm - 0.1).abs() < 1e-16, "{norm}");
    }

    #[test]
    fn clip_global_norm() {
        let mut g = grads();
        clip_gradients(&mut g, Clip::GlobalNorm(2.0));
        // Joint norm sqrt(174 + 0.5) = sqrt(174.5).
        let s = 2.0 / 174.5_f64.sqrt();
        let expected: Vec<f64> = [3.0, 4.0, 0.0, 12.0, 1.0, -2.0, 0.5, -0.5]
            .iter()
            .map(|v| v * s)
            .collect();
        assert_close(&flat(&g), &expected, 1e-7);
    }

    #[test]
    fn clip_norm_below_threshold_is_identity() {
        let mut g = grads();
        clip_gradients(&mut g, Clip::GlobalNorm(100.0));
        assert_eq!(g, grads());
        clip_gradients(&mut g, Clip::Norm(13.5));
        assert_eq!(g, grads());
    }

    #[test]
    fn clip_value() {
        let mut g = grads();
        clip_gradients(&mut g, Clip::Value(1.5));
        assert_eq!(flat(&g), [1.5, 1.5, 0.0, 1.5, 1.0, -1.5, 0.5, -0.5]);
    }

    #[test]
    fn clip_keeps_non_finite_visible() {
        let mut g = dense(
            &[f32::NAN, 4.0, 0.0, f32::INFINITY, 1.0, -2.0],
            &[0.5, -0.5],
        );
        clip_gradients(&mut g, Clip::GlobalNorm(1.0));
        clip_gradients(&mut g, Clip::Norm(1.0));
        clip_gradients(&mut g, Clip::Value(1.0));
        assert!(g.tensor(0)[0].is_nan());
        assert_eq!(&g.tensor(0)[1..], &[1.0, 0.0, 1.0, 1.0, -1.0]);
    }

    #[test]
    fn invalid_threshold_is_ignored_and_reported() {
        for clip in [
            Clip::Norm(0.0),
            Clip::GlobalNorm(-1.0),
            Clip::Value(f64::NAN),
            Clip::Value(f64::INFINITY),
        ] {
            let mut g = grads();
            clip_gradients(&mut g, clip);
            assert_eq!(g, grads());
            assert!(clip.validate().is_err());
        }
    }

    #[test]
    fn sum_of_squares_matches_naive() {
        let values: Vec<f32> = (0..29).map(|i| i as f32 * 0.37 - 4.0).collect();
        let naive: f64 = values.iter().map(|&v| f64::from(v).powi(2)).sum();
        assert!((sum_of_squares(&values) - naive).abs() < 1e-9);
    }
}
