//! The input line: exactly one, first, followed by at least one layer; its shape's axes
//! valid.

use nnet_kinds::Shape;
use proc_macro2::Span;
use syn::Ident;

use super::size::{check_plain_input, check_size};
use crate::ast::{InputSize, NetworkDef, SizeLit, Statement};
use crate::diagnostics::{push_error, thousands};
use crate::kw;
use crate::model::shape_text;
use nnet_kinds::MAX_UNITS;

/// What the input line declares.
pub(super) struct Input<'a> {
    /// The input's shape, when the line is valid.
    pub shape: Option<Shape>,
    /// The shape the layers are checked against: the declared one, with 1 for an axis in
    /// error (a vector of 1 without an input line).
    pub flowing: Shape,
    /// The `sequence` word of a sequence input.
    pub sequence: Option<&'a Ident>,
    /// Whether the kind of shape is known: not when the line failed to parse and a stand-in
    /// guesses it.
    pub known: bool,
}

/// The first `input` line: its keyword, its shape (`flowing`, `valid`), its `sequence` word,
/// whether it parsed.
struct InputLine<'a> {
    keyword: &'a kw::input,
    flowing: Shape,
    valid: bool,
    sequence: Option<&'a Ident>,
    recovered: bool,
}

/// Exactly one `input` line, first, followed by at least one layer: the input's shape, and the
/// `sequence` word of a sequence input.
pub(super) fn check_input_line<'a>(
    def: &'a NetworkDef,
    errors: &mut Option<syn::Error>,
) -> Input<'a> {
    let first = first_input_line(def, errors);
    match &first {
        // An empty list with a syntax error (no list at all, say): that error says enough.
        None if def.statements.is_empty() && def.errors.is_some() => {}
        None => missing_input(def, errors),
        Some(line) => check_has_layers(def, line.keyword, errors),
    }
    match first {
        Some(line) => Input {
            shape: line.valid.then_some(line.flowing),
            flowing: line.flowing,
            sequence: line.sequence,
            known: !line.recovered,
        },
        None => Input {
            shape: None,
            flowing: Shape::Vector(1),
            sequence: None,
            known: false,
        },
    }
}

/// The first `input` line, each one's size checked; a second line, or one after the layers, is
/// an error.
fn first_input_line<'a>(
    def: &'a NetworkDef,
    errors: &mut Option<syn::Error>,
) -> Option<InputLine<'a>> {
    let mut first: Option<InputLine<'a>> = None;
    for (position, statement) in def.statements.iter().enumerate() {
        let Statement::Input {
            keyword,
            sequence,
            size,
            recovered,
        } = statement
        else {
            continue;
        };
        let (flowing, valid) = input_shape(size, sequence.is_some(), errors);
        if let Some(first) = &first {
            let mut error = syn::Error::new(
                keyword.span,
                "`input` is declared twice: a network has one input line; remove this one",
            );
            error.combine(syn::Error::new(
                first.keyword.span,
                "the first `input` line is here",
            ));
            push_error(errors, error);
            continue;
        }
        if position != 0 {
            push_error(
                errors,
                syn::Error::new(
                    keyword.span,
                    "`input` must be the first line: move `input N;` before the layers",
                ),
            );
        }
        first = Some(InputLine {
            keyword,
            flowing,
            valid,
            sequence: sequence.as_ref(),
            recovered: *recovered,
        });
    }
    first
}

