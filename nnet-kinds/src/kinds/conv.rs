//! `conv1d F K`, `conv2d F K` and `depthwise_conv2d K`: Keras's `Conv1D`, `Conv2D` and
//! `DepthwiseConv2D` (channels last), PyTorch's `nn.Conv1d` and `nn.Conv2d` (a depthwise layer
//! is an `nn.Conv2d` with `groups` equal to its input channels).
//!
//! The kernel is one matrix of `filters` rows, each row one filter's weights in the order of a
//! channels-last patch: `(kernel row, kernel column, input channel of the group)`. Keras's
//! kernel `(kh, kw, in / groups, filters)` (and `DepthwiseConv2D`'s `kernel` `(kh, kw,
//! channels, depth_multiplier)`), flattened to `(kh · kw · in / groups, filters)`, is its
//! transpose.

use super::shared::{ALPHA, BIAS_INIT, INIT, L1, L2, USE_BIAS};
use crate::Dim;
use crate::decl::{Activation, AxesDefault, KindDecl, Number, OptionDecl, OptionType, TensorDecl};

/// `strides`: positions the window moves between two outputs.
pub(crate) const STRIDES: OptionDecl = OptionDecl {
    name: "strides",
    ty: OptionType::Axes {
        default: AxesDefault::One,
    },
    doc: "positions the window moves between two outputs, per axis",
};

/// `dilation`: the distance between two taps of the kernel.
const DILATION: OptionDecl = OptionDecl {
    name: "dilation",
    ty: OptionType::Axes {
        default: AxesDefault::One,
    },
    doc: "the distance between two taps of the kernel, per axis (Keras's `dilation_rate`)",
};

/// `padding` of a 1-D convolution.
const PADDING_1D: OptionDecl = OptionDecl {
    name: "padding",
    ty: OptionType::Word {
        default: "valid",
        words: &["valid", "same", "causal"],
    },
    doc: "`valid` (no padding), `same` (output length ⌈n / strides⌉) or `causal` (zeros on the left only)",
};

/// `padding` of a 2-D convolution.
const PADDING_2D: OptionDecl = OptionDecl {
    name: "padding",
    ty: OptionType::Word {
        default: "valid",
        words: &["valid", "same"],
    },
    doc: "`valid` (no padding) or `same` (output size ⌈n / strides⌉ on each axis)",
};

/// `groups`: filters see only the input channels of their group.
const GROUPS: OptionDecl = OptionDecl {
    name: "groups",
    ty: OptionType::Count { default: 1 },
    doc: "groups of input channels, each read by its share of the filters; divides both",
};

/// `depth_multiplier`: filters per input channel of a depthwise convolution.
const DEPTH_MULTIPLIER: OptionDecl = OptionDecl {
    name: "depth_multiplier",
    ty: OptionType::Count { default: 1 },
    doc: "output channels per input channel",
};

/// The kernel of a convolution.
const KERNEL: TensorDecl = TensorDecl {
    name: "kernel",
    rows: Dim::Filters,
    cols: Some(Dim::Patch),
    trainable: true,
    only_with: None,
    pytorch: &["weight"],
    keras: "kernel",
    keras_transposed: true,
    doc: "one row per filter, in (kernel row, kernel column, input channel) order: Keras's `kernel` flattened to `[taps·in, filters]`, transposed",
};

/// The kernel of a depthwise convolution. Keras 3 names it `kernel` (Keras 2's
/// `depthwise_kernel`), `(kh, kw, channels, depth_multiplier)`.
const DEPTHWISE_KERNEL: TensorDecl = TensorDecl {
    doc: "one row per output channel (`channel · depth_multiplier + m`), in (kernel row, kernel column) order: Keras's `kernel` `(kh, kw, channels, depth_multiplier)` flattened to `[taps, channels·depth_multiplier]`, transposed",
    ..KERNEL
};

/// The bias of a convolution.
const BIAS: TensorDecl = TensorDecl {
    name: "bias",
    rows: Dim::Filters,
    cols: None,
    trainable: true,
    only_with: Some("use_bias"),
    pytorch: &["bias"],
    keras: "bias",
    keras_transposed: false,
    doc: "one per filter (absent with `use_bias = false`)",
};

pub(crate) static CONV1D: KindDecl = KindDecl {
    word: "conv1d",
    form: "conv1d FILTERS KERNEL [activation] [(options)]",
    example: "conv1d 16 3 relu;",
    summary: "a 1-D convolution over `(steps, channels)` or a sequence, Keras's `Conv1D`",
    number: Number::Filters { axes: 1 },
    activation: Activation::Optional { default: "linear" },
    options: &[
        STRIDES, PADDING_1D, DILATION, GROUPS, USE_BIAS, INIT, BIAS_INIT, L1, L2, ALPHA,
    ],
    tensors: &[KERNEL, BIAS],
    keras_class: "Conv1D",
    keras_layer_name: "conv1d",
    pytorch_class: Some("nn.Conv1d"),
    pytorch_skipped: &[],
    recurrence: None,
    trains_differently: false,
};

pub(crate) static CONV2D: KindDecl = KindDecl {
    word: "conv2d",
    form: "conv2d FILTERS KERNEL [activation] [(options)]",
    example: "conv2d 16 3 relu;",
    summary: "a 2-D convolution over `(height, width, channels)`, Keras's `Conv2D`",
    number: Number::Filters { axes: 2 },
    options: &[
        STRIDES, PADDING_2D, DILATION, GROUPS, USE_BIAS, INIT, BIAS_INIT, L1, L2, ALPHA,
    ],
    keras_class: "Conv2D",
    keras_layer_name: "conv2d",
    pytorch_class: Some("nn.Conv2d"),
    ..CONV1D
};

pub(crate) static DEPTHWISE_CONV2D: KindDecl = KindDecl {
    word: "depthwise_conv2d",
    form: "depthwise_conv2d KERNEL [activation] [(options)]",
    example: "depthwise_conv2d 3 relu;",
    summary: "a 2-D convolution of each channel on its own, Keras's `DepthwiseConv2D`",
    number: Number::Kernel { axes: 2 },
    options: &[
        STRIDES,
        PADDING_2D,
        DILATION,
        DEPTH_MULTIPLIER,
        USE_BIAS,
        INIT,
        BIAS_INIT,
        L1,
        L2,
        ALPHA,
    ],
    tensors: &[DEPTHWISE_KERNEL, BIAS],
    keras_class: "DepthwiseConv2D",
    keras_layer_name: "depthwise_conv2d",
    pytorch_class: Some("nn.Conv2d"),
    ..CONV1D
};
