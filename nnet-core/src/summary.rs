//! Keras-like text summary of a network's layers.

use crate::{LayerKind, LayerSpec, Shape};

/// Formats a Keras-like summary: a row for the input of shape `input`, one row per layer with
/// its output shape and parameter count, then the totals. Shapes are Keras's: `(None, 10)` for
/// a vector, `(None, None, 3)` for a sequence, `(None, 8, 8, 4)` for an image.
///
/// # Examples
///
/// ```
/// use nnet_core::{__private::summary, activation::ActivationKind, LayerSpec, Shape};
///
/// let layers = [
///     LayerSpec::dense("dense1", 2, 10, ActivationKind::Relu),
///     LayerSpec::dense("dense2", 10, 1, ActivationKind::Sigmoid),
/// ];
/// let text = summary("Classifier", Shape::Vector(2), &layers);
/// assert!(text.contains("dense1 (Dense, relu)"));
/// assert!(text.contains("(None, 10)"));
/// assert!(text.contains("Total params: 41"));
///
/// let image = Shape::Image { height: 8, width: 8, channels: 3 };
/// let dense = LayerSpec::dense("dense1", 192, 256, ActivationKind::Relu)
///     .with_output(image.with_channels(4))
///     .with_counts(192, 3 * 4 + 4, 0);
/// let text = summary("Pixels", image, &[dense]);
/// assert!(text.contains("(None, 8, 8, 3)") && text.contains("(None, 8, 8, 4)"));
/// assert!(text.contains("Total params: 16"));
/// ```
pub fn summary(name: &str, input: Shape, layers: &[LayerSpec]) -> String {
    summary_with(name, input, layers, None)
}

/// What one sample's inference costs, which `summary_with` prints under the totals: known at
/// compile time, so that a network can be sized for a microcontroller before it is flashed.
///
/// # Examples
///
/// ```
/// use nnet_core::{__private::{Costs, summary_with}, activation::ActivationKind, LayerSpec, Shape};
///
/// let layers = [LayerSpec::dense("dense1", 2, 10, ActivationKind::Relu)];
/// let costs = Costs { macs: 20, scalar_bytes: 4, state_bytes: None };
/// let text = summary_with("Net", Shape::Vector(2), &layers, Some(costs));
/// assert!(text.contains("Multiply-accumulates per sample: 20\n"));
/// assert!(text.contains("Weights: 120 bytes (30 values of 4 bytes)\n"));
/// assert!(text.contains("Largest activation: 10 values (40 bytes)\n"));
/// assert!(!text.contains("State"));
///
/// // A streamed network also keeps its state between steps.
/// let costs = Costs { state_bytes: Some(1_088), ..costs };
/// let text = summary_with("Net", Shape::Sequence(2), &layers, Some(costs));
/// assert!(text.contains("State kept between steps: 1,088 bytes\n"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Costs {
    /// Multiply-accumulates of one sample's inference (of one step, for a sequence): the
    /// network's `MACS`.
    pub macs: usize,
    /// Bytes of one value of the network's scalar: 4 for `f32`, 8 for `f64`.
    pub scalar_bytes: usize,
    /// Bytes of the network's `{Name}State` (`size_of`, alignment included), which a streamed
    /// network keeps between steps beside its weights: the recurrent layers' states and the
    /// causal convolutions' past inputs, and what the state of a recurrent layer of more than
    /// 1,024 units keeps on the heap (its vectors and a step's buffers,
    /// [`Recurrent::HEAP_STATE_BYTES`](crate::layer::Recurrent::HEAP_STATE_BYTES)). `None` for a
    /// network without `input sequence`.
    pub state_bytes: Option<usize>,
}

/// [`summary`], with the costs of one sample's inference under the totals when given: its
/// multiply-accumulates, the bytes of the weights (trainable and not) and the largest
/// activation (the input, or the output of one layer), in values and bytes.
pub fn summary_with(
    name: &str,
    input: Shape,
    layers: &[LayerSpec],
    costs: Option<Costs>,
) -> String {
    summary_nested(name, input, layers, &[], costs)
}

