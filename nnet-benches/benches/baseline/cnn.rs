//! The hand-written baseline of the CNN benchmarks: the digits CNN of `08_digits` and the
//! MLPerf Tiny DS-CNN (batch normalization folded), written as a careful programmer writes a
//! direct convolution by hand for one fixed network: fixed-size `[f32; N]` arrays, every size a
//! constant, straight loops, and nothing else (no library, no explicit SIMD, no threads).
//!
//! Samples are channels last, as nnet's: value `(i, j, c)` at `(i · width + j) · channels + c`.
//! Kernels are stored `w[(kernel row, kernel column, input channel)][filter]`, which is the
//! memory order of nnet's column-major `F × K` kernels, so both load from the same network. The
//! loops keep one output position's filters in an accumulator array and run over the filters
//! innermost, the order the compiler vectorizes without reordering floating-point sums; a
//! depthwise layer runs over the channels innermost.

#![allow(dead_code, clippy::needless_range_loop, clippy::too_many_arguments)]

/// A boxed `[[f32; C]; R]` filled from `values` (row-major), whose length must be `R · C`.
fn boxed<const R: usize, const C: usize>(values: &[f32]) -> Box<[[f32; C]; R]> {
    assert_eq!(values.len(), R * C);
    let mut out: Box<[[f32; C]; R]> = vec![[0.0_f32; C]; R]
        .into_boxed_slice()
        .try_into()
        .unwrap_or_else(|_| unreachable!());
    out.as_flattened_mut().copy_from_slice(values);
    out
}

/// An array filled from `values`, whose length must be `N`.
fn array<const N: usize>(values: &[f32]) -> [f32; N] {
    values.try_into().expect("length")
}

/// A convolution's kernel, `w[k][f]` for column `k` of the patch and filter `f`, and its bias.
pub struct Conv<const K: usize, const F: usize> {
    pub w: Box<[[f32; F]; K]>,
    pub b: [f32; F],
}

impl<const K: usize, const F: usize> Conv<K, F> {
    /// From an nnet kernel tensor (`F × K`, column-major) and bias.
    pub fn new(kernel: &[f32], bias: &[f32]) -> Self {
        Self {
            w: boxed(kernel),
            b: array(bias),
        }
    }
}

/// A dense layer, `w[input][unit]`, and its bias.
pub struct Dense<const I: usize, const O: usize> {
    pub w: Box<[[f32; O]; I]>,
    pub b: [f32; O],
}

impl<const I: usize, const O: usize> Dense<I, O> {
    /// From an nnet weight tensor (`O × I`, column-major) and bias.
    pub fn new(weight: &[f32], bias: &[f32]) -> Self {
        Self {
            w: boxed(weight),
            b: array(bias),
        }
    }

    /// `W x + b`.
    #[inline(always)]
    fn forward(&self, x: &[f32; I]) -> [f32; O] {
        let mut z = self.b;
        for i in 0..I {
            let xi = x[i];
            for o in 0..O {
                z[o] += self.w[i][o] * xi;
            }
        }
        z
    }
}

/// `relu(conv(x))` of `F` filters of `KH × KW` over an `H × W × C` input, with strides `S` on
/// both axes and `PT` rows and `PL` columns of zero padding before the input (those after it
/// are the ones the output size `OH × OW` reaches). Taps over padding are skipped.
#[inline(always)]
fn conv2d<
    const H: usize,
    const W: usize,
    const C: usize,
    const F: usize,
    const KH: usize,
    const KW: usize,
    const S: usize,
    const PT: usize,
    const PL: usize,
    const OH: usize,
    const OW: usize,
    const K: usize,
    const IN: usize,
    const OUT: usize,
>(
    conv: &Conv<K, F>,
    x: &[f32; IN],
    y: &mut [f32; OUT],
) {
    for p in 0..OH {
        for q in 0..OW {
            let mut acc = conv.b;
            for a in 0..KH {
                let Some(i) = (p * S + a).checked_sub(PT).filter(|&i| i < H) else {
                    continue;
                };
                for b in 0..KW {
                    let Some(j) = (q * S + b).checked_sub(PL).filter(|&j| j < W) else {
                        continue;
                    };
                    let xs: &[f32; C] = x[(i * W + j) * C..][..C].try_into().unwrap();
                    let ws: &[[f32; F]; C] = conv.w[(a * KW + b) * C..][..C].try_into().unwrap();
                    for c in 0..C {
                        let xv = xs[c];
                        for f in 0..F {
                            acc[f] += ws[c][f] * xv;
                        }
                    }
                }
            }
            let out: &mut [f32; F] = (&mut y[(p * OW + q) * F..][..F]).try_into().unwrap();
            for f in 0..F {
                out[f] = acc[f].max(0.0);
            }
        }
    }
}

/// `relu(depthwise(x))`: a 3 × 3 `same` depthwise convolution over `H × W × C` (channel `c`
/// by its own kernel column).
#[inline(always)]
fn depthwise3<const H: usize, const W: usize, const C: usize, const N: usize>(
    conv: &Conv<9, C>,
    x: &[f32; N],
    y: &mut [f32; N],
) {
    for p in 0..H {
        for q in 0..W {
            let mut acc = conv.b;
            for a in 0..3 {
                let Some(i) = (p + a).checked_sub(1).filter(|&i| i < H) else {
                    continue;
                };
                for b in 0..3 {
                    let Some(j) = (q + b).checked_sub(1).filter(|&j| j < W) else {
                        continue;
                    };
                    let xs: &[f32; C] = x[(i * W + j) * C..][..C].try_into().unwrap();
                    let ws = &conv.w[a * 3 + b];
                    for c in 0..C {
                        acc[c] += ws[c] * xs[c];
                    }
                }
            }
            let out: &mut [f32; C] = (&mut y[(p * W + q) * C..][..C]).try_into().unwrap();
            for c in 0..C {
                out[c] = acc[c].max(0.0);
            }
        }
    }
}

