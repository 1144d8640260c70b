//! Keras-like text summary of a network's layers.

use crate::LayerSpec;

/// Formats a Keras-like summary: one row per layer with its output shape and parameter count,
/// then the totals.
///
/// # Examples
///
/// ```
/// use nnet_core::{__private::summary, activation::ActivationKind, LayerSpec};
///
/// let layers = [
///     LayerSpec { name: "dense1", inputs: 2, units: 10, activation: ActivationKind::Relu },
///     LayerSpec { name: "dense2", inputs: 10, units: 1, activation: ActivationKind::Sigmoid },
/// ];
/// let text = summary("Classifier", 2, &layers);
/// assert!(text.contains("dense1 (Dense, relu)"));
/// assert!(text.contains("Total params: 41"));
/// ```
pub fn summary(name: &str, inputs: usize, layers: &[LayerSpec]) -> String {
    const RULE: usize = 65;
    let row =
        |layer: &str, shape: &str, params: &str| format!(" {layer:<32}{shape:<20}{params:>11}\n");
    let heavy = "=".repeat(RULE);
    let light = "_".repeat(RULE);
    let total: usize = layers.iter().map(LayerSpec::params).sum();

    let mut text = format!("Model: \"{name}\"\n{light}\n");
    text.push_str(&row("Layer (type)", "Output Shape", "Param #"));
    text.push_str(&heavy);
    text.push('\n');
    text.push_str(&row("input (Input)", &format!("(None, {inputs})"), "0"));
    for layer in layers {
        let label = format!("{} (Dense, {})", layer.name, layer.activation.name());
        text.push_str(&row(
            &label,
            &format!("(None, {})", layer.units),
            &layer.params().to_string(),
        ));
    }
    text.push_str(&format!(
        "{heavy}\nTotal params: {total}\nTrainable params: {total}\nNon-trainable params: 0\n{light}\n"
    ));
    text
}
