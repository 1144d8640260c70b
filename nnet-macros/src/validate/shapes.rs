//! Shapes: what each kind outputs from the shape it reads, one small function per kind, each
//! reporting a shape the kind cannot read; and the rule on the shape a network outputs.

use nnet_kinds::Shape;

use crate::ast::LayerStmt;
use crate::diagnostics::{push_error, thousands};
use nnet_kinds::MAX_UNITS;

use super::window::{self, Reading};
use crate::model::{Act, Kind, KindWord, Layer, shape_text};

/// What the shape rules know of the network's input.
pub(super) struct Flow {
    /// The input's shape (with 1 for an axis in error).
    pub input: Shape,
    /// Whether the kind of the input's shape is known; when the input line failed to parse,
    /// the rules about the kind of shape a layer reads stay silent.
    pub known: bool,
}

/// The shape the layer of `kind` outputs from `input`; `units` is the number on its line (a
/// dense or recurrent layer's units). A shape the kind cannot read is reported, and the shape
/// passed on is then the one that spares the next layers an error of their own.
pub(super) fn output_shape(
    kind: &Kind,
    line: &LayerStmt,
    input: Shape,
    units: usize,
    flow: &Flow,
    before: Option<&Layer>,
    errors: &mut Option<syn::Error>,
) -> Shape {
    let reading = |word| Reading {
        line,
        word,
        input,
        flow,
        before,
    };
    match kind {
        Kind::Conv(conv) => window::conv(conv, &reading(conv.word), errors),
        Kind::Pool(pool) => window::pool(pool, &reading(pool.word), errors),
        Kind::GlobalPool { word } => window::global(&reading(*word), errors),
        Kind::Dense { .. } => dense(line, input, units, errors),
        // Elementwise, or per channel (batch normalization) or over the last axis (layer
        // normalization, softmax): the shape is kept.
        Kind::Activation(_)
        | Kind::Dropout { .. }
        | Kind::BatchNorm { .. }
        | Kind::LayerNorm { .. } => input,
        Kind::Flatten => flatten(line, input, flow, errors),
        Kind::Recurrent {
            word,
            return_sequences,
            ..
        } => recurrent(line, *word, input, units, *return_sequences, flow, errors),
    }
}

/// `dense UNITS` acts on the last axis, as Keras's `Dense`: at every position of a fixed shape,
/// whose values must still fit in one layer's output.
fn dense(line: &LayerStmt, input: Shape, units: usize, errors: &mut Option<syn::Error>) -> Shape {
    let output = input.with_channels(units);
    let positions = input.positions();
    let len = positions.saturating_mul(units);
    if len <= MAX_UNITS {
        return output;
    }
    let most = MAX_UNITS / positions.max(1);
    let span = line.size_span();
    push_error(
        errors,
        syn::Error::new(
            span,
            format!(
                "`dense {units}` at each of the {} positions of {} outputs {} values, more than a layer may output ({}): use at most {most} units here, e.g. `dense {most};`, or `flatten;` before it",
                thousands(positions),
                shape_text(input),
                thousands(len),
                thousands(MAX_UNITS),
            ),
        ),
    );
    one_position(output)
}

/// `flatten`: a fixed shape (or a vector) to the vector of its values; a sequence has no fixed
/// number of values.
fn flatten(line: &LayerStmt, input: Shape, flow: &Flow, errors: &mut Option<syn::Error>) -> Shape {
    if let Shape::Sequence(_) = input {
        if flow.known {
            let features = flow.input.channels();
            push_error(
                errors,
                syn::Error::new(
                    line.keyword.span(),
                    format!(
                        "`flatten` needs a fixed shape, `(steps, channels)` or `(height, width, channels)`, but it reads a sequence of any length: remove it (a recurrent layer without `return_sequences` already outputs one vector per sequence), or give the network a fixed number of steps and no recurrent layer, e.g. `input (10, {features});`"
                    ),
                ),
            );
        }
        return input;
    }
    Shape::Vector(input.len())
}

/// A recurrent layer reads a sequence of any length: a fixed shape is an error here (a vector
/// is one across layers, see `recurrence`). It outputs every step's vector with
/// `return_sequences`, else the last one.
fn recurrent(
    line: &LayerStmt,
    word: KindWord,
    input: Shape,
    units: usize,
    return_sequences: bool,
    flow: &Flow,
    errors: &mut Option<syn::Error>,
) -> Shape {
    if input.is_fixed() && flow.known {
        let (kind, features) = (word.name(), flow.input.channels());
        push_error(
            errors,
            syn::Error::new(
                line.keyword.span(),
                format!(
                    "`{kind}` is a recurrent layer and reads a sequence of any length, not the fixed shape {}: write the input line as `input sequence {features};` (each step a vector of {features})",
                    shape_text(input)
                ),
            ),
        );
    }
    if return_sequences {
        Shape::Sequence(units)
    } else {
        Shape::Vector(units)
    }
}

/// The shape with one position and the same channels: what the layers after a shape too large
/// are checked against, so that no count overflows.
pub(super) fn one_position(shape: Shape) -> Shape {
    match shape {
        Shape::Steps { channels, .. } => Shape::Steps { steps: 1, channels },
        Shape::Image { channels, .. } => Shape::Image {
            height: 1,
            width: 1,
            channels,
        },
        other => other,
    }
}

/// A softmax at the output of a fixed shape normalizes each position on its own, but losses
/// and metrics read the output as one vector: refused, with the layers that make it a
/// distribution over the whole output.
pub(super) fn check_output(
    line: &LayerStmt,
    layer: &Layer,
    flow: &Flow,
    errors: &mut Option<syn::Error>,
) {
    let softmax = layer.activation().is_some_and(|a| a.act == Act::Softmax);
    if !(softmax && layer.output.is_fixed() && flow.known) {
        return;
    }
    let output = layer.output;
    let span = line.activation_span();
    push_error(
        errors,
        syn::Error::new(
            span,
            format!(
                "a softmax on the output of shape {} normalizes each of its {} positions over its {} channels, but losses and metrics read the output as one vector of {} values (a categorical loss would sum {} distributions): end the network with `flatten;` and a dense layer, e.g. `flatten; dense {} softmax;`, or use `sigmoid` for independent outputs",
                shape_text(output),
                thousands(output.positions()),
                output.channels(),
                thousands(output.len()),
                thousands(output.positions()),
                output.channels(),
            ),
        ),
    );
}
