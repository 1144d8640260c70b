//! The input line: exactly one, first, followed by at least one layer.

use syn::Ident;

use super::size::check_size;
use crate::ast::{NetworkDef, Statement};
use crate::diagnostics::push_error;
use crate::kw;

/// The first `input` line: its keyword, its number of inputs if valid, its `sequence` word.
type InputLine<'a> = (&'a kw::input, Option<usize>, Option<&'a Ident>);

/// Exactly one `input` line, first, followed by at least one layer: the number of inputs, and
/// the `sequence` word of a sequence input.
pub(super) fn check_input_line<'a>(
    def: &'a NetworkDef,
    errors: &mut Option<syn::Error>,
) -> (Option<usize>, Option<&'a Ident>) {
    let first = first_input_line(def, errors);
    let sequence = first.and_then(|(_, _, sequence)| sequence);
    let value = match first {
        // An empty list with a syntax error (no list at all, say): that error says enough.
        None if def.statements.is_empty() && def.errors.is_some() => None,
        None => {
            missing_input(def, errors);
            None
        }
        Some((keyword, value, _)) => {
            check_has_layers(def, keyword, errors);
            value
        }
    };
    (value, sequence)
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
        } = statement
        else {
            continue;
        };
        let example = if sequence.is_some() {
            "`input sequence 2;`"
        } else {
            "`input 2;`"
        };
        let value = check_size(size, "inputs", example, errors);
        if let Some((first_keyword, _, _)) = first {
            let mut error = syn::Error::new(
                keyword.span,
                "`input` is declared twice: a network has one input line; remove this one",
            );
            error.combine(syn::Error::new(
                first_keyword.span,
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
        first = Some((keyword, value, sequence.as_ref()));
    }
    first
}

/// No `input` line: the error points at the line `input` should come before, or at the empty
/// list.
fn missing_input(def: &NetworkDef, errors: &mut Option<syn::Error>) {
    let span = def.statements.iter().find_map(|s| match s {
        Statement::Layer(line) => Some(line.keyword.span()),
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
        .any(|s| matches!(s, Statement::Layer(_)));
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
