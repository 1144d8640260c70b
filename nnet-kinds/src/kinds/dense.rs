//! `dense N [activation] [(options)]`: `act(W x + b)`, Keras's `Dense`, PyTorch's `nn.Linear`.

use super::shared::{ALPHA, BIAS_INIT, INIT, L1, L2, USE_BIAS};
use crate::Dim;
use crate::decl::{Activation, KindDecl, Number, TensorDecl};

pub(crate) static DENSE: KindDecl = KindDecl {
    word: "dense",
    form: "dense N [activation] [(options)]",
    example: "dense 10 relu;",
    summary: "a fully connected layer, `act(W x + b)`",
    number: Number::Units,
    activation: Activation::Optional { default: "linear" },
    options: &[INIT, BIAS_INIT, ALPHA, USE_BIAS, L1, L2],
    tensors: &[
        TensorDecl {
            name: "weight",
            rows: Dim::Units,
            cols: Some(Dim::Inputs),
            trainable: true,
            only_with: None,
            pytorch: &["weight"],
            keras: "kernel",
            keras_transposed: true,
            doc: "`W` of `a = act(W x + b)`: PyTorch's `weight`, Keras's `kernel` transposed",
        },
        TensorDecl {
            name: "bias",
            rows: Dim::Units,
            cols: None,
            trainable: true,
            only_with: Some("use_bias"),
            pytorch: &["bias"],
            keras: "bias",
            keras_transposed: false,
            doc: "`b` (absent with `use_bias = false`)",
        },
    ],
    keras_class: "Dense",
    keras_layer_name: "dense",
    pytorch_class: Some("nn.Linear"),
    pytorch_skipped: &[],
    recurrence: None,
    trains_differently: false,
};
