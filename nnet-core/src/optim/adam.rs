//! Adam (Keras `Adam`): its settings, and the update and state it shares with
//! [`AdamW`](crate::optim::AdamW).

use crate::optim::slots::Slots;
use crate::optim::with_state::learning_rate_and_clip;
use crate::optim::{Clip, OptimizerConfig, WithState, check, held};
use crate::{Parameters, Result, Scalar};

/// Adam (Kingma & Ba, 2015), as Keras computes it: [`AdamConfig`] and the moments.
///
/// With gradient `g`, learning rate `η`, step `t = 1, 2, …`, and moments `m`, `v` starting at
/// zero:
///
/// ```text
/// m   ← β₁ m + (1 − β₁) g
/// v   ← β₂ v + (1 − β₂) g²
/// η_t = η · sqrt(1 − β₂ᵗ) / (1 − β₁ᵗ)
/// w   ← w − η_t · m / (sqrt(v) + ε)
/// ```
///
/// With `amsgrad`, `v̂ ← max(v̂, v)` replaces `v` in the last line. The bias correction is folded
/// into `η_t`, so `ε` is Keras's "epsilon hat" and not the `ε` of the paper's algorithm 1.
/// Moments are allocated on the first step and reused.
///
/// # Examples
///
/// ```
/// use nnet_core::optim::{Adam, Optimizer};
/// use nnet_core::{DenseGradient, Parameters};
///
/// let mut adam = Adam::with_learning_rate(0.1);
/// let mut params = DenseGradient::<1, 1>::zeroed();
/// let mut grads = DenseGradient::<1, 1>::zeroed();
/// grads.tensor_mut(0)[0] = 4.0;
/// adam.step(&mut params, &mut grads);
/// // The first step moves each weight by about η, whatever the gradient's scale.
/// assert!((params.tensor(0)[0] + 0.1).abs() < 1e-6);
/// assert_eq!(adam.iterations(), 1);
/// ```
pub type Adam = WithState<AdamConfig>;

/// The settings of [`Adam`], with Keras's names and defaults.
///
/// # Examples
///
/// ```
/// use nnet_core::optim::{Adam, AdamConfig};
///
/// let adam = Adam::new(AdamConfig { beta_1: 0.5, ..AdamConfig::default() });
/// assert_eq!((adam.config.learning_rate, adam.config.beta_1), (0.001, 0.5));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamConfig {
    /// Learning rate `η`, positive. Default 0.001 (Keras).
    pub learning_rate: f64,
    /// Decay rate `β₁` of the first moment, in `[0, 1)`. Default 0.9.
    pub beta_1: f64,
    /// Decay rate `β₂` of the second moment, in `[0, 1)`. Default 0.999.
    pub beta_2: f64,
    /// `ε`, positive, keeps the denominator away from zero. Default 1e-7 (Keras; PyTorch uses
    /// 1e-8).
    pub epsilon: f64,
    /// Whether to use the AMSGrad variant (Reddi et al., 2018). Default `false`.
    pub amsgrad: bool,
    /// Gradient clipping applied at the start of each step. Default `None`.
    pub clip: Option<Clip>,
}

impl Default for AdamConfig {
    /// Keras's defaults: learning rate 0.001, β₁ 0.9, β₂ 0.999, ε 1e-7, no AMSGrad, no clipping.
    fn default() -> Self {
        Self {
            learning_rate: 0.001,
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
            amsgrad: false,
            clip: None,
        }
    }
}

impl OptimizerConfig for AdamConfig {
    type State = AdamState;

    learning_rate_and_clip!();

    fn validate(&self) -> Result<()> {
        check::learning_rate_and_clip(self.learning_rate, self.clip)?;
        check::unit_half_open(
            "beta_1",
            self.beta_1,
            "use a beta_1 in [0, 1), such as 0.9 (the default)",
        )?;
        check::unit_half_open(
            "beta_2",
            self.beta_2,
            "use a beta_2 in [0, 1), such as 0.999 (the default)",
        )?;
        check::positive(
            "epsilon",
            self.epsilon,
            "use a small positive epsilon, such as 1e-7 (the default)",
        )
    }

