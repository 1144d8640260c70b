//! `simple_rnn N [activation] [(options)]`: a fully connected recurrent layer, Keras's
//! `SimpleRNN`, PyTorch's `nn.RNN`.

use super::shared::{
    ALPHA, BIAS_INIT, INIT, KERNEL, RECURRENT_BIAS, RECURRENT_INIT, RECURRENT_KERNEL,
    RETURN_SEQUENCES,
};
use crate::decl::{Activation, KindDecl, Number, Recurrence};

pub(crate) static SIMPLE_RNN: KindDecl = KindDecl {
    word: "simple_rnn",
    form: "simple_rnn N [activation] [(options)]",
    example: "simple_rnn 16;",
    summary: "a fully connected recurrent layer, `h = act(W x + U h + b)`",
    number: Number::Units,
    activation: Activation::Optional { default: "tanh" },
    options: &[RETURN_SEQUENCES, INIT, RECURRENT_INIT, BIAS_INIT, ALPHA],
    tensors: &[KERNEL, RECURRENT_KERNEL, RECURRENT_BIAS],
    keras_class: "SimpleRNN",
    keras_layer_name: "simple_rnn",
    pytorch_class: Some("nn.RNN"),
    pytorch_skipped: &[],
    recurrence: Some(Recurrence {
        keras_cell: "simple_rnn_cell",
        gates: &["h"],
        pytorch_gates: &["h"],
        bias_rows: 1,
    }),
    trains_differently: false,
};
