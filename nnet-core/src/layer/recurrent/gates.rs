//! The gates' activations of a step in SIMD registers: the logistic function and `tanh` of
//! `activation::fast`, operation for operation (the same roundings in the same order, so the
//! same bits, tested below), over whole registers of `f32` values.
//!
//! Why: a `gru 4` step has 8 logistic values and 4 `tanh`, loops too short for the compiler's
//! loop vectorizer (it leaves loops of fewer than 16 iterations alone), which then computed
//! them one value at a time, with a branch around each `e^x`. Written here on registers, a
//! `gru 4` step's gates are one register of 8 logistic values and one of 4 `tanh` (measured in
//! BENCHMARKS.md, "Recurrent streaming against RTNeural").

use core::any::TypeId;

use pulp::{Simd, WithSimd};

use crate::Scalar;
use crate::activation::{Sigmoid, Tanh};

/// [`fast::exp`](crate::activation::fast)'s bounds: below `EXP_MIN`, `e^x` is 0.
const EXP_MIN: f32 = -87.0;
/// Above `EXP_MAX`, `e^x` stays at `e^88`.
const EXP_MAX: f32 = 88.0;
/// The sign bit of an `f32`.
const SIGN: u32 = 0x8000_0000;

/// `e^x` for `x` in `[EXP_MIN, EXP_MAX]` (or NaN), lane by lane: `fast::exp_clamped`.
#[inline(always)]
fn exp_clamped<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    let c = |v: f32| simd.splat_f32s(v);
    const ROUND: f32 = 12_582_912.0;
    let t = simd.add_f32s(simd.mul_f32s(x, c(core::f32::consts::LOG2_E)), c(ROUND));
    let n = simd.sub_f32s(t, c(ROUND));
    let r = simd.add_f32s(
        simd.sub_f32s(x, simd.mul_f32s(n, c(0.693_359_4))),
        simd.mul_f32s(n, c(2.121_944_4e-4)),
    );
    let r2 = simd.mul_f32s(r, r);
    let r4 = simd.mul_f32s(r2, r2);
    let low = simd.add_f32s(c(0.5), simd.mul_f32s(c(1.666_666_5e-1), r));
    let middle = simd.add_f32s(c(4.166_579_6e-2), simd.mul_f32s(c(8.333_452e-3), r));
    let high = simd.add_f32s(c(1.398_199_9e-3), simd.mul_f32s(c(1.987_569_1e-4), r));
    let p = simd.add_f32s(
        simd.add_f32s(low, simd.mul_f32s(r2, middle)),
        simd.mul_f32s(r4, high),
    );
    let e = simd.add_f32s(simd.add_f32s(c(1.0), r), simd.mul_f32s(r2, p));
    let bits = simd.wrapping_dyn_shl_u32s(simd.transmute_u32s_f32s(t), simd.splat_u32s(23));
    let pow = simd.transmute_f32s_u32s(simd.add_u32s(bits, simd.splat_u32s(127 << 23)));
    simd.mul_f32s(e, pow)
}

/// `1 / (1 + e^-z)` lane by lane: `fast::logistic`.
#[inline(always)]
fn logistic<S: Simd>(simd: S, z: S::f32s) -> S::f32s {
    let min = simd.splat_f32s(EXP_MIN);
    // −|z|: the sign bit set.
    let x = simd.transmute_f32s_u32s(simd.or_u32s(
        simd.transmute_u32s_f32s(z),
        simd.splat_u32s(SIGN),
    ));
    let below = simd.less_than_f32s(x, min);
    let e = exp_clamped(simd, simd.select_f32s(below, min, x));
    let e = simd.select_f32s(below, simd.splat_f32s(0.0), e);
    let one = simd.splat_f32s(1.0);
    let numerator = simd.select_f32s(simd.less_than_f32s(z, simd.splat_f32s(0.0)), e, one);
    simd.div_f32s(numerator, simd.add_f32s(one, e))
}

