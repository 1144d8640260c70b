//! The rules of a `residual` block: it has a layer, and its output can be added to its input,
//! as it is or (with `(project)`) through the projection built here: a dense layer on vectors
//! (per step in a sequence), a 1×1 convolution with the block's overall stride on fixed shapes.

use nnet_kinds::{Padding, Shape};

use crate::ast::ResidualStmt;
use crate::diagnostics::push_error;
use crate::model::{Act, Activation, Conv, Decimal, Init, Kind, KindWord, Layer, shape_text};

/// A block without a layer.
pub(super) fn empty(statement: &ResidualStmt, errors: &mut Option<syn::Error>) {
    push_error(
        errors,
        syn::Error::new(
            statement.braces,
            "this residual block is empty: put at least one layer in it, e.g. `residual { dense 16 relu; dense 16; }`, or remove it",
        ),
    );
}

/// The shape as messages name it: `a vector of 10`, `a sequence of vectors of 10`, `(8, 8, 16)`.
fn described(shape: Shape) -> String {
    match shape {
        Shape::Vector(n) => format!("a vector of {n}"),
        Shape::Sequence(n) => format!("a sequence of vectors of {n}"),
        fixed => shape_text(fixed),
    }
}

/// The block's sum: its output is its input's shape and `(project)` is left out, or the shapes
/// differ and `(project)` reaches the output from the input. Returns the projection to build
/// (`ordinal` is the block's `k`), `None` without one or after an error.
pub(super) fn check(
    statement: &ResidualStmt,
    ordinal: usize,
    input: Shape,
    output: Shape,
    layers: &[Layer],
    errors: &mut Option<syn::Error>,
) -> Option<Layer> {
    let (from, to) = (described(input), described(output));
    if input == output {
        if let Some(project) = &statement.project {
            push_error(
                errors,
                syn::Error::new(
                    project.span(),
                    format!(
                        "this block needs no projection: its output is {to}, the shape of its input, so the two add as they are; remove `(project)` and write `residual {{ ... }}`"
                    ),
                ),
            );
        }
        return None;
    }
    let kind = match (input, output) {
        (Shape::Vector(_), Shape::Vector(_)) | (Shape::Sequence(_), Shape::Sequence(_)) => {
            Some(dense())
        }
        (Shape::Steps { .. }, Shape::Steps { .. }) | (Shape::Image { .. }, Shape::Image { .. }) => {
            match pointwise(input, output, layers) {
                Ok(conv) => Some(Kind::Conv(conv)),
                Err(reached) => {
                    let span = statement
                        .project
                        .as_ref()
                        .map_or(statement.keyword.span(), |p| p.span());
                    push_error(
                        errors,
                        syn::Error::new(
                            span,
                            format!(
                                "the block's output {to} cannot be reached from its input {from} by a strided 1×1 convolution, the projection of a fixed shape: with the block's overall stride it gives {}; give the block's strided layers `padding = same`, which outputs ⌈n / stride⌉ positions",
                                shape_text(reached)
                            ),
                        ),
                    );
                    return None;
                }
            }
        }
        _ => None,
    };
    let Some(kind) = kind else {
        let why = match (input, output) {
            (Shape::Sequence(_), Shape::Vector(_)) => {
                "a recurrent layer inside without `return_sequences` outputs one vector per sequence; give it `(return_sequences = true)`, or end the block before it"
            }
            (_, Shape::Vector(_)) => {
                "`flatten` or a global pooling inside makes a vector of the fixed shape; move it after the block"
            }
            _ => "the block changes the kind of shape; end the block before the layer that does",
        };
        push_error(
            errors,
            syn::Error::new(
                statement.keyword.span(),
                format!(
                    "the block's output {to} cannot be added to its input {from}, and no projection turns one into the other: {why}"
                ),
            ),
        );
        return None;
    };
    if statement.project.is_none() {
        let projection = match kind {
            Kind::Conv(_) => "a 1×1 convolution with the block's stride",
            _ => "a dense layer",
        };
        push_error(
            errors,
            syn::Error::new(
                statement.keyword.span(),
                format!(
                    "the block's output {to} cannot be added to its input {from}: write `residual (project) {{ ... }}` to pass the input through a trainable projection ({projection}) to the output's shape, or make the block output {from}"
                ),
            ),
        );
        return None;
    }
    Some(Layer {
        word: match &kind {
            Kind::Conv(conv) => conv.word,
            _ => KindWord::Dense,
        },
        kind,
        ordinal,
        input,
        output,
        inputs: input.len(),
        units: output.len(),
        boxed: false,
        heap_vectors: false,
        heap_layer_vectors: false,
        span: statement.keyword.span(),
        scalar: crate::scalar::ScalarKind::F32,
        residual: Some(ordinal),
    })
}

/// Keras's defaults for a linear layer with a bias: a `glorot_uniform` kernel, a zero bias.
const LINEAR: Activation = Activation {
    act: Act::Linear,
    alpha: None,
};

/// A linear dense layer with a bias (Keras's defaults): the projection of vectors.
fn dense() -> Kind {
    Kind::Dense {
        activation: LINEAR,
        init: Init::GlorotUniform,
        bias_init: Init::Zeros,
        use_bias: true,
        l1: Decimal::of_f32(0.0),
        l2: Decimal::of_f32(0.0),
    }
}

/// The 1×1 convolution with the block's overall stride (the product of its layers' strides on
/// each axis) from `input` to `output`, or the shape it reaches instead.
fn pointwise(input: Shape, output: Shape, layers: &[Layer]) -> Result<Conv, Shape> {
    let mut strides = [1usize, 1];
    for layer in layers {
        if let Some(window) = layer.window() {
            strides[0] = strides[0].saturating_mul(window.rows.stride);
            strides[1] = strides[1].saturating_mul(window.cols.stride);
        }
    }
    let word = if matches!(input, Shape::Image { .. }) {
        KindWord::Conv2d
    } else {
        KindWord::Conv1d
    };
    let conv = Conv {
        word,
        activation: LINEAR,
        filters: output.channels(),
        kernel: [1, 1],
        strides,
        dilation: [1, 1],
        padding: Padding::Valid,
        groups: 1,
        depth_multiplier: 1,
        use_bias: true,
        init: Init::GlorotUniform,
        bias_init: Init::Zeros,
        l1: Decimal::of_f32(0.0),
        l2: Decimal::of_f32(0.0),
    };
    let reached = conv.window(input).map_or(input, |window| {
        crate::model::window::output_of(input, &window, output.channels())
    });
    if reached == output {
        Ok(conv)
    } else {
        Err(reached)
    }
}
