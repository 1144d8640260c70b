//! The shapes of convolution and pooling: what a sliding window reads (a fixed shape of its
//! number of axes), what it outputs (by `nnet_kinds`'s window arithmetic), and the rules that
//! need the shape: a `valid` window fits its input, `groups` divides the input channels, the
//! output fits a layer, and what a sequence network allows (a causal `conv1d`, streamed).

use nnet_kinds::{MAX_STREAMED_FILTERS, MAX_UNITS, Padding, Shape, Window};
use proc_macro2::Span;

use super::axes::counterpart;
use super::shapes::{Flow, one_position};
use crate::ast::LayerStmt;
use crate::diagnostics::{push_error, thousands};
use crate::model::window::{Axes2, global_window, output_of};
use crate::model::{Conv, Kind, KindWord, Layer, Pool, shape_text};

/// What a convolution or pooling line reads and where it sits: the context of its messages.
pub(super) struct Reading<'a> {
    pub line: &'a LayerStmt,
    pub word: KindWord,
    pub input: Shape,
    pub flow: &'a Flow,
    /// The layer before it, if any.
    pub before: Option<&'a Layer>,
}

/// The shape a `conv1d`, `conv2d` or `depthwise_conv2d` outputs; a shape it cannot read, a
/// window that does not fit, or groups that do not divide the channels are reported.
pub(super) fn conv(conv: &Conv, at: &Reading, errors: &mut Option<syn::Error>) -> Shape {
    if streams(conv, at) {
        return streamed(conv, at, errors);
    }
    let channels = at.input.channels();
    let out_channels = conv.out_channels(channels);
    if let Some(fallback) = check_reads(at, out_channels, Some(conv), errors) {
        return fallback;
    }
    let Some(window) = conv.window(at.input) else {
        return at.input.with_channels(out_channels);
    };
    let mut ok = check_fits(at, &window, conv.kernel, conv.dilation, errors);
    let groups = conv.groups(channels);
    let divides = channels.is_multiple_of(groups) && out_channels.is_multiple_of(groups);
    if !conv.is_depthwise() && !divides {
        push_error(errors, groups_error(at, groups, channels, out_channels));
        ok = false;
    }
    let output = output_of(at.input, &window, out_channels);
    if ok {
        check_sizes(conv, at, &window, output, errors);
    }
    output
}

/// Whether the line is a `conv1d` that a sequence network streams: causal, with stride 1,
/// reading a sequence.
fn streams(conv: &Conv, at: &Reading) -> bool {
    matches!(at.input, Shape::Sequence(_))
        && at.word == KindWord::Conv1d
        && conv.padding == Padding::Causal
        && conv.strides[1] == 1
}

/// A causal `conv1d` streamed over a sequence outputs a sequence of its filters, one vector per
/// step. `groups` divides the channels and the filters; its filters are at most
/// [`MAX_STREAMED_FILTERS`] (a step's output is a vector on the stack, as a recurrent layer's
/// state), and what one filter reads fits a layer ([`MAX_UNITS`]). Its past inputs are checked
/// with the other convolutions' (the state they add up to, `recurrence`).
fn streamed(conv: &Conv, at: &Reading, errors: &mut Option<syn::Error>) -> Shape {
    let (channels, filters) = (at.input.channels(), conv.filters);
    let groups = conv.groups.max(1);
    if !(channels.is_multiple_of(groups) && filters.is_multiple_of(groups)) {
        push_error(errors, groups_error(at, groups, channels, filters));
        return Shape::Sequence(filters);
    }
    let taps = conv.causal_taps_per_filter(channels);
    let message = if filters > MAX_STREAMED_FILTERS {
        let most = MAX_STREAMED_FILTERS;
        format!(
            "`conv1d {filters}` streamed over a sequence has more filters than a step may output ({}): each step's output is a vector kept on the stack, as a recurrent layer's state; use at most {most} filters, e.g. `conv1d {most} {}`",
            thousands(MAX_STREAMED_FILTERS),
            conv.kernel[1]
        )
    } else if taps > MAX_UNITS {
        format!(
            "each filter of `conv1d` reads {} values ({} taps × {} channels), more than a layer may read ({}): use a smaller kernel, or `groups`",
            thousands(taps),
            thousands(conv.kernel[1]),
            thousands(taps / conv.kernel[1].max(1)),
            thousands(MAX_UNITS),
        )
    } else {
        return Shape::Sequence(filters);
    };
    push_error(errors, syn::Error::new(at.line.size_span(), message));
    Shape::Sequence(filters)
}

