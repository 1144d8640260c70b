//! Sizes and numbers as written: a number of units or inputs, and a literal read as a number.

use syn::Lit;

use crate::ast::{AxesLit, InputSize, LayerStmt, OptionValue, SizeLit};
use crate::diagnostics::{push_error, thousands};
use crate::model::Decimal;
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

/// A literal as a number, if it is one, read as each scalar reads it (see [`Decimal`]).
pub(super) fn number(lit: &Lit, negative: bool) -> Option<Decimal> {
    let digits = match lit {
        Lit::Float(f) => f.base10_digits(),
        Lit::Int(i) => i.base10_digits(),
        _ => return None,
    };
    Decimal::parse(digits, negative)
}

/// A literal as written, with its sign, for messages.
pub(super) fn lit_text(lit: &Lit, negative: bool) -> String {
    let minus = if negative { "-" } else { "" };
    format!("{minus}{}", quote::ToTokens::to_token_stream(lit))
}

/// How a number literal departs from plain decimal: a type suffix (`300u8`, `0.5f64`) or another
/// base (`0x10`, `0o20`, `0b1`); `None` for a plain one (and for any other literal, whose
/// value the rules of its place refuse). The grammar types every number itself, so a suffix
/// would be silently ignored, and a size or rate reads best as the number Keras shows.
pub(super) fn unplain(lit: &Lit) -> Option<String> {
    let (suffix, repr) = match lit {
        Lit::Int(int) => (int.suffix(), int.to_string()),
        Lit::Float(float) => (float.suffix(), float.to_string()),
        _ => return None,
    };
    let base = match repr.get(..2) {
        Some("0x" | "0X") => Some("hexadecimal"),
        Some("0o" | "0O") => Some("octal"),
        Some("0b" | "0B") => Some("binary"),
        _ => None,
    };
    match (base, suffix.is_empty()) {
        (None, true) => None,
        (None, false) => Some(format!("has a type suffix (`{suffix}`)")),
        (Some(base), true) => Some(format!("is written in {base}")),
        (Some(base), false) => Some(format!(
            "is written in {base}, with a type suffix (`{suffix}`)"
        )),
    }
}

/// A number literal in plain decimal, without suffix: `16` for `0x10`, `0.5` for `0.5f64`.
pub(super) fn plain_text(lit: &Lit, negative: bool) -> String {
    let digits = match lit {
        Lit::Int(int) => int.base10_digits().to_owned(),
        Lit::Float(float) => float.base10_digits().to_owned(),
        other => quote::ToTokens::to_token_stream(other).to_string(),
    };
    let minus = if negative { "-" } else { "" };
    format!("{minus}{digits}")
}

/// Reports `lit` if it is not plain decimal (see [`unplain`]), with `line`, the line as it
/// should be written, as the fix; false after reporting. The value is still read (`0x10` as 16),
/// so that the rest of the network is checked as meant.
pub(super) fn check_plain(lit: &Lit, line: &str, errors: &mut Option<syn::Error>) -> bool {
    let Some(how) = unplain(lit) else {
        return true;
    };
    let text = quote::ToTokens::to_token_stream(lit);
    push_error(
        errors,
        syn::Error::new(
            lit.span(),
            format!(
                "`{text}` {how}: numbers in `network!` are plain decimal without a suffix (the macro gives each its type); write `{line}`"
            ),
        ),
    );
    false
}

/// Every number of a layer line in plain decimal (see [`check_plain`]); the fix shown is the
/// whole line with each number rewritten so.
pub(super) fn check_plain_layer(line: &LayerStmt, errors: &mut Option<syn::Error>) {
    // A size the size check refuses anyway (`dense 0x0`: zero units) is left to that check,
    // whose fix is a size that works; rewriting it here would suggest `dense 0;`.
    let kept = |size: &&SizeLit| !refused_size(size);
    let kernel = line
        .kernel
        .iter()
        .flat_map(|k| k.items.iter().filter(kept).map(|s| &s.lit));
    let numbers = line
        .size
        .iter()
        .filter(kept)
        .map(|s| &s.lit)
        .chain(kernel)
        .chain(line.options.iter().flat_map(|o| match &o.value {
            OptionValue::Number { lit, .. } => vec![lit],
            OptionValue::Tuple(tuple) => tuple.items.iter().map(|s| &s.lit).collect(),
            OptionValue::Ident(_) => Vec::new(),
        }));
    let mut fixed = None;
    for lit in numbers {
        if unplain(lit).is_some() {
            let fixed = fixed.get_or_insert_with(|| plain_layer_line(line));
            check_plain(lit, fixed, errors);
        }
    }
}

/// Whether a size or kernel literal is zero or negative, which no size allows.
fn refused_size(size: &SizeLit) -> bool {
    size.negative
        || match &size.lit {
            Lit::Int(int) => int.base10_parse::<u128>().is_ok_and(|value| value == 0),
            _ => false,
        }
}

/// `dense 16 relu (alpha = 0.1);`: the line with its numbers in plain decimal.
fn plain_layer_line(line: &LayerStmt) -> String {
    let mut text = line.keyword.to_string();
    if let Some(size) = &line.size {
        text = format!("{text} {}", plain_text(&size.lit, size.negative));
    }
    if let Some(kernel) = &line.kernel {
        text = format!("{text} {}", plain_axes(kernel));
    }
    if let Some(activation) = &line.activation {
        text = format!("{text} {activation}");
    }
    if !line.options.is_empty() {
        let options: Vec<String> = line
            .options
            .iter()
            .map(|o| {
                let value = match &o.value {
                    OptionValue::Ident(ident) => ident.to_string(),
                    OptionValue::Number { lit, negative } => plain_text(lit, *negative),
                    OptionValue::Tuple(tuple) => plain_axes(tuple),
                };
                format!("{} = {value}", o.name)
            })
            .collect();
        text = format!("{text} ({})", options.join(", "));
    }
    format!("{text};")
}

/// `3` or `(10, 4)` with each number in plain decimal.
fn plain_axes(axes: &AxesLit) -> String {
    let items: Vec<String> = axes
        .items
        .iter()
        .map(|s| plain_text(&s.lit, s.negative))
        .collect();
    match axes.parens {
        Some(_) => format!("({})", items.join(", ")),
        None => items.join(", "),
    }
}

/// Every number of an input line in plain decimal (see [`check_plain`]): `input 4;`,
/// `input sequence 4;`, `input (4, 3);`.
pub(super) fn check_plain_input(size: &InputSize, sequence: bool, errors: &mut Option<syn::Error>) {
    let sizes: &[SizeLit] = match size {
        InputSize::Length(size) => core::slice::from_ref(size),
        InputSize::Axes { axes, .. } => axes,
    };
    if sizes.iter().all(|s| unplain(&s.lit).is_none()) {
        return;
    }
    let texts: Vec<String> = sizes
        .iter()
        .map(|s| plain_text(&s.lit, s.negative))
        .collect();
    let fixed = match (size, sequence) {
        (InputSize::Length(_), true) => format!("input sequence {};", texts.join("")),
        (InputSize::Length(_), false) => format!("input {};", texts.join("")),
        (InputSize::Axes { .. }, _) => format!("input ({});", texts.join(", ")),
    };
    for s in sizes {
        check_plain(&s.lit, &fixed, errors);
    }
}
