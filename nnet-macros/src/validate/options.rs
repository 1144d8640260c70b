//! The options of a line: each at most once, each on a kind that takes it, each value of its
//! type and range, Keras's default for those not written, and the rules between options and
//! the activation.

use proc_macro2::Span;
use syn::{Ident, Lit};

use super::activation::fixed_activations;
use super::axes::{count, padding_word, read_axes};
use super::size::number;
use crate::ast::{LayerOption, LayerStmt, OptionValue};
use crate::diagnostics::{did_you_mean, push_error, word_list};
use crate::model::lines::{activation_or, size_text};
use crate::model::window::Axes2;
use crate::model::{Act, Decimal, Init, KindWord, KindWords};
use nnet_kinds::{Activation as Takes, OptionType, Padding};

/// Every option a line's kind takes, with its value: as written, or Keras's default from the
/// kind's declaration.
pub(super) struct Options {
    values: Vec<(&'static str, Value)>,
    pub(super) alpha_span: Option<proc_macro2::Span>,
    pub(super) alpha_name: Option<proc_macro2::Span>,
    /// The spans of the options written, name and value: where an error about one points.
    written: Vec<(String, Span, Span)>,
    /// Axes of the kind's window (0 for kinds without one): how many numbers an axes option
    /// takes.
    axes: usize,
}

/// The value of one option, of its declared type.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Value {
    Init(Init),
    Bool(bool),
    Float(Decimal),
    /// `alpha`: `None` for the activation's own default.
    Alpha(Option<Decimal>),
    /// A value per axis, `[rows, columns]` (a 1-D kind's on the columns, with 1 row); `None`
    /// for the default, which may depend on the line (a pool's size).
    Axes(Option<Axes2>),
    Count(usize),
    Word(&'static str),
}

impl Options {
    /// The options of `word` at their defaults.
    pub(super) fn defaults(word: KindWord) -> Self {
        let values = word
            .decl()
            .options
            .iter()
            .map(|option| {
                let value = match option.ty {
                    // Every declared default is an initializer of the grammar (tested).
                    OptionType::Initializer { default } => {
                        Value::Init(Init::from_word(default).unwrap_or(Init::Zeros))
                    }
                    OptionType::Bool { default } => Value::Bool(default),
                    OptionType::Float { default, .. } => Value::Float(Decimal::of_f32(default)),
                    OptionType::ActivationParameter => Value::Alpha(None),
                    OptionType::Axes { .. } => Value::Axes(None),
                    OptionType::Count { default } => Value::Count(default),
                    OptionType::Word { default, .. } => Value::Word(default),
                };
                (option.name, value)
            })
            .collect();
        Self {
            values,
            alpha_span: None,
            alpha_name: None,
            written: Vec::new(),
            axes: word.decl().number.kernel_axes(),
        }
    }

    fn get(&self, name: &str) -> Option<Value> {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }

    fn set(&mut self, name: &str, value: Value) {
        if let Some(slot) = self.values.iter_mut().find(|(n, _)| *n == name) {
            slot.1 = value;
        }
    }

    /// The initializer `name` (`init`, `bias_init`, `recurrent_init`) of the line's kind.
    pub(super) fn init(&self, name: &str) -> Init {
        match self.get(name) {
            Some(Value::Init(init)) => init,
            // Only asked of kinds that declare the option (tested for every kind).
            _ => Init::Zeros,
        }
    }

    /// The bool option `name` (`use_bias`, `return_sequences`) of the line's kind.
    pub(super) fn flag(&self, name: &str) -> bool {
        matches!(self.get(name), Some(Value::Bool(true)))
    }

    /// The number option `name` (`momentum`, `epsilon`, `l1`) of the line's kind.
    pub(super) fn float(&self, name: &str) -> Decimal {
        match self.get(name) {
            Some(Value::Float(value)) => value,
            _ => Decimal::of_f32(0.0),
        }
    }

    /// The axes option `name` (`strides`, `dilation`) as written, `None` at its default.
    pub(super) fn axes(&self, name: &str) -> Option<Axes2> {
        match self.get(name) {
            Some(Value::Axes(axes)) => axes,
            _ => None,
        }
    }

    /// The count option `name` (`groups`, `depth_multiplier`): 1 for a kind without it.
    pub(super) fn count(&self, name: &str) -> usize {
        match self.get(name) {
            Some(Value::Count(count)) => count,
            _ => 1,
        }
    }

    /// The padding: `valid` for a kind without it.
    pub(super) fn padding(&self) -> Padding {
        match self.get("padding") {
            Some(Value::Word(word)) => Padding::from_word(word).unwrap_or_default(),
            _ => Padding::Valid,
        }
    }

    /// The span of the option `name`'s value where it is written.
    pub(super) fn value_span(&self, name: &str) -> Option<Span> {
        self.written
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, _, value)| *value)
    }

    /// `alpha` as written, if it is.
    pub(super) fn alpha(&self) -> Option<Decimal> {
        match self.get("alpha") {
            Some(Value::Alpha(alpha)) => alpha,
            _ => None,
        }
    }
}

