//! The float functions that `core` lacks: the standard library's with `std` (the same results
//! as before nnet ran without it), `libm`'s without.
//!
//! `libm` is a port of musl's functions; where the platform's differ, results of a `no_std`
//! build may differ from a `std` build's in the last bit.

#[cfg(feature = "std")]
mod imp {
    #[inline(always)]
    pub fn exp(x: f32) -> f32 {
        x.exp()
    }
    #[inline(always)]
    pub fn exp_m1(x: f32) -> f32 {
        x.exp_m1()
    }
    #[inline(always)]
    pub fn ln_1p(x: f32) -> f32 {
        x.ln_1p()
    }
    #[inline(always)]
    pub fn sqrt(x: f32) -> f32 {
        x.sqrt()
    }
    #[inline(always)]
    pub fn ln(x: f32) -> f32 {
        x.ln()
    }
    #[inline(always)]
    pub fn ln64(x: f64) -> f64 {
        x.ln()
    }
    #[inline(always)]
    pub fn exp64(x: f64) -> f64 {
        x.exp()
    }
    #[inline(always)]
    pub fn exp_m1_64(x: f64) -> f64 {
        x.exp_m1()
    }
    #[inline(always)]
    pub fn ln_1p64(x: f64) -> f64 {
        x.ln_1p()
    }
    #[inline(always)]
    pub fn tanh64(x: f64) -> f64 {
        x.tanh()
    }
    #[inline(always)]
    pub fn sqrt64(x: f64) -> f64 {
        x.sqrt()
    }
}

#[cfg(not(feature = "std"))]
mod imp {
    #[inline(always)]
    pub fn exp(x: f32) -> f32 {
        libm::expf(x)
    }
    #[inline(always)]
    pub fn exp_m1(x: f32) -> f32 {
        libm::expm1f(x)
    }
    #[inline(always)]
    pub fn ln_1p(x: f32) -> f32 {
        libm::log1pf(x)
    }
    #[inline(always)]
    pub fn sqrt(x: f32) -> f32 {
        libm::sqrtf(x)
    }
    #[inline(always)]
    pub fn ln(x: f32) -> f32 {
        libm::logf(x)
    }
    #[inline(always)]
    pub fn ln64(x: f64) -> f64 {
        libm::log(x)
    }
    #[inline(always)]
    pub fn exp64(x: f64) -> f64 {
        libm::exp(x)
    }
    #[inline(always)]
    pub fn exp_m1_64(x: f64) -> f64 {
        libm::expm1(x)
    }
    #[inline(always)]
    pub fn ln_1p64(x: f64) -> f64 {
        libm::log1p(x)
    }
    #[inline(always)]
    pub fn tanh64(x: f64) -> f64 {
        libm::tanh(x)
    }
    #[inline(always)]
    pub fn sqrt64(x: f64) -> f64 {
        libm::sqrt(x)
    }
}

#[allow(unused_imports)]
pub(crate) use imp::*;

/// `x²`, as `powi(2)` computes it.
#[inline(always)]
pub(crate) fn square(x: f64) -> f64 {
    x * x
}