/// The softmax of `z`, in place.
#[inline(always)]
fn softmax<const N: usize>(z: &mut [f32; N]) {
    let max = z.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
    let mut sum = 0.0;
    for v in z.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in z.iter_mut() {
        *v /= sum;
    }
}

/// 2 × 2 max pooling of an `H × W × C` input (`H` and `W` even).
#[inline(always)]
fn max_pool2<const H: usize, const W: usize, const C: usize, const IN: usize, const OUT: usize>(
    x: &[f32; IN],
    y: &mut [f32; OUT],
) {
    for p in 0..H / 2 {
        for q in 0..W / 2 {
            let out: &mut [f32; C] = (&mut y[(p * (W / 2) + q) * C..][..C]).try_into().unwrap();
            out.copy_from_slice(&x[(2 * p * W + 2 * q) * C..][..C]);
            for (i, j) in [(0, 1), (1, 0), (1, 1)] {
                let cell = &x[((2 * p + i) * W + 2 * q + j) * C..][..C];
                for c in 0..C {
                    out[c] = out[c].max(cell[c]);
                }
            }
        }
    }
}

/// The digits CNN of `08_digits`: `input (8, 8, 1); conv2d 16 3 relu (padding = same);
/// max_pool2d 2; conv2d 32 3 relu (padding = same); max_pool2d 2; flatten; dense 10 softmax;`.
pub struct Digits {
    pub conv1: Conv<9, 16>,
    pub conv2: Conv<144, 32>,
    pub dense: Dense<128, 10>,
}

impl Digits {
    /// From the network's six tensors in order (kernel, bias of each layer).
    pub fn new(tensors: [&[f32]; 6]) -> Self {
        Self {
            conv1: Conv::new(tensors[0], tensors[1]),
            conv2: Conv::new(tensors[2], tensors[3]),
            dense: Dense::new(tensors[4], tensors[5]),
        }
    }

    #[inline]
    pub fn forward(&self, x: &[f32; 64]) -> [f32; 10] {
        let mut a1 = [0.0_f32; 8 * 8 * 16];
        conv2d::<8, 8, 1, 16, 3, 3, 1, 1, 1, 8, 8, 9, 64, 1024>(&self.conv1, x, &mut a1);
        let mut a2 = [0.0_f32; 4 * 4 * 16];
        max_pool2::<8, 8, 16, 1024, 256>(&a1, &mut a2);
        let mut a3 = [0.0_f32; 4 * 4 * 32];
        conv2d::<4, 4, 16, 32, 3, 3, 1, 1, 1, 4, 4, 144, 256, 512>(&self.conv2, &a2, &mut a3);
        // Pooled and flattened: (2, 2, 32) in channels-last order is the dense layer's input.
        let mut a4 = [0.0_f32; 2 * 2 * 32];
        max_pool2::<4, 4, 32, 512, 128>(&a3, &mut a4);
        let mut z = self.dense.forward(&a4);
        softmax(&mut z);
        z
    }
}

/// One block of the DS-CNN after folding: a 3 × 3 depthwise convolution, relu, a 1 × 1
/// convolution of 64 filters, relu.
pub struct Block {
    pub depthwise: Conv<9, 64>,
    pub pointwise: Conv<64, 64>,
}

/// The MLPerf Tiny keyword-spotting DS-CNN with its batch normalizations folded:
/// `input (49, 10, 1); conv2d 64 (10, 4) relu (strides = 2, padding = same);` four blocks,
/// `avg_pool2d (25, 5); flatten; dense 12 softmax;`.
pub struct DsCnn {
    pub conv: Conv<40, 64>,
    pub blocks: [Block; 4],
    pub dense: Dense<64, 12>,
}

/// Values of one (25, 5, 64) activation.
const ACTIVATION: usize = 25 * 5 * 64;

impl DsCnn {
    #[inline]
    pub fn forward(&self, x: &[f32; 490]) -> [f32; 12] {
        // Keras's `same` with strides 2: 25 × 5 outputs, padding 4 rows above (5 below) and 1
        // column left (2 right).
        let mut a = [0.0_f32; ACTIVATION];
        let mut b = [0.0_f32; ACTIVATION];
        conv2d::<49, 10, 1, 64, 10, 4, 2, 4, 1, 25, 5, 40, 490, ACTIVATION>(&self.conv, x, &mut a);
        for block in &self.blocks {
            depthwise3::<25, 5, 64, ACTIVATION>(&block.depthwise, &a, &mut b);
            conv2d::<25, 5, 64, 64, 1, 1, 1, 0, 0, 25, 5, 64, ACTIVATION, ACTIVATION>(
                &block.pointwise,
                &b,
                &mut a,
            );
        }
        // The (25, 5) average pool over the whole (25, 5): the mean of each channel.
        let mut mean = [0.0_f32; 64];
        for position in a.chunks_exact(64) {
            for c in 0..64 {
                mean[c] += position[c];
            }
        }
        for m in mean.iter_mut() {
            *m /= 125.0;
        }
        let mut z = self.dense.forward(&mean);
        softmax(&mut z);
        z
    }
}