/// The options of a line, each at most once, each on a kind it applies to.
pub(super) fn check_options(
    line: &LayerStmt,
    word: KindWord,
    errors: &mut Option<syn::Error>,
) -> (Options, bool) {
    let mut options = Options::defaults(word);
    let mut ok = true;
    let mut seen: Vec<&Ident> = Vec::new();
    for option in &line.options {
        let name = option.name.to_string();
        if let Some(previous) = seen.iter().find(|s| **s == &option.name) {
            let mut error = syn::Error::new(
                option.name.span(),
                format!("`{name}` is set twice on this layer: keep one"),
            );
            error.combine(syn::Error::new(
                previous.span(),
                format!("`{name}` is first set here"),
            ));
            push_error(errors, error);
            ok = false;
            continue;
        }
        seen.push(&option.name);
        if name == "activation" {
            let message = activation_as_option(line, word, &option.value);
            push_error(errors, syn::Error::new(option.name.span(), message));
            ok = false;
            continue;
        }
        let Some(declared) = word.decl().option(&name) else {
            push_error(errors, misplaced_option(option, word));
            ok = false;
            continue;
        };
        options
            .written
            .push((name, option.name.span(), option.value.span()));
        ok &= set_option(&mut options, option, word, declared.ty, errors);
    }
    (options, ok)
}

/// `activation = relu` inside the parentheses, as Keras writes it: where the activation goes.
fn activation_as_option(line: &LayerStmt, word: KindWord, value: &OptionValue) -> String {
    let kind = word.name();
    let activation = match value {
        OptionValue::Ident(ident) => ident.to_string(),
        OptionValue::Number { .. } | OptionValue::Tuple(_) => String::new(),
    };
    let activation = activation_or(&activation, "relu");
    match (&line.size, word.decl().activation) {
        (_, Takes::Fixed(_)) => fixed_activations(line, word, activation),
        (Some(size), Takes::Optional { .. }) => format!(
            "the activation is not an option: write it after the size, `{kind} {} {activation};`",
            size_text(size)
        ),
        _ => format!(
            "the activation is not an option: write `{kind};` and then `activation {activation};`"
        ),
    }
}

/// An option the kind does not take: another kind's, or none's.
fn misplaced_option(option: &LayerOption, word: KindWord) -> syn::Error {
    let name = option.name.to_string();
    let kind = word.name();
    let allowed = word.option_names();
    let owners: Vec<&str> = KindWord::owners_of(&name).map(KindWord::name).collect();
    let takes = if allowed.is_empty() {
        format!("`{kind}` takes no options")
    } else {
        format!("the options of `{kind}` are {}", word_list(&allowed))
    };
    let message = if owners.is_empty() {
        let hint = did_you_mean(&name, &allowed);
        format!("unknown option `{name}`{hint}\n{takes}")
    } else {
        format!(
            "`{name}` does not apply to `{kind}`: it is an option of {}; remove it\n{takes}",
            word_list(&owners)
        )
    };
    syn::Error::new(option.name.span(), message)
}

/// `alpha` sets the slope of `leaky_relu` (0 or more) and the scale of `elu`, and nothing else;
/// false after reporting a misplaced or negative one.
pub(super) fn check_alpha(
    line: &LayerStmt,
    act: Act,
    options: &Options,
    errors: &mut Option<syn::Error>,
) -> bool {
    let Some(alpha) = options.alpha() else {
        return true;
    };
    let span = options.alpha_span.unwrap_or(line.keyword.span());
    if !matches!(act, Act::LeakyRelu | Act::Elu) {
        push_error(
            errors,
            syn::Error::new(
                options.alpha_name.unwrap_or(span),
                format!(
                    "`alpha` does not apply to `{}`: it sets the slope of `leaky_relu` and the scale of `elu`; remove it",
                    act.word()
                ),
            ),
        );
        return false;
    }
    if alpha.single < 0.0 && act == Act::LeakyRelu {
        push_error(
            errors,
            syn::Error::new(
                span,
                "`alpha` of `leaky_relu` is the slope for negative inputs and cannot be negative (as in Keras): write a slope of 0 or more, e.g. `alpha = 0.2`, or remove `alpha` for the default 0.3",
            ),
        );
        return false;
    }
    true
}

/// `bias_init` needs a bias: false after reporting it beside `use_bias = false`.
pub(super) fn check_bias_init(
    line: &LayerStmt,
    word: KindWord,
    options: &Options,
    errors: &mut Option<syn::Error>,
) -> bool {
    if !options.flag("use_bias")
        && word.takes_option("use_bias")
        && let Some(bias_init) = line.options.iter().find(|o| o.name == "bias_init")
    {
        push_error(
            errors,
            syn::Error::new(
                bias_init.name.span(),
                "`bias_init` does nothing on a layer with `use_bias = false`: remove one of them",
            ),
        );
        return false;
    }
    true
}

