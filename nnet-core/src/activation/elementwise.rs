//! Element-wise activations: each is `a_i = f(z_i)`, with `f'` written beside `f`.
//!
//! Each type has an inherent `value(z)` and `derivative(z, a)` (the derivative at `z`, given
//! `a = f(z)` so that it need not be recomputed); [`Activation`] is implemented from them.

use super::{Activation, ActivationKind};

/// Implements [`Activation`] for an element-wise activation from its `value` and `derivative`.
macro_rules! element_wise {
    ($ty:ty, $kind:ident) => {
        impl Activation for $ty {
            #[inline]
            fn kind(&self) -> ActivationKind {
                ActivationKind::$kind
            }

            #[inline]
            fn activate(&self, z: &mut [f32]) {
                for v in z.iter_mut() {
                    *v = self.value(*v);
                }
            }

            #[inline]
            fn backprop(&self, z: &[f32], a: &[f32], grad: &mut [f32]) {
                for ((g, &z), &a) in grad.iter_mut().zip(z).zip(a) {
                    *g *= self.derivative(z, a);
                }
            }
        }
    };
}

pub(crate) use super::fast::logistic;

/// Identity: `f(z) = z`, `f'(z) = 1`. The default when a layer names no activation.
///
/// # Examples
///
/// ```
/// assert_eq!(nnet_core::activation::Linear.value(3.5), 3.5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Linear;

impl Linear {
    /// `z`.
    #[inline]
    pub fn value(&self, z: f32) -> f32 {
        z
    }
    /// `1`.
    #[inline]
    pub fn derivative(&self, _z: f32, _a: f32) -> f32 {
        1.0
    }
}
element_wise!(Linear, Linear);

/// Rectified linear unit: `f(z) = max(0, z)`, `f'(z) = 1` for `z > 0`, else `0`.
///
/// NaN stays NaN, as in Keras (`f32::max` would turn it into 0).
///
/// # Examples
///
/// ```
/// use nnet_core::activation::Relu;
/// assert_eq!(Relu.value(-2.0), 0.0);
/// assert_eq!(Relu.value(2.0), 2.0);
/// assert!(Relu.value(f32::NAN).is_nan());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Relu;

impl Relu {
    /// `max(0, z)`; NaN for NaN.
    #[inline]
    pub fn value(&self, z: f32) -> f32 {
        if z < 0.0 { 0.0 } else { z }
    }
    /// `1` for `z > 0`, else `0`.
    #[inline]
    pub fn derivative(&self, z: f32, _a: f32) -> f32 {
        if z > 0.0 { 1.0 } else { 0.0 }
    }
}
element_wise!(Relu, Relu);

/// Logistic sigmoid: `f(z) = 1 / (1 + e^-z)`, `f'(z) = f(z) (1 - f(z))`.
///
/// Computed without overflow for any `z`.
///
/// # Examples
///
/// ```
/// use nnet_core::activation::Sigmoid;
/// assert_eq!(Sigmoid.value(0.0), 0.5);
/// assert_eq!(Sigmoid.value(-1000.0), 0.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Sigmoid;

impl Sigmoid {
    /// `1 / (1 + e^-z)`.
    #[inline]
    pub fn value(&self, z: f32) -> f32 {
        logistic(z)
    }
    /// `a (1 - a)`.
    #[inline]
    pub fn derivative(&self, _z: f32, a: f32) -> f32 {
        a * (1.0 - a)
    }
}
element_wise!(Sigmoid, Sigmoid);

/// Hyperbolic tangent: `f(z) = tanh z`, `f'(z) = 1 - tanh² z`.
///
/// # Examples
///
/// ```
/// use nnet_core::activation::Tanh;
/// assert_eq!(Tanh.value(0.0), 0.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Tanh;

impl Tanh {
    /// `tanh z`.
    #[inline]
    pub fn value(&self, z: f32) -> f32 {
        super::fast::tanh(z)
    }
    /// `1 - a²`.
    #[inline]
    pub fn derivative(&self, _z: f32, a: f32) -> f32 {
        1.0 - a * a
    }
}
element_wise!(Tanh, Tanh);

/// Binary step of the classic perceptron: `f(z) = 1` for `z > 0`, else `0`.
///
/// Its derivative is zero everywhere it exists, so **no gradient flows through a step layer**:
/// layers before it do not learn by gradient descent. It is here for hand-set or imported
/// weights and for perceptron-style outputs.
///
/// # Examples
///
/// ```
/// use nnet_core::activation::Step;
/// assert_eq!(Step.value(0.1), 1.0);
/// assert_eq!(Step.value(0.0), 0.0);
/// assert!(Step.value(f32::NAN).is_nan());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Step;

