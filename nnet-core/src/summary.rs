//! Keras-like text summary of a network's layers.

use crate::{LayerKind, LayerSpec};

/// Formats a Keras-like summary: one row per layer with its output shape and parameter count,
/// then the totals.
///
/// # Examples
///
/// ```
/// use nnet_core::{__private::summary, activation::ActivationKind, LayerSpec};
///
/// let layers = [
///     LayerSpec::dense("dense1", 2, 10, ActivationKind::Relu),
///     LayerSpec::dense("dense2", 10, 1, ActivationKind::Sigmoid),
/// ];
/// let text = summary("Classifier", 2, &layers);
/// assert!(text.contains("dense1 (Dense, relu)"));
/// assert!(text.contains("Total params: 41"));
/// ```
pub fn summary(name: &str, inputs: usize, layers: &[LayerSpec]) -> String {
    let label = |layer: &LayerSpec| {
        let class = layer.kind.keras_name();
        match layer.kind {
            LayerKind::Dense | LayerKind::Activation => {
                format!("{} ({class}, {})", layer.name, layer.activation.name())
            }
            _ => format!("{} ({class})", layer.name),
        }
    };
    // The first column fits the longest label with a space after it (32 at least, as Keras).
    let width = layers
        .iter()
        .map(|l| label(l).chars().count() + 1)
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
    // Keras's shapes: a sequence of any length is `(None, None, F)`.
    let shape = |sequence: bool, units: usize| {
        if sequence {
            format!("(None, None, {units})")
        } else {
            format!("(None, {units})")
        }
    };
    let sequence_input = layers.first().is_some_and(|l| l.sequence);
    text.push_str(&row("input (Input)", &shape(sequence_input, inputs), "0"));
    for layer in layers {
        text.push_str(&row(
            &label(layer),
            &shape(layer.sequence, layer.units),
            &(layer.trainable + layer.non_trainable).to_string(),
        ));
    }
    text.push_str(&format!(
        "{heavy}\nTotal params: {total}\nTrainable params: {trainable}\nNon-trainable params: {non_trainable}\n{light}\n"
    ));
    text
}
