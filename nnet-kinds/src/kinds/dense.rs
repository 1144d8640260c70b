//! `dense N [activation] [(options)]`: `act(W x + b)`, Keras's `Dense`, PyTorch's `nn.Linear`.

use super::shared::{ALPHA, BIAS_INIT, INIT};
use crate::decl::{Activation, KindDecl, Number, OptionDecl, OptionType, TensorDecl};
use crate::{Dim, Range};

/// `use_bias`: whether the layer has a bias.
const USE_BIAS: OptionDecl = OptionDecl {
    name: "use_bias",
    ty: OptionType::Bool { default: true },
    doc: "whether the layer adds a bias",
};

/// `l1`, `l2`: Keras's kernel regularization `l1·Σ|w| + l2·Σw²`.
const fn regularizer(name: &'static str, doc: &'static str) -> OptionDecl {
    OptionDecl {
        name,
        ty: OptionType::Float {
            default: 0.0,
            range: Range::NON_NEGATIVE,
        },
        doc,
    }
}

pub(crate) static DENSE: KindDecl = KindDecl {
    word: "dense",
    form: "dense N [activation] [(options)]",
    example: "dense 10 relu;",
    summary: "a fully connected layer, `act(W x + b)`",
    number: Number::Units,
    activation: Activation::Optional { default: "linear" },
    options: &[
        INIT,
        BIAS_INIT,
        ALPHA,
        USE_BIAS,
        regularizer(
            "l1",
            "the factor of the kernel's L1 regularization, `l1·Σ|w|`",
        ),
        regularizer(
            "l2",
            "the factor of the kernel's L2 regularization, `l2·Σw²`",
        ),
    ],
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
