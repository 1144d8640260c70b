//! Validation: the meaning of the layer list. Every rule is one small function; all problems
//! are collected and reported together.

use syn::{Ident, Lit};

use crate::ast::{LayerOption, LayerStmt, NetworkDef, OptionValue, SizeLit, Statement};
use crate::hint;
use crate::model::{
    Act, Activation, Cell, INLINE_PARAMS, INLINE_UNITS, Init, Kind, KindWord, Layer,
    MAX_RECURRENT_WEIGHTS, MAX_UNITS, Model,
};
use crate::parse::push_error;
use crate::suggest::did_you_mean;

/// Options of `dense`.
pub(crate) const DENSE_OPTIONS: &[&str] = &["init", "bias_init", "alpha", "use_bias", "l1", "l2"];

/// Options of `gru` and `lstm`.
const RECURRENT_OPTIONS: &[&str] = &["return_sequences", "init", "recurrent_init", "bias_init"];

/// Options of `simple_rnn`: the recurrent ones and the `alpha` of its activation.
const SIMPLE_RNN_OPTIONS: &[&str] = &[
    "return_sequences",
    "init",
    "recurrent_init",
    "bias_init",
    "alpha",
];

/// The options each kind takes.
fn options_of(kind: KindWord) -> &'static [&'static str] {
    match kind {
        KindWord::SimpleRnn => SIMPLE_RNN_OPTIONS,
        KindWord::Gru | KindWord::Lstm => RECURRENT_OPTIONS,
        KindWord::Dense => DENSE_OPTIONS,
        KindWord::Activation => &["alpha"],
        KindWord::Dropout => &[],
        KindWord::BatchNorm => &["momentum", "epsilon"],
        KindWord::LayerNorm => &["epsilon"],
    }
}

/// Checks the whole definition, returning the model or every error found.
pub(crate) fn validate(def: &NetworkDef) -> syn::Result<Model<'_>> {
    let mut errors = def.errors.clone();
    let (inputs, sequence) = check_input_line(def, &mut errors);

    let mut layers: Vec<Layer> = Vec::new();
    let mut width = inputs.unwrap_or(1);
    let mut inline_params = 0;
    for statement in &def.statements {
        let Statement::Layer(line) = statement else {
            continue;
        };
        let Some(word) = KindWord::from_word(&line.keyword.to_string()) else {
            continue;
        };
        let Some((kind, units)) = check_layer(line, word, width, &mut errors) else {
            continue;
        };
        let ordinal = 1 + layers.iter().filter(|l| l.word() == word).count();
        if let Kind::Recurrent { cell, .. } = &kind {
            check_recurrent_weights(line, *cell, width, units, &mut errors);
        }
        let mut layer = Layer {
            kind,
            ordinal,
            inputs: width,
            units,
            boxed: false,
            heap_vectors: false,
            span: line.keyword.span(),
            scalar: def.scalar,
        };
        width = units;
        layer.heap_vectors = layer.units > INLINE_UNITS;
        // Dense and recurrent layers share the budget of inline weights; beyond it their
        // weights live on the heap (a recurrent layer's vectors stay inline: they are small).
        let weighted = matches!(layer.kind, Kind::Dense { .. } | Kind::Recurrent { .. });
        let weights = if weighted { layer.params() } else { 0 };
        let heap_vectors = layer.heap_vectors && !layer.is_recurrent();
        layer.boxed = weighted && (heap_vectors || inline_params + weights > INLINE_PARAMS);
        if !layer.boxed {
            inline_params += weights;
        }
        layers.push(layer);
    }

    check_recurrence(def, sequence, inputs, &layers, &mut errors);

    match (errors, inputs) {
        (Some(errors), _) => Err(errors),
        (None, Some(inputs)) => Ok(Model {
            def,
            inputs,
            sequence: sequence.is_some(),
            layers,
        }),
        // check_input_line reports an error whenever it returns None.
        (None, None) => Err(syn::Error::new(def.body_span, "missing `input N;`")),
    }
}

