//! Options and tensors that several kinds declare alike: the initializers, `alpha`, the
//! recurrent kinds' options and tensors, the normalizations' scale and offset.

use crate::Dim;
use crate::decl::{OptionDecl, OptionType, TensorDecl};

/// `init`: the initializer of the kernel (Keras's `kernel_initializer`).
pub(crate) const INIT: OptionDecl = OptionDecl {
    name: "init",
    ty: OptionType::Initializer {
        default: "glorot_uniform",
    },
    doc: "the initializer of the kernel (Keras's `kernel_initializer`)",
};

/// `bias_init`: the initializer of the bias.
pub(crate) const BIAS_INIT: OptionDecl = OptionDecl {
    name: "bias_init",
    ty: OptionType::Initializer { default: "zeros" },
    doc: "the initializer of the bias (Keras's `bias_initializer`)",
};

/// `alpha`: the parameter of the activation.
pub(crate) const ALPHA: OptionDecl = OptionDecl {
    name: "alpha",
    ty: OptionType::ActivationParameter,
    doc: "the slope of `leaky_relu` for negative inputs, the scale of `elu`",
};

/// `return_sequences`: every step's output rather than the last.
pub(crate) const RETURN_SEQUENCES: OptionDecl = OptionDecl {
    name: "return_sequences",
    ty: OptionType::Bool { default: false },
    doc: "whether the layer outputs every step's output (a sequence) rather than the last",
};

/// `recurrent_init`: the initializer of the recurrent kernel.
pub(crate) const RECURRENT_INIT: OptionDecl = OptionDecl {
    name: "recurrent_init",
    ty: OptionType::Initializer {
        default: "orthogonal",
    },
    doc: "the initializer of the recurrent kernel (Keras's `recurrent_initializer`)",
};

/// The options of `gru` and `lstm` (`simple_rnn` adds `alpha`).
pub(crate) const RECURRENT_OPTIONS: [OptionDecl; 4] =
    [RETURN_SEQUENCES, INIT, RECURRENT_INIT, BIAS_INIT];

/// A recurrent layer's input weights.
pub(crate) const KERNEL: TensorDecl = TensorDecl {
    name: "kernel",
    rows: Dim::GateUnits,
    cols: Some(Dim::Inputs),
    trainable: true,
    only_with: None,
    pytorch: &["weight_ih"],
    keras: "kernel",
    keras_transposed: true,
    doc: "input weights, the gates' blocks in Keras's order: Keras's `kernel` transposed",
};

/// A recurrent layer's recurrent weights.
pub(crate) const RECURRENT_KERNEL: TensorDecl = TensorDecl {
    name: "recurrent_kernel",
    rows: Dim::GateUnits,
    cols: Some(Dim::Units),
    trainable: true,
    only_with: None,
    pytorch: &["weight_hh"],
    keras: "recurrent_kernel",
    keras_transposed: true,
    doc: "recurrent weights: Keras's `recurrent_kernel` transposed",
};

/// The bias of a `simple_rnn` or `lstm` layer: one vector, PyTorch's two biases added.
pub(crate) const RECURRENT_BIAS: TensorDecl = TensorDecl {
    name: "bias",
    rows: Dim::GateUnits,
    cols: None,
    trainable: true,
    only_with: None,
    pytorch: &["bias_ih", "bias_hh"],
    keras: "bias",
    keras_transposed: false,
    doc: "the bias (PyTorch's `bias_ih` + `bias_hh`)",
};

/// The scale of a normalization.
pub(crate) const GAMMA: TensorDecl = TensorDecl {
    name: "gamma",
    rows: Dim::Units,
    cols: None,
    trainable: true,
    only_with: None,
    pytorch: &["weight"],
    keras: "gamma",
    keras_transposed: false,
    doc: "scale",
};

/// The offset of a normalization.
pub(crate) const BETA: TensorDecl = TensorDecl {
    name: "beta",
    rows: Dim::Units,
    cols: None,
    trainable: true,
    only_with: None,
    pytorch: &["bias"],
    keras: "beta",
    keras_transposed: false,
    doc: "offset",
};

/// `epsilon`: added to the variance (Keras's default 1e-3).
pub(crate) const EPSILON: OptionDecl = OptionDecl {
    name: "epsilon",
    ty: OptionType::Float {
        default: 1e-3,
        range: crate::Range::POSITIVE,
    },
    doc: "added to the variance before its square root",
};

/// `use_bias`: whether the layer has a bias.
pub(crate) const USE_BIAS: OptionDecl = OptionDecl {
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
            range: crate::Range::NON_NEGATIVE,
        },
        doc,
    }
}

/// `l1`: the factor of the kernel's L1 regularization.
pub(crate) const L1: OptionDecl = regularizer(
    "l1",
    "the factor of the kernel's L1 regularization, `l1·Σ|w|`",
);

/// `l2`: the factor of the kernel's L2 regularization.
pub(crate) const L2: OptionDecl = regularizer(
    "l2",
    "the factor of the kernel's L2 regularization, `l2·Σw²`",
);
