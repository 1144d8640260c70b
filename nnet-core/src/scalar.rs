//! The number type of a network: [`Scalar`], implemented for exactly `f32` (the default
//! everywhere) and `f64`.
//!
//! Every type that holds or passes numbers takes a `T: Scalar = f32` parameter (or, for a
//! storage that holds one kind of number, an associated `Scalar` type), so `f32` code reads as
//! before and `#[scalar = f64]` on a `network!` declaration switches a whole network, its
//! trainer, losses, optimizers, metrics and weight files to `f64`.
//!
//! What the two types compute differently lives in the sealed half of the trait, and nothing
//! else: `f32` keeps the branch-free gate functions of `activation::fast`, `f64` uses the
//! library's `exp` and `tanh` (`libm` without `std`), and each names its registers' operations
//! (`simd::Lanes`). The SIMD kernels (dense products forward and backward, packed matrix–matrix
//! products) are written once over `Lanes` and depend on this trait, not the other way.

use core::fmt::{Debug, Display};

use nalgebra::RealField;

use crate::simd::Lanes;

/// The number type a network computes in: `f32` (the default) or `f64`.
///
/// Sealed: implemented for exactly those two types. Besides nalgebra's [`RealField`]
/// arithmetic it gives a name for messages and weight files ([`NAME`](Scalar::NAME)) and
/// conversions from and to `f64` for constants and statistics.
///
/// # Examples
///
/// ```
/// use nnet_core::Scalar;
///
/// fn half<T: Scalar>(x: T) -> T {
///     x * T::of_f64(0.5)
/// }
/// assert_eq!(half(3.0_f32), 1.5);
/// assert_eq!(half(3.0_f64), 1.5);
/// assert_eq!(<f64 as Scalar>::NAME, "f64");
/// ```
pub trait Scalar:
    sealed::Sealed
    + RealField
    + Copy
    + Default
    + PartialOrd
    + core::iter::Sum
    + bytemuck::Pod
    + Debug
    + Display
    + Send
    + Sync
    + 'static
{
    /// The Rust name of the type, `"f32"` or `"f64"`, as messages and `#[scalar = …]` write it.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::Scalar;
    /// assert_eq!(<f32 as Scalar>::NAME, "f32");
    /// ```
    const NAME: &'static str;

    /// The safetensors dtype of a tensor of this type, `"F32"` or `"F64"`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::Scalar;
    /// assert_eq!(<f64 as Scalar>::DTYPE, "F64");
    /// ```
    const DTYPE: &'static str;

    /// The nearest value of this type to `value` (`as` conversion: exact for `f64`, rounded to
    /// nearest for `f32`).
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::Scalar;
    /// assert_eq!(f32::of_f64(0.1), 0.1_f32);
    /// assert_eq!(f64::of_f64(0.1), 0.1_f64);
    /// ```
    fn of_f64(value: f64) -> Self;

    /// The value exactly as an `f64`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::Scalar;
    /// assert_eq!(Scalar::as_f64(0.5_f32), 0.5);
    /// ```
    fn as_f64(self) -> f64;

    /// `value` exactly (`f32` widens to `f64` without loss).
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::Scalar;
    /// assert_eq!(f64::of_f32(0.5), 0.5);
    /// ```
    fn of_f32(value: f32) -> Self;

    /// The nearest `f32` to the value.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::Scalar;
    /// assert_eq!(Scalar::as_f32(0.25_f64), 0.25_f32);
    /// ```
    fn as_f32(self) -> f32;
}

/// A layer's setting (`epsilon`, `momentum`, a dropout rate, a regularization factor), which
/// layers hold in `f64`, as a network of scalar `T` computes with it, widened back to `f64` for
/// the statistics computed in `f64`: the setting itself for an `f64` network, the nearest `f32`
/// for an `f32` network (so an `f32` network computes exactly as when settings were `f32`).
/// `optim::held` exposes this rule for optimizer settings (with the `train` feature).
#[inline(always)]
pub(crate) fn held<T: Scalar>(setting: f64) -> f64 {
    T::of_f64(setting).as_f64()
}

pub(crate) mod sealed {
    use super::*;

    /// With `std`, the element types of `nnet-safetensors` (weight files of `F32` and `F64`
    /// tensors); nothing without.
    #[cfg(feature = "std")]
    pub trait Element: nnet_safetensors::Element {}
    /// With `std`, the element types of `nnet-safetensors`; nothing without.
    #[cfg(not(feature = "std"))]
    pub trait Element {}

    impl Element for f32 {}
    impl Element for f64 {}