/// A recurrent layer's weights fit inline; if not, the error is on the number of units and
/// gives the most units that fit.
fn check_recurrent_weights(
    line: &LayerStmt,
    cell: Cell,
    inputs: usize,
    units: usize,
    errors: &mut Option<syn::Error>,
) {
    let weights_of = |units: usize| (inputs + units + cell.biases()) * cell.gates() * units;
    let weights = weights_of(units);
    if weights <= MAX_RECURRENT_WEIGHTS {
        return;
    }
    let kind = cell.word().word();
    let most = (1..units)
        .take_while(|&u| weights_of(u) <= MAX_RECURRENT_WEIGHTS)
        .last();
    let fix = match most {
        Some(most) => format!("use at most {most} units here, e.g. `{kind} {most};`"),
        None => format!(
            "even one unit is too many over {} inputs: give the layer fewer inputs",
            thousands(inputs)
        ),
    };
    let span = line
        .size
        .as_ref()
        .map_or(line.keyword.span(), |s| s.lit.span());
    push_error(
        errors,
        syn::Error::new(
            span,
            format!(
                "`{kind} {units}` over {} inputs has {} weights, more than a recurrent layer may have ({}): {fix}",
                thousands(inputs),
                thousands(weights),
                thousands(MAX_RECURRENT_WEIGHTS)
            ),
        ),
    );
}

/// `65536` as `65,536`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Recurrent layers have a sequence to read, each the whole sequence of the one before, and a
/// sequence input has a recurrent layer.
fn check_recurrence(
    def: &NetworkDef,
    sequence: Option<&Ident>,
    inputs: Option<usize>,
    layers: &[Layer],
    errors: &mut Option<syn::Error>,
) {
    let features = inputs.map_or("N".to_owned(), |n| n.to_string());
    let mut previous: Option<&Layer> = None;
    for layer in layers.iter().filter(|l| l.is_recurrent()) {
        let kind = layer.word().word();
        // Once per network: every recurrent layer has the same fix.
        if sequence.is_none() && previous.is_none() {
            push_error(
                errors,
                syn::Error::new(
                    layer.span,
                    format!(
                        "`{kind}` is a recurrent layer and reads a sequence, but the input is one vector per sample: write the input line as `input sequence {features};` (each step a vector of {features})"
                    ),
                ),
            );
        }
        if let Some(before) = previous
            && !before.returns_sequences()
        {
            let before_field = before.field();
            push_error(
                errors,
                syn::Error::new(
                    layer.span,
                    format!(
                        "`{kind}` reads a sequence, but `{before_field}` before it returns only its last output: add `(return_sequences = true)` to `{before_field}`"
                    ),
                ),
            );
        }
        previous = Some(layer);
    }
    // A recurrent line that failed its own checks still reads the sequence.
    let recurrent_line = def.statements.iter().any(|s| {
        matches!(s, Statement::Layer(line)
            if KindWord::from_word(&line.keyword.to_string()).is_some_and(KindWord::is_recurrent))
    });
    if let Some(sequence) = sequence
        && !recurrent_line
        && def.errors.is_none()
        && !layers.is_empty()
    {
        push_error(
            errors,
            syn::Error::new(
                sequence.span(),
                format!(
                    "a sequence input needs a recurrent layer (`simple_rnn`, `gru` or `lstm`) to read it: add one, e.g. `gru 16;`, or write `input {features};` for one vector per sample"
                ),
            ),
        );
    }
}

