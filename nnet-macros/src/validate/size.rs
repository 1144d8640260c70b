//! Sizes and numbers as written: a number of units or inputs, and a literal read as a number.

use syn::Lit;

use crate::ast::SizeLit;
use crate::diagnostics::{push_error, thousands};
use nnet_kinds::MAX_UNITS;

/// A size is a positive whole number no larger than [`MAX_UNITS`].
/// `example` is a line that compiles, in backticks, for the messages.
pub(super) fn check_size(
    size: &SizeLit,
    what: &str,
    example: &str,
    errors: &mut Option<syn::Error>,
) -> Option<usize> {
    let fail = |errors: &mut Option<syn::Error>, message: String| {
        push_error(errors, syn::Error::new(size.lit.span(), message));
        None
    };
    // The literal then carries the span of the `-` (see `parse_size`).
    if size.negative {
        return fail(
            errors,
            format!("the number of {what} cannot be negative: remove the `-`"),
        );
    }
    let int = match &size.lit {
        Lit::Int(int) => int,
        Lit::Float(float) => {
            return fail(
                errors,
                format!(
                    "the number of {what} must be a whole number, not `{float}`: write e.g. {example}"
                ),
            );
        }
        other => {
            let text = quote::ToTokens::to_token_stream(other);
            return fail(
                errors,
                format!(
                    "expected the number of {what} as a whole number, not `{text}`: write e.g. {example}"
                ),
            );
        }
    };
    let owner = if what == "inputs" {
        "a network"
    } else {
        "a layer"
    };
    match int.base10_parse::<usize>() {
        Ok(0) => fail(
            errors,
            format!("the number of {what} must be at least 1, not 0: write e.g. {example}"),
        ),
        Ok(n) if n <= MAX_UNITS => Some(n),
        _ => fail(
            errors,
            format!(
                "{int} {what} is too many: {owner} has at most {} {what}",
                thousands(MAX_UNITS)
            ),
        ),
    }
}

/// A literal as a number, if it is one.
pub(super) fn number(lit: &Lit, negative: bool) -> Option<f32> {
    let v = match lit {
        Lit::Float(f) => f.base10_parse::<f32>().ok()?,
        Lit::Int(i) => i.base10_parse::<f32>().ok()?,
        _ => return None,
    };
    Some(if negative { -v } else { v })
}

/// A literal as written, with its sign, for messages.
pub(super) fn lit_text(lit: &Lit, negative: bool) -> String {
    let minus = if negative { "-" } else { "" };
    format!("{minus}{}", quote::ToTokens::to_token_stream(lit))
}
