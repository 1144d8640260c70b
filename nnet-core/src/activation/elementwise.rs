//! Element-wise activations: each is `a_i = f(z_i)`, with `f'` written beside `f`.
//!
//! Each type has an inherent `value(z)` and `derivative(z, a)` (the derivative at `z`, given
//! `a = f(z)` so that it need not be recomputed); [`Activation`] is implemented from them.

use super::{Activation, ActivationKind};
use crate::Scalar;

/// `value` in `T`.
#[inline(always)]
fn c<T: Scalar>(value: f64) -> T {
    T::of_f64(value)
}

/// `1 / √2` in `T`.
#[inline(always)]
fn frac_1_sqrt_2<T: Scalar>() -> T {
    if T::NAME == "f32" {
        T::of_f32(core::f32::consts::FRAC_1_SQRT_2)
    } else {
        T::of_f64(core::f64::consts::FRAC_1_SQRT_2)
    }
}

/// `1 / √(2π)`: the `f32` constant nnet has always used, or the full `f64` value.
#[inline(always)]
fn inv_sqrt_2pi<T: Scalar>() -> T {
    if T::NAME == "f32" {
        T::of_f32(0.398_942_3)
    } else {
        T::of_f64(0.398_942_280_401_432_7)
    }
}

/// Implements [`Activation`] for an element-wise activation from its `value` and `derivative`,
/// and an inherent `kind` (which names the activation whatever the scalar, so that
/// `Relu.kind()` needs no scalar).
macro_rules! element_wise {
    ($ty:ident<T>, $kind:ident) => {
        impl<T: Scalar> $ty<T> {
            #[doc = concat!(
                "Which activation this is: [`ActivationKind::", stringify!($kind), "`].\n\n",
                "```\nuse nnet_core::activation::{ActivationKind, ", stringify!($ty), "};\n",
                "assert_eq!(", stringify!($ty), "::<f32>::default().kind(), ActivationKind::",
                stringify!($kind), ");\n```"
            )]
            pub const fn kind(&self) -> ActivationKind {
                ActivationKind::$kind
            }
        }
        element_wise!(@impl $ty<T>, $kind);
    };
    ($ty:ident, $kind:ident) => {
        impl $ty {
            #[doc = concat!(
                "Which activation this is: [`ActivationKind::", stringify!($kind), "`].\n\n",
                "```\nuse nnet_core::activation::{ActivationKind, ", stringify!($ty), "};\n",
                "assert_eq!(", stringify!($ty), ".kind(), ActivationKind::", stringify!($kind),
                ");\n```"
            )]
            pub const fn kind(&self) -> ActivationKind {
                ActivationKind::$kind
            }
        }
        element_wise!(@impl $ty, $kind);
    };
    (@impl $ty:ty, $kind:ident) => {
        impl<T: Scalar> Activation<T> for $ty {
            #[inline]
            fn kind(&self) -> ActivationKind {
                ActivationKind::$kind
            }

            #[inline]
            fn activate(&self, z: &mut [T]) {
                for v in z.iter_mut() {
                    *v = self.value(*v);
                }
            }

            #[inline]
            fn backprop(&self, z: &[T], a: &[T], grad: &mut [T]) {
                for ((g, &z), &a) in grad.iter_mut().zip(z).zip(a) {
                    *g *= self.derivative(z, a);
                }
            }
        }
    };
}

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
    pub fn value<T: Scalar>(&self, z: T) -> T {
        z
    }
    /// `1`.
    #[inline]
    pub fn derivative<T: Scalar>(&self, _z: T, _a: T) -> T {
        T::one()
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
    pub fn value<T: Scalar>(&self, z: T) -> T {
        if z < T::zero() { T::zero() } else { z }
    }
    /// `1` for `z > 0`, else `0`.
    #[inline]
    pub fn derivative<T: Scalar>(&self, z: T, _a: T) -> T {
        if z > T::zero() { T::one() } else { T::zero() }
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
    pub fn value<T: Scalar>(&self, z: T) -> T {
        z.fast_logistic()
    }
    /// `a (1 - a)`.
    #[inline]
    pub fn derivative<T: Scalar>(&self, _z: T, a: T) -> T {
        a * (T::one() - a)
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
    pub fn value<T: Scalar>(&self, z: T) -> T {
        z.fast_tanh()
    }
    /// `1 - a²`.
    #[inline]
    pub fn derivative<T: Scalar>(&self, _z: T, a: T) -> T {
        T::one() - a * a
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
    pub fn value<T: Scalar>(&self, z: T) -> T {
        if z > T::zero() {
            T::one()
        } else if z <= T::zero() {
            T::zero()
        } else {
            z
        }
    }
    /// `0`.
    #[inline]
    pub fn derivative<T: Scalar>(&self, _z: T, _a: T) -> T {
        T::zero()
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
/// assert_eq!(LeakyRelu::<f32>::default().alpha, 0.3);
/// assert_eq!(LeakyRelu { alpha: 0.5 }.value(-2.0), -1.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeakyRelu<T: Scalar = f32> {
    /// Slope for negative inputs. Default 0.3.
    pub alpha: T,
}

impl<T: Scalar> Default for LeakyRelu<T> {
    fn default() -> Self {
        Self {
            alpha: T::of_f64(0.3),
        }
    }
}

impl<T: Scalar> LeakyRelu<T> {
    /// `z` for `z > 0`, else `alpha z`.
    #[inline]
    pub fn value(&self, z: T) -> T {
        if z > T::zero() { z } else { self.alpha * z }
    }
    /// `1` for `z > 0`, else `alpha`.
    #[inline]
    pub fn derivative(&self, z: T, _a: T) -> T {
        if z > T::zero() { T::one() } else { self.alpha }
    }
}
element_wise!(LeakyRelu<T>, LeakyRelu);

/// Exponential linear unit: `f(z) = z` for `z > 0`, else `alpha (e^z - 1)`;
/// `f'(z) = 1` for `z > 0`, else `alpha e^z = f(z) + alpha`.
///
/// Keras's default `alpha` is 1.0.
///
/// # Examples
///
/// ```
/// use nnet_core::activation::Elu;
/// assert_eq!(Elu::<f32>::default().alpha, 1.0);
/// assert!((Elu::<f32>::default().value(-1.0) - (-0.632_120_56)).abs() < 1e-6);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Elu<T: Scalar = f32> {
    /// Scale of the negative part. Default 1.0.
    pub alpha: T,
}

impl<T: Scalar> Default for Elu<T> {
    fn default() -> Self {
        Self { alpha: T::one() }
    }
}

impl<T: Scalar> Elu<T> {
    /// `z` for `z > 0`, else `alpha (e^z - 1)`.
    #[inline]
    pub fn value(&self, z: T) -> T {
        if z > T::zero() {
            z
        } else {
            self.alpha * z.exp_m1_()
        }
    }
    /// `1` for `z > 0`, else `alpha e^z`.
    #[inline]
    pub fn derivative(&self, z: T, _a: T) -> T {
        if z > T::zero() {
            T::one()
        } else {
            self.alpha * z.exp_()
        }
    }
}
element_wise!(Elu<T>, Elu);

/// Scale of [`Selu`], λ ≈ 1.0507 (Klambauer et al., 2017).
pub const SELU_SCALE: f32 = 1.050_700_9;
/// Alpha of [`Selu`], α ≈ 1.6733 (Klambauer et al., 2017).
pub const SELU_ALPHA: f32 = 1.673_263_2;

/// λ and α of [`Selu`] in `T`: the `f32` constants above, or their full `f64` values.
#[inline(always)]
fn selu_constants<T: Scalar>() -> (T, T) {
    if T::NAME == "f32" {
        (T::of_f32(SELU_SCALE), T::of_f32(SELU_ALPHA))
    } else {
        (
            T::of_f64(1.050_700_987_355_480_5),
            T::of_f64(1.673_263_242_354_377_3),
        )
    }
}

/// Scaled ELU: `f(z) = λ z` for `z > 0`, else `λ α (e^z - 1)`, with λ ≈ 1.0507 and α ≈ 1.6733;
/// `f'(z) = λ` for `z > 0`, else `λ α e^z`.
///
/// # Examples
///
/// ```
/// use nnet_core::activation::Selu;
/// assert!((Selu.value(1.0_f32) - 1.050_700_9).abs() < 1e-6);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Selu;

impl Selu {
    /// `λ z` for `z > 0`, else `λ α (e^z - 1)`.
    #[inline]
    pub fn value<T: Scalar>(&self, z: T) -> T {
        let (scale, alpha) = selu_constants::<T>();
        if z > T::zero() {
            scale * z
        } else {
            scale * alpha * z.exp_m1_()
        }
    }
    /// `λ` for `z > 0`, else `λ α e^z`.
    #[inline]
    pub fn derivative<T: Scalar>(&self, z: T, _a: T) -> T {
        let (scale, alpha) = selu_constants::<T>();
        if z > T::zero() {
            scale
        } else {
            scale * alpha * z.exp_()
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
/// assert!((Gelu.value(1.0_f32) - 0.841_344_7).abs() < 1e-6);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Gelu;

impl Gelu {
    /// `z Φ(z)`.
    #[inline]
    pub fn value<T: Scalar>(&self, z: T) -> T {
        c::<T>(0.5) * z * (T::one() + (z * frac_1_sqrt_2::<T>()).erf_())
    }
    /// `Φ(z) + z φ(z)`.
    #[inline]
    pub fn derivative<T: Scalar>(&self, z: T, _a: T) -> T {
        let half = c::<T>(0.5);
        let cdf = half * (T::one() + (z * frac_1_sqrt_2::<T>()).erf_());
        // 1 / sqrt(2π)
        let pdf = inv_sqrt_2pi::<T>() * (-half * z * z).exp_();
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
    pub fn value<T: Scalar>(&self, z: T) -> T {
        z * z.fast_logistic()
    }
    /// `σ(z) (1 + z (1 - σ(z)))`.
    #[inline]
    pub fn derivative<T: Scalar>(&self, z: T, _a: T) -> T {
        let s = z.fast_logistic();
        s * (T::one() + z * (T::one() - s))
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
    pub fn value<T: Scalar>(&self, z: T) -> T {
        z.max(T::zero()) + (-z.abs()).exp_().ln_1p_()
    }
    /// `σ(z)`.
    #[inline]
    pub fn derivative<T: Scalar>(&self, z: T, _a: T) -> T {
        z.fast_logistic()
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
    pub fn value<T: Scalar>(&self, z: T) -> T {
        z / (T::one() + z.abs())
    }
    /// `1 / (1 + |z|)²`.
    #[inline]
    pub fn derivative<T: Scalar>(&self, z: T, _a: T) -> T {
        let d = T::one() + z.abs();
        T::one() / (d * d)
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
    pub fn value<T: Scalar>(&self, z: T) -> T {
        let v = z / c::<T>(6.0) + c::<T>(0.5);
        // As `f32::clamp`: NaN stays NaN.
        if v < T::zero() {
            T::zero()
        } else if v > T::one() {
            T::one()
        } else {
            v
        }
    }
    /// `1/6` for `-3 < z < 3`, else `0`.
    #[inline]
    pub fn derivative<T: Scalar>(&self, z: T, _a: T) -> T {
        let three = c::<T>(3.0);
        if z > -three && z < three {
            T::one() / c::<T>(6.0)
        } else {
            T::zero()
        }
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
    pub fn value<T: Scalar>(&self, z: T) -> T {
        z.exp_()
    }
    /// `e^z`, which is `a`.
    #[inline]
    pub fn derivative<T: Scalar>(&self, _z: T, a: T) -> T {
        a
    }
}
element_wise!(Exponential, Exponential);