    fn update<T: Scalar, P: Parameters<T>, G: Parameters<T>>(
        &self,
        s: &mut AdamState,
        params: &mut P,
        grads: &G,
    ) {
        self.run(s, params, grads, None);
    }

    /// Without AMSGrad, saving, updating and checking each weight in one pass.
    fn update_saving<T: Scalar, P: Parameters<T>, G: Parameters<T>>(
        &self,
        s: &mut AdamState,
        params: &mut P,
        grads: &G,
        previous: &mut P,
    ) -> bool {
        if self.amsgrad {
            previous.copy_from(params);
            self.update(s, params, grads);
            return P::trainable().all(|i| crate::params::all_finite(params.tensor(i)));
        }
        self.run(s, params, grads, Some(previous))
    }
}

impl AdamConfig {
    /// One update; with `previous` (only without AMSGrad), saving every tensor of `params` into
    /// it first, value by value in the update's pass. Returns whether the updated trainable
    /// tensors are all finite (always `true` without `previous`, which checks nothing).
    fn run<T: Scalar, P: Parameters<T>, G: Parameters<T>>(
        &self,
        s: &mut AdamState,
        params: &mut P,
        grads: &G,
        mut previous: Option<&mut P>,
    ) -> bool {
        if !(s.m.fits(params) && s.v.fits(params)) {
            s.m.allocate(params, T::zero());
            s.v.allocate(params, T::zero());
            s.v_hat.clear();
            s.iterations = 0;
        }
        if self.amsgrad && !s.v_hat.fits(params) {
            s.v_hat.allocate(params, T::zero());
        }

        // The per-step scalars in f64, the per-value arithmetic in T; `1 − β` in T, from β as
        // T holds it (Keras computes it in the variable's dtype too).
        let t = i32::try_from(s.iterations.saturating_add(1)).unwrap_or(i32::MAX);
        let (b1, b2) = (held::<T>(self.beta_1), held::<T>(self.beta_2));
        let alpha = T::of_f64(
            held::<T>(self.learning_rate) * (1.0 - b2.powi(t)).sqrt() / (1.0 - b1.powi(t)),
        );
        let (c1, c2, eps) = (
            T::one() - T::of_f64(self.beta_1),
            T::one() - T::of_f64(self.beta_2),
            T::of_f64(self.epsilon),
        );

        let coefficients = Coefficients { c1, c2, alpha, eps };
        let mut finite = true;
        for i in 0..P::TENSORS {
            let trainable = P::tensor_info(i).is_some_and(|t| t.trainable);
            let saved = previous.as_mut().map(|p| p.tensor_mut(i));
            if !trainable {
                if let Some(saved) = saved {
                    saved.copy_from_slice(params.tensor(i));
                }
                continue;
            }
            let (w, g) = (params.tensor_mut(i), grads.tensor(i));
            let (m, v) = (s.m.get_mut(i), s.v.get_mut(i));
            if self.amsgrad {
                let v_hat = s.v_hat.get_mut::<T>(i);
                for ((((w, &g), m), v), v_hat) in w.iter_mut().zip(g).zip(m).zip(v).zip(v_hat) {
                    *m += (g - *m) * c1;
                    *v += (g * g - *v) * c2;
                    *v_hat = v_hat.max(*v);
                    *w -= alpha * *m / (v_hat.sqrt() + eps);
                }
            } else {
                finite &= adam_tensor(coefficients, w, g, m, v, saved);
            }
        }
        s.iterations = s.iterations.saturating_add(1);
        finite
    }
}

/// The per-step scalars of Adam's update, in the network's scalar.
#[derive(Clone, Copy)]
struct Coefficients<T> {
    /// `1 − β₁`.
    c1: T,
    /// `1 − β₂`.
    c2: T,
    /// `η_t`, the bias-corrected learning rate.
    alpha: T,
    eps: T,
}

impl<T: Scalar> Coefficients<T> {
    /// The update of one weight, its gradient and moments: the arithmetic of [`Adam`], which
    /// the registers of [`AdamPass`] repeat lane by lane.
    #[inline(always)]
    fn one(self, w: &mut T, g: T, m: &mut T, v: &mut T) {
        *m += (g - *m) * self.c1;
        *v += (g * g - *v) * self.c2;
        *w -= self.alpha * *m / (v.sqrt() + self.eps);
    }
}

