//! Pooling: `max_pool1d`, `avg_pool1d`, `max_pool2d`, `avg_pool2d` (a window's maximum or mean
//! per channel, Keras's `MaxPooling1D`, …) and `global_avg_pool`, `global_max_pool` (over every
//! axis but the channels, to a vector). No tensors.

use super::conv::STRIDES;
use crate::decl::{Activation, AxesDefault, KindDecl, Number, OptionDecl, OptionType};

/// `strides` of a pool: the pool size unless written.
const POOL_STRIDES: OptionDecl = OptionDecl {
    ty: OptionType::Axes {
        default: AxesDefault::PoolSize,
    },
    doc: "positions the window moves between two outputs, per axis (the pool size unless written)",
    ..STRIDES
};

/// `padding` of a pool.
const POOL_PADDING: OptionDecl = OptionDecl {
    name: "padding",
    ty: OptionType::Word {
        default: "valid",
        words: &["valid", "same"],
    },
    doc: "`valid` (whole windows only) or `same` (output size ⌈n / strides⌉; a mean counts only the cells inside the input)",
};

pub(crate) static MAX_POOL1D: KindDecl = KindDecl {
    word: "max_pool1d",
    form: "max_pool1d SIZE [(options)]",
    example: "max_pool1d 2;",
    summary: "the maximum of each channel over a window of steps, Keras's `MaxPooling1D`",
    number: Number::Kernel { axes: 1 },
    activation: Activation::None,
    options: &[POOL_STRIDES, POOL_PADDING],
    tensors: &[],
    keras_class: "MaxPooling1D",
    keras_layer_name: "max_pooling1d",
    pytorch_class: None,
    pytorch_skipped: &[],
    recurrence: None,
    trains_differently: false,
};

pub(crate) static AVG_POOL1D: KindDecl = KindDecl {
    word: "avg_pool1d",
    form: "avg_pool1d SIZE [(options)]",
    example: "avg_pool1d 2;",
    summary: "the mean of each channel over a window of steps, Keras's `AveragePooling1D`",
    keras_class: "AveragePooling1D",
    keras_layer_name: "average_pooling1d",
    ..MAX_POOL1D
};

pub(crate) static MAX_POOL2D: KindDecl = KindDecl {
    word: "max_pool2d",
    form: "max_pool2d SIZE [(options)]",
    example: "max_pool2d 2;",
    summary: "the maximum of each channel over a window of pixels, Keras's `MaxPooling2D`",
    number: Number::Kernel { axes: 2 },
    keras_class: "MaxPooling2D",
    keras_layer_name: "max_pooling2d",
    ..MAX_POOL1D
};

pub(crate) static AVG_POOL2D: KindDecl = KindDecl {
    word: "avg_pool2d",
    form: "avg_pool2d SIZE [(options)]",
    example: "avg_pool2d 2;",
    summary: "the mean of each channel over a window of pixels, Keras's `AveragePooling2D`",
    number: Number::Kernel { axes: 2 },
    keras_class: "AveragePooling2D",
    keras_layer_name: "average_pooling2d",
    ..MAX_POOL1D
};

pub(crate) static GLOBAL_AVG_POOL: KindDecl = KindDecl {
    word: "global_avg_pool",
    form: "global_avg_pool",
    example: "global_avg_pool;",
    summary: "the mean of each channel over every position, to a vector of the channels, Keras's `GlobalAveragePooling1D`/`2D`",
    number: Number::None,
    options: &[],
    keras_class: "GlobalAveragePooling2D",
    keras_layer_name: "global_average_pooling2d",
    ..MAX_POOL1D
};

pub(crate) static GLOBAL_MAX_POOL: KindDecl = KindDecl {
    word: "global_max_pool",
    form: "global_max_pool",
    example: "global_max_pool;",
    summary: "the maximum of each channel over every position, to a vector of the channels, Keras's `GlobalMaxPooling1D`/`2D`",
    keras_class: "GlobalMaxPooling2D",
    keras_layer_name: "global_max_pooling2d",
    ..GLOBAL_AVG_POOL
};