impl Step {
    /// `1` for `z > 0`, `0` for `z ≤ 0`, NaN for NaN.
    #[inline]
    pub fn value(&self, z: f32) -> f32 {
        if z > 0.0 {
            1.0
        } else if z <= 0.0 {
            0.0
        } else {
            z
        }
    }
    /// `0`.
    #[inline]
    pub fn derivative(&self, _z: f32, _a: f32) -> f32 {
        0.0
    }
}
element_wise!(Step, Step);

/// Leaky ReLU: `f(z) = z` for `z > 0`, else `alpha · z`; `f'(z) = 1` or `alpha`.
///
/// Keras's default `alpha` (`negative_slope`) is 0.3.
///
/// # Examples
///
/// ```
/// use nnet_core::activation::LeakyRelu;
/// assert_eq!(LeakyRelu::default().alpha, 0.3);
/// assert_eq!(LeakyRelu { alpha: 0.5 }.value(-2.0), -1.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeakyRelu {
    /// Slope for negative inputs. Default 0.3.
    pub alpha: f32,
}

impl Default for LeakyRelu {
    fn default() -> Self {
        Self { alpha: 0.3 }
    }
}

impl LeakyRelu {
    /// `z` for `z > 0`, else `alpha z`.
    #[inline]
    pub fn value(&self, z: f32) -> f32 {
        if z > 0.0 { z } else { self.alpha * z }
    }
    /// `1` for `z > 0`, else `alpha`.
    #[inline]
    pub fn derivative(&self, z: f32, _a: f32) -> f32 {
        if z > 0.0 { 1.0 } else { self.alpha }
    }
}
element_wise!(LeakyRelu, LeakyRelu);

/// Exponential linear unit: `f(z) = z` for `z > 0`, else `alpha (e^z - 1)`;
/// `f'(z) = 1` for `z > 0`, else `alpha e^z = f(z) + alpha`.
///
/// Keras's default `alpha` is 1.0.
///
/// # Examples
///
/// ```
/// use nnet_core::activation::Elu;
/// assert_eq!(Elu::default().alpha, 1.0);
/// assert!((Elu::default().value(-1.0) - (-0.632_120_56)).abs() < 1e-6);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Elu {
    /// Scale of the negative part. Default 1.0.
    pub alpha: f32,
}

impl Default for Elu {
    fn default() -> Self {
        Self { alpha: 1.0 }
    }
}

impl Elu {
    /// `z` for `z > 0`, else `alpha (e^z - 1)`.
    #[inline]
    pub fn value(&self, z: f32) -> f32 {
        if z > 0.0 { z } else { self.alpha * z.exp_m1() }
    }
    /// `1` for `z > 0`, else `alpha e^z`.
    #[inline]
    pub fn derivative(&self, z: f32, _a: f32) -> f32 {
        if z > 0.0 { 1.0 } else { self.alpha * z.exp() }
    }
}
element_wise!(Elu, Elu);

/// Scale of [`Selu`], λ ≈ 1.0507 (Klambauer et al., 2017).
pub const SELU_SCALE: f32 = 1.050_700_9;
/// Alpha of [`Selu`], α ≈ 1.6733 (Klambauer et al., 2017).
pub const SELU_ALPHA: f32 = 1.673_263_2;

/// Scaled ELU: `f(z) = λ z` for `z > 0`, else `λ α (e^z - 1)`, with λ ≈ 1.0507 and α ≈ 1.6733;
/// `f'(z) = λ` for `z > 0`, else `λ α e^z`.
///
/// # Examples
///
/// ```
/// use nnet_core::activation::Selu;
/// assert!((Selu.value(1.0) - 1.050_700_9).abs() < 1e-6);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Selu;

impl Selu {
    /// `λ z` for `z > 0`, else `λ α (e^z - 1)`.
    #[inline]
    pub fn value(&self, z: f32) -> f32 {
        if z > 0.0 {
            SELU_SCALE * z
        } else {
            SELU_SCALE * SELU_ALPHA * z.exp_m1()
        }
    }
    /// `λ` for `z > 0`, else `λ α e^z`.
    #[inline]
    pub fn derivative(&self, z: f32, _a: f32) -> f32 {
        if z > 0.0 {
            SELU_SCALE
        } else {
            SELU_SCALE * SELU_ALPHA * z.exp()
        }
    }
}
element_wise!(Selu, Selu);

/// Gaussian error linear unit, exact form (Keras's default `approximate=False`):
/// `f(z) = z Φ(z) = z/2 (1 + erf(z/√2))`, `f'(z) = Φ(z) + z φ(z)` with `φ` the standard normal
/// density.
///
/// # Examples
///
/// ```
/// use nnet_core::activation::Gelu;
/// assert!((Gelu.value(1.0) - 0.841_344_7).abs() < 1e-6);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Gelu;