/// Tensors of at least this many values are updated by two threads, half each.
#[cfg(feature = "parallel")]
const PARALLEL_MIN: usize = 1 << 14;

/// Adam's update (without AMSGrad) of one tensor `w` from its gradient `g` and moments `m`,
/// `v`, saving `w` into `saved` first if given: in the widest registers of this machine, and in
/// two halves on two threads for large tensors. Each value is computed alone, by the same
/// operations in the same order as [`Coefficients::one`] (no fused multiply-add; division and
/// square root are correctly rounded in registers as in scalar code), so the bits are the same
/// at every level and split. Returns whether the updated `w` is finite (with `saved`; else
/// `true`).
fn adam_tensor<T: Scalar>(
    c: Coefficients<T>,
    w: &mut [T],
    g: &[T],
    m: &mut [T],
    v: &mut [T],
    saved: Option<&mut [T]>,
) -> bool {
    let len = w.len().min(g.len()).min(m.len()).min(v.len());
    let len = saved.as_ref().map_or(len, |s| len.min(s.len()));
    let (w, g, m, v) = (&mut w[..len], &g[..len], &mut m[..len], &mut v[..len]);
    let saved = saved.map(|s| &mut s[..len]);
    #[cfg(feature = "parallel")]
    if len >= PARALLEL_MIN {
        // A multiple of 64 values: whole registers at every level, on cache lines apart.
        let half = (len / 2).div_ceil(64) * 64;
        let (w0, w1) = w.split_at_mut(half);
        let (g0, g1) = g.split_at(half);
        let (m0, m1) = m.split_at_mut(half);
        let (v0, v1) = v.split_at_mut(half);
        let (s0, s1) = match saved {
            Some(s) => {
                let (s0, s1) = s.split_at_mut(half);
                (Some(s0), Some(s1))
            }
            None => (None, None),
        };
        let (f0, f1) = rayon::join(
            || {
                crate::simd::dispatch_wide(AdamPass {
                    c,
                    w: w0,
                    g: g0,
                    m: m0,
                    v: v0,
                    saved: s0,
                })
            },
            || {
                crate::simd::dispatch_wide(AdamPass {
                    c,
                    w: w1,
                    g: g1,
                    m: m1,
                    v: v1,
                    saved: s1,
                })
            },
        );
        return f0 && f1;
    }
    crate::simd::dispatch_wide(AdamPass {
        c,
        w,
        g,
        m,
        v,
        saved,
    })
}

/// One register of weights `w` updated from gradients `g` and moments `m`, `v`, with `k` holding
/// `1 − β₁`, `1 − β₂`, `η_t` and `ε` in every lane: `m += (g − m) c₁; v += (g² − v) c₂;
/// w −= α m / (√v + ε)`, as [`Coefficients::one`] lane by lane. (A function, not a closure: a
/// closure is not compiled with the target features of the dispatch, and not inlined into it.)
#[inline(always)]
fn adam_registers<T: Scalar, S: pulp::Simd>(
    simd: S,
    k: [T::Reg<S>; 4],
    w: T::Reg<S>,
    g: T::Reg<S>,
    m: &mut T::Reg<S>,
    v: &mut T::Reg<S>,
) -> T::Reg<S> {
    let [c1, c2, alpha, eps] = k;
    *m = T::add_reg(simd, *m, T::mul_reg(simd, T::sub_reg(simd, g, *m), c1));
    let g2 = T::mul_reg(simd, g, g);
    *v = T::add_reg(simd, *v, T::mul_reg(simd, T::sub_reg(simd, g2, *v), c2));
    let step = T::div_reg(
        simd,
        T::mul_reg(simd, alpha, *m),
        T::add_reg(simd, T::sqrt_reg(simd, *v), eps),
    );
    T::sub_reg(simd, w, step)
}

/// Adam's update of one tensor (or part of one) in registers, saving the weights first into
/// `saved` if given, and telling whether the updated weights are finite (if saving).
struct AdamPass<'a, T> {
    c: Coefficients<T>,
    w: &'a mut [T],
    g: &'a [T],
    m: &'a mut [T],
    v: &'a mut [T],
    saved: Option<&'a mut [T]>,
}

