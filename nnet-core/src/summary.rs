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
    text.push_str(&row("input (Input)", &input.to_string(), "0"));
    for layer in layers {
        text.push_str(&row(
            &label(layer),
            &layer.output.to_string(),
            &(layer.trainable + layer.non_trainable).to_string(),
        ));
    }
    text.push_str(&format!(
        "{heavy}\nTotal params: {total}\nTrainable params: {trainable}\nNon-trainable params: {non_trainable}\n{light}\n"
    ));
    text
}
