//! One layer line: the rules on what its kind takes (a number, an activation, options without
//! their parentheses), each one small function, then the kind built from what passed.

use nnet_kinds::Shape;

use super::activation::{activation_of, check_softmax_width, fixed_activations};
use super::axes::check_kernel;
use super::kinds::build;
use super::options::{check_alpha, check_bias_init, check_options};
use super::size::{check_plain_layer, check_size};
use crate::ast::LayerStmt;
use crate::diagnostics::push_error;
use crate::model::lines::size_text;
use crate::model::{Act, Activation, Kind, KindWord, KindWords};
use nnet_kinds::{Activation as Takes, Number};

/// One layer line: what its kind needs, and nothing else. Returns the kind and the layer's
/// units: the number on its line, else the channels of `input`, the shape it reads.
pub(super) fn check_layer(
    line: &LayerStmt,
    word: KindWord,
    input: Shape,
    errors: &mut Option<syn::Error>,
) -> Option<(Kind, usize)> {
    // Reported, but the values read as meant (`0x10` as 16), so the rest is still checked.
    check_plain_layer(line, errors);
    let mut ok = check_takes_number(line, word, errors);
    if dropout_rate_is_a_name(line, word, errors) || unparenthesized_option(line, word, errors) {
        return None;
    }
    ok &= check_takes_activation(line, word, errors);
    let number = word.decl().number;
    let units = if matches!(number, Number::Units | Number::Filters { .. }) {
        let example = format!("`{}`", word.decl().example);
        let what = if number == Number::Units {
            "units"
        } else {
            "filters"
        };
        let units = line
            .size
            .as_ref()
            .and_then(|size| check_size(size, what, &example, errors));
        ok &= units.is_some();
        units.unwrap_or(1)
    } else {
        input.channels()
    };
    let kernel = if number.kernel_axes() > 0 {
        check_kernel(line, word, errors)
    } else {
        Some([1, 1])
    };
    ok &= kernel.is_some();
    let (options, options_ok) = check_options(line, word, errors);
    ok &= options_ok;
    let act = activation_of(line, word, errors)?;
    ok &= check_alpha(line, act, &options, errors);
    ok &= check_bias_init(line, word, &options, errors);
    if act == Act::Softmax && units == 1 {
        check_softmax_width(line, act, units, errors);
        return None;
    }
    if !ok {
        return None;
    }
    let activation = Activation {
        act,
        alpha: options.alpha().or(act.default_alpha()),
    };
    let kernel = kernel.unwrap_or([1, 1]);
    let built = build(word, line, &options, activation, units, kernel, errors)?;
    Some((built, units))
}

/// Only the kinds declared with a number (`dense`, `dropout`, the recurrent kinds) take one; the
/// others have the width of the layer before, or none of their own (`flatten`). False after
/// reporting a number where none belongs.
fn check_takes_number(line: &LayerStmt, word: KindWord, errors: &mut Option<syn::Error>) -> bool {
    let Some(size) = &line.size else {
        return true;
    };
    if word.decl().number != Number::None {
        return true;
    }
    let (kind, example) = (word.name(), word.decl().example);
    // `flatten`'s output is the number of values it reads, not the previous layer's width.
    let width = match word {
        KindWord::Flatten => "its output is the vector of every value of the shape it reads",
        KindWord::GlobalAvgPool | KindWord::GlobalMaxPool => {
            "it pools every position of the shape it reads into the vector of its channels"
        }
        _ => "its width is the previous layer's",
    };
    push_error(
        errors,
        syn::Error::new(
            size.lit.span(),
            format!("`{kind}` takes no number: {width}; write `{example}`"),
        ),
    );
    false
}

/// `dropout relu;`: a name where the rate belongs (true after reporting it).
fn dropout_rate_is_a_name(
    line: &LayerStmt,
    word: KindWord,
    errors: &mut Option<syn::Error>,
) -> bool {
    if matches!(word.decl().number, Number::Rate(_))
        && line.size.is_none()
        && let Some(name) = &line.activation
    {
        push_error(
            errors,
            syn::Error::new(
                name.span(),
                format!(
                    "the dropout rate must be a number, not `{name}`: write e.g. `dropout 0.5;`"
                ),
            ),
        );
        return true;
    }
    false
}

/// `lstm 8 return_sequences;`: an option without its parentheses (true after reporting it).
fn unparenthesized_option(
    line: &LayerStmt,
    word: KindWord,
    errors: &mut Option<syn::Error>,
) -> bool {
    if word.is_recurrent()
        && let Some(name) = &line.activation
        && word.takes_option(&name.to_string())
    {
        let kind = word.name();
        let size = line.size.as_ref().map_or("16".to_owned(), size_text);
        let option = if name == "return_sequences" {
            name.to_string()
        } else {
            format!("{name} = ...")
        };
        push_error(
            errors,
            syn::Error::new(
                name.span(),
                format!(
                    "options go in parentheses after the number of units: write `{kind} {size} ({option});`"
                ),
            ),
        );
        return true;
    }
    false
}

/// Only the kinds declared with an activation (`dense`, `activation`, `simple_rnn`) take one:
/// `gru` and `lstm` have theirs fixed, the others none. False after reporting an activation where none belongs.
fn check_takes_activation(
    line: &LayerStmt,
    word: KindWord,
    errors: &mut Option<syn::Error>,
) -> bool {
    let Some(activation) = &line.activation else {
        return true;
    };
    let message = match word.decl().activation {
        Takes::Optional { .. } | Takes::Required => return true,
        Takes::Fixed(_) => fixed_activations(line, word, &activation.to_string()),
        Takes::None => {
            let (kind, example) = (word.name(), word.decl().example);
            format!(
                "`{kind}` takes no activation: write `{example}` and put the activation on its own line, `activation {activation};`"
            )
        }
    };
    push_error(errors, syn::Error::new(activation.span(), message));
    false
}
