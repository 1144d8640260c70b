//! `batch_norm [(options)]`: batch normalization, Keras's `BatchNormalization`, PyTorch's
//! `nn.BatchNorm1d`.

use super::shared::{BETA, EPSILON, GAMMA};
use crate::decl::{Activation, KindDecl, Number, OptionDecl, OptionType, TensorDecl};
use crate::{Dim, Range};

/// A moving statistic: not trainable.
const fn moving(
    name: &'static str,
    pytorch: &'static [&'static str],
    doc: &'static str,
) -> TensorDecl {
    TensorDecl {
        name,
        rows: Dim::Units,
        cols: None,
        trainable: false,
        only_with: None,
        pytorch,
        keras: name,
        keras_transposed: false,
        doc,
    }
}

pub(crate) static BATCH_NORM: KindDecl = KindDecl {
    word: "batch_norm",
    form: "batch_norm [(options)]",
    example: "batch_norm;",
    summary: "normalizes each value with the batch's statistics in training, the moving ones at inference",
    number: Number::None,
    activation: Activation::None,
    options: &[
        OptionDecl {
            name: "momentum",
            ty: OptionType::Float {
                default: 0.99,
                range: Range::UNIT,
            },
            doc: "the weight of the old moving statistics in each update",
        },
        EPSILON,
    ],
    tensors: &[
        GAMMA,
        BETA,
        moving(
            "moving_mean",
            &["running_mean"],
            "the moving mean inference normalizes with",
        ),
        moving(
            "moving_variance",
            &["running_var"],
            "the moving variance inference normalizes with",
        ),
    ],
    keras_class: "BatchNormalization",
    keras_layer_name: "batch_normalization",
    pytorch_class: Some("nn.BatchNorm1d"),
    pytorch_skipped: &["num_batches_tracked"],
    recurrence: None,
    trains_differently: true,
};