/// [`summary_with`] for a network with residual blocks: `depths[i]` is the number of blocks
/// around `layers[i]` (missing: 0), whose label is indented by two spaces per block. A block's
/// sum ([`LayerSpec::is_residual`]) is a row `residual{k} (Add)`, as Keras shows its `Add`
/// layer, with the block's output shape and its projection's parameters, after the block's
/// layers and at the depth of the block itself.
///
/// # Examples
///
/// ```
/// use nnet_core::{__private::summary_nested, activation::ActivationKind, LayerKind, LayerSpec, Shape};
///
/// let sum = LayerSpec {
///     name: "residual1",
///     kind: LayerKind::Activation,
///     text: "residual",
///     ..LayerSpec::dense("residual1", 4, 4, ActivationKind::Linear).with_counts(4, 0, 0)
/// };
/// let layers = [LayerSpec::dense("dense1", 4, 4, ActivationKind::Relu), sum];
/// let text = summary_nested("Net", Shape::Vector(4), &layers, &[1, 0], None);
/// assert!(text.contains("\n   dense1 (Dense, relu)"));
/// assert!(text.contains("\n residual1 (Add)"));
/// assert!(text.contains("Total params: 20"));
/// ```
pub fn summary_nested(
    name: &str,
    input: Shape,
    layers: &[LayerSpec],
    depths: &[usize],
    costs: Option<Costs>,
) -> String {
    let indent = |index: usize| "  ".repeat(depths.get(index).copied().unwrap_or(0));
    // What each layer reads: the input, then the output of the layer before it.
    let inputs: Vec<Shape> = core::iter::once(input)
        .chain(layers.iter().map(|l| l.output))
        .collect();
    let label = |(layer, read): (&LayerSpec, &Shape)| {
        // Keras's global pooling is a class per number of axes.
        let class = match (layer.kind, read) {
            (LayerKind::GlobalAvgPool, Shape::Steps { .. }) => "GlobalAveragePooling1D",
            (LayerKind::GlobalMaxPool, Shape::Steps { .. }) => "GlobalMaxPooling1D",
            _ => layer.kind.keras_name(),
        };
        if layer.is_residual() {
            return format!("{} (Add)", layer.name);
        }
        match layer.kind {
            LayerKind::Dense
            | LayerKind::Activation
            | LayerKind::Conv1d
            | LayerKind::Conv2d
            | LayerKind::DepthwiseConv2d => {
                format!("{} ({class}, {})", layer.name, layer.activation.name())
            }
            _ => format!("{} ({class})", layer.name),
        }
    };
    // The first column fits the longest label with a space after it (32 at least, as Keras).
    let width = layers
        .iter()
        .zip(&inputs)
        .enumerate()
        .map(|(i, l)| indent(i).len() + label(l).chars().count() + 1)
        .max()
        .unwrap_or(0)
        .max(32);
    let rule = width + 33;
    let row = |layer: &str, shape: &str, params: &str| {
        format!(" {layer:<width$}{shape:<20}{params:>11}\n")
    };
    let heavy = "=".repeat(rule);
    let light = "_".repeat(rule);
    let trainable: usize = layers.iter().map(|l| l.trainable).sum();
    let non_trainable: usize = layers.iter().map(|l| l.non_trainable).sum();
    let total = trainable + non_trainable;

    let mut text = format!("Model: \"{name}\"\n{light}\n");
    text.push_str(&row("Layer (type)", "Output Shape", "Param #"));
    text.push_str(&heavy);
    text.push('\n');
    text.push_str(&row("input (Input)", &input.to_string(), "0"));
    for (i, (layer, read)) in layers.iter().zip(&inputs).enumerate() {
        text.push_str(&row(
            &format!("{}{}", indent(i), label((layer, read))),
            &layer.output.to_string(),
            &(layer.trainable + layer.non_trainable).to_string(),
        ));
    }
    text.push_str(&format!(
        "{heavy}\nTotal params: {total}\nTrainable params: {trainable}\nNon-trainable params: {non_trainable}\n"
    ));
    if let Some(Costs {
        macs,
        scalar_bytes,
        state_bytes,
    }) = costs
    {
        let per = if matches!(input, Shape::Sequence(_)) {
            "step"
        } else {
            "sample"
        };
        let largest = layers
            .iter()
            .map(|l| l.output.len())
            .fold(input.len(), usize::max);
        text.push_str(&format!(
            "Multiply-accumulates per {per}: {}\nWeights: {} bytes ({} values of {scalar_bytes} bytes)\nLargest activation: {} values ({} bytes)\n",
            thousands(macs),
            thousands(total * scalar_bytes),
            thousands(total),
            thousands(largest),
            thousands(largest * scalar_bytes),
        ));
        if let Some(bytes) = state_bytes {
            text.push_str(&format!(
                "State kept between steps: {} bytes\n",
                thousands(bytes)
            ));
        }
    }
    text.push_str(&light);
    text.push('\n');
    text
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
