//! The hand-written baseline of the streaming benchmarks: one step of a GRU or LSTM of `U` units
//! over one input, then a dense layer to one output, on plain fixed arrays.
//!
//! Written for speed, as one would write a single model by hand in Rust: weights in
//! `[f32; U]` rows with the units innermost (the order the compiler vectorizes without
//! reordering sums), the input and the recurrent product of every gate in one pass over `h`,
//! the biases of a GRU's update and reset gates added together once. No library, no explicit
//! SIMD. The gate functions come from a [`Math`]: [`Fast`], a copy of the branch-free `exp`,
//! logistic and `tanh` in plain `f32` arithmetic that nnet uses (`nnet-core/src/activation/
//! fast.rs`), so that nnet and the baseline do the same arithmetic; or [`Libm`], the standard
//! library's `exp` and `tanh`, to show what those cost.

// Indexed loops over fixed sizes, as written by hand.
#![allow(clippy::needless_range_loop)]

use nnet::Parameters;

/// The logistic function and `tanh` of a baseline.
pub trait Math {
    fn sigmoid(z: f32) -> f32;
    fn tanh(x: f32) -> f32;
}

/// The standard library's `exp` and `tanh`: `1 / (1 + e^(−z))` and `f32::tanh`.
pub struct Libm;

impl Math for Libm {
    #[inline(always)]
    fn sigmoid(z: f32) -> f32 {
        1.0 / (1.0 + (-z).exp())
    }
    #[inline(always)]
    fn tanh(x: f32) -> f32 {
        x.tanh()
    }
}

/// nnet's polynomial `exp` (Cody–Waite reduction, Cephes's minimax polynomial), logistic and
/// `tanh`, copied.
pub struct Fast;

