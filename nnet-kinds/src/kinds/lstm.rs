//! `lstm N [(options)]`: a long short-term memory layer, Keras's `LSTM`, PyTorch's `nn.LSTM`.

use super::shared::{KERNEL, RECURRENT_BIAS, RECURRENT_KERNEL, RECURRENT_OPTIONS};
use crate::decl::{Activation, KindDecl, Number, Recurrence};

pub(crate) static LSTM: KindDecl = KindDecl {
    word: "lstm",
    form: "lstm N [(options)]",
    example: "lstm 16;",
    summary: "a long short-term memory layer, gates `i, f, c, o` (`unit_forget_bias = true`)",
    number: Number::Units,
    activation: Activation::Fixed("sigmoid on the gates, tanh on the cell input and output"),
    options: &RECURRENT_OPTIONS,
    tensors: &[KERNEL, RECURRENT_KERNEL, RECURRENT_BIAS],
    keras_class: "LSTM",
    keras_layer_name: "lstm",
    pytorch_class: Some("nn.LSTM"),
    pytorch_skipped: &[],
    recurrence: Some(Recurrence {
        keras_cell: "lstm_cell",
        gates: &["i", "f", "c", "o"],
        pytorch_gates: &["i", "f", "g", "o"],
        bias_rows: 1,
    }),
    trains_differently: false,
};
