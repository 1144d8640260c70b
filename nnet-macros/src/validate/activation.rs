//! The activation of a line: which one it is, or the kind's default; no `softmax` over one unit;
//! what to write instead of an activation on `gru` and `lstm`.

use crate::ast::LayerStmt;
use crate::diagnostics::{did_you_mean, push_error};
use crate::model::lines::{activation_or, dense_line, size_text};
use crate::model::{Act, KindWord, KindWords};
use nnet_kinds::Activation as Takes;

/// The activation the line ends in: written, or the kind's declared default (`tanh` for
/// `simple_rnn`, as Keras's SimpleRNN; `linear` for kinds that have none).
pub(super) fn activation_of(
    line: &LayerStmt,
    word: KindWord,
    errors: &mut Option<syn::Error>,
) -> Option<Act> {
    match word.decl().activation {
        Takes::Optional { default } if line.activation.is_none() => {
            Some(Act::from_word(default).unwrap_or(Act::Linear))
        }
        Takes::Optional { .. } | Takes::Required => check_activation(line, word, errors),
        Takes::Fixed(_) | Takes::None => Some(Act::Linear),
    }
}

/// The activation: `linear` when a dense layer has none; required on an `activation` line.
fn check_activation(
    line: &LayerStmt,
    word: KindWord,
    errors: &mut Option<syn::Error>,
) -> Option<Act> {
    let Some(ident) = line.activation.as_ref() else {
        if word == KindWord::Activation {
            push_error(
                errors,
                syn::Error::new(
                    line.keyword.span(),
                    format!(
                        "an `activation` line needs an activation: write e.g. `activation relu;`\nthe activations are: {}",
                        Act::words().join(", ")
                    ),
                ),
            );
            return None;
        }
        return Some(Act::Linear);
    };
    let name = ident.to_string();
    if let Some(act) = Act::from_word(&name) {
        return Some(act);
    }
    let names = Act::words();
    let hint = did_you_mean(&name, &names);
    let message = if word == KindWord::Dense && word.takes_option(&name) {
        let size = line.size.as_ref().map_or("10".to_owned(), size_text);
        let line = dense_line(&size, None, &name, "");
        format!(
            "`{name}` is an option, not an activation: options go in parentheses after the activation, e.g. `{line}`"
        )
    } else {
        format!(
            "unknown activation `{name}`{hint}\nthe activations are: {}",
            names.join(", ")
        )
    };
    push_error(errors, syn::Error::new(ident.span(), message));
    None
}

/// `softmax` over one unit always outputs 1.
pub(super) fn check_softmax_width(
    line: &LayerStmt,
    act: Act,
    units: usize,
    errors: &mut Option<syn::Error>,
) {
    if act == Act::Softmax && units == 1 {
        let span = line.activation_span();
        push_error(
            errors,
            syn::Error::new(
                span,
                "softmax over a single unit always outputs 1: use `sigmoid` for one output, or give the layer 2 or more units",
            ),
        );
    }
}

/// "`gru` takes no activation", for an activation written on a `gru` or `lstm` line.
pub(super) fn fixed_activations(line: &LayerStmt, word: KindWord, activation: &str) -> String {
    let kind = word.name();
    let activation = activation_or(activation, "relu");
    let size = line.size.as_ref().map_or("16".to_owned(), size_text);
    let keras = word.keras_name();
    let fixed = match word.decl().activation {
        Takes::Fixed(fixed) => fixed,
        _ => "",
    };
    format!(
        "`{kind}` takes no activation: its activations are fixed as in Keras's {keras} ({fixed}); write `{kind} {size};`, or use `simple_rnn {size} {activation};` for a recurrent layer with an activation of your choice"
    )
}
