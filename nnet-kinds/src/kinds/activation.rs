//! `activation ACT`: an activation on its own, Keras's `Activation`.

use super::shared::ALPHA;
use crate::decl::{Activation, KindDecl, Number};

pub(crate) static ACTIVATION: KindDecl = KindDecl {
    word: "activation",
    form: "activation ACT [(alpha = …)]",
    example: "activation relu;",
    summary: "an activation applied to every value",
    number: Number::None,
    activation: Activation::Required,
    options: &[ALPHA],
    tensors: &[],
    keras_class: "Activation",
    keras_layer_name: "activation",
    pytorch_class: None,
    pytorch_skipped: &[],
    recurrence: None,
    trains_differently: false,
};