    /// What `f32` and `f64` compute differently: the float functions, the recurrent gates,
    /// and ([`Lanes`]) which of pulp's register operations a kernel calls. Not nameable outside
    /// the crate, so no other type implements [`Scalar`].
    pub trait Sealed: Sized + Element + Lanes {
        /// `e^x`, as the standard library computes it (`libm` without `std`).
        fn exp_(self) -> Self;
        /// `e^x − 1`.
        fn exp_m1_(self) -> Self;
        /// `ln(1 + x)`.
        fn ln_1p_(self) -> Self;
        /// `ln x`.
        fn ln_(self) -> Self;
        /// `√x`.
        fn sqrt_(self) -> Self;
        /// The error function.
        fn erf_(self) -> Self;
        /// `e^x` of the gates: `fast::exp` for `f32`, the exact `exp` for `f64`.
        fn fast_exp(self) -> Self;
        /// The logistic function of the gates and the sigmoid.
        fn fast_logistic(self) -> Self;
        /// [`fast_logistic`](Self::fast_logistic)'s bits, in a pass running with `simd`'s
        /// instruction set: for `f32`, the reduction's exact `x − n · LN2_HI` as one fused
        /// multiply-add where `simd` has them (`fast::logistic_with`).
        fn fast_logistic_in<S: pulp::Simd>(self, simd: S) -> Self;
        /// `tanh` of the gates and the tanh activation.
        fn fast_tanh(self) -> Self;
    }
}

impl Scalar for f32 {
    const NAME: &'static str = "f32";
    const DTYPE: &'static str = "F32";

    #[inline(always)]
    fn of_f64(value: f64) -> Self {
        value as f32
    }
    #[inline(always)]
    fn as_f64(self) -> f64 {
        f64::from(self)
    }
    #[inline(always)]
    fn of_f32(value: f32) -> Self {
        value
    }
    #[inline(always)]
    fn as_f32(self) -> f32 {
        self
    }
}

impl sealed::Sealed for f32 {
    #[inline(always)]
    fn exp_(self) -> Self {
        crate::math::exp(self)
    }
    #[inline(always)]
    fn exp_m1_(self) -> Self {
        crate::math::exp_m1(self)
    }
    #[inline(always)]
    fn ln_1p_(self) -> Self {
        crate::math::ln_1p(self)
    }
    #[inline(always)]
    fn ln_(self) -> Self {
        crate::math::ln(self)
    }
    #[inline(always)]
    fn sqrt_(self) -> Self {
        crate::math::sqrt(self)
    }
    #[inline(always)]
    fn erf_(self) -> Self {
        libm::erff(self)
    }
    #[inline(always)]
    fn fast_exp(self) -> Self {
        crate::activation::fast::exp(self)
    }
    #[inline(always)]
    fn fast_logistic(self) -> Self {
        crate::activation::fast::logistic(self)
    }
    #[inline(always)]
    fn fast_logistic_in<S: pulp::Simd>(self, simd: S) -> Self {
        // Each in lane 0, of which the compiler keeps only that lane. `mul_add_e` is a
        // multiplication and an addition where there is no FMA: exact, the same value. `2^-n`
        // from `t`'s bits in the register too (two integer operations, where the scalar code
        // goes through a general register and back).
        let lane = |v: S::f32s| bytemuck::cast_slice::<S::f32s, f32>(core::slice::from_ref(&v))[0];
        crate::activation::fast::logistic_with(
            self,
            |x, n| {
                let (n, x) = (simd.splat_f32s(-n), simd.splat_f32s(x));
                lane(simd.mul_add_e_f32s(n, simd.splat_f32s(0.693_359_4), x))
            },
            |t| {
                let bits = simd.transmute_u32s_f32s(simd.splat_f32s(t));
                let shifted = simd.wrapping_dyn_shl_u32s(bits, simd.splat_u32s(23));
                let inverse = simd.sub_u32s(simd.splat_u32s(127 << 23), shifted);
                lane(simd.transmute_f32s_u32s(inverse))
            },
        )
    }
    #[inline(always)]
    fn fast_tanh(self) -> Self {
        crate::activation::fast::tanh(self)
    }
}

impl Scalar for f64 {
    const NAME: &'static str = "f64";
    const DTYPE: &'static str = "F64";

    #[inline(always)]
    fn of_f64(value: f64) -> Self {
        value
    }
    #[inline(always)]
    fn as_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn of_f32(value: f32) -> Self {
        f64::from(value)
    }
    #[inline(always)]
    fn as_f32(self) -> f32 {
        self as f32
    }
}

