//! Validation: the meaning of the layer list. Every rule is one small function; all problems
//! are collected and reported together.

use syn::{Ident, Lit};

use crate::ast::{DenseStmt, NetworkDef, OptionValue, SizeLit, Statement};
use crate::hint;
use crate::model::{
    ACTIVATIONS, INITIALIZERS, INLINE_PARAMS, INLINE_UNITS, Layer, MAX_UNITS, Model, OPTIONS,
};
use crate::parse::push_error;
use crate::suggest::did_you_mean;

/// Checks the whole definition, returning the model or every error found.
pub(crate) fn validate(def: &NetworkDef) -> syn::Result<Model<'_>> {
    let mut errors = def.errors.clone();
    let inputs = check_input_line(def, &mut errors);

    let mut layers = Vec::new();
    let mut width = inputs.unwrap_or(1);
    let mut inline_params = 0;
    for statement in &def.statements {
        if let Statement::Dense(dense) = statement
            && let Some(mut layer) = check_dense(dense, layers.len() + 1, width, &mut errors)
        {
            width = layer.units;
            layer.heap_vectors = layer.units > INLINE_UNITS;
            layer.boxed = layer.heap_vectors || inline_params + layer.params() > INLINE_PARAMS;
            if !layer.boxed {
                inline_params += layer.params();
            }
            layers.push(layer);
        }
    }

    match (errors, inputs) {
        (Some(errors), _) => Err(errors),
        (None, Some(inputs)) => Ok(Model {
            def,
            inputs,
            layers,
        }),
        // check_input_line reports an error whenever it returns None.
        (None, None) => Err(syn::Error::new(def.body_span, "missing `input N;`")),
    }
}

