//! What each kind is made of once its line passed the rules: one small function per kind,
//! each taking what the kind accepts (units, activation, options) into its [`Kind`].

use super::options::Options;
use super::size::{lit_text, number};
use crate::ast::LayerStmt;
use crate::diagnostics::push_error;
use crate::model::window::Axes2;
use crate::model::{Activation, Conv, Decimal, Kind, KindWord, Pool};
use nnet_kinds::{Activation as Takes, Number};

/// The kind of a line that passed the rules (the shape it outputs is inferred in `shapes`).
pub(super) fn build(
    word: KindWord,
    line: &LayerStmt,
    options: &Options,
    activation: Activation,
    units: usize,
    kernel: Axes2,
    errors: &mut Option<syn::Error>,
) -> Option<Kind> {
    Some(match word {
        KindWord::Conv1d | KindWord::Conv2d | KindWord::DepthwiseConv2d => {
            conv(word, options, activation, units, kernel, errors)?
        }
        KindWord::MaxPool1d | KindWord::AvgPool1d | KindWord::MaxPool2d | KindWord::AvgPool2d => {
            Kind::Pool(Pool {
                word,
                kernel,
                // Keras's `strides = None`: the pool size.
                strides: options.axes("strides").unwrap_or(kernel),
                padding: options.padding(),
            })
        }
        KindWord::GlobalAvgPool | KindWord::GlobalMaxPool => Kind::GlobalPool { word },
        KindWord::Dense => dense(options, activation),
        KindWord::Activation => Kind::Activation(activation),
        KindWord::Dropout => dropout(word, line, errors)?,
        KindWord::BatchNorm => batch_norm(options),
        KindWord::LayerNorm => layer_norm(options),
        // `flatten`: no number, activation or options, which the rules made sure of.
        KindWord::Flatten => Kind::Flatten,
        _ if word.is_recurrent() => recurrent(word, activation, options),
        // A kind declared in `nnet_kinds` that this macro cannot expand yet.
        _ => {
            push_error(
                errors,
                syn::Error::new(
                    line.keyword.span(),
                    format!(
                        "`{}` is not supported by this version of `network!`",
                        word.name()
                    ),
                ),
            );
            return None;
        }
    })
}

/// `dense UNITS [activation] [(init, bias_init, alpha, use_bias, l1, l2)]`.
fn dense(options: &Options, activation: Activation) -> Kind {
    Kind::Dense {
        activation,
        init: options.init("init"),
        bias_init: options.init("bias_init"),
        use_bias: options.flag("use_bias"),
        l1: options.float("l1"),
        l2: options.float("l2"),
    }
}

/// `conv1d FILTERS KERNEL`, `conv2d FILTERS KERNEL` or `depthwise_conv2d KERNEL`, with
/// `[activation] [(strides, padding, dilation, groups or depth_multiplier, use_bias, init,
/// bias_init, l1, l2, alpha)]`; the rule that needs no shape (strides and dilation) is checked
/// here, the others with the shape it reads (`validate::window`).
fn conv(
    word: KindWord,
    options: &Options,
    activation: Activation,
    filters: usize,
    kernel: Axes2,
    errors: &mut Option<syn::Error>,
) -> Option<Kind> {
    let strides = options.axes("strides").unwrap_or([1, 1]);
    let dilation = options.axes("dilation").unwrap_or([1, 1]);
    let groups = options.count("groups");
    let mut ok = true;
    if strides.iter().any(|&s| s > 1)
        && dilation.iter().any(|&d| d > 1)
        && let Some(span) = options.value_span("dilation")
    {
        push_error(
            errors,
            syn::Error::new(
                span,
                "`strides` and `dilation` cannot both be above 1 (as in Keras: a strided window would skip what the dilation spreads it to read): keep `dilation` with `strides = 1`, or `strides` with `dilation = 1`",
            ),
        );
        ok = false;
    }
    let depthwise = word == KindWord::DepthwiseConv2d;
    ok.then(|| {
        Kind::Conv(Conv {
            word,
            activation,
            filters: if depthwise { 0 } else { filters },
            kernel,
            strides,
            dilation,
            padding: options.padding(),
            groups,
            depth_multiplier: options.count("depth_multiplier"),
            use_bias: options.flag("use_bias"),
            init: options.init("init"),
            bias_init: options.init("bias_init"),
            l1: options.float("l1"),
            l2: options.float("l2"),
        })
    })
}

/// `dropout RATE`.
fn dropout(word: KindWord, line: &LayerStmt, errors: &mut Option<syn::Error>) -> Option<Kind> {
    Some(Kind::Dropout {
        rate: check_rate(word, line, errors)?,
    })
}

/// `batch_norm [(momentum, epsilon)]`.
fn batch_norm(options: &Options) -> Kind {
    Kind::BatchNorm {
        momentum: options.float("momentum"),
        epsilon: options.float("epsilon"),
    }
}

/// `layer_norm [(epsilon)]`.
fn layer_norm(options: &Options) -> Kind {
    Kind::LayerNorm {
        epsilon: options.float("epsilon"),
    }
}

/// `simple_rnn UNITS [activation]`, `gru UNITS` or `lstm UNITS`, with
/// `[(return_sequences, init, recurrent_init, bias_init)]`: the activation only for a kind that
/// takes one.
fn recurrent(word: KindWord, activation: Activation, options: &Options) -> Kind {
    let takes = matches!(word.decl().activation, Takes::Optional { .. });
    Kind::Recurrent {
        word,
        activation: takes.then_some(activation),
        init: options.init("init"),
        recurrent_init: options.init("recurrent_init"),
        bias_init: options.init("bias_init"),
        return_sequences: options.flag("return_sequences"),
    }
}

/// `dropout RATE`: a number in the declared range, `[0, 1)`.
fn check_rate(
    word: KindWord,
    line: &LayerStmt,
    errors: &mut Option<syn::Error>,
) -> Option<Decimal> {
    let Some(size) = &line.size else {
        push_error(
            errors,
            syn::Error::new(
                line.keyword.span(),
                "`dropout` needs the fraction of units to drop: write e.g. `dropout 0.5;`",
            ),
        );
        return None;
    };
    let value = number(&size.lit, size.negative);
    let message = match value {
        Some(rate)
            if matches!(word.decl().number, Number::Rate(range) if range.contains(rate.single)) =>
        {
            return Some(rate);
        }
        Some(rate) if rate.single == 1.0 => {
            "a dropout rate of 1 drops every unit, so nothing would pass: the rate must be at least 0 and less than 1, e.g. `dropout 0.5;`".to_owned()
        }
        Some(_) => format!(
            "the dropout rate is the fraction of units dropped, from 0 up to (not including) 1, not `{}`: write e.g. `dropout 0.5;`",
            lit_text(&size.lit, size.negative)
        ),
        None => format!(
            "the dropout rate must be a number, not `{}`: write e.g. `dropout 0.5;`",
            lit_text(&size.lit, size.negative)
        ),
    };
    push_error(errors, syn::Error::new(size.lit.span(), message));
    None
}
