//! `e^x`, the logistic function and `tanh` in plain `f32` arithmetic, without branches or calls
//! into the platform's math library: within two units in the last place of the exact values
//! (tested against `f64` below), several times faster than the library's `tanhf`, and the same
//! on every platform, with or without `std`. The gates of the recurrent layers call them a few
//! times per unit and step, which is most of a streaming step's time.

/// Below this, `e^x` is less than the smallest normal `f32`: [`exp`] gives 0.
const EXP_MIN: f32 = -87.0;
/// Above this, [`exp`] stays at `e^88`, short of `f32::MAX`; only [`logistic`] and [`tanh`]
/// use it, for which that is already saturation.
const EXP_MAX: f32 = 88.0;

/// `|x|`, from the bits.
#[inline(always)]
fn abs(x: f32) -> f32 {
    f32::from_bits(x.to_bits() & 0x7fff_ffff)
}

/// `e^x` for `x ≤ 88` (larger `x` give `e^88`; `x < −87` gives 0; NaN gives NaN): Cody–Waite
/// reduction `x = n ln 2 + r`, `|r| ≤ ln 2 / 2`, Cephes's minimax polynomial for `e^r`, and
/// `2^n` built from its exponent bits.
///
/// Written for a short chain of dependent operations, which is what a one-sample pass waits
/// for: the polynomial by Estrin's scheme (three independent pairs, then two levels) instead
/// of Horner's six levels, and `2^n` from the bits of the rounded `x / ln 2` (no conversion to
/// an integer, which also lets a loop of them run in SIMD lanes).
#[inline(always)]
pub(crate) fn exp(x: f32) -> f32 {
    // NaN passes through `clamp`.
    let scaled = exp_clamped(x.clamp(EXP_MIN, EXP_MAX));
    if x < EXP_MIN { 0.0 } else { scaled }
}

/// `e^x` for `x` in `[EXP_MIN, EXP_MAX]` (or NaN), the body of [`exp`].
#[inline(always)]
fn exp_clamped(x: f32) -> f32 {
    let (q, t) = exp_parts(x);
    exp_scaled(q, t)
}

/// `q 2^n` from [`exp_parts`]'s `q` and `t`: [`exp_clamped`]'s last step.
#[inline(always)]
fn exp_scaled(q: f32, t: f32) -> f32 {
    // 2^n: `t = 1.5·2²³ + n` exactly, so its bits are those of 1.5·2²³ plus n, whose low nine
    // bits shifted into the exponent field (n + 127 is in [1, 254] for x in range) make 2^n.
    // For NaN, `q` is NaN and so is the product.
    let pow = f32::from_bits((t.to_bits() << 23).wrapping_add(127 << 23));
    q * pow
}

/// `e^x = q 2^n` for `x` in `[EXP_MIN, EXP_MAX]` (or NaN): `q = e^r` (`|r| ≤ ln 2 / 2`) and
/// `t = x·log₂e + 1.5·2²³`, whose low mantissa bits hold `n`.
#[inline(always)]
fn exp_parts(x: f32) -> (f32, f32) {
    // n = round(x / ln 2) by the 1.5·2²³ trick, with no rounding instruction: `t`'s low
    // mantissa bits hold n.
    let t = x * core::f32::consts::LOG2_E + ROUND;
    (exp_reduced(x, t), t)
}

/// `1.5·2²³`, added to `x / ln 2` to round it to an integer in the low mantissa bits.
const ROUND: f32 = 12_582_912.0;

/// The high part of ln 2 in the Cody–Waite reduction: exact in 9 bits, so that `n · LN2_HI`
/// is exact for every `n` of `exp`'s range.
const LN2_HI: f32 = 0.693_359_4;

/// `x − n · LN2_HI` as [`exp_reduced`] computes it, with a multiplication and a subtraction.
/// Both are exact (checked for every `f32` `x` in `[EXP_MIN, EXP_MAX]` with its `n`): the
/// value is that of one fused multiply-add, which [`logistic_with`] may use instead.
///
/// In a build for a CPU with fused multiply-adds (`-C target-cpu=native` on one, or
/// `-C target-feature=+fma`) it is that one operation: the same value, one operation and one
/// rounding step shorter in the chain of dependent operations of every logistic and `tanh` value
/// (a recurrent step waits for two such chains in turn), and one multiplication fewer on the
/// multiplying units, which the gates of an `lstm 16` step keep busiest. The default build
/// cannot assume the instruction and keeps the two operations.
#[inline(always)]
pub(crate) fn reduce_high(x: f32, n: f32) -> f32 {
    #[cfg(all(feature = "std", target_feature = "fma"))]
    return n.mul_add(-LN2_HI, x);
    #[cfg(not(all(feature = "std", target_feature = "fma")))]
    return x - n * LN2_HI;
}