/// `tanh x` lane by lane: `fast::tanh`.
#[inline(always)]
fn tanh<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    let c = |v: f32| simd.splat_f32s(v);
    let bits = simd.transmute_u32s_f32s(x);
    let a = simd.transmute_f32s_u32s(simd.and_u32s(bits, simd.splat_u32s(!SIGN)));
    let x2 = simd.mul_f32s(x, x);
    let mut poly = simd.mul_f32s(x2, c(-0.008_863_236));
    for coefficient in [0.021_869_488, -0.053_968_254, 0.133_333_34, -0.333_333_34] {
        poly = simd.mul_f32s(x2, simd.add_f32s(c(coefficient), poly));
    }
    let small = simd.mul_f32s(x, simd.add_f32s(c(1.0), poly));
    // fast::exp(2|x|): clamped into its range, 0 below it.
    let v = simd.mul_f32s(c(2.0), a);
    let clamped = simd.select_f32s(simd.less_than_f32s(v, c(EXP_MIN)), c(EXP_MIN), v);
    let clamped = simd.select_f32s(
        simd.greater_than_f32s(clamped, c(EXP_MAX)),
        c(EXP_MAX),
        clamped,
    );
    let e = exp_clamped(simd, clamped);
    let e = simd.select_f32s(simd.less_than_f32s(v, c(EXP_MIN)), c(0.0), e);
    let large = simd.sub_f32s(c(1.0), simd.div_f32s(c(2.0), simd.add_f32s(e, c(1.0))));
    let large = simd.transmute_f32s_u32s(simd.or_u32s(
        simd.transmute_u32s_f32s(large),
        simd.and_u32s(bits, simd.splat_u32s(SIGN)),
    ));
    simd.select_f32s(simd.less_than_f32s(a, c(0.3)), small, large)
}

/// `values[j] = f(values[j], a[j], b[j])`, a register at a time (the last one partial).
#[inline(always)]
fn update<S: Simd>(
    simd: S,
    values: &mut [f32],
    a: &[f32],
    b: &[f32],
    f: impl Fn(S::f32s, S::f32s, S::f32s) -> S::f32s,
) {
    let whole = values.len() / S::F32_LANES * S::F32_LANES;
    let (head, tail) = values.split_at_mut(whole);
    let (a_head, a_tail) = a.split_at(whole);
    let (b_head, b_tail) = b.split_at(whole);
    let (head, _) = S::as_mut_simd_f32s(head);
    let (a_head, _) = S::as_simd_f32s(a_head);
    let (b_head, _) = S::as_simd_f32s(b_head);
    for ((v, &a), &b) in head.iter_mut().zip(a_head).zip(b_head) {
        *v = f(*v, a, b);
    }
    if !tail.is_empty() {
        let v = simd.partial_load_f32s(tail);
        let a = simd.partial_load_f32s(&a_tail[..tail.len()]);
        let b = simd.partial_load_f32s(&b_tail[..tail.len()]);
        simd.partial_store_f32s(tail, f(v, a, b));
    }
}

/// A GRU's gates from the sums of its step (the input side's with its bias in `gates`, the
/// recurrent side's with its bias in `recurrent`, `z`, `r`, `ĥ` of `units` values each): `z`
/// and `r` become `σ(gates + recurrent)`, the candidate `tanh(gates + r ⊙ recurrent)`, with the
/// bits of [`Sigmoid`] and [`Tanh`] value by value.
#[inline(always)]
pub(crate) fn gru<T: Scalar>(gates: &mut [T], recurrent: &[T], units: usize) {
    if TypeId::of::<T>() == TypeId::of::<f32>() {
        let gates: &mut [f32] = bytemuck::cast_slice_mut(gates);
        let recurrent: &[f32] = bytemuck::cast_slice(recurrent);
        crate::simd::dispatch_narrow(Gru {
            gates,
            recurrent,
            units,
        });
        return;
    }
    let (zr, candidate) = gates.split_at_mut(2 * units);
    let (recurrent_zr, recurrent_h) = recurrent.split_at(2 * units);
    for (g, &h) in zr.iter_mut().zip(recurrent_zr) {
        *g = Sigmoid.value(*g + h);
    }
    for ((c, &r), &h) in candidate.iter_mut().zip(&zr[units..]).zip(recurrent_h) {
        *c = Tanh.value(*c + r * h);
    }
}

/// [`gru`] in `f32` as a SIMD operation.
struct Gru<'a> {
    gates: &'a mut [f32],
    recurrent: &'a [f32],
    units: usize,
}

