//! The numbers and words of convolution and pooling lines: the kernel (or pool size), the axes
//! options (`strides`, `dilation`: one number for every axis or a tuple of one per axis), the
//! counts (`groups`, `depth_multiplier`) and `padding`.

use syn::Lit;

use crate::ast::{AxesLit, LayerStmt, OptionValue, SizeLit};
use crate::diagnostics::{did_you_mean, one_of, push_error, thousands};
use crate::model::KindWord;
use crate::model::window::Axes2;
use nnet_kinds::MAX_UNITS;

/// The kernel of a convolution or pooling line, `[rows, columns]` (`[1, k]` for a 1-D kind);
/// `None` after reporting a bad one.
pub(super) fn check_kernel(
    line: &LayerStmt,
    word: KindWord,
    errors: &mut Option<syn::Error>,
) -> Option<Axes2> {
    let axes = word.decl().number.kernel_axes();
    let Some(kernel) = &line.kernel else {
        // The parser requires one; a line without is never validated.
        return None;
    };
    let what = if word.has_tensors() {
        "a kernel size"
    } else {
        "a pool size"
    };
    // The line with a kernel of 3 (a pool size of 2), the filters as written.
    let filters = line
        .size
        .as_ref()
        .map(|s| format!(" {}", crate::model::lines::size_text(s)))
        .unwrap_or_default();
    let size = if word.has_tensors() { 3 } else { 2 };
    let example = format!("`{}{filters} {size};`", word.name());
    let values = kernel
        .items
        .iter()
        .map(|item| axis_value(item, what, &example, errors))
        .collect::<Vec<_>>();
    if !fits_axes(kernel, axes) {
        push_error(errors, wrong_kernel_length(line, word, kernel));
        return None;
    }
    let values: Option<Vec<usize>> = values.into_iter().collect();
    spread(&values?, axes)
}

/// Whether `value` has as many numbers as the kind's `axes`, or one (`3` or `(3)`) for every
/// axis.
fn fits_axes(value: &AxesLit, axes: usize) -> bool {
    value.items.len() == 1 || value.items.len() == axes
}

/// One number for every axis, or one per axis, as `[rows, columns]`: a 1-D value on the
/// columns, with one row.
fn spread(values: &[usize], axes: usize) -> Option<Axes2> {
    match (values, axes) {
        ([one], 1) => Some([1, *one]),
        ([one], _) => Some([*one, *one]),
        ([rows, columns], 2) => Some([*rows, *columns]),
        _ => None,
    }
}

/// A kernel tuple of the wrong length.
fn wrong_kernel_length(line: &LayerStmt, word: KindWord, kernel: &AxesLit) -> syn::Error {
    let kind = word.name();
    let filters = line
        .size
        .as_ref()
        .map(|s| format!(" {}", crate::model::lines::size_text(s)))
        .unwrap_or_default();
    let what = if word.has_tensors() {
        "kernel"
    } else {
        "pool size"
    };
    let message = if word.decl().number.kernel_axes() == 1 {
        let two = counterpart(word).name();
        format!(
            "`{kind}` slides along one axis of steps, so its {what} is one number, not {}: write e.g. `{kind}{filters} 3;`, or use `{two}` on an image",
            crate::parse::axes_text(kernel)
        )
    } else {
        format!(
            "the {what} of `{kind}` is one number for both axes or two, `(rows, columns)`, not {} numbers: write e.g. `{kind}{filters} (3, 3);` or `{kind}{filters} 3;`",
            kernel.items.len()
        )
    };
    syn::Error::new(kernel.span(), message)
}

/// A whole number of at least 1 (and at most [`MAX_UNITS`]) on one axis: `what` names it for
/// the messages (`a kernel size`, `strides`), `example` is a line or option that compiles.
fn axis_value(
    item: &SizeLit,
    what: &str,
    example: &str,
    errors: &mut Option<syn::Error>,
) -> Option<usize> {
    let text = crate::validate::size::lit_text(&item.lit, item.negative);
    let message = match &item.lit {
        Lit::Int(int) if !item.negative => match int.base10_parse::<usize>() {
            Ok(0) => format!("{what} is at least 1 on every axis, not 0: write e.g. {example}"),
            Ok(n) if n <= MAX_UNITS => return Some(n),
            _ => format!(
                "{what} of {text} is more than any axis may have ({}): write e.g. {example}",
                thousands(MAX_UNITS)
            ),
        },
        _ => format!("{what} is a whole number of at least 1, not `{text}`: write e.g. {example}"),
    };
    push_error(errors, syn::Error::new(item.lit.span(), message));
    None
}