/// [`exp_parts`]'s `q = e^r` from `x` and its `t = x·log₂e + 1.5·2²³`.
#[inline(always)]
fn exp_reduced(x: f32, t: f32) -> f32 {
    exp_reduced_with(x, t, reduce_high)
}

/// [`exp_reduced`], with `x − n · LN2_HI` computed by `high` (see [`reduce_high`]).
#[inline(always)]
fn exp_reduced_with(x: f32, t: f32, high: impl Fn(f32, f32) -> f32) -> f32 {
    let n = t - ROUND;
    // ln 2 in two parts, the first exact in few bits, so that `n · LN2_HI` is exact.
    let r = high(x, n) + n * 2.121_944_4e-4;
    // e^r = 1 + r + r² p(r), p of degree 5 by Estrin's scheme.
    let r2 = r * r;
    let r4 = r2 * r2;
    let low = 0.5 + 1.666_666_5e-1 * r;
    let middle = 4.166_579_6e-2 + 8.333_452e-3 * r;
    let high = 1.398_199_9e-3 + 1.987_569_1e-4 * r;
    let p = (low + r2 * middle) + r4 * high;
    (1.0 + r) + r2 * p
}

/// `e^{2a}` for `0 ≤ a ≤ 44` (or NaN) as `exp(2.0 * a)` computes it, to the bit, two operations
/// shorter in the chain of dependent operations that a recurrent step's `tanh` waits for (twice
/// a step in an LSTM: its cell candidate, then its new cell state): `2a` is exact, so
/// `2a · log₂e` rounds as `a · 2log₂e` does (`2log₂e` is exact too), and `2a`, which the
/// reduction also takes, is computed beside it; in that range `exp`'s clamp and its zero below
/// `EXP_MIN` do not apply. Larger `a` give meaningless values: [`tanh`] replaces them.
#[inline(always)]
fn exp_double(a: f32) -> f32 {
    let t = a * (2.0 * core::f32::consts::LOG2_E) + ROUND;
    exp_scaled(exp_reduced(2.0 * a, t), t)
}

/// The logistic function `1 / (1 + e^-z)`, for any `z`: exactly 0.5 at 0, 0 and 1 far out,
/// NaN for NaN. One division, rounded once: with `e^-|z| = q 2^n` (see [`exp_parts`]),
/// `σ(|z|) = 2^-n / (2^-n + q)` and `σ(−|z|) = q / (2^-n + q)`, so that nothing overflows.
///
/// `2^-n` comes from the bits of `t` beside the polynomial, instead of scaling `q` by `2^n`
/// after it: one multiplication less in the chain of dependent operations that ends a
/// one-sample pass through a sigmoid output. The quotient is that of `q 2^n / (1 + q 2^n)`
/// (numerator and denominator scaled by the same power of two, both normal), but where
/// `q 2^n` would have been subnormal (`z` below about −86.9).
#[inline(always)]
pub(crate) fn logistic(z: f32) -> f32 {
    logistic_with(z, reduce_high, inverse_power)
}

/// `2^-n` from the bits of `t = x·log₂e + 1.5·2²³` (see [`exp_scaled`]), for `n` in
/// `[-126, 0]`: `127 − n` is in `[127, 253]`.
#[inline(always)]
pub(crate) fn inverse_power(t: f32) -> f32 {
    f32::from_bits((127_u32 << 23).wrapping_sub(t.to_bits() << 23))
}

/// [`logistic`], with the reduction's `x − n · LN2_HI` computed by `high`: the same bits for
/// any `high` that computes [`reduce_high`]'s exact value, such as one fused multiply-add,
/// which is one operation shorter in the chain that ends a one-sample pass through a sigmoid
/// output (`Scalar::fast_logistic_in`).
#[inline(always)]
pub(crate) fn logistic_with(
    z: f32,
    high: impl Fn(f32, f32) -> f32,
    inverse_power: impl Fn(f32) -> f32,
) -> f32 {
    // −|z| ≤ 0: only the lower bound of `exp`'s range applies; below it, `q` and `t` are
    // meaningless and only the sign of `z` counts (NaN passes the comparison).
    let x = -abs(z);
    let t = x * core::f32::consts::LOG2_E + ROUND;
    let q = exp_reduced_with(x, t, high);
    let inverse = inverse_power(t);
    // The numerator picked by the sign bit, not by `z < 0.0` (the same choice but for −0, where
    // `q` and `inverse` are both exactly 1, and NaN, where the quotient is NaN either way): on
    // the same comparison as the saturation below, the compiler merged the two choices into one
    // after two divisions, `q` and `inverse` each divided by the denominator (seen in the
    // vectorized gate loops of an `lstm 16` step on AVX2: 12 `vdivps` for 6 registers of
    // logistic values), and division is the slowest operation here.
    let numerator = if (z.to_bits() as i32) < 0 { q } else { inverse };
    let sigma = numerator / (inverse + q);
    if x < EXP_MIN {
        if z < 0.0 { 0.0 } else { 1.0 }
    } else {
        sigma
    }
}