/// Exactly one `input` line, first, followed by at least one layer.
fn check_input_line(def: &NetworkDef, errors: &mut Option<syn::Error>) -> Option<usize> {
    let mut first: Option<(&crate::kw::input, Option<usize>)> = None;
    for (position, statement) in def.statements.iter().enumerate() {
        let Statement::Input { keyword, size } = statement else {
            continue;
        };
        let value = check_size(size, "inputs", errors);
        if let Some((first_keyword, _)) = first {
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
        first = Some((keyword, value));
    }
    match first {
        // An empty list with a syntax error (no list at all, say): that error says enough.
        None if def.statements.is_empty() && def.errors.is_some() => None,
        None => {
            // Point at the line `input` should come before, or at the empty list.
            let span = def.statements.iter().find_map(|s| match s {
                Statement::Dense(dense) => Some(dense.keyword.span),
                Statement::Input { .. } => None,
            });
            push_error(
                errors,
                syn::Error::new(
                    span.unwrap_or(def.body_span),
                    "missing `input N;`: start the layer list with the number of inputs, e.g. `input 2;`",
                ),
            );
            None
        }
        Some((keyword, value)) => {
            // A line that failed to parse may have been the layer; its error says enough.
            let has_layer = def
                .statements
                .iter()
                .any(|s| matches!(s, Statement::Dense(_)));
            if !has_layer && def.errors.is_none() {
                push_error(
                    errors,
                    syn::Error::new(
                        keyword.span,
                        "the network has no layers: add at least one after `input`, e.g. `dense 1 sigmoid;`",
                    ),
                );
            }
            value
        }
    }
}

/// One dense line: size, activation, options.
fn check_dense(
    dense: &DenseStmt,
    index: usize,
    inputs: usize,
    errors: &mut Option<syn::Error>,
) -> Option<Layer> {
    let units = check_size(&dense.size, "units", errors);
    let activation = check_activation(dense, errors);
    let options = check_options(dense, activation.map(|a| a.0), errors);
    if let (Some(units), Some((activation, activation_type, default_alpha))) = (units, activation) {
        check_softmax_width(dense, activation, units, errors);
        let (init, bias_init, alpha) = options?;
        return Some(Layer {
            index,
            inputs,
            units,
            activation,
            activation_type,
            alpha: alpha.or(default_alpha),
            init,
            bias_init,
            boxed: false,
            heap_vectors: false,
            span: dense.keyword.span,
        });
    }
    None
}

/// A size is a positive whole number no larger than [`MAX_UNITS`].
fn check_size(size: &SizeLit, what: &str, errors: &mut Option<syn::Error>) -> Option<usize> {
    let fail = |errors: &mut Option<syn::Error>, message: String| {
        push_error(errors, syn::Error::new(size.lit.span(), message));
        None
    };
    let example = if what == "inputs" {
        "`input 2;`"
    } else {
        "`dense 10 relu;`"
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
    match int.base10_parse::<u64>() {
        Ok(0) => fail(
            errors,
            format!("the number of {what} must be at least 1, not 0"),
        ),
        Ok(n) if n <= MAX_UNITS => usize::try_from(n).ok(),
        _ => fail(
            errors,
            format!("{int} {what} is too many: {owner} has at most 65,536 {what}"),
        ),
    }
}

/// The activation name, `linear` when absent.
fn check_activation(
    dense: &DenseStmt,
    errors: &mut Option<syn::Error>,
) -> Option<(&'static str, &'static str, Option<f32>)> {
    let Some(ident) = dense.activation.as_ref() else {
        return Some(ACTIVATIONS[0]);
    };
    let name = ident.to_string();
    if let Some(found) = ACTIVATIONS.iter().find(|(n, _, _)| *n == name) {
        return Some(*found);
    }
    let names: Vec<&str> = ACTIVATIONS.iter().map(|a| a.0).collect();
    let hint = did_you_mean(&name, &names);
    let message = if OPTIONS.contains(&name.as_str()) {
        let size = hint::size_text(&dense.size);
        let line = hint::dense_line(&size, None, &name, "");
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
fn check_softmax_width(
    dense: &DenseStmt,
    activation: &str,
    units: usize,
    errors: &mut Option<syn::Error>,
) {
    if activation == "softmax" && units == 1 {
        let span = dense
            .activation
            .as_ref()
            .map_or(dense.keyword.span, Ident::span);
        push_error(
            errors,
            syn::Error::new(
                span,
                "softmax over a single unit always outputs 1: use `sigmoid` for one output, or give the layer 2 or more units",
            ),
        );
    }
}

type CheckedOptions = (&'static str, &'static str, Option<f32>);

/// `init`, `bias_init` and `alpha`, each at most once, each where it applies.
fn check_options(
    dense: &DenseStmt,
    activation: Option<&str>,
    errors: &mut Option<syn::Error>,
) -> Option<CheckedOptions> {
    let options = &dense.options;
    let mut init = "GlorotUniform";
    let mut bias_init = "Zeros";
    let mut alpha = None;
    let mut ok = true;
    let mut seen: Vec<&Ident> = Vec::new();
    for option in options {
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
        match name.as_str() {
            "init" => {
                init = check_initializer(&option.name, &option.value, errors).unwrap_or_else(|| {
                    ok = false;
                    init
                })
            }
            "bias_init" => {
                bias_init =
                    check_initializer(&option.name, &option.value, errors).unwrap_or_else(|| {
                        ok = false;
                        bias_init
                    })
            }
            "alpha" => {
                if let Some(activation) = activation
                    && activation != "leaky_relu"
                    && activation != "elu"
                {
                    push_error(
                        errors,
                        syn::Error::new(
                            option.name.span(),
                            format!(
                                "`alpha` does not apply to `{activation}`: it sets the slope of `leaky_relu` and the scale of `elu`; remove it"
                            ),
                        ),
                    );
                    ok = false;
                    continue;
                }
                alpha = check_alpha(&option.value, activation, errors);
                ok &= alpha.is_some();
            }
            "activation" => {
                let size = hint::size_text(&dense.size);
                let activation = match &option.value {
                    OptionValue::Ident(ident) => ident.to_string(),
                    OptionValue::Number { .. } => String::new(),
                };
                let activation = hint::activation_or(&activation, "relu");
                push_error(
                    errors,
                    syn::Error::new(
                        option.name.span(),
                        format!(
                            "the activation is not an option: write it after the size, `dense {size} {activation};`"
                        ),
                    ),
                );
                ok = false;
            }
            _ => {
                let hint = did_you_mean(&name, OPTIONS);
                push_error(
                    errors,
                    syn::Error::new(
                        option.name.span(),
                        format!(
                            "unknown option `{name}`{hint}\nthe options are `init`, `bias_init` and `alpha`"
                        ),
                    ),
                );
                ok = false;
            }
        }
    }
    ok.then_some((init, bias_init, alpha))
}

/// An initializer name, written as a name.
fn check_initializer(
    option: &Ident,
    value: &OptionValue,
    errors: &mut Option<syn::Error>,
) -> Option<&'static str> {
    let names: Vec<&str> = INITIALIZERS.iter().map(|i| i.0).collect();
    let message = match value {
        OptionValue::Ident(ident) => {
            let name = ident.to_string();
            if let Some((_, variant)) = INITIALIZERS.iter().find(|(n, _)| *n == name) {
                return Some(variant);
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
        OptionValue::Number { .. } => format!(
            "`{option}` takes an initializer name, not `{}`: write e.g. `{option} = uniform`\nthe initializers are: {}",
            value_text(value),
            names.join(", ")
        ),
    };
    push_error(errors, syn::Error::new(value.span(), message));
    None
}

/// `alpha` is a finite number, and not negative for `leaky_relu`, as in Keras (whose `LeakyReLU`
/// rejects a negative slope; its `ELU` takes any `alpha`).
fn check_alpha(
    value: &OptionValue,
    activation: Option<&str>,
    errors: &mut Option<syn::Error>,
) -> Option<f32> {
    let parsed = match value {
        OptionValue::Number {
            lit: Lit::Float(f),
            negative,
        } => f
            .base10_parse::<f32>()
            .ok()
            .map(|v| if *negative { -v } else { v }),
        OptionValue::Number {
            lit: Lit::Int(i),
            negative,
        } => i
            .base10_parse::<f32>()
            .ok()
            .map(|v| if *negative { -v } else { v }),
        _ => None,
    };
    let text = value_text(value);
    let message = match parsed {
        Some(v) if v < 0.0 && activation == Some("leaky_relu") => {
            "`alpha` of `leaky_relu` is the slope for negative inputs and cannot be negative (as in Keras): write a slope of 0 or more, e.g. `alpha = 0.2`, or remove `alpha` for the default 0.3".to_owned()
        }
        Some(v) if v.is_finite() => return Some(v),
        Some(_) => format!("`alpha = {text}` does not fit in an `f32`: write e.g. `alpha = 0.2`"),
        None => format!("`alpha` takes a number, not `{text}`: write e.g. `alpha = 0.2`"),
    };
    push_error(errors, syn::Error::new(value.span(), message));
    None
}

/// An option's value as written, for messages.
fn value_text(value: &OptionValue) -> String {
    match value {
        OptionValue::Ident(ident) => ident.to_string(),
        OptionValue::Number { lit, negative } => {
            let minus = if *negative { "-" } else { "" };
            format!("{minus}{}", quote::ToTokens::to_token_stream(lit))
        }
    }
}