/// Exactly one `input` line, first, followed by at least one layer: the number of inputs, and
/// the `sequence` word of a sequence input.
fn check_input_line<'a>(
    def: &'a NetworkDef,
    errors: &mut Option<syn::Error>,
) -> (Option<usize>, Option<&'a Ident>) {
    let mut first: Option<(&crate::kw::input, Option<usize>, Option<&Ident>)> = None;
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
    let sequence = first.and_then(|(_, _, sequence)| sequence);
    let value = match first {
        // An empty list with a syntax error (no list at all, say): that error says enough.
        None if def.statements.is_empty() && def.errors.is_some() => None,
        None => {
            // Point at the line `input` should come before, or at the empty list.
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
            None
        }
        Some((keyword, value, _)) => {
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
            value
        }
    };
    (value, sequence)
}

/// One layer line: what its kind needs, and nothing else. Returns the kind and the layer's
/// units (the width it passes on).
fn check_layer(
    line: &LayerStmt,
    word: KindWord,
    width: usize,
    errors: &mut Option<syn::Error>,
) -> Option<(Kind, usize)> {
    let kind = word.word();
    let mut ok = true;
    // What does not belong to the kind: a number, an activation.
    if !(matches!(word, KindWord::Dense | KindWord::Dropout) || word.is_recurrent())
        && let Some(size) = &line.size
    {
        let example = example_line(word);
        push_error(
            errors,
            syn::Error::new(
                size.lit.span(),
                format!(
                    "`{kind}` takes no number: its width is the previous layer's; write `{example}`"
                ),
            ),
        );
        ok = false;
    }
    if word == KindWord::Dropout
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
        return None;
    }
    // `lstm 8 return_sequences;`: an option without its parentheses.
    if word.is_recurrent()
        && let Some(name) = &line.activation
        && options_of(word).contains(&name.to_string().as_str())
    {
        let size = line.size.as_ref().map_or("16".to_owned(), hint::size_text);
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
        return None;
    }
    if matches!(word, KindWord::Gru | KindWord::Lstm)
        && let Some(activation) = &line.activation
    {
        push_error(
            errors,
            syn::Error::new(
                activation.span(),
                fixed_activations(line, word, &activation.to_string()),
            ),
        );
        ok = false;
    } else if !matches!(
        word,
        KindWord::Dense | KindWord::Activation | KindWord::SimpleRnn
    ) && let Some(activation) = &line.activation
    {
        let example = example_line(word);
        push_error(
            errors,
            syn::Error::new(
                activation.span(),
                format!(
                    "`{kind}` takes no activation: write `{example}` and put the activation on its own line, `activation {activation};`"
                ),
            ),
        );
        ok = false;
    }
    let units = match word {
        KindWord::Dense | KindWord::SimpleRnn | KindWord::Gru | KindWord::Lstm => {
            let units = line.size.as_ref().and_then(|size| {
                check_size(size, "units", &format!("`{}`", example_line(word)), errors)
            });
            ok &= units.is_some();
            units.unwrap_or(1)
        }
        _ => width,
    };
    let (mut options, options_ok) = check_options(line, word, errors);
    ok &= options_ok;
    let activation = match word {
        KindWord::Dense | KindWord::Activation => check_activation(line, word, errors),
        // Keras's SimpleRNN defaults to tanh.
        KindWord::SimpleRnn if line.activation.is_none() => Some(Act::Tanh),
        KindWord::SimpleRnn => check_activation(line, word, errors),
        _ => Some(Act::Linear),
    };
    let act = activation?;
    if let Some(alpha) = options.alpha {
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
            ok = false;
        } else if alpha < 0.0 && act == Act::LeakyRelu {
            push_error(
                errors,
                syn::Error::new(
                    span,
                    "`alpha` of `leaky_relu` is the slope for negative inputs and cannot be negative (as in Keras): write a slope of 0 or more, e.g. `alpha = 0.2`, or remove `alpha` for the default 0.3",
                ),
            );
            ok = false;
        }
    }
    if !options.use_bias
        && let Some(bias_init) = line.options.iter().find(|o| o.name == "bias_init")
    {
        push_error(
            errors,
            syn::Error::new(
                bias_init.name.span(),
                "`bias_init` does nothing on a layer with `use_bias = false`: remove one of them",
            ),
        );
        ok = false;
    }
    if act == Act::Softmax && units == 1 {
        check_softmax_width(line, act, units, errors);
        return None;
    }
    if !ok {
        return None;
    }
    let activation = Activation {
        act,
        alpha: options.alpha.take().or(act.default_alpha()),
    };
    let kind = match word {
        KindWord::Dense => (
            Kind::Dense {
                activation,
                init: options.init,
                bias_init: options.bias_init,
                use_bias: options.use_bias,
                l1: options.l1,
                l2: options.l2,
            },
            units,
        ),
        KindWord::Activation => (Kind::Activation(activation), width),
        KindWord::Dropout => (
            Kind::Dropout {
                rate: check_rate(line, errors)?,
            },
            width,
        ),
        KindWord::BatchNorm => (
            Kind::BatchNorm {
                momentum: options.momentum,
                epsilon: options.epsilon,
            },
            width,
        ),
        KindWord::LayerNorm => (
            Kind::LayerNorm {
                epsilon: options.epsilon,
            },
            width,
        ),
        KindWord::SimpleRnn | KindWord::Gru | KindWord::Lstm => {
            let cell = match word {
                KindWord::SimpleRnn => Cell::SimpleRnn(activation),
                KindWord::Gru => Cell::Gru,
                _ => Cell::Lstm,
            };
            (
                Kind::Recurrent {
                    cell,
                    init: options.init,
                    recurrent_init: options.recurrent_init,
                    bias_init: options.bias_init,
                    return_sequences: options.return_sequences,
                },
                units,
            )
        }
    };
    Some(kind)
}

