//! `layer_norm [(options)]`: layer normalization over the last axis, Keras's
//! `LayerNormalization`, PyTorch's `nn.LayerNorm`.

use super::shared::{BETA, EPSILON, GAMMA};
use crate::decl::{Activation, KindDecl, Number};

pub(crate) static LAYER_NORM: KindDecl = KindDecl {
    word: "layer_norm",
    form: "layer_norm [(options)]",
    example: "layer_norm;",
    summary: "normalizes the values of each sample over the last axis",
    number: Number::None,
    activation: Activation::None,
    options: &[EPSILON],
    tensors: &[GAMMA, BETA],
    keras_class: "LayerNormalization",
    keras_layer_name: "layer_normalization",
    pytorch_class: Some("nn.LayerNorm"),
    pytorch_skipped: &[],
    recurrence: None,
    trains_differently: false,
};