/// The shape a `max_pool…` or `avg_pool…` outputs: the input's channels over the window's
/// positions.
pub(super) fn pool(pool: &Pool, at: &Reading, errors: &mut Option<syn::Error>) -> Shape {
    if let Some(fallback) = check_reads(at, at.input.channels(), None, errors) {
        return fallback;
    }
    let Some(window) = pool.window(at.input) else {
        return at.input;
    };
    check_fits(at, &window, pool.kernel, [1, 1], errors);
    output_of(at.input, &window, at.input.channels())
}

/// `global_avg_pool`, `global_max_pool`: every position of a fixed shape to the vector of its
/// channels.
pub(super) fn global(at: &Reading, errors: &mut Option<syn::Error>) -> Shape {
    if global_window(at.input).is_none() {
        check_reads(at, at.input.channels(), None, errors);
    }
    Shape::Vector(at.input.channels())
}

/// A window reads a fixed shape of its axes: `(steps, channels)` for the 1-D kinds,
/// `(height, width, channels)` for the 2-D ones, either for global pooling. Anything else is
/// reported and the shape to go on with is returned (one that spares the next layers an error
/// of their own); `None` when the shape is right.
fn check_reads(
    at: &Reading,
    out_channels: usize,
    conv: Option<&Conv>,
    errors: &mut Option<syn::Error>,
) -> Option<Shape> {
    let axes = at.word.decl().number.kernel_axes();
    let message = match at.input {
        Shape::Sequence(_) => sequence_message(at, conv),
        Shape::Vector(n) => vector_message(at, n),
        Shape::Steps { .. } if axes == 2 => wrong_axes_message(at, conv),
        Shape::Image { .. } if axes == 1 => wrong_axes_message(at, conv),
        _ => return None,
    };
    // A line after an input that failed to parse stays silent: the kind of shape is a guess.
    if at.flow.known
        && let Some(message) = message
    {
        push_error(errors, syn::Error::new(at.line.keyword.span(), message));
    }
    Some(one_position(at.input).with_channels(out_channels))
}

/// What the line needs, in words: `a fixed shape, (height, width, channels)`.
fn needs(word: KindWord) -> &'static str {
    match word.decl().number.kernel_axes() {
        1 => "steps of channels, `(steps, channels)`",
        2 => "an image, `(height, width, channels)`",
        _ => "a fixed shape, `(steps, channels)` or `(height, width, channels)`",
    }
}

/// A convolution or pooling on a sequence of any length: in a network with `input sequence F;`
/// a `conv1d` must be causal with stride 1 (a step cannot see the future; a causal one is
/// streamed, see [`streamed`]), and pooling needs a fixed shape.
fn sequence_message(at: &Reading, conv: Option<&Conv>) -> Option<String> {
    let kind = at.word.name();
    let features = at.input.channels();
    let fixed = format!(
        "give the network a fixed number of steps instead (and no recurrent layer, which reads a sequence), e.g. `input (100, {features});`"
    );
    Some(match conv {
        Some(conv) if at.word == KindWord::Conv1d => {
            let written = at
                .line
                .size
                .as_ref()
                .map_or_else(|| "16".to_owned(), crate::model::lines::size_text);
            format!(
                "in a network with `input sequence {features};`, a `conv1d` must be `padding = causal` with `strides = 1`: a step sees only the inputs up to it, never later ones; write e.g. `conv1d {written} {} (padding = causal);`, or {fixed}",
                crate::model::window::axes_text(conv.kernel, 1)
            )
        }
        _ if at.word.decl().number.kernel_axes() == 2 => format!(
            "`{kind}` reads {}, but a sequence has one axis of steps: use a 1-D layer, or {fixed}",
            needs(at.word)
        ),
        _ => format!(
            "`{kind}` needs a fixed shape, {}, but reads a sequence of any length: {fixed}",
            needs(at.word)
        ),
    })
}