/// "`gru` takes no activation", for an activation written on a `gru` or `lstm` line.
fn fixed_activations(line: &LayerStmt, word: KindWord, activation: &str) -> String {
    let kind = word.word();
    let activation = hint::activation_or(activation, "relu");
    let size = line.size.as_ref().map_or("16".to_owned(), hint::size_text);
    let (keras, candidate) = match word {
        KindWord::Gru => ("GRU", "candidate state"),
        _ => ("LSTM", "cell input and output"),
    };
    format!(
        "`{kind}` takes no activation: its activations are fixed as in Keras's {keras} (sigmoid on the gates, tanh on the {candidate}); write `{kind} {size};`, or use `simple_rnn {size} {activation};` for a recurrent layer with an activation of your choice"
    )
}

/// A line of the kind that compiles, for messages.
fn example_line(word: KindWord) -> &'static str {
    match word {
        KindWord::Dense => "dense 10 relu;",
        KindWord::Activation => "activation relu;",
        KindWord::Dropout => "dropout 0.5;",
        KindWord::BatchNorm => "batch_norm;",
        KindWord::LayerNorm => "layer_norm;",
        KindWord::SimpleRnn => "simple_rnn 16;",
        KindWord::Gru => "gru 16;",
        KindWord::Lstm => "lstm 16;",
    }
}