impl<T: Scalar> pulp::WithSimd for AdamPass<'_, T> {
    type Output = bool;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, simd: S) -> bool {
        let Self {
            c,
            w,
            g,
            m,
            v,
            saved,
        } = self;
        let k = [
            T::splat_reg(simd, c.c1),
            T::splat_reg(simd, c.c2),
            T::splat_reg(simd, c.alpha),
            T::splat_reg(simd, c.eps),
        ];
        let (w_regs, w_tail) = T::as_mut_simd::<S>(w);
        let (g_regs, g_tail) = T::as_simd::<S>(g);
        let (m_regs, m_tail) = T::as_mut_simd::<S>(m);
        let (v_regs, v_tail) = T::as_mut_simd::<S>(v);
        let registers = w_regs.iter_mut().zip(g_regs).zip(m_regs).zip(v_regs);
        let tail = w_tail.iter_mut().zip(g_tail).zip(m_tail).zip(v_tail);
        let Some(saved) = saved else {
            for (((w, &g), m), v) in registers {
                *w = adam_registers::<T, S>(simd, k, *w, g, m, v);
            }
            for (((w, &g), m), v) in tail {
                c.one(w, g, m, v);
            }
            return true;
        };
        let (s_regs, s_tail) = T::as_mut_simd::<S>(saved);
        // `w − w` is zero for a finite `w`, NaN otherwise.
        let mut sum = T::splat_reg(simd, T::zero());
        for ((((w, &g), m), v), s) in registers.zip(s_regs) {
            *s = *w;
            *w = adam_registers::<T, S>(simd, k, *w, g, m, v);
            sum = T::add_reg(simd, sum, T::sub_reg(simd, *w, *w));
        }
        let mut finite = T::reduce_sum(simd, sum) == T::zero();
        for ((((w, &g), m), v), s) in tail.zip(s_tail) {
            *s = *w;
            c.one(w, g, m, v);
            finite &= w.is_finite();
        }
        finite
    }
}

/// The moments and step count of [`Adam`] and [`AdamW`](crate::optim::AdamW).
///
/// Public only as their state; nothing outside the crate can name or change it.
#[derive(Debug, Clone, Default)]
pub struct AdamState {
    m: Slots,
    v: Slots,
    v_hat: Slots,
    iterations: u64,
}

impl<C: OptimizerConfig<State = AdamState>> WithState<C> {
    /// Number of steps taken since creation or the last [`reset`](WithState::reset) (Keras
    /// `optimizer.iterations`); step `t` of Adam's formula is `iterations() + 1`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::{Adam, AdamW, Optimizer};
    /// use nnet_core::DenseGradient;
    ///
    /// let mut adam = Adam::default();
    /// let (mut w, mut g) = (DenseGradient::<2, 2>::zeroed(), DenseGradient::<2, 2>::zeroed());
    /// adam.step(&mut w, &mut g);
    /// assert_eq!(adam.iterations(), 1);
    /// adam.reset();
    /// assert_eq!(adam.iterations(), 0);
    /// assert_eq!(AdamW::default().iterations(), 0);
    /// ```
    pub fn iterations(&self) -> u64 {
        self.state.iterations
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::optim::test_support::{
        assert_same_trajectory, assert_same_trajectory_f64, assert_validation, reference, run,
        run_f64,
    };

    /// Keras's Adam written out in f64, with decoupled weight decay `wd` (0 for Adam) applied
    /// first as Keras's AdamW does.
    pub(crate) fn keras_adam(
        lr: f64,
        b1: f64,
        b2: f64,
        eps: f64,
        amsgrad: bool,
        wd: f64,
    ) -> Vec<Vec<f64>> {
        let (mut m, mut v, mut v_hat) = (Vec::new(), Vec::new(), Vec::new());
        reference(|t, w, g| {
            m.resize(w.len(), 0.0);
            v.resize(w.len(), 0.0);
            v_hat.resize(w.len(), 0.0);
            let t = t as i32;
            let lr_t = lr * (1.0 - b2.powi(t)).sqrt() / (1.0 - b1.powi(t));
            for i in 0..w.len() {
                w[i] -= lr * wd * w[i];
                m[i] = b1 * m[i] + (1.0 - b1) * g[i];
                v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i];
                v_hat[i] = f64::max(v_hat[i], v[i]);
                let denominator = if amsgrad { v_hat[i] } else { v[i] };
                w[i] -= lr_t * m[i] / (denominator.sqrt() + eps);
            }
        })
    }