impl WithSimd for Gru<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let units = self.units;
        let (zr, candidate) = self.gates.split_at_mut(2 * units);
        let (recurrent_zr, recurrent_h) = self.recurrent.split_at(2 * units);
        update(simd, zr, recurrent_zr, recurrent_zr, |g, h, _| {
            logistic(simd, simd.add_f32s(g, h))
        });
        let r = &zr[units..];
        update(simd, candidate, r, recurrent_h, |c, r, h| {
            tanh(simd, simd.add_f32s(c, simd.mul_f32s(r, h)))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every 4099th `f32` bit pattern of each sign up to `range`, the edges, and the values
    /// where the functions switch form, infinities and NaN.
    fn sweep(range: f32) -> Vec<f32> {
        let mut values: Vec<f32> = (0..range.to_bits())
            .step_by(4099)
            .flat_map(|bits| [f32::from_bits(bits), -f32::from_bits(bits)])
            .collect();
        values.extend([
            0.0, -0.0, 0.3, 0.299_999_98, -0.3, 43.5, 44.0, 87.0, -87.0, 88.0, -88.0, 1000.0,
            -1000.0, f32::INFINITY, f32::NEG_INFINITY, f32::NAN, f32::MIN_POSITIVE,
        ]);
        values
    }

    /// `f` over `values` at `simd`'s level, a register at a time.
    fn lanes<S: Simd>(simd: S, values: &[f32], f: impl Fn(S, S::f32s) -> S::f32s) -> Vec<f32> {
        let mut out = values.to_vec();
        let zeros = vec![0.0; values.len()];
        update(simd, &mut out, &zeros, &zeros, |v, _, _| f(simd, v));
        out
    }

    /// [`logistic`] (`is_logistic`) or [`tanh`] of `values` at every level this machine has:
    /// scalar, then AVX2 and AVX-512 where there are.
    fn at_every_level(values: &[f32], is_logistic: bool) -> Vec<Vec<f32>> {
        let mut found = vec![Simd::vectorize(pulp::Scalar::new(), Apply(values, is_logistic))];
        #[cfg(target_arch = "x86_64")]
        if let Some(simd) = pulp::x86::V3::try_new() {
            found.push(Simd::vectorize(simd, Apply(values, is_logistic)));
        }
        #[cfg(target_arch = "x86_64")]
        if let Some(simd) = pulp::x86::V4::try_new() {
            found.push(Simd::vectorize(simd, Apply(values, is_logistic)));
        }
        found
    }

    /// [`lanes`] of [`logistic`] (`true`) or [`tanh`] as a SIMD operation.
    struct Apply<'a>(&'a [f32], bool);
    impl WithSimd for Apply<'_> {
        type Output = Vec<f32>;
        fn with_simd<S: Simd>(self, simd: S) -> Vec<f32> {
            if self.1 {
                lanes(simd, self.0, logistic)
            } else {
                lanes(simd, self.0, tanh)
            }
        }
    }

    /// The same bits as `fast::logistic` and `fast::tanh` (through [`Sigmoid`] and [`Tanh`])
    /// for every value of the sweeps, at every level of this machine (scalar, AVX2, AVX-512).
    #[test]
    fn the_same_bits_as_the_scalar_functions() {
        let values = sweep(100.0);
        for found in at_every_level(&values, true) {
            for (found, &z) in found.iter().zip(&values) {
                let expected = Sigmoid.value(z);
                assert!(
                    found.to_bits() == expected.to_bits() || (found.is_nan() && expected.is_nan()),
                    "σ({z}): {found} against {expected}"
                );
            }
        }
        for found in at_every_level(&values, false) {
            for (found, &x) in found.iter().zip(&values) {
                let expected = Tanh.value(x);
                assert!(
                    found.to_bits() == expected.to_bits() || (found.is_nan() && expected.is_nan()),
                    "tanh({x}): {found} against {expected}"
                );
            }
        }
    }

    /// A GRU's gates, every width from 1 to 20 units (whole registers and partial ones), in
    /// `f32` and in `f64` (the scalar path), against the formulas value by value.
    #[test]
    fn gru_gates_value_by_value() {
        for units in 1..=20 {
            let input: Vec<f32> = (0..3 * units).map(|j| (j as f32 * 0.37).sin() * 3.0).collect();
            let recurrent: Vec<f32> =
                (0..3 * units).map(|j| (j as f32 * 0.71).cos() * 2.0).collect();
            let mut gates = input.clone();
            gru(&mut gates, &recurrent, units);
            let mut wide: Vec<f64> = input.iter().map(|&v| f64::from(v)).collect();
            let wide_recurrent: Vec<f64> = recurrent.iter().map(|&v| f64::from(v)).collect();
            gru(&mut wide, &wide_recurrent, units);
            for j in 0..2 * units {
                let expected = Sigmoid.value(input[j] + recurrent[j]);
                assert_eq!(gates[j].to_bits(), expected.to_bits(), "{units} units, gate {j}");
                let exact = 1.0 / (1.0 + (-(wide_recurrent[j] + f64::from(input[j]))).exp());
                assert!((wide[j] - exact).abs() < 1e-15, "{units} units, f64 gate {j}");
            }
            for j in 0..units {
                let r = gates[units + j];
                let expected = Tanh.value(input[2 * units + j] + r * recurrent[2 * units + j]);
                assert_eq!(
                    gates[2 * units + j].to_bits(),
                    expected.to_bits(),
                    "{units} units, candidate {j}"
                );
                let r = wide[units + j];
                let exact = (f64::from(input[2 * units + j]) + r * wide_recurrent[2 * units + j])
                    .tanh();
                assert!((wide[2 * units + j] - exact).abs() < 1e-15, "{units} units, f64 candidate {j}");
            }
        }
    }
}
