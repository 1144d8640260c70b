//! `flatten`: a fixed shape to a vector of its values, in the channels-last order; Keras's
//! `Flatten`.

use crate::decl::{Activation, KindDecl, Number};

pub(crate) static FLATTEN: KindDecl = KindDecl {
    word: "flatten",
    form: "flatten",
    example: "flatten;",
    summary: "a fixed shape to a vector of its values, in the channels-last order (on the flat layout of a sample, the identity)",
    number: Number::None,
    activation: Activation::None,
    options: &[],
    tensors: &[],
    keras_class: "Flatten",
    keras_layer_name: "flatten",
    pytorch_class: Some("nn.Flatten"),
    pytorch_skipped: &[],
    recurrence: None,
    trains_differently: false,
};