    /// AMSGrad with learning rate 0.05 and β₂ = 0.5: β₂ forgets fast, so `v` falls below its
    /// running maximum and AMSGrad differs from Adam.
    pub(crate) fn amsgrad_config() -> AdamConfig {
        AdamConfig {
            learning_rate: 0.05,
            beta_2: 0.5,
            amsgrad: true,
            ..AdamConfig::default()
        }
    }

    #[test]
    fn adam_matches_reference() {
        let defaults = AdamConfig::default();
        let custom = AdamConfig {
            learning_rate: 0.05,
            beta_1: 0.5,
            beta_2: 0.75,
            epsilon: 1e-3,
            ..defaults
        };
        let amsgrad = amsgrad_config();
        for (config, expected) in [
            (defaults, keras_adam(0.001, 0.9, 0.999, 1e-7, false, 0.0)),
            (custom, keras_adam(0.05, 0.5, 0.75, 1e-3, false, 0.0)),
            (amsgrad, keras_adam(0.05, 0.9, 0.5, 1e-7, true, 0.0)),
        ] {
            assert_same_trajectory(&run(&mut Adam::new(config)), &expected);
        }
        let plain = keras_adam(0.05, 0.9, 0.5, 1e-7, false, 0.0);
        assert_ne!(
            plain.last(),
            keras_adam(0.05, 0.9, 0.5, 1e-7, true, 0.0).last()
        );
    }

    /// Issue 21: with settings kept in `f32`, an `f64` network's Adam used `1 − β₂` =
    /// 0.000999987 and `ε` = 1.0000000116e-7, 1e-5 away from Keras in float64.
    #[test]
    fn adam_in_f64_matches_keras_in_float64() {
        let custom = AdamConfig {
            learning_rate: 0.05,
            beta_1: 0.7,
            beta_2: 0.99,
            epsilon: 1e-3,
            ..AdamConfig::default()
        };
        for (config, expected) in [
            (
                AdamConfig::default(),
                keras_adam(0.001, 0.9, 0.999, 1e-7, false, 0.0),
            ),
            (custom, keras_adam(0.05, 0.7, 0.99, 1e-3, false, 0.0)),
            (
                amsgrad_config(),
                keras_adam(0.05, 0.9, 0.5, 1e-7, true, 0.0),
            ),
        ] {
            assert_same_trajectory_f64(&run_f64(&mut Adam::new(config)), &expected);
        }
    }

    /// Settings in `f64` leave an `f32` network's Adam bit for bit what it was with `f32`
    /// settings: the update written out with `f32` settings and `f32` arithmetic.
    #[test]
    fn adam_in_f32_is_bit_identical_to_f32_settings() {
        let (lr, b1, b2, eps) = (0.05_f32, 0.7_f32, 0.99_f32, 1e-3_f32);
        let mut adam = Adam::new(AdamConfig {
            learning_rate: 0.05,
            beta_1: 0.7,
            beta_2: 0.99,
            epsilon: 1e-3,
            ..AdamConfig::default()
        });
        let got = run(&mut adam);
        let mut w: Vec<f32> = crate::optim::test_support::initial()
            .iter()
            .map(|&v| v as f32)
            .collect();
        let (mut m, mut v) = (vec![0.0_f32; 8], vec![0.0_f32; 8]);
        for (t, got) in (1..).zip(&got) {
            let g = crate::optim::test_support::gradient(t as usize);
            let (b1d, b2d) = (f64::from(b1), f64::from(b2));
            let alpha = (f64::from(lr) * (1.0 - b2d.powi(t)).sqrt() / (1.0 - b1d.powi(t))) as f32;
            for i in 0..8 {
                let g = g[i] as f32;
                m[i] += (g - m[i]) * (1.0 - b1);
                v[i] += (g * g - v[i]) * (1.0 - b2);
                w[i] -= alpha * m[i] / (v[i].sqrt() + eps);
            }
            let expected: Vec<f64> = w.iter().map(|&x| f64::from(x)).collect();
            assert_eq!(got, &expected, "step {t}");
        }
    }

