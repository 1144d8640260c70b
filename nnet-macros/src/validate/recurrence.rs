//! The rules of stepped layers (recurrent layers, and causal `conv1d`s streamed over a
//! sequence): a recurrent layer's units and weights within the limits, each reads a sequence (the
//! input's, or the whole sequence of the stepped layer before it), a sequence input has one, and
//! the past inputs the convolutions keep fit the state.

use nnet_kinds::Shape;
use syn::Ident;

use crate::ast::{LayerStmt, NetworkDef, Statement};
use crate::diagnostics::{one_of, push_error, thousands};
use nnet_kinds::{MAX_RECURRENT_UNITS, MAX_RECURRENT_WEIGHTS};

use crate::model::{KindWord, Layer, shape_text};
use crate::scalar::ScalarKind;

/// A recurrent layer has at most [`MAX_RECURRENT_UNITS`] units (every size a layer may have;
/// the grammar refuses more) and [`MAX_RECURRENT_WEIGHTS`] weights (those of a `simple_rnn` of
/// the most units over one input); if not, the error is on the number of units, says how much
/// memory the weights would take, and gives the most units that fit.
pub(super) fn check_recurrent_weights(
    line: &LayerStmt,
    word: KindWord,
    inputs: usize,
    units: usize,
    scalar: ScalarKind,
    errors: &mut Option<syn::Error>,
) {
    let weights_of = |units: usize| word.decl().counts(inputs, units, |_| true).trainable;
    let weights = weights_of(units);
    if units <= MAX_RECURRENT_UNITS && weights <= MAX_RECURRENT_WEIGHTS {
        return;
    }
    let kind = word.name();
    let span = line.size_span();
    // The weights grow with the units: the most that fit, by bisection.
    let (mut low, mut high) = (0, units.min(MAX_RECURRENT_UNITS + 1));
    while high - low > 1 {
        let mid = low + (high - low) / 2;
        if weights_of(mid) <= MAX_RECURRENT_WEIGHTS {
            low = mid;
        } else {
            high = mid;
        }
    }
    let fix = match low {
        0 => format!(
            "even one unit is too many over {} inputs: give the layer fewer inputs",
            thousands(inputs)
        ),
        most => format!(
            "use at most {} units here, e.g. `{kind} {most};`",
            thousands(most)
        ),
    };
    let bytes = weights.saturating_mul(scalar.bytes());
    push_error(
        errors,
        syn::Error::new(
            span,
            format!(
                "`{kind} {units}` over {} input{} has {} weights, which would take {} of `{}` (as much again for their gradient in training), more than a recurrent layer may have ({}, {}: those of `simple_rnn {}` over one input): {fix}",
                thousands(inputs),
                if inputs == 1 { "" } else { "s" },
                thousands(weights),
                memory(bytes),
                scalar.name(),
                thousands(MAX_RECURRENT_WEIGHTS),
                memory(MAX_RECURRENT_WEIGHTS.saturating_mul(scalar.bytes())),
                MAX_RECURRENT_UNITS,
            ),
        ),
    );
}

/// `bytes` for a reader: `48 GiB`, `512 MiB` (rounded to one decimal when not whole).
fn memory(bytes: usize) -> String {
    const GIB: f64 = (1u64 << 30) as f64;
    const MIB: f64 = (1u64 << 20) as f64;
    let (value, unit) = if bytes as f64 >= GIB {
        (bytes as f64 / GIB, "GiB")
    } else {
        (bytes as f64 / MIB, "MiB")
    };
    let rounded = (value * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0} {unit}")
    } else {
        format!("{rounded:.1} {unit}")
    }
}