#[inline(always)]
fn fast_exp(x: f32) -> f32 {
    let clamped = x.clamp(-87.0, 88.0);
    const ROUND: f32 = 12_582_912.0;
    let n = (clamped * core::f32::consts::LOG2_E + ROUND) - ROUND;
    let r = clamped - n * 0.693_359_4 + n * 2.121_944_4e-4;
    let p = ((((1.987_569_1e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r
        + 1.666_666_5e-1)
        * r
        + 0.5;
    let e = p * (r * r) + r + 1.0;
    let scaled = e * f32::from_bits(((n as i32 + 127) as u32) << 23);
    if x < -87.0 { 0.0 } else { scaled }
}

impl Math for Fast {
    #[inline(always)]
    fn sigmoid(z: f32) -> f32 {
        let e = fast_exp(-z.abs());
        let s = 1.0 / (1.0 + e);
        if z < 0.0 { e * s } else { s }
    }
    #[inline(always)]
    fn tanh(x: f32) -> f32 {
        let a = x.abs();
        let x2 = x * x;
        let small = x
            * (1.0
                + x2 * (-0.333_333_34
                    + x2 * (0.133_333_34
                        + x2 * (-0.053_968_254 + x2 * (0.021_869_488 + x2 * -0.008_863_236)))));
        let large = (1.0 - 2.0 / (fast_exp(2.0 * a) + 1.0)).copysign(x);
        if a < 0.3 { small } else { large }
    }
}

/// A GRU of `U` units (Keras 3, `reset_after`) over one input, then `dense 1`.
pub struct Gru<const U: usize, M> {
    /// Input weights of gates z, r, h.
    w: [[f32; U]; 3],
    /// Recurrent weights: `u[k][g][j]` from unit k of the state to unit j of gate g.
    u: [[[f32; U]; 3]; U],
    /// Biases of z and r (input + recurrent), the input bias of h, the recurrent bias of h.
    b: [[f32; U]; 4],
    /// The dense layer.
    out_w: [f32; U],
    out_b: f32,
    math: core::marker::PhantomData<M>,
}

impl<const U: usize, M: Math> Gru<U, M> {
    /// The weights of a network `input sequence 1; gru U; dense 1;` (tensors in that order:
    /// kernel, recurrent kernel, bias, dense kernel, dense bias).
    pub fn from_network<N: Parameters>(net: &N) -> Self {
        let (kernel, recurrent, bias) = (net.tensor(0), net.tensor(1), net.tensor(2));
        assert_eq!(kernel.len(), 3 * U);
        assert_eq!(recurrent.len(), 3 * U * U);
        assert_eq!(bias.len(), 6 * U);
        let mut gru = Self {
            w: [[0.0; U]; 3],
            u: [[[0.0; U]; 3]; U],
            b: [[0.0; U]; 4],
            out_w: [0.0; U],
            out_b: net.tensor(4)[0],
            math: core::marker::PhantomData,
        };
        for g in 0..3 {
            for j in 0..U {
                gru.w[g][j] = kernel[g * U + j];
                for k in 0..U {
                    gru.u[k][g][j] = recurrent[k * 3 * U + g * U + j];
                }
            }
        }
        for j in 0..U {
            // Row 0 the input biases, row 1 the recurrent biases, of z, r, h.
            gru.b[0][j] = bias[j] + bias[3 * U + j];
            gru.b[1][j] = bias[U + j] + bias[4 * U + j];
            gru.b[2][j] = bias[2 * U + j];
            gru.b[3][j] = bias[5 * U + j];
            gru.out_w[j] = net.tensor(3)[j];
        }
        gru
    }

    /// Advances `h` by one step with input `x` and returns the dense output.
    #[inline]
    pub fn step(&self, h: &mut [f32; U], x: f32) -> f32 {
        let mut z = [0.0; U];
        let mut r = [0.0; U];
        let mut hh = self.b[3];
        for j in 0..U {
            z[j] = self.b[0][j] + x * self.w[0][j];
            r[j] = self.b[1][j] + x * self.w[1][j];
        }
        for k in 0..U {
            let hk = h[k];
            let row = &self.u[k];
            for j in 0..U {
                z[j] += hk * row[0][j];
                r[j] += hk * row[1][j];
                hh[j] += hk * row[2][j];
            }
        }
        for j in 0..U {
            let z = M::sigmoid(z[j]);
            let r = M::sigmoid(r[j]);
            let c = M::tanh(self.b[2][j] + x * self.w[2][j] + r * hh[j]);
            h[j] = z * h[j] + (1.0 - z) * c;
        }
        // The output apart, so that the loop above has no sum across units and vectorizes.
        let mut y = self.out_b;
        for j in 0..U {
            y += self.out_w[j] * h[j];
        }
        y
    }
}

/// An LSTM of `U` units (Keras 3) over one input, then `dense 1`.
pub struct Lstm<const U: usize, M> {
    /// Input weights of gates i, f, c, o.
    w: [[f32; U]; 4],
    /// Recurrent weights: `u[k][g][j]` from unit k of the state to unit j of gate g.
    u: [[[f32; U]; 4]; U],
    b: [[f32; U]; 4],
    out_w: [f32; U],
    out_b: f32,
    math: core::marker::PhantomData<M>,
}

/// The state of [`Lstm`]: `h` and `c`.
#[derive(Clone, Copy)]
pub struct LstmState<const U: usize> {
    pub h: [f32; U],
    pub c: [f32; U],
}

impl<const U: usize> Default for LstmState<U> {
    fn default() -> Self {
        Self {
            h: [0.0; U],
            c: [0.0; U],
        }
    }
}

impl<const U: usize, M: Math> Lstm<U, M> {
    /// The weights of a network `input sequence 1; lstm U; dense 1;`.
    pub fn from_network<N: Parameters>(net: &N) -> Self {
        let (kernel, recurrent, bias) = (net.tensor(0), net.tensor(1), net.tensor(2));
        assert_eq!(kernel.len(), 4 * U);
        assert_eq!(recurrent.len(), 4 * U * U);
        assert_eq!(bias.len(), 4 * U);
        let mut lstm = Self {
            w: [[0.0; U]; 4],
            u: [[[0.0; U]; 4]; U],
            b: [[0.0; U]; 4],
            out_w: [0.0; U],
            out_b: net.tensor(4)[0],
            math: core::marker::PhantomData,
        };
        for g in 0..4 {
            for j in 0..U {
                lstm.w[g][j] = kernel[g * U + j];
                lstm.b[g][j] = bias[g * U + j];
                for k in 0..U {
                    lstm.u[k][g][j] = recurrent[k * 4 * U + g * U + j];
                }
            }
        }
        for j in 0..U {
            lstm.out_w[j] = net.tensor(3)[j];
        }
        lstm
    }

    /// Advances `state` by one step with input `x` and returns the dense output.
    #[inline]
    pub fn step(&self, state: &mut LstmState<U>, x: f32) -> f32 {
        let mut a = self.b;
        for (a, w) in a.iter_mut().zip(&self.w) {
            for j in 0..U {
                a[j] += x * w[j];
            }
        }
        for k in 0..U {
            let hk = state.h[k];
            let row = &self.u[k];
            for g in 0..4 {
                for j in 0..U {
                    a[g][j] += hk * row[g][j];
                }
            }
        }
        for j in 0..U {
            let i = M::sigmoid(a[0][j]);
            let f = M::sigmoid(a[1][j]);
            let g = M::tanh(a[2][j]);
            let o = M::sigmoid(a[3][j]);
            let c = f * state.c[j] + i * g;
            state.c[j] = c;
            state.h[j] = o * M::tanh(c);
        }
        let mut y = self.out_b;
        for j in 0..U {
            y += self.out_w[j] * state.h[j];
        }
        y
    }
}