impl sealed::Sealed for f64 {
    #[inline(always)]
    fn exp_(self) -> Self {
        crate::math::exp64(self)
    }
    #[inline(always)]
    fn exp_m1_(self) -> Self {
        crate::math::exp_m1_64(self)
    }
    #[inline(always)]
    fn ln_1p_(self) -> Self {
        crate::math::ln_1p64(self)
    }
    #[inline(always)]
    fn ln_(self) -> Self {
        crate::math::ln64(self)
    }
    #[inline(always)]
    fn sqrt_(self) -> Self {
        crate::math::sqrt64(self)
    }
    #[inline(always)]
    fn erf_(self) -> Self {
        libm::erf(self)
    }
    #[inline(always)]
    fn fast_exp(self) -> Self {
        crate::math::exp64(self)
    }
    #[inline(always)]
    fn fast_logistic(self) -> Self {
        // e = e^-|z| ≤ 1: nothing overflows, σ(|z|) = 1 / (1 + e), σ(−|z|) = e / (1 + e),
        // one division, rounded once.
        let e = crate::math::exp64(-self.abs());
        let numerator = if self < 0.0 { e } else { 1.0 };
        numerator / (1.0 + e)
    }
    #[inline(always)]
    fn fast_logistic_in<S: pulp::Simd>(self, _: S) -> Self {
        self.fast_logistic()
    }
    #[inline(always)]
    fn fast_tanh(self) -> Self {
        crate::math::tanh64(self)
    }
}

#[cfg(test)]
mod tests {
    use super::sealed::Sealed;
    use super::*;

    #[test]
    fn f64_gates_are_the_exact_functions() {
        for &z in &[-30.0_f64, -2.5, -0.1, 0.0, 0.2, 1.0, 40.0] {
            let exact = 1.0 / (1.0 + (-z).exp());
            assert!((z.fast_logistic() - exact).abs() <= 1e-16, "σ({z})");
            assert_eq!(z.fast_tanh(), z.tanh());
            assert_eq!(z.fast_exp(), z.exp());
        }
        assert_eq!(0.0_f64.fast_logistic(), 0.5);
        assert!(f64::NAN.fast_logistic().is_nan());
    }

    #[test]
    fn f32_gates_are_the_fast_ones() {
        for &z in &[-3.0_f32, -0.25, 0.0, 0.7, 5.0] {
            assert_eq!(
                z.fast_tanh().to_bits(),
                crate::activation::fast::tanh(z).to_bits()
            );
            let logistic = crate::activation::fast::logistic(z);
            assert_eq!(z.fast_logistic().to_bits(), logistic.to_bits());
        }
    }

    /// `fast_logistic_in` gives `fast_logistic`'s bits under every instruction set (with
    /// and without FMA, in registers of 1 to 16 lanes): every 9973rd bit pattern of each sign
    /// up to 100, the edges of `exp`'s range, the infinities and NaN, in `f32` and `f64`.
    struct LogisticIn;

    impl pulp::WithSimd for LogisticIn {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: pulp::Simd>(self, simd: S) {
            let edges = [0.0, 87.0, 88.0, 0.346_573_6, f32::INFINITY, f32::NAN];
            let sweep = (0..100.0_f32.to_bits()).step_by(9973).map(f32::from_bits);
            for z in sweep.chain(edges).flat_map(|z| [z, -z]) {
                let (found, expected) = (z.fast_logistic_in(simd), z.fast_logistic());
                assert!(
                    found.to_bits() == expected.to_bits() || (found.is_nan() && expected.is_nan()),
                    "σ({z:e}): {found:e} against {expected:e}"
                );
                let z = f64::from(z);
                let (found, expected) = (z.fast_logistic_in(simd), z.fast_logistic());
                assert!(found.to_bits() == expected.to_bits() || found.is_nan());
            }
        }
    }

    #[test]
    fn logistic_in_registers_gives_the_bits_of_logistic_under_every_instruction_set() {
        use pulp::WithSimd;
        LogisticIn.with_simd(pulp::Scalar::new());
        LogisticIn.with_simd(pulp::Scalar128b);
        LogisticIn.with_simd(pulp::Scalar256b);
        pulp::Arch::new().dispatch(LogisticIn);
        crate::simd::dispatch_narrow(LogisticIn);
    }

    #[test]
    fn settings_are_held_in_the_scalar() {
        assert_eq!(held::<f64>(1e-3), 1e-3);
        assert_eq!(held::<f32>(1e-3), f64::from(1e-3_f32));
    }

    #[test]
    fn conversions() {
        assert_eq!(f32::of_f64(1.0 / 3.0), 1.0_f32 / 3.0);
        assert_eq!(f64::of_f32(0.1), f64::from(0.1_f32));
        assert_eq!(<f32 as Scalar>::DTYPE, "F32");
    }
}