/// `tanh x`, for any `x`: odd, exactly 0 at 0, ±1 far out, NaN for NaN.
#[inline(always)]
pub(crate) fn tanh(x: f32) -> f32 {
    let a = abs(x);
    // Near 0, the Taylor series; beyond, 1 − 2 / (e^{2|x|} + 1), whose cancellation costs at
    // most two bits there.
    let small = tanh_series(x);
    let large = 1.0 - 2.0 / (exp_double(a) + 1.0);
    // Past 44, `exp` clamps `2|x|` to 88, where `1 − 2 / (e⁸⁸ + 1)` rounds to 1: chosen after
    // the division (off the chain of dependent operations) instead of clamping before it. NaN
    // fails the comparison and stays NaN.
    let large = if a > EXP_MAX / 2.0 { 1.0 } else { large };
    let large = f32::from_bits(large.to_bits() | (x.to_bits() & 0x8000_0000));
    if a < 0.3 { small } else { large }
}

/// `tanh x` near 0 (`|x| < 0.3`): the Taylor series to x¹¹ (the next term is below 2·10⁻¹⁰
/// there).
#[inline(always)]
fn tanh_series(x: f32) -> f32 {
    let x2 = x * x;
    x * (1.0
        + x2 * (-0.333_333_34
            + x2 * (0.133_333_34
                + x2 * (-0.053_968_254 + x2 * (0.021_869_488 + x2 * -0.008_863_236)))))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Units in the last place between `found` and the exact `expected`.
    fn ulps(found: f32, expected: f64) -> f64 {
        let spacing = f64::from(f32::EPSILON) * expected.abs().max(f64::from(f32::MIN_POSITIVE));
        (f64::from(found) - expected).abs() / spacing
    }

    /// Every 997th `f32` bit pattern of each sign in `[-range, range]`, plus the edges.
    fn sweep(range: f32) -> impl Iterator<Item = f32> {
        let top = range.to_bits();
        (0..top)
            .step_by(997)
            .chain([top])
            .flat_map(|bits| [f32::from_bits(bits), -f32::from_bits(bits)])
    }

    #[test]
    fn exp_is_within_two_ulps() {
        let worst = sweep(87.0)
            .map(|x| ulps(exp(x), f64::from(x).exp()))
            .fold(0.0, f64::max);
        assert!(worst <= 2.0, "exp: {worst} ulps");
    }

    /// The relative error of [`exp`] against `f64`'s over a dense grid of its whole range
    /// (steps of 2⁻¹², about 720,000 points, each of them off the bit patterns the sweep above
    /// takes), and of [`logistic`] over `[-87, 87]`: at most 2.5 · 10⁻⁷, two `f32` epsilons.
    #[test]
    fn exp_and_logistic_relative_errors_over_a_dense_grid() {
        let step = 1.0 / 4096.0;
        let (mut worst_exp, mut worst_logistic) = (0.0_f64, 0.0_f64);
        let mut x = f64::from(EXP_MIN);
        while x <= f64::from(EXP_MAX) {
            let xf = x as f32;
            let exact = f64::from(xf).exp();
            worst_exp = worst_exp.max((f64::from(exp(xf)) - exact).abs() / exact);
            if xf.abs() <= 87.0 {
                let exact = 1.0 / (1.0 + (-f64::from(xf)).exp());
                let found = f64::from(logistic(xf));
                worst_logistic = worst_logistic.max((found - exact).abs() / exact);
            }
            x += step;
        }
        assert!(worst_exp <= 2.5e-7, "exp: relative error {worst_exp:e}");
        assert!(
            worst_logistic <= 2.5e-7,
            "logistic: relative error {worst_logistic:e}"
        );
    }

    #[test]
    fn logistic_is_within_two_ulps() {
        let mut worst = 0.0_f64;
        for z in sweep(100.0) {
            let exact = 1.0 / (1.0 + (-f64::from(z)).exp());
            if exact >= 1e-37 {
                worst = worst.max(ulps(logistic(z), exact));
            } else {
                // Where σ is about the smallest normal f32 or less, 0 is as close as it gets.
                assert!((f64::from(logistic(z)) - exact).abs() <= 2e-38, "σ({z})");
            }
        }
        assert!(worst <= 2.0, "logistic: {worst} ulps");
    }

    #[test]
    fn tanh_is_within_three_ulps() {
        let worst = sweep(20.0)
            .map(|x| ulps(tanh(x), f64::from(x).tanh()))
            .fold(0.0, f64::max);
        assert!(worst <= 3.0, "tanh: {worst} ulps");
    }

    /// [`tanh`] as it was written before [`exp_double`]: `1 − 2 / (exp(2|x|) + 1)` with `exp`'s
    /// clamp, beyond the series.
    fn tanh_through_exp(x: f32) -> f32 {
        let a = abs(x);
        let small = tanh_series(x);
        let large = 1.0 - 2.0 / (exp(2.0 * a) + 1.0);
        let large = f32::from_bits(large.to_bits() | (x.to_bits() & 0x8000_0000));
        if a < 0.3 { small } else { large }
    }

    /// [`tanh`] gives the bits of `1 − 2 / (exp(2|x|) + 1)` through the clamped [`exp`]: every
    /// 997th bit pattern of each sign (NaNs among them; every pattern passed once in a release
    /// build), the clamp's edge (44 and its neighbours), the subnormals' and infinity.
    #[test]
    fn tanh_through_exp_double_is_tanh_through_exp_to_the_bit() {
        let edges = [
            0.0,
            f32::MIN_POSITIVE,
            43.999_996,
            44.0,
            44.000_004,
            f32::INFINITY,
        ];
        for a in (0..=u32::MAX >> 1)
            .step_by(997)
            .map(f32::from_bits)
            .chain(edges)
        {
            for x in [a, -a] {
                let (found, expected) = (tanh(x), tanh_through_exp(x));
                assert!(
                    found.to_bits() == expected.to_bits() || (found.is_nan() && expected.is_nan()),
                    "x = {x:e}: {found:e} against {expected:e}"
                );
            }
        }
    }

    /// `x − n · LN2_HI` by a fused multiply-add (in `f64`, where the product and the sum are
    /// exact, then rounded once: the fused value) against [`reduce_high`], and
    /// [`logistic_with`] through it against [`logistic`], to the bit: every 997th bit pattern
    /// of each sign up to 100 (every `f32` of `[EXP_MIN, EXP_MAX]` passed once, by a scratch
    /// program with the hardware's fused multiply-add), the edges, NaN and the infinities.
    #[test]
    fn fused_reduction_gives_the_same_bits() {
        let fused = |x: f32, n: f32| (f64::from(x) - f64::from(n) * f64::from(LN2_HI)) as f32;
        let edges = [
            0.0,
            EXP_MIN,
            EXP_MAX,
            0.346_573_6,
            0.346_68,
            f32::INFINITY,
            f32::NAN,
        ];
        for z in sweep(100.0).chain(edges).chain(edges.map(|e| -e)) {
            let x = -abs(z);
            if x >= EXP_MIN {
                let n = x * core::f32::consts::LOG2_E + ROUND - ROUND;
                assert_eq!(
                    fused(x, n).to_bits(),
                    reduce_high(x, n).to_bits(),
                    "x = {x:e}"
                );
            }
            let (found, expected) = (logistic_with(z, fused, inverse_power), logistic(z));
            assert!(
                found.to_bits() == expected.to_bits() || (found.is_nan() && expected.is_nan()),
                "z = {z:e}: {found:e} against {expected:e}"
            );
        }
    }

    #[test]
    fn edges_and_non_finite_values() {
        assert_eq!(logistic(0.0), 0.5);
        assert_eq!(logistic(-1000.0), 0.0);
        assert_eq!(logistic(1000.0), 1.0);
        assert_eq!(logistic(f32::NEG_INFINITY), 0.0);
        assert_eq!(logistic(f32::INFINITY), 1.0);
        assert!(logistic(f32::NAN).is_nan());
        assert_eq!(tanh(0.0), 0.0);
        assert!(tanh(-0.0).is_sign_negative());
        assert_eq!(tanh(50.0), 1.0);
        assert_eq!(tanh(f32::NEG_INFINITY), -1.0);
        assert!(tanh(f32::NAN).is_nan());
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-100.0), 0.0);
        assert!(exp(f32::NAN).is_nan());
        // Continuous at the switch between the two forms of tanh, and odd.
        let (below, above) = (tanh(0.299_999_98), tanh(0.3));
        assert!((above - below).abs() < 1e-7, "{below} {above}");
        assert_eq!(tanh(-0.7), -tanh(0.7));
    }
}