/// The shape of an input line, with 1 for any axis in error, and whether it is valid: every
/// axis a whole number from 1 to [`MAX_UNITS`], and no more values than a layer may have.
fn input_shape(size: &InputSize, sequence: bool, errors: &mut Option<syn::Error>) -> (Shape, bool) {
    // Reported, but the values read as meant (`0x10` as 16), so the layers are still checked.
    check_plain_input(size, sequence, errors);
    let (parens, axes) = match size {
        InputSize::Length(size) => {
            let example = if sequence {
                "`input sequence 2;`"
            } else {
                "`input 2;`"
            };
            let value = check_size(size, "inputs", example, errors);
            let n = value.unwrap_or(1);
            let shape = if sequence {
                Shape::Sequence(n)
            } else {
                Shape::Vector(n)
            };
            return (shape, value.is_some());
        }
        InputSize::Axes { parens, axes } => (*parens, axes),
    };
    let names: &[&str] = match axes.len() {
        1 => &["inputs"],
        2 => &["steps", "channels"],
        _ => &["rows", "columns", "channels"],
    };
    let values: Vec<Option<usize>> = axes.iter().map(axis_value).collect();
    let mut valid = true;
    for (i, axis) in axes.iter().enumerate() {
        let example = format!("`input {};`", example_axes(&values, i));
        valid &= check_size(axis, names[i], &example, errors).is_some();
    }
    let n: Vec<usize> = values.iter().map(|v| v.unwrap_or(1)).collect();
    let shape = match n[..] {
        [n] => Shape::Vector(n),
        [steps, channels] => Shape::Steps { steps, channels },
        [height, width, channels, ..] => Shape::Image {
            height,
            width,
            channels,
        },
        [] => Shape::Vector(1),
    };
    if valid && !check_length(shape, &n, parens, errors) {
        // Layers are checked against one position of it, so that no count overflows.
        return (super::shapes::one_position(shape), false);
    }
    (shape, valid)
}

/// An axis's value when it is a valid size (`check_size` reports it otherwise).
fn axis_value(axis: &SizeLit) -> Option<usize> {
    match &axis.lit {
        syn::Lit::Int(int) if !axis.negative => int
            .base10_parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_UNITS).contains(n)),
        _ => None,
    }
}

/// The axes as written, with a valid stand-in for axis `bad` and for every other invalid one:
/// `(28, 28, 1)`.
fn example_axes(values: &[Option<usize>], bad: usize) -> String {
    let stand_in = |i: usize| match (values.len(), i) {
        (1, _) => 2,
        (2, 0) => 10,
        (2, _) => 3,
        (_, 2) => 1,
        _ => 28,
    };
    let axes: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| match v {
            Some(n) if i != bad => n.to_string(),
            _ => stand_in(i).to_string(),
        })
        .collect();
    format!("({})", axes.join(", "))
}

/// A sample of a fixed shape is one vector of all its values: no more than a layer may have.
fn check_length(
    shape: Shape,
    axes: &[usize],
    parens: Span,
    errors: &mut Option<syn::Error>,
) -> bool {
    let len = axes.iter().try_fold(1_usize, |len, &n| len.checked_mul(n));
    if len.is_some_and(|len| len <= MAX_UNITS) {
        return true;
    }
    let len = len.map_or_else(|| "too many".to_owned(), thousands);
    push_error(
        errors,
        syn::Error::new(
            parens,
            format!(
                "the input {} holds {len} values, more than a network's input may have ({}): use a smaller shape: fewer steps, pixels or channels",
                shape_text(shape),
                thousands(MAX_UNITS),
            ),
        ),
    );
    false
}

/// No `input` line: the error points at the line `input` should come before, or at the empty
/// list.
fn missing_input(def: &NetworkDef, errors: &mut Option<syn::Error>) {
    let span = def.statements.iter().find_map(|s| match s {
        Statement::Layer(line) => Some(line.keyword.span()),
        Statement::Residual(block) => Some(block.keyword.span()),
        Statement::Input { .. } => None,
    });
    push_error(
        errors,
        syn::Error::new(
            span.unwrap_or(def.body_span),
            "missing `input N;`: start the layer list with the number of inputs, e.g. `input 2;`",
        ),
    );
}

/// At least one layer after `input`.
fn check_has_layers(def: &NetworkDef, keyword: &kw::input, errors: &mut Option<syn::Error>) {
    // A line that failed to parse may have been the layer; its error says enough.
    let has_layer = def
        .statements
        .iter()
        .any(|s| matches!(s, Statement::Layer(_) | Statement::Residual(_)));
    if !has_layer && def.errors.is_none() {
        push_error(
            errors,
            syn::Error::new(
                keyword.span,
                "the network has no layers: add at least one after `input`, e.g. `dense 1 sigmoid;`",
            ),
        );
    }
}