/// Reads one option the kind takes, of its declared type `ty`, into `options`; false after
/// reporting a bad value.
fn set_option(
    options: &mut Options,
    option: &LayerOption,
    word: KindWord,
    ty: OptionType,
    errors: &mut Option<syn::Error>,
) -> bool {
    let name = option.name.to_string();
    let value = &option.value;
    let num = match value {
        OptionValue::Number { lit, negative } => number(lit, *negative),
        OptionValue::Ident(_) | OptionValue::Tuple(_) => None,
    };
    let text = value_text(value);
    let read = match ty {
        OptionType::Initializer { .. } => {
            let Some(init) = check_initializer(&option.name, value, errors) else {
                return false;
            };
            Ok(Value::Init(init))
        }
        // The value to suggest is the one that changes something.
        OptionType::Bool { default } => {
            flag(value, &name, &(!default).to_string(), &text).map(Value::Bool)
        }
        OptionType::Float { range, .. } => match num {
            Some(v) if range.contains(v.single) => Ok(Value::Float(v)),
            _ => Err(float_message(&name, &text)),
        },
        OptionType::ActivationParameter => {
            options.alpha_span = Some(value.span());
            options.alpha_name = Some(option.name.span());
            alpha(num, &text).map(|alpha| Value::Alpha(Some(alpha)))
        }
        OptionType::Axes { .. } => {
            return match read_axes(value, &name, word, options.axes, errors) {
                Some(axes) => {
                    options.set(&name, Value::Axes(Some(axes)));
                    true
                }
                None => false,
            };
        }
        OptionType::Count { .. } => count(value, &name, &text).map(Value::Count),
        OptionType::Word { words, .. } => padding_word(value, word, words).map(Value::Word),
    };
    match read {
        Ok(read) => {
            options.set(&name, read);
            true
        }
        Err(message) => {
            push_error(errors, syn::Error::new(value.span(), message));
            false
        }
    }
}

/// What is wrong with the value `text` of the number option `name`, and what to write.
fn float_message(name: &str, text: &str) -> String {
    match name {
        "l1" | "l2" => format!(
            "`{name}` is the factor of the weights' regularization, a number of 0 or more, not `{text}`: write e.g. `{name} = 0.01`"
        ),
        "momentum" => format!(
            "`momentum` is the weight of the old moving statistics, from 0 to 1, not `{text}`: write e.g. `momentum = 0.99`"
        ),
        "epsilon" => format!(
            "`epsilon` is added to the variance and must be a number above 0, not `{text}`: write e.g. `epsilon = 0.001`"
        ),
        _ => format!("`{name}` does not take `{text}`"),
    }
}

/// `true` or `false`: `example` is the value to suggest.
fn flag(value: &OptionValue, name: &str, example: &str, text: &str) -> Result<bool, String> {
    match value {
        OptionValue::Number {
            lit: Lit::Bool(b), ..
        } => Ok(b.value),
        _ => Err(format!(
            "`{name}` is `true` or `false`, not `{text}`: write `{name} = {example}`"
        )),
    }
}

/// A finite number; its sign is checked against the activation (see [`check_alpha`]).
fn alpha(num: Option<Decimal>, text: &str) -> Result<Decimal, String> {
    match num {
        Some(v) if v.single.is_finite() => Ok(v),
        Some(_) => Err(format!(
            "`alpha = {text}` does not fit in an `f32`: write e.g. `alpha = 0.2`"
        )),
        None => Err(format!(
            "`alpha` takes a number, not `{text}`: write e.g. `alpha = 0.2`"
        )),
    }
}

/// An initializer name, written as a name.
fn check_initializer(
    option: &Ident,
    value: &OptionValue,
    errors: &mut Option<syn::Error>,
) -> Option<Init> {
    let names = Init::words();
    let message = match value {
        OptionValue::Ident(ident) => {
            let name = ident.to_string();
            if let Some(init) = Init::from_word(&name) {
                return Some(init);
            }
            format!(
                "unknown initializer `{name}`{}\nthe initializers are: {}",
                did_you_mean(&name, &names),
                names.join(", ")
            )
        }
        // Keras spells initializers as strings; here they are names.
        OptionValue::Number {
            lit: Lit::Str(quoted),
            ..
        } if names.contains(&quoted.value().as_str()) => format!(
            "write the initializer as a name, without quotes: `{option} = {}`",
            quoted.value()
        ),
        OptionValue::Number { .. } | OptionValue::Tuple(_) => format!(
            "`{option}` takes an initializer name, not `{}`: write e.g. `{option} = uniform`\nthe initializers are: {}",
            value_text(value),
            names.join(", ")
        ),
    };
    push_error(errors, syn::Error::new(value.span(), message));
    None
}

/// An option's value as written, for messages.
pub(super) fn value_text(value: &OptionValue) -> String {
    match value {
        OptionValue::Ident(ident) => ident.to_string(),
        OptionValue::Number { lit, negative } => {
            let minus = if *negative { "-" } else { "" };
            format!("{minus}{}", quote::ToTokens::to_token_stream(lit))
        }
        OptionValue::Tuple(axes) => crate::parse::axes_text(axes),
    }
}
