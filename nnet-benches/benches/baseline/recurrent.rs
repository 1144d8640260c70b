//! The hand-written baseline of the streaming benchmarks: one step of a GRU or LSTM of `U` units
//! over one input, then a dense layer to one output, on plain fixed arrays.
//!
//! Written for speed, as one would write a single model by hand in Rust: weights in
//! `[f32; U]` rows with the units innermost (the order the compiler vectorizes without
//! reordering sums), the input and the recurrent product of every gate in one pass over `h`,
//! the biases of a GRU's update and reset gates added together once, and the same `exp` and
//! `tanh` as nnet (so the outputs agree to rounding). No library, no explicit SIMD.

// Indexed loops over fixed sizes, as written by hand.
#![allow(clippy::needless_range_loop)]

use nnet::Parameters;

/// `1 / (1 + e^(−z))`.
#[inline(always)]
fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// A GRU of `U` units (Keras 3, `reset_after`) over one input, then `dense 1`.
pub struct Gru<const U: usize> {
    /// Input weights of gates z, r, h.
    w: [[f32; U]; 3],
    /// Recurrent weights: `u[k][g][j]` from unit k of the state to unit j of gate g.
    u: [[[f32; U]; 3]; U],
    /// Biases of z and r (input + recurrent), the input bias of h, the recurrent bias of h.
    b: [[f32; U]; 4],
    /// The dense layer.
    out_w: [f32; U],
    out_b: f32,
}

impl<const U: usize> Gru<U> {
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
        let mut y = self.out_b;
        for j in 0..U {
            let z = sigmoid(z[j]);
            let r = sigmoid(r[j]);
            let c = (self.b[2][j] + x * self.w[2][j] + r * hh[j]).tanh();
            h[j] = z * h[j] + (1.0 - z) * c;
            y += self.out_w[j] * h[j];
        }
        y
    }
}

/// An LSTM of `U` units (Keras 3) over one input, then `dense 1`.
pub struct Lstm<const U: usize> {
    /// Input weights of gates i, f, c, o.
    w: [[f32; U]; 4],
    /// Recurrent weights: `u[k][g][j]` from unit k of the state to unit j of gate g.
    u: [[[f32; U]; 4]; U],
    b: [[f32; U]; 4],
    out_w: [f32; U],
    out_b: f32,
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

impl<const U: usize> Lstm<U> {
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
        let mut y = self.out_b;
        for j in 0..U {
            let i = sigmoid(a[0][j]);
            let f = sigmoid(a[1][j]);
            let g = a[2][j].tanh();
            let o = sigmoid(a[3][j]);
            let c = f * state.c[j] + i * g;
            state.c[j] = c;
            state.h[j] = o * c.tanh();
            y += self.out_w[j] * state.h[j];
        }
        y
    }
}