/// `dropout RATE`: a number in `[0, 1)`.
fn check_rate(line: &LayerStmt, errors: &mut Option<syn::Error>) -> Option<f32> {
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
        Some(rate) if (0.0..1.0).contains(&rate) => return Some(rate),
        Some(1.0) => {
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

/// A literal as a number, if it is one.
fn number(lit: &Lit, negative: bool) -> Option<f32> {
    let v = match lit {
        Lit::Float(f) => f.base10_parse::<f32>().ok()?,
        Lit::Int(i) => i.base10_parse::<f32>().ok()?,
        _ => return None,
    };
    Some(if negative { -v } else { v })
}

fn lit_text(lit: &Lit, negative: bool) -> String {
    let minus = if negative { "-" } else { "" };
    format!("{minus}{}", quote::ToTokens::to_token_stream(lit))
}

/// A size is a positive whole number no larger than [`MAX_UNITS`].
/// `example` is a line that compiles, in backticks, for the messages.
fn check_size(
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
    match int.base10_parse::<u64>() {
        Ok(0) => fail(
            errors,
            format!("the number of {what} must be at least 1, not 0: write e.g. {example}"),
        ),
        Ok(n) if n <= MAX_UNITS => usize::try_from(n).ok(),
        _ => fail(
            errors,
            format!("{int} {what} is too many: {owner} has at most 65,536 {what}"),
        ),
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
    let message = if word == KindWord::Dense && DENSE_OPTIONS.contains(&name.as_str()) {
        let size = line.size.as_ref().map_or("10".to_owned(), hint::size_text);
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
fn check_softmax_width(line: &LayerStmt, act: Act, units: usize, errors: &mut Option<syn::Error>) {
    if act == Act::Softmax && units == 1 {
        let span = line
            .activation
            .as_ref()
            .map_or(line.keyword.span(), Ident::span);
        push_error(
            errors,
            syn::Error::new(
                span,
                "softmax over a single unit always outputs 1: use `sigmoid` for one output, or give the layer 2 or more units",
            ),
        );
    }
}

/// Every option of a line, with Keras's defaults for those not written.
struct Options {
    init: Init,
    bias_init: Init,
    alpha: Option<f32>,
    alpha_span: Option<proc_macro2::Span>,
    alpha_name: Option<proc_macro2::Span>,
    use_bias: bool,
    l1: f32,
    l2: f32,
    momentum: f32,
    epsilon: f32,
    recurrent_init: Init,
    return_sequences: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            init: Init::GlorotUniform,
            bias_init: Init::Zeros,
            alpha: None,
            alpha_span: None,
            alpha_name: None,
            use_bias: true,
            l1: 0.0,
            l2: 0.0,
            momentum: 0.99,
            epsilon: 1e-3,
            recurrent_init: Init::Orthogonal,
            return_sequences: false,
        }
    }
}

/// The options of a line, each at most once, each on a kind it applies to.
fn check_options(
    line: &LayerStmt,
    word: KindWord,
    errors: &mut Option<syn::Error>,
) -> (Options, bool) {
    let allowed = options_of(word);
    let kind = word.word();
    let mut options = Options::default();
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
            let activation = match &option.value {
                OptionValue::Ident(ident) => ident.to_string(),
                OptionValue::Number { .. } => String::new(),
            };
            let activation = hint::activation_or(&activation, "relu");
            let message = match (&line.size, word) {
                (_, KindWord::Gru | KindWord::Lstm) => fixed_activations(line, word, activation),
                (Some(size), KindWord::Dense | KindWord::SimpleRnn) => format!(
                    "the activation is not an option: write it after the size, `{kind} {} {activation};`",
                    hint::size_text(size)
                ),
                _ => format!(
                    "the activation is not an option: write `{kind};` and then `activation {activation};`"
                ),
            };
            push_error(errors, syn::Error::new(option.name.span(), message));
            ok = false;
            continue;
        }
        if !allowed.contains(&name.as_str()) {
            push_error(errors, misplaced_option(option, word));
            ok = false;
            continue;
        }
        ok &= set_option(&mut options, option, errors);
    }
    (options, ok)
}

/// An option the kind does not take: another kind's, or none's.
fn misplaced_option(option: &LayerOption, word: KindWord) -> syn::Error {
    let name = option.name.to_string();
    let kind = word.word();
    let allowed = options_of(word);
    let owners: Vec<&str> = KindWord::ALL
        .iter()
        .filter(|k| options_of(**k).contains(&name.as_str()))
        .map(|k| k.word())
        .collect();
    let takes = if allowed.is_empty() {
        format!("`{kind}` takes no options")
    } else {
        format!("the options of `{kind}` are {}", hint::word_list(allowed))
    };
    let message = if owners.is_empty() {
        let hint = did_you_mean(&name, allowed);
        format!("unknown option `{name}`{hint}\n{takes}")
    } else {
        format!(
            "`{name}` does not apply to `{kind}`: it is an option of {}; remove it\n{takes}",
            hint::word_list(&owners)
        )
    };
    syn::Error::new(option.name.span(), message)
}

/// Reads one option the kind takes into `options`; false after reporting a bad value.
fn set_option(
    options: &mut Options,
    option: &LayerOption,
    errors: &mut Option<syn::Error>,
) -> bool {
    let name = option.name.to_string();
    let value = &option.value;
    let fail = |errors: &mut Option<syn::Error>, message: String| {
        push_error(errors, syn::Error::new(value.span(), message));
        false
    };
    let num = match value {
        OptionValue::Number { lit, negative } => number(lit, *negative),
        OptionValue::Ident(_) => None,
    };
    let text = value_text(value);
    match name.as_str() {
        "init" | "bias_init" | "recurrent_init" => {
            match check_initializer(&option.name, value, errors) {
                Some(init) if name == "init" => options.init = init,
                Some(init) if name == "bias_init" => options.bias_init = init,
                Some(init) => options.recurrent_init = init,
                None => return false,
            }
        }
        "return_sequences" => match value {
            OptionValue::Number {
                lit: Lit::Bool(b), ..
            } => options.return_sequences = b.value,
            _ => {
                return fail(
                    errors,
                    format!(
                        "`return_sequences` is `true` or `false`, not `{text}`: write `return_sequences = true`"
                    ),
                );
            }
        },
        "alpha" => {
            options.alpha_span = Some(value.span());
            options.alpha_name = Some(option.name.span());
            match num {
                Some(v) if v.is_finite() => options.alpha = Some(v),
                Some(_) => {
                    return fail(
                        errors,
                        format!(
                            "`alpha = {text}` does not fit in an `f32`: write e.g. `alpha = 0.2`"
                        ),
                    );
                }
                None => {
                    return fail(
                        errors,
                        format!("`alpha` takes a number, not `{text}`: write e.g. `alpha = 0.2`"),
                    );
                }
            }
        }
        "use_bias" => match value {
            OptionValue::Number {
                lit: Lit::Bool(b), ..
            } => options.use_bias = b.value,
            _ => {
                return fail(
                    errors,
                    format!(
                        "`use_bias` is `true` or `false`, not `{text}`: write `use_bias = false`"
                    ),
                );
            }
        },
        "l1" | "l2" => match num {
            Some(v) if v.is_finite() && v >= 0.0 => {
                if name == "l1" {
                    options.l1 = v;
                } else {
                    options.l2 = v;
                }
            }
            _ => {
                return fail(
                    errors,
                    format!(
                        "`{name}` is the factor of the weights' regularization, a number of 0 or more, not `{text}`: write e.g. `{name} = 0.01`"
                    ),
                );
            }
        },
        "momentum" => match num {
            Some(v) if (0.0..=1.0).contains(&v) => options.momentum = v,
            _ => {
                return fail(
                    errors,
                    format!(
                        "`momentum` is the weight of the old moving statistics, from 0 to 1, not `{text}`: write e.g. `momentum = 0.99`"
                    ),
                );
            }
        },
        "epsilon" => match num {
            Some(v) if v.is_finite() && v > 0.0 => options.epsilon = v,
            _ => {
                return fail(
                    errors,
                    format!(
                        "`epsilon` is added to the variance and must be a number above 0, not `{text}`: write e.g. `epsilon = 0.001`"
                    ),
                );
            }
        },
        _ => return fail(errors, format!("unknown option `{name}`")),
    }
    true
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
        OptionValue::Number { .. } => format!(
            "`{option}` takes an initializer name, not `{}`: write e.g. `{option} = uniform`\nthe initializers are: {}",
            value_text(value),
            names.join(", ")
        ),
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
