//! The hand-written baseline: what a careful programmer writes by hand for one fixed
//! architecture `I → H relu → G relu → 1 sigmoid`, with fixed-size `[f32; N]` arrays and
//! straight loops, and nothing else (no library, no explicit SIMD, no threads).
//!
//! Weights are stored `w[input][unit]`, which is the memory order of nnet's column-major
//! tensors, so both can be loaded from the same network. The loops run over units innermost, the
//! order the compiler vectorizes without reordering floating-point sums (a dot-product order
//! would be one serial chain of additions per unit).

#![allow(dead_code, clippy::needless_range_loop)]

use nnet::Parameters;
use rand::SeedableRng;
use rand::seq::SliceRandom;

/// A boxed `[[f32; C]; R]` of zeros (4 MiB at width 1024 would not fit on a stack).
fn zeros<const R: usize, const C: usize>() -> Box<[[f32; C]; R]> {
    vec![[0.0_f32; C]; R]
        .into_boxed_slice()
        .try_into()
        .unwrap_or_else(|_| unreachable!())
}

#[inline(always)]
fn relu(z: f32) -> f32 {
    z.max(0.0)
}

#[inline(always)]
fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// `act(W x + b)` with `w[i][o]`.
#[inline(always)]
fn dense<const IN: usize, const OUT: usize>(
    w: &[[f32; OUT]; IN],
    b: &[f32; OUT],
    x: &[f32; IN],
) -> [f32; OUT] {
    let mut z = *b;
    for i in 0..IN {
        let xi = x[i];
        for o in 0..OUT {
            z[o] += w[i][o] * xi;
        }
    }
    z
}

/// The network's parameters, or gradients of the same shapes.
#[derive(Clone)]
pub struct Params<const I: usize, const H: usize, const G: usize> {
    pub w1: Box<[[f32; H]; I]>,
    pub b1: [f32; H],
    pub w2: Box<[[f32; G]; H]>,
    pub b2: [f32; G],
    pub w3: Box<[[f32; 1]; G]>,
    pub b3: [f32; 1],
}

impl<const I: usize, const H: usize, const G: usize> Params<I, H, G> {
    pub fn zeroed() -> Self {
        Self {
            w1: zeros(),
            b1: [0.0; H],
            w2: zeros(),
            b2: [0.0; G],
            w3: zeros(),
            b3: [0.0; 1],
        }
    }

    /// The same weights as an nnet network of this architecture.
    pub fn from_network<P: Parameters>(net: &P) -> Self {
        let mut p = Self::zeroed();
        for (t, slot) in p.tensors_mut().into_iter().enumerate() {
            slot.copy_from_slice(net.tensor(t));
        }
        p
    }

    pub fn tensors_mut(&mut self) -> [&mut [f32]; 6] {
        [
            self.w1.as_flattened_mut(),
            &mut self.b1,
            self.w2.as_flattened_mut(),
            &mut self.b2,
            self.w3.as_flattened_mut(),
            &mut self.b3,
        ]
    }

    pub fn tensors(&self) -> [&[f32]; 6] {
        [
            self.w1.as_flattened(),
            &self.b1,
            self.w2.as_flattened(),
            &self.b2,
            self.w3.as_flattened(),
            &self.b3,
        ]
    }

    #[inline]
    pub fn forward(&self, x: &[f32; I]) -> [f32; 1] {
        let mut a1 = dense(&self.w1, &self.b1, x);
        a1.iter_mut().for_each(|v| *v = relu(*v));
        let mut a2 = dense(&self.w2, &self.b2, &a1);
        a2.iter_mut().for_each(|v| *v = relu(*v));
        let z3 = dense(&self.w3, &self.b3, &a2);
        [sigmoid(z3[0])]
    }
}

/// Samples per chunk of [`Params::forward_chunked`].
pub const CHUNK: usize = 64;

/// `act(W x + b)` for the `CHUNK` samples of a chunk at once, unit-major: `x[i][s]` is input
/// `i` of sample `s`, and so is the result; the innermost loop runs over the samples.
#[inline(always)]
fn dense_chunk<const IN: usize, const OUT: usize>(
    w: &[[f32; OUT]; IN],
    b: &[f32; OUT],
    x: &[[f32; CHUNK]; IN],
    act: impl Fn(f32) -> f32,
) -> [[f32; CHUNK]; OUT] {
    let mut z = [[0.0_f32; CHUNK]; OUT];
    for o in 0..OUT {
        let mut sums = [b[o]; CHUNK];
        for i in 0..IN {
            let wio = w[i][o];
            for s in 0..CHUNK {
                sums[s] += wio * x[i][s];
            }
        }
        for s in 0..CHUNK {
            z[o][s] = act(sums[s]);
        }
    }
    z
}