/// Stepped layers have a sequence to read, each the whole sequence of the one before, and a
/// sequence input has a stepped layer. (A recurrent layer on a fixed shape is reported by its
/// shape rule, in `shapes`; a convolution after a layer that returns one vector, by `window`.)
pub(super) fn check_recurrence(
    def: &NetworkDef,
    sequence: Option<&Ident>,
    input: Option<Shape>,
    layers: &[Layer],
    errors: &mut Option<syn::Error>,
) {
    let features = input.map_or("N".to_owned(), |shape| shape.channels().to_string());
    let mut previous: Option<&Layer> = None;
    for layer in layers.iter().filter(|l| l.is_stepped()) {
        let kind = layer.word.name();
        // Once per network: every recurrent layer has the same fix.
        if sequence.is_none()
            && previous.is_none()
            && layer.is_recurrent()
            && !layer.input.is_fixed()
        {
            let input = match input {
                Some(shape) if shape.is_fixed() => format!(
                    "its input is one vector per sample, the fixed shape {} flattened",
                    shape_text(shape)
                ),
                _ => "the input is one vector per sample".to_owned(),
            };
            push_error(
                errors,
                syn::Error::new(
                    layer.span,
                    format!(
                        "`{kind}` is a recurrent layer and reads a sequence, but {input}: write the input line as `input sequence {features};` (each step a vector of {features})"
                    ),
                ),
            );
        }
        if let Some(before) = previous
            && !before.returns_sequences()
        {
            let before_field = before.field();
            push_error(
                errors,
                syn::Error::new(
                    layer.span,
                    format!(
                        "`{kind}` reads a sequence, but `{before_field}` before it returns only its last output: add `(return_sequences = true)` to `{before_field}`"
                    ),
                ),
            );
        }
        previous = Some(layer);
    }
    check_sequence_is_read(def, sequence, &features, layers, errors);
}

/// The most bytes of past inputs the causal convolutions of a sequence network keep in its
/// state: 64 KiB (16,384 `f32` values, 8,192 `f64`). The state is inline (a step allocates
/// nothing) and a value the caller holds; building it takes several copies of it on the stack
/// in a debug build (about twelve, measured), and at this size building and stepping a network
/// fit a 2 MiB stack there.
pub(crate) const MAX_HISTORY_BYTES: usize = 64 * 1024;

/// The past inputs the streamed convolutions keep, all together, fit [`MAX_HISTORY_BYTES`];
/// `total` counts the values of the layers before `layer`. If not, the error is on the line
/// that goes past it (its `dilation`, else its kernel), once.
pub(super) fn check_history(
    line: &LayerStmt,
    layer: &Layer,
    total: &mut usize,
    errors: &mut Option<syn::Error>,
) {
    let channels = layer.input.channels();
    let values = layer.history().saturating_mul(channels);
    let most = MAX_HISTORY_BYTES / layer.scalar.bytes();
    let before = *total;
    *total = before.saturating_add(values);
    if values == 0 || *total <= most || before > most {
        return;
    }
    let with_others = if before > 0 {
        format!(", {} with the convolutions before it", thousands(*total))
    } else {
        String::new()
    };
    let span = line
        .options
        .iter()
        .find(|o| o.name == "dilation")
        .map(|o| o.value.span())
        .or_else(|| line.kernel.as_ref().map(|k| k.span()))
        .unwrap_or(line.keyword.span());
    push_error(
        errors,
        syn::Error::new(
            span,
            format!(
                "`{}` keeps its last {} input{} of {} channel{} ({} values{with_others}), more than the causal convolutions of a sequence network may keep in its state ({} KiB, {} `{}` values: the state is inline, so that a step allocates nothing and fits a small stack): use a smaller dilation or kernel, or fewer channels",
                layer.text(),
                thousands(layer.history()),
                if layer.history() == 1 { "" } else { "s" },
                thousands(channels),
                if channels == 1 { "" } else { "s" },
                thousands(values),
                MAX_HISTORY_BYTES / 1024,
                thousands(most),
                layer.scalar.name(),
            ),
        ),
    );
}

/// A sequence input has a recurrent layer to read it.
fn check_sequence_is_read(
    def: &NetworkDef,
    sequence: Option<&Ident>,
    features: &str,
    layers: &[Layer],
    errors: &mut Option<syn::Error>,
) {
    // A recurrent line that failed its own checks still reads the sequence, and so does a
    // `conv1d` (streamed when causal, with its own message otherwise).
    let recurrent_line = Statement::layer_lines(&def.statements).iter().any(|line| {
        KindWord::from_word(&line.keyword.to_string())
            .is_some_and(|k| k.is_recurrent() || k == KindWord::Conv1d)
    });
    let recurrent_words: Vec<&str> = KindWord::ALL
        .iter()
        .filter(|k| k.is_recurrent())
        .map(|k| k.name())
        .collect();
    if let Some(sequence) = sequence
        && !recurrent_line
        && def.errors.is_none()
        && !layers.is_empty()
    {
        push_error(
            errors,
            syn::Error::new(
                sequence.span(),
                format!(
                    "a sequence input needs a layer that reads it step by step, a recurrent layer ({}) or a causal `conv1d`: add one, e.g. `gru 16;` or `conv1d 16 3 (padding = causal);`, or write `input {features};` for one vector per sample",
                    one_of(&recurrent_words)
                ),
            ),
        );
    }
}
