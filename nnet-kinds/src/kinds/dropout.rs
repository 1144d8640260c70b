//! `dropout RATE`: inverted dropout in training, the identity at inference; Keras's `Dropout`.

use crate::Range;
use crate::decl::{Activation, KindDecl, Number};

pub(crate) static DROPOUT: KindDecl = KindDecl {
    word: "dropout",
    form: "dropout RATE",
    example: "dropout 0.5;",
    summary: "drops a fraction of the values in training (scaling the others up), the identity at inference",
    number: Number::Rate(Range::FRACTION),
    activation: Activation::None,
    options: &[],
    tensors: &[],
    keras_class: "Dropout",
    keras_layer_name: "dropout",
    pytorch_class: Some("nn.Dropout"),
    pytorch_skipped: &[],
    recurrence: None,
    trains_differently: true,
};