    #[test]
    fn adam_clips_before_the_update() {
        // Adam's first step is η g / (|g| + ε / sqrt(1 − β₂)): about η · sign(g), so a step
        // smaller than η shows the gradient was clipped to ±0.1 before the moments saw it.
        let mut adam = Adam::new(AdamConfig {
            learning_rate: 0.01,
            clip: Some(Clip::Value(0.1)),
            ..AdamConfig::default()
        });
        let trajectory = run(&mut adam);
        let first = &trajectory[0];
        let w0 = crate::optim::test_support::initial();
        let g1 = crate::optim::test_support::gradient(1);
        for i in 0..w0.len() {
            let g = g1[i].clamp(-0.1, 0.1);
            let expected = w0[i] - 0.01 * g / (g.abs() + 1e-7 / 0.001_f64.sqrt());
            assert!((first[i] - expected).abs() < 1e-6, "{i}");
        }
    }

    /// The update in registers (and, for a long tensor, in two halves on two threads) gives
    /// the bits of the update written out value by value, registers and leftover values alike.
    #[test]
    fn adam_tensor_is_bit_identical_to_the_scalar_update() {
        fn check<T: Scalar>(len: usize) {
            let c = Coefficients {
                c1: T::one() - T::of_f64(0.9),
                c2: T::one() - T::of_f64(0.999),
                alpha: T::of_f64(0.0013),
                eps: T::of_f64(1e-7),
            };
            let value = |i: usize, scale: f64| {
                T::of_f64(((i * 7919) % 1013) as f64 / 1013.0 * scale - scale / 2.0)
            };
            let mut w: Vec<T> = (0..len).map(|i| value(i, 2.0)).collect();
            let g: Vec<T> = (0..len).map(|i| value(i + 3, 0.5)).collect();
            let mut m: Vec<T> = (0..len).map(|i| value(i + 5, 0.1)).collect();
            let mut v: Vec<T> = (0..len).map(|i| value(i + 11, 0.01).abs()).collect();
            let (mut w2, mut m2, mut v2) = (w.clone(), m.clone(), v.clone());
            for _ in 0..3 {
                adam_tensor(c, &mut w, &g, &mut m, &mut v, None);
                for i in 0..len {
                    c.one(&mut w2[i], g[i], &mut m2[i], &mut v2[i]);
                }
            }
            let bits = |x: &[T]| x.iter().map(|v| v.as_f64().to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&w), bits(&w2), "w, {len} values");
            assert_eq!(bits(&m), bits(&m2), "m, {len} values");
            assert_eq!(bits(&v), bits(&v2), "v, {len} values");
        }
        for len in [0, 1, 7, 17, 100, (1 << 14) + 37] {
            check::<f32>(len);
            check::<f64>(len);
        }
    }

    #[test]
    fn adam_state_is_allocated_once() {
        let mut adam = Adam::new(AdamConfig {
            amsgrad: true,
            ..AdamConfig::default()
        });
        run(&mut adam);
        let pointers = |a: &Adam| {
            [
                a.state.m.get::<f32>(1).as_ptr(),
                a.state.v.get::<f32>(1).as_ptr(),
                a.state.v_hat.get::<f32>(1).as_ptr(),
            ]
        };
        let before = pointers(&adam);
        run(&mut adam);
        assert_eq!(pointers(&adam), before);
        assert_eq!(adam.iterations(), 12);
    }

    #[test]
    fn adam_validate() {
        assert_validation(
            AdamConfig::default(),
            &[|c| c.beta_1 = 0.0],
            &[
                (|c| c.learning_rate = 0.0, "learning_rate"),
                (|c| c.learning_rate = f64::NAN, "learning_rate"),
                (|c| c.beta_1 = 1.0, "beta_1"),
                (|c| c.beta_1 = -0.1, "beta_1"),
                (|c| c.beta_2 = 1.0, "beta_2"),
                (|c| c.beta_2 = f64::NAN, "beta_2"),
                (|c| c.epsilon = 0.0, "epsilon"),
                (|c| c.epsilon = -1e-7, "epsilon"),
                (|c| c.clip = Some(Clip::Value(-1.0)), "clipvalue"),
            ],
        );
    }
}