/// `strides = 2`, `dilation = (1, 2)`: one whole number of at least 1 for every axis, or a
/// tuple of one per axis of the kind's window; `None` after reporting.
pub(super) fn read_axes(
    value: &OptionValue,
    name: &str,
    word: KindWord,
    axes: usize,
    errors: &mut Option<syn::Error>,
) -> Option<Axes2> {
    let example = if axes == 2 {
        format!("`{name} = 2` or `{name} = (2, 1)`")
    } else {
        format!("`{name} = 2`")
    };
    let what = format!("`{name}`");
    match value {
        OptionValue::Number { lit, negative } => {
            let item = SizeLit {
                lit: lit.clone(),
                negative: *negative,
            };
            let one = axis_value(&item, &what, &example, errors)?;
            spread(&[one], axes)
        }
        OptionValue::Tuple(tuple) => {
            let values: Vec<Option<usize>> = tuple
                .items
                .iter()
                .map(|item| axis_value(item, &what, &example, errors))
                .collect();
            if !fits_axes(tuple, axes) {
                let kind = word.name();
                let message = if axes == 1 {
                    format!(
                        "`{kind}` slides along one axis of steps, so `{name}` is one number, not {}: write e.g. `{name} = 2`",
                        crate::parse::axes_text(tuple)
                    )
                } else {
                    format!(
                        "`{name}` of `{kind}` is one number for both axes or two, `(rows, columns)`, not {} numbers: write e.g. {example}",
                        tuple.items.len()
                    )
                };
                push_error(errors, syn::Error::new(tuple.span(), message));
                return None;
            }
            let values: Option<Vec<usize>> = values.into_iter().collect();
            spread(&values?, axes)
        }
        OptionValue::Ident(ident) => {
            push_error(
                errors,
                syn::Error::new(
                    ident.span(),
                    format!("`{name}` takes whole numbers, not `{ident}`: write e.g. {example}"),
                ),
            );
            None
        }
    }
}

/// `groups = 2`, `depth_multiplier = 2`: a whole number of at least 1.
pub(super) fn count(value: &OptionValue, name: &str, text: &str) -> Result<usize, String> {
    let fix = format!("write e.g. `{name} = 2`");
    match value {
        OptionValue::Number {
            lit: Lit::Int(int),
            negative: false,
        } => match int.base10_parse::<usize>() {
            Ok(0) => Err(format!("`{name}` is at least 1, not 0: {fix}")),
            Ok(n) if n <= MAX_UNITS => Ok(n),
            _ => Err(format!(
                "`{name} = {text}` is more than a layer may have ({}): {fix}",
                thousands(MAX_UNITS)
            )),
        },
        _ => Err(format!(
            "`{name}` is a whole number of at least 1, not `{text}`: {fix}"
        )),
    }
}

/// `padding = same`: one of the kind's `words`, with a "did you mean" for a misspelt one and
/// what to write for `causal` on a kind that cannot pad only the past.
pub(super) fn padding_word(
    value: &OptionValue,
    word: KindWord,
    words: &'static [&'static str],
) -> Result<&'static str, String> {
    let kind = word.name();
    let takes = format!("`{kind}` takes {}", one_of(words));
    match value {
        OptionValue::Ident(ident) => {
            let written = ident.to_string();
            if let Some(found) = words.iter().find(|w| **w == written) {
                return Ok(found);
            }
            if written == "causal" {
                let why = if word.has_tensors() {
                    "pads only the past of a sequence of steps, for `conv1d`"
                } else {
                    "is for `conv1d`: a pooling window is never causal"
                };
                return Err(format!("`padding = causal` {why}: {takes}"));
            }
            let hint = did_you_mean(&written, words);
            Err(format!("unknown padding `{written}`{hint}\n{takes}"))
        }
        OptionValue::Number {
            lit: Lit::Str(quoted),
            ..
        } => Err(format!(
            "write the padding as a name, without quotes: `padding = {}`",
            quoted.value()
        )),
        other => Err(format!(
            "`padding` is a word, not `{}`: {takes}, e.g. `padding = same`",
            super::options::value_text(other)
        )),
    }
}

/// The kind of the other number of axes, for messages: `conv2d` for `conv1d`, `max_pool1d` for
/// `max_pool2d`; a depthwise convolution's 1-D counterpart is a grouped `conv1d`.
pub(super) fn counterpart(word: KindWord) -> KindWord {
    match word {
        KindWord::Conv1d => KindWord::Conv2d,
        KindWord::Conv2d | KindWord::DepthwiseConv2d => KindWord::Conv1d,
        KindWord::MaxPool1d => KindWord::MaxPool2d,
        KindWord::MaxPool2d => KindWord::MaxPool1d,
        KindWord::AvgPool1d => KindWord::AvgPool2d,
        KindWord::AvgPool2d => KindWord::AvgPool1d,
        other => other,
    }
}