impl Gelu {
    /// `z Φ(z)`.
    #[inline]
    pub fn value(&self, z: f32) -> f32 {
        0.5 * z * (1.0 + libm::erff(z * core::f32::consts::FRAC_1_SQRT_2))
    }
    /// `Φ(z) + z φ(z)`.
    #[inline]
    pub fn derivative(&self, z: f32, _a: f32) -> f32 {
        let cdf = 0.5 * (1.0 + libm::erff(z * core::f32::consts::FRAC_1_SQRT_2));
        // 1 / sqrt(2π)
        let pdf = 0.398_942_3 * (-0.5 * z * z).exp();
        cdf + z * pdf
    }
}
element_wise!(Gelu, Gelu);

/// Sigmoid linear unit, also called swish: `f(z) = z σ(z)`, `f'(z) = σ(z) (1 + z (1 - σ(z)))`.
///
/// # Examples
///
/// ```
/// use nnet_core::activation::Silu;
/// assert_eq!(Silu.value(0.0), 0.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Silu;

impl Silu {
    /// `z σ(z)`.
    #[inline]
    pub fn value(&self, z: f32) -> f32 {
        z * logistic(z)
    }
    /// `σ(z) (1 + z (1 - σ(z)))`.
    #[inline]
    pub fn derivative(&self, z: f32, _a: f32) -> f32 {
        let s = logistic(z);
        s * (1.0 + z * (1.0 - s))
    }
}
element_wise!(Silu, Silu);

/// Softplus: `f(z) = ln(1 + e^z)`, computed as `max(z, 0) + ln(1 + e^-|z|)` so it never
/// overflows; `f'(z) = σ(z)`.
///
/// # Examples
///
/// ```
/// use nnet_core::activation::Softplus;
/// assert!((Softplus.value(0.0) - 2f32.ln()).abs() < 1e-7);
/// assert_eq!(Softplus.value(1000.0), 1000.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Softplus;

impl Softplus {
    /// `ln(1 + e^z)`.
    #[inline]
    pub fn value(&self, z: f32) -> f32 {
        z.max(0.0) + (-z.abs()).exp().ln_1p()
    }
    /// `σ(z)`.
    #[inline]
    pub fn derivative(&self, z: f32, _a: f32) -> f32 {
        logistic(z)
    }
}
element_wise!(Softplus, Softplus);

/// Softsign: `f(z) = z / (1 + |z|)`, `f'(z) = 1 / (1 + |z|)²`.
///
/// # Examples
///
/// ```
/// use nnet_core::activation::Softsign;
/// assert_eq!(Softsign.value(1.0), 0.5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Softsign;

impl Softsign {
    /// `z / (1 + |z|)`.
    #[inline]
    pub fn value(&self, z: f32) -> f32 {
        z / (1.0 + z.abs())
    }
    /// `1 / (1 + |z|)²`.
    #[inline]
    pub fn derivative(&self, z: f32, _a: f32) -> f32 {
        let d = 1.0 + z.abs();
        1.0 / (d * d)
    }
}
element_wise!(Softsign, Softsign);

/// Hard sigmoid, piecewise-linear approximation of the sigmoid as in Keras 3:
/// `f(z) = clip(z/6 + 1/2, 0, 1)`, `f'(z) = 1/6` for `-3 < z < 3`, else `0`.
///
/// (Keras 2 used `clip(0.2 z + 0.5, 0, 1)`; nnet follows the current Keras.)
///
/// # Examples
///
/// ```
/// use nnet_core::activation::HardSigmoid;
/// assert_eq!(HardSigmoid.value(0.0), 0.5);
/// assert_eq!(HardSigmoid.value(4.0), 1.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct HardSigmoid;

impl HardSigmoid {
    /// `clip(z/6 + 1/2, 0, 1)`.
    #[inline]
    pub fn value(&self, z: f32) -> f32 {
        (z / 6.0 + 0.5).clamp(0.0, 1.0)
    }
    /// `1/6` for `-3 < z < 3`, else `0`.
    #[inline]
    pub fn derivative(&self, z: f32, _a: f32) -> f32 {
        if z > -3.0 && z < 3.0 { 1.0 / 6.0 } else { 0.0 }
    }
}
element_wise!(HardSigmoid, HardSigmoid);

/// Exponential: `f(z) = e^z`, `f'(z) = e^z = f(z)`.
///
/// # Examples
///
/// ```
/// use nnet_core::activation::Exponential;
/// assert_eq!(Exponential.value(0.0), 1.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Exponential;

impl Exponential {
    /// `e^z`.
    #[inline]
    pub fn value(&self, z: f32) -> f32 {
        z.exp()
    }
    /// `e^z`, which is `a`.
    #[inline]
    pub fn derivative(&self, _z: f32, a: f32) -> f32 {
        a
    }
}
element_wise!(Exponential, Exponential);
