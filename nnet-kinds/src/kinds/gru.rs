//! `gru N [(options)]`: a gated recurrent unit layer, Keras's `GRU` with `reset_after = true`
//! (PyTorch's `nn.GRU`).

use super::shared::{KERNEL, RECURRENT_KERNEL, RECURRENT_OPTIONS};
use crate::Dim;
use crate::decl::{Activation, KindDecl, Number, Recurrence, TensorDecl};

pub(crate) static GRU: KindDecl = KindDecl {
    word: "gru",
    form: "gru N [(options)]",
    example: "gru 16;",
    summary: "a gated recurrent unit layer (Keras's, `reset_after = true`), gates `z, r, h`",
    number: Number::Units,
    activation: Activation::Fixed("sigmoid on the gates, tanh on the candidate state"),
    options: &RECURRENT_OPTIONS,
    tensors: &[
        KERNEL,
        RECURRENT_KERNEL,
        TensorDecl {
            name: "bias",
            rows: Dim::GateUnits,
            cols: Some(Dim::BiasRows),
            trainable: true,
            only_with: None,
            pytorch: &["bias_ih", "bias_hh"],
            keras: "bias",
            keras_transposed: true,
            doc: "input bias (column 0) and recurrent bias (column 1): Keras's `[2, 3·units]` transposed",
        },
    ],
    keras_class: "GRU",
    keras_layer_name: "gru",
    pytorch_class: Some("nn.GRU"),
    pytorch_skipped: &[],
    recurrence: Some(Recurrence {
        keras_cell: "gru_cell",
        gates: &["z", "r", "h"],
        pytorch_gates: &["r", "z", "n"],
        bias_rows: 2,
    }),
    trains_differently: false,
};