/// A convolution or pooling on a vector: the input declared as one, or a layer before that
/// made one (global pooling, `flatten`, a dense layer on a vector).
fn vector_message(at: &Reading, n: usize) -> Option<String> {
    let kind = at.word.name();
    let needs = needs(at.word);
    Some(match at.before {
        None => format!(
            "`{kind}` slides a window over {needs}, but the input is one vector of {n} values: declare the input's shape, e.g. `input {};`",
            shape_text(suggested_shape(at.word, n))
        ),
        Some(before)
            if before.is_recurrent()
                && !before.returns_sequences()
                && at.word == KindWord::Conv1d =>
        {
            format!(
                "`{kind}` reads a sequence, but `{}` before it returns only its last output: add `(return_sequences = true)` to `{}`",
                before.field(),
                before.field()
            )
        }
        Some(before) if matches!(before.kind, Kind::GlobalPool { .. }) => format!(
            "`{kind}` slides a window over {needs}, but `{}` before it already pooled every position into a vector of its {n} channels: there is nothing left to pool; remove one of them (global pooling usually comes last, before the dense layers)",
            before.field()
        ),
        Some(before) => format!(
            "`{kind}` slides a window over {needs}, but `{}` before it outputs a vector of {n} values: put convolution and pooling before `flatten`, global pooling and dense layers on vectors",
            before.field()
        ),
    })
}

/// A shape of `n` values for the input line of a network whose first layer is `word`: `(n, 1)`
/// for a 1-D kind, `(h, w, 1)` with `h · w = n` as square as it goes for a 2-D one.
fn suggested_shape(word: KindWord, n: usize) -> Shape {
    if word.decl().number.kernel_axes() == 1 {
        return Shape::Steps {
            steps: n,
            channels: 1,
        };
    }
    let height = (1..=n)
        .take_while(|h| h * h <= n)
        .filter(|h| n.is_multiple_of(*h))
        .last()
        .unwrap_or(1);
    Shape::Image {
        height,
        width: n / height,
        channels: 1,
    }
}

/// `groups` that does not divide both the input channels and the filters: each group reads as
/// many channels and has as many filters.
fn groups_error(at: &Reading, groups: usize, channels: usize, filters: usize) -> syn::Error {
    // A sequence's shape is its channels: nothing to add.
    let of = match at.input {
        Shape::Sequence(_) => String::new(),
        shape => format!(" of {}", shape_text(shape)),
    };
    let what = match (
        channels.is_multiple_of(groups),
        filters.is_multiple_of(groups),
    ) {
        (false, false) => {
            format!("both the {channels} input channels{of} and the {filters} filters")
        }
        (false, true) => format!("the {channels} input channels{of}"),
        _ => format!("the {filters} filters"),
    };
    // The largest common divisor below the value written.
    let divisor = (1..groups)
        .rev()
        .find(|d| channels.is_multiple_of(*d) && filters.is_multiple_of(*d))
        .unwrap_or(1);
    syn::Error::new(
        option_span(at.line, "groups"),
        format!(
            "`groups = {groups}` must divide {what} (each group reads as many channels and has as many filters): use a divisor of {}, e.g. `groups = {divisor}`",
            divisors_of(channels, filters)
        ),
    )
}

/// `6`, or `both 6 and 9`.
fn divisors_of(channels: usize, filters: usize) -> String {
    if channels == filters {
        channels.to_string()
    } else {
        format!("both {channels} and {filters}")
    }
}

/// A 2-D kind on `(steps, channels)`, or a 1-D kind on an image: the kind to use instead.
fn wrong_axes_message(at: &Reading, conv: Option<&Conv>) -> Option<String> {
    let kind = at.word.name();
    let other = counterpart(at.word);
    let shape = shape_text(at.input);
    let kernel = at
        .line
        .kernel
        .as_ref()
        .map_or_else(|| "3".to_owned(), crate::parse::axes_text);
    let filters = at
        .line
        .size
        .as_ref()
        .map(|s| format!("{} ", crate::model::lines::size_text(s)))
        .unwrap_or_default();
    Some(match (at.input, conv) {
        (Shape::Steps { channels, .. }, Some(conv)) if conv.is_depthwise() => format!(
            "`{kind}` reads {}, but {shape} is steps of channels: for one axis, a `conv1d` with one group per channel is the same, e.g. `conv1d {} {} (groups = {channels});`",
            needs(at.word),
            channels.saturating_mul(conv.depth_multiplier),
            first_axis(&kernel),
        ),
        (Shape::Steps { steps, channels }, _) => {
            let image = match at.before {
                None => format!(
                    ", or declare the input as an image of one channel, `input ({steps}, {channels}, 1);`"
                ),
                Some(_) => String::new(),
            };
            format!(
                "`{kind}` reads {}, but {shape} is steps of channels: use `{} {filters}{}` for one axis{image}",
                needs(at.word),
                other.name(),
                first_axis(&kernel),
            )
        }
        _ => format!(
            "`{kind}` slides along one axis, the steps of `(steps, channels)`, but reads the image {shape}: use `{} {filters}{kernel}` for two axes, or `flatten;` the image first",
            other.name(),
        ),
    })
}

