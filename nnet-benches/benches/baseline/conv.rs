//! The hand-written baseline of the streaming convolution benchmarks: one step of a causal
//! `conv1d` of `C` channels, `F` filters and `KS` taps (dilation 1, one group, no activation),
//! on plain fixed arrays.
//!
//! Written for speed, as one would write a single layer by hand in Rust: the past inputs in a
//! `[[f32; C]; KS]` ring buffer (`HIST + 1 = KS` slots with dilation 1: the current input
//! overwrites the oldest, which no tap reads any more), the weights in `[f32; F]` columns with
//! the filters innermost (the order the compiler vectorizes without reordering sums), a slot
//! index that wraps by comparison rather than by a remainder. No library, no explicit SIMD.

// Indexed loops over fixed sizes, as written by hand.
#![allow(clippy::needless_range_loop)]

/// A causal convolution of `C` channels, `F` filters and `KS` taps.
pub struct CausalConv<const C: usize, const F: usize, const KS: usize> {
    /// `w[tap][c][f]`: tap 0 the oldest input, `KS − 1` the current one.
    w: [[[f32; F]; C]; KS],
    b: [f32; F],
}

/// The ring buffer of [`CausalConv`]: the last `KS` inputs.
#[derive(Clone, Copy)]
pub struct Ring<const C: usize, const KS: usize> {
    buf: [[f32; C]; KS],
    /// The slot of the oldest input, which the next input overwrites.
    oldest: usize,
}

impl<const C: usize, const KS: usize> Default for Ring<C, KS> {
    fn default() -> Self {
        Self {
            buf: [[0.0; C]; KS],
            oldest: 0,
        }
    }
}

impl<const C: usize, const F: usize, const KS: usize> CausalConv<C, F, KS> {
    /// The layer whose weight from channel `c` at tap `tap` (0 the oldest) to filter `f` is
    /// `weight(f, c, tap)`, with bias `bias(f)`.
    pub fn new(weight: impl Fn(usize, usize, usize) -> f32, bias: impl Fn(usize) -> f32) -> Self {
        let mut conv = Self {
            w: [[[0.0; F]; C]; KS],
            b: [0.0; F],
        };
        for tap in 0..KS {
            for c in 0..C {
                for f in 0..F {
                    conv.w[tap][c][f] = weight(f, c, tap);
                }
            }
        }
        for f in 0..F {
            conv.b[f] = bias(f);
        }
        conv
    }

    /// Records `x` and returns the layer's output at this step.
    #[inline]
    pub fn step(&self, ring: &mut Ring<C, KS>, x: &[f32; C]) -> [f32; F] {
        let now = ring.oldest;
        ring.buf[now] = *x;
        let mut slot = if now + 1 == KS { 0 } else { now + 1 };
        ring.oldest = slot;
        let mut z = self.b;
        for tap in 0..KS {
            let x = &ring.buf[slot];
            let w = &self.w[tap];
            for c in 0..C {
                let v = x[c];
                for f in 0..F {
                    z[f] += w[c][f] * v;
                }
            }
            slot = if slot + 1 == KS { 0 } else { slot + 1 };
        }
        z
    }
}
