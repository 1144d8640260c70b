//! A convolution initialized from a generator, with Keras's fans.
//!
//! Keras computes the fans of a convolution kernel from its shape: the receptive field (the
//! taps) times the last-but-one and the last dimension. `Conv1D`/`Conv2D` kernels are `(kh, kw,
//! in / groups, filters)`, so `fan_in = taps · in / groups` and `fan_out = taps · filters`;
//! `DepthwiseConv2D`'s is `(kh, kw, channels, depth_multiplier)`, so `fan_in = taps · channels`
//! and `fan_out = taps · depth_multiplier`. nnet's kernel holds its values in the memory order
//! of Keras's shape, so the draws fill the same positions as Keras's would. Keras's
//! `Orthogonal` flattens a kernel to (every axis but the last, the last): `(taps · in / groups,
//! filters)`, `(taps · channels, depth_multiplier)`, the shape it is given here too.

use nnet_kinds::Window;
use rand::Rng;

use super::{Conv, ConvKind};
use crate::layer::LayerKind;
use crate::storage::MatrixStorage;
use crate::{Initializer, Scalar};

impl<
    const IN: usize,
    const OUT: usize,
    const F: usize,
    const K: usize,
    A,
    M: ConvKind,
    S,
    B,
    const BIAS: bool,
> Conv<IN, OUT, F, K, A, M, S, B, BIAS>
{
    /// Keras's `(fan_in, fan_out)` of the kernel of `F` filters over `window` in `groups`
    /// groups: `(taps · channels / groups, taps · F)` for `conv1d` and `conv2d`, `(taps ·
    /// channels, taps · F / channels)` (the depth multiplier) for `depthwise_conv2d`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::{activation::Linear, layer::{Conv2d, DepthwiseConv2d}};
    /// use nnet_core::layer::{Axis, Padding, Window};
    ///
    /// let axis = Axis::new(5, 3, 1, 1, Padding::Same);
    /// let window = Window::image(axis, axis, 4);
    /// assert_eq!(Conv2d::<100, 200, 8, 18, Linear>::fans(window, 2), (18, 72));
    /// // Depth multiplier 2: 8 filters over 4 channels.
    /// assert_eq!(DepthwiseConv2d::<100, 200, 8, 9, Linear>::fans(window, 4), (36, 18));
    /// ```
    pub const fn fans(window: Window, groups: usize) -> (usize, usize) {
        let taps = window.taps();
        let channels = window.channels;
        match M::KIND {
            LayerKind::DepthwiseConv2d => (taps * channels, taps * (F / max(channels, 1))),
            _ => (taps * (channels / max(groups, 1)), taps * F),
        }
    }
}

/// The larger of two numbers, in a `const fn`.
const fn max(a: usize, b: usize) -> usize {
    if a > b { a } else { b }
}

impl<
    const IN: usize,
    const OUT: usize,
    const F: usize,
    const K: usize,
    T: Scalar,
    A,
    M: ConvKind,
    S: MatrixStorage<F, K, Scalar = T>,
    B: MatrixStorage<F, 1, Scalar = T>,
    const BIAS: bool,
> Conv<IN, OUT, F, K, A, M, S, B, BIAS>
{
    /// A layer of `window` and `groups` initialized from `rng`: first the kernel from `kernel`
    /// with Keras's [`fans`](Self::fans) (an orthogonal kernel is the matrix of Keras's
    /// flattening, `(taps · in / groups, filters)` or `(taps · channels, depth_multiplier)`),
    /// then the bias from `bias` (fans `F`, `F`, as a dense layer's).
    ///
    /// # Panics
    ///
    /// If the sizes do not fit `window` and `groups` ([`check`](Self::check)).
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::{activation::Relu, layer::Conv2d, Initializer};
    /// use nnet_core::layer::{Axis, Padding, Window};
    /// use rand::SeedableRng;
    ///
    /// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    /// let axis = Axis::new(4, 3, 1, 1, Padding::Same);
    /// let window = Window::image(axis, axis, 2);
    /// let conv = Conv2d::<32, 48, 3, 18, Relu>::initialized(
    ///     window, 1, Relu, Initializer::HeUniform, Initializer::Zeros, &mut rng,
    /// );
    /// // He uniform: |w| < √(6 / fan_in), fan_in = 9 taps · 2 channels.
    /// let limit = (6.0_f32 / 18.0).sqrt();
    /// assert!(conv.kernel.iter().all(|w| w.abs() < limit));
    /// assert!(conv.kernel.iter().any(|&w| w != 0.0) && conv.bias.sum() == 0.0);
    /// ```
    pub fn initialized<R: Rng + ?Sized>(
        window: Window,
        groups: usize,
        activation: A,
        kernel: Initializer,
        bias: Initializer,
        rng: &mut R,
    ) -> Self {
        let mut layer = Self::new(window, groups, activation);
        let (fan_in, fan_out) = Self::fans(window, groups);
        let (fan_in, fan_out) = if kernel == Initializer::Orthogonal {
            // Keras's last axis: the filters (the depth multiplier of a depthwise kernel).
            let last = (fan_out / window.taps().max(1)).max(1);
            (F * K / last, last)
        } else {
            (fan_in, fan_out)
        };
        let values = layer.kernel.matrix_mut().as_mut_slice();
        kernel.fill(values, fan_in, fan_out, rng);
        if BIAS {
            bias.fill(layer.bias.matrix_mut().as_mut_slice(), F, F, rng);
        }
        layer
    }
}