/// The first number of a kernel as written (`10` of `(10, 4)`), for a 1-D kind's line.
fn first_axis(kernel: &str) -> String {
    kernel
        .trim_start_matches('(')
        .split(',')
        .next()
        .unwrap_or("3")
        .trim()
        .to_owned()
}

/// With `padding = valid` (the default), the dilated kernel fits its input on every axis: no
/// window would fit otherwise. One error for the line, naming every axis too short; false after
/// reporting it.
fn check_fits(
    at: &Reading,
    window: &Window,
    kernel: Axes2,
    dilation: Axes2,
    errors: &mut Option<syn::Error>,
) -> bool {
    let axes = at.word.decl().number.kernel_axes();
    let names: [&str; 2] = if axes == 1 {
        ["steps", "steps"]
    } else {
        ["rows", "columns"]
    };
    let what = if at.word.has_tensors() {
        "kernel"
    } else {
        "pool size"
    };
    let mut spans = Vec::new();
    let mut fixes = Vec::new();
    for (i, axis) in [window.rows, window.cols].iter().enumerate() {
        if axis.padding != Padding::Valid || axis.span() <= axis.input {
            continue;
        }
        let spread = if dilation[i] > 1 {
            format!(" ({} taps, {} apart)", kernel[i], dilation[i])
        } else {
            String::new()
        };
        spans.push(format!("{} {}{spread}", axis.span(), names[i]));
        fixes.push(if dilation[i] > 1 {
            format!(
                "at most {} taps on {} with this dilation",
                (axis.input - 1) / dilation[i] + 1,
                names[i]
            )
        } else {
            format!("at most {} {}", axis.input, names[i])
        });
    }
    if spans.is_empty() {
        return true;
    }
    let span = at
        .line
        .kernel
        .as_ref()
        .map_or(at.line.keyword.span(), |k| k.span());
    push_error(
        errors,
        syn::Error::new(
            span,
            format!(
                "with `padding = valid` (the default) the {what} of `{}` must fit in its input, but it spans {} and its input {} has {}: use a {what} of {}, or `padding = same`",
                at.word.name(),
                spans.join(" and "),
                shape_text(at.input),
                input_axes(at.input),
                fixes.join(" and "),
            ),
        ),
    );
    false
}

/// The axes a window slides along, in words: `5 rows and 5 columns`, `9 steps`.
fn input_axes(input: Shape) -> String {
    match input {
        Shape::Image { height, width, .. } => format!("{height} rows and {width} columns"),
        Shape::Steps { steps, .. } => format!("{steps} steps"),
        other => format!("{} values", other.len()),
    }
}

/// A convolution's output, and the values one filter reads, fit a layer ([`MAX_UNITS`] each,
/// as a dense layer's outputs and inputs).
fn check_sizes(
    conv: &Conv,
    at: &Reading,
    window: &Window,
    output: Shape,
    errors: &mut Option<syn::Error>,
) {
    let span = at.line.size_span();
    let taps = conv.taps_per_filter(window);
    let message = if output.len() > MAX_UNITS {
        let most = MAX_UNITS / output.positions().max(1);
        let fix = if conv.is_depthwise() {
            "a smaller `depth_multiplier`, strides above 1 or pooling before it".to_owned()
        } else if most > 0 {
            let filters = if most == 1 { "filter" } else { "filters" };
            format!("at most {most} {filters} here, strides above 1 or pooling before it")
        } else {
            "strides above 1 or pooling before it".to_owned()
        };
        format!(
            "`{}` outputs {} values, {}, more than a layer may output ({}): use {fix}",
            at.word.name(),
            thousands(output.len()),
            shape_text(output),
            thousands(MAX_UNITS),
        )
    } else if taps > MAX_UNITS {
        format!(
            "each filter of `{}` reads {} values ({} taps × {} channels), more than a layer may read ({}): use a smaller kernel, or `groups`",
            at.word.name(),
            thousands(taps),
            thousands(window.taps()),
            thousands(taps / window.taps().max(1)),
            thousands(MAX_UNITS),
        )
    } else {
        return;
    };
    push_error(errors, syn::Error::new(span, message));
}

/// Where an error about the option `name` points: its value as written, else the keyword.
fn option_span(line: &LayerStmt, name: &str) -> Span {
    line.options
        .iter()
        .find(|o| o.name == name)
        .map_or(line.keyword.span(), |o| o.value.span())
}
