//! [`Conv`] against independent truth, in `f32` and `f64`: outputs computed by hand
//! (`by_hand`), a direct implementation of Keras's formula with its own padding arithmetic
//! (`reference`), central finite differences of the layer's own forward pass for every padding,
//! stride, dilation, groups and depth multiplier, per sample and batched, with the helpers and
//! tolerances of `shape_tests`, and the batched passes against the per-sample ones
//! (`configurations`); the regularization, folding, initialization, the size check, the tensor
//! table and a large layer on a small thread (`parts`).

mod by_hand;
mod configurations;
mod parts;
mod reference;

use nalgebra::{SMatrix, SVector};
use nnet_kinds::{Axis, Padding, Window};
use pulp::Simd;

use super::{Conv, Conv1dKind, Conv2dKind, ConvKind, DepthwiseConv2dKind};
use crate::activation::{Activation, Linear, Sigmoid, Softmax, Tanh};
use crate::layer::shape_tests::{
    assert_close, check_sample, check_training_batch, randomized, rng, values, vector,
};
use crate::layer::{BatchNorm, Layer, LayerGradient, LayerKind, Mode, Positionwise};
use crate::storage::{HeapMatrix, HeapVector, MatrixStorage};
use crate::{Initializer, Regularizer, Scalar};

/// A convolution with inline storage in `T`.
type ConvOf<
    const IN: usize,
    const OUT: usize,
    const F: usize,
    const K: usize,
    A,
    M,
    T,
    const BIAS: bool,
> = Conv<IN, OUT, F, K, A, M, SMatrix<T, F, K>, SVector<T, F>, BIAS>;

/// A 1-D window over `steps` steps of `channels` channels.
fn steps(
    steps: usize,
    kernel: usize,
    stride: usize,
    dilation: usize,
    padding: Padding,
    channels: usize,
) -> Window {
    Window::steps(
        Axis::new(steps, kernel, stride, dilation, padding),
        channels,
    )
}

/// A 2-D window over `(height, width, channels)`, the same stride, dilation and padding on
/// both axes.
fn image(
    (height, width, channels): (usize, usize, usize),
    (kh, kw): (usize, usize),
    stride: usize,
    dilation: usize,
    padding: Padding,
) -> Window {
    Window::image(
        Axis::new(height, kh, stride, dilation, padding),
        Axis::new(width, kw, stride, dilation, padding),
        channels,
    )
}