impl<const I: usize, const H: usize, const G: usize> Params<I, H, G> {
    /// The hand-written batched loop: 64 rows (samples) at a time, each layer over the whole
    /// chunk with the samples innermost (the loop the compiler vectorizes across samples), the
    /// last chunk padded with zeros.
    pub fn forward_chunked(&self, xs: &[[f32; I]], out: &mut [[f32; 1]]) {
        for (xs, out) in xs.chunks(CHUNK).zip(out.chunks_mut(CHUNK)) {
            let mut x = [[0.0_f32; CHUNK]; I];
            for (s, sample) in xs.iter().enumerate() {
                for i in 0..I {
                    x[i][s] = sample[i];
                }
            }
            let a1 = dense_chunk(&self.w1, &self.b1, &x, relu);
            let a2 = dense_chunk(&self.w2, &self.b2, &a1, relu);
            let a3 = dense_chunk(&self.w3, &self.b3, &a2, sigmoid);
            for (s, y) in out.iter_mut().enumerate() {
                *y = [a3[0][s]];
            }
        }
    }
}

/// Adam with Keras's defaults, written out as in `nnet::optim::Adam`.
pub struct Adam<const I: usize, const H: usize, const G: usize> {
    pub learning_rate: f32,
    m: Params<I, H, G>,
    v: Params<I, H, G>,
    t: i32,
}

impl<const I: usize, const H: usize, const G: usize> Adam<I, H, G> {
    pub fn new(learning_rate: f32) -> Self {
        Self {
            learning_rate,
            m: Params::zeroed(),
            v: Params::zeroed(),
            t: 0,
        }
    }

    pub fn step(&mut self, params: &mut Params<I, H, G>, grads: &Params<I, H, G>) {
        let (beta_1, beta_2, eps) = (0.9_f32, 0.999_f32, 1e-7_f32);
        self.t += 1;
        let (b1, b2) = (f64::from(beta_1), f64::from(beta_2));
        let alpha = (f64::from(self.learning_rate) * (1.0 - b2.powi(self.t)).sqrt()
            / (1.0 - b1.powi(self.t))) as f32;
        let grads = grads.tensors();
        let m = self.m.tensors_mut();
        let v = self.v.tensors_mut();
        for (((w, g), m), v) in params.tensors_mut().into_iter().zip(grads).zip(m).zip(v) {
            for k in 0..w.len() {
                m[k] += (g[k] - m[k]) * (1.0 - beta_1);
                v[k] += (g[k] * g[k] - v[k]) * (1.0 - beta_2);
                w[k] -= alpha * m[k] / (v[k].sqrt() + eps);
            }
        }
    }
}

/// The hand-written training loop: shuffle, per-sample forward and backward with straight loops,
/// mean gradient of the batch, Adam; binary cross-entropy on the sigmoid output in the fused
/// form `a - y`. Returns the mean loss of the last epoch.
pub fn train<const I: usize, const H: usize, const G: usize>(
    params: &mut Params<I, H, G>,
    adam: &mut Adam<I, H, G>,
    inputs: &[[f32; I]],
    targets: &[f32],
    batch_size: usize,
    epochs: usize,
    seed: u64,
) -> f32 {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut order: Vec<usize> = (0..inputs.len()).collect();
    let mut grads = Params::<I, H, G>::zeroed();
    let mut epoch_loss = 0.0;
    for _ in 0..epochs {
        order.shuffle(&mut rng);
        let mut total = 0.0_f64;
        for chunk in order.chunks(batch_size) {
            for t in grads.tensors_mut() {
                t.fill(0.0);
            }
            let mut sum = 0.0_f32;
            for &s in chunk {
                sum += sample(params, &mut grads, &inputs[s], targets[s]);
            }
            let scale = 1.0 / chunk.len() as f32;
            for t in grads.tensors_mut() {
                t.iter_mut().for_each(|g| *g *= scale);
            }
            adam.step(params, &grads);
            total += f64::from(sum);
        }
        epoch_loss = (total / inputs.len() as f64) as f32;
    }
    epoch_loss
}

/// Forward and backward of one sample; adds its gradient to `g` and returns its loss.
#[inline]
fn sample<const I: usize, const H: usize, const G: usize>(
    p: &Params<I, H, G>,
    g: &mut Params<I, H, G>,
    x: &[f32; I],
    y: f32,
) -> f32 {
    let z1 = dense(&p.w1, &p.b1, x);
    let a1 = z1.map(relu);
    let z2 = dense(&p.w2, &p.b2, &a1);
    let a2 = z2.map(relu);
    let z3 = dense(&p.w3, &p.b3, &a2)[0];
    let a3 = sigmoid(z3);
    let loss = z3.max(0.0) - z3 * y + (-z3.abs()).exp().ln_1p();

    let d3 = a3 - y;
    g.b3[0] += d3;
    let mut d2 = [0.0_f32; G];
    for i in 0..G {
        g.w3[i][0] += d3 * a2[i];
        d2[i] = if z2[i] > 0.0 { p.w3[i][0] * d3 } else { 0.0 };
    }
    let mut d1 = [0.0_f32; H];
    for i in 0..H {
        let a = a1[i];
        let mut back = 0.0;
        for o in 0..G {
            g.w2[i][o] += d2[o] * a;
            back += p.w2[i][o] * d2[o];
        }
        d1[i] = if z1[i] > 0.0 { back } else { 0.0 };
    }
    for o in 0..G {
        g.b2[o] += d2[o];
    }
    for o in 0..H {
        g.b1[o] += d1[o];
    }
    for i in 0..I {
        for o in 0..H {
            g.w1[i][o] += d1[o] * x[i];
        }
    }
    loss
}
