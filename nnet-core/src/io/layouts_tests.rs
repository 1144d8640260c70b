//! The layouts the importers get: kernels read from the layers' lines, the inputs of a dense
//! layer after `flatten`, and the input shape read from an architecture.

use nnet_safetensors::Layout;

use super::layouts::{LayerLayout, input_shape, layouts};
use crate::activation::ActivationKind;
use crate::layer::LayerKind;
use crate::{LayerSpec, Shape, TensorInfo};

/// A layer of `kind` named `name`, with its line, from `inputs` values to `output`.
fn layer(
    kind: LayerKind,
    name: &'static str,
    text: &'static str,
    inputs: usize,
    output: Shape,
) -> LayerSpec {
    LayerSpec {
        kind,
        text,
        ..LayerSpec::dense(name, inputs, 1, ActivationKind::Linear)
    }
    .with_output(output)
    .with_counts(inputs, 0, 0)
}

fn image(height: usize, width: usize, channels: usize) -> Shape {
    Shape::Image {
        height,
        width,
        channels,
    }
}

/// The kernel layout of a single layer with the line `text`.
fn kernel_of(kind: LayerKind, text: &'static str) -> Result<Layout, String> {
    let conv = layer(kind, "conv", text, 1, image(1, 1, 1));
    let layouts = layouts(None, &[conv]).map_err(|e| e.to_string())?;
    let info = TensorInfo::matrix("conv", "kernel", 1, 1);
    Ok(layouts[0].of(kind, &info))
}

#[test]
fn kernels_are_read_from_the_lines() {
    let kernel = |size, multiplier| Ok(Layout::Kernel { size, multiplier });
    use LayerKind::{Conv1d, Conv2d, DepthwiseConv2d};
    assert_eq!(
        kernel_of(Conv2d, "conv2d 6 (3, 2) relu (padding = same)"),
        kernel([3, 2], 1)
    );
    assert_eq!(
        kernel_of(Conv2d, "conv2d 4 1 (groups = 2)"),
        kernel([1, 1], 1)
    );
    assert_eq!(kernel_of(Conv2d, "conv2d 16 3 relu"), kernel([3, 3], 1));
    assert_eq!(
        kernel_of(Conv1d, "conv1d 4 3 (padding = causal, dilation = 2)"),
        kernel([1, 3], 1)
    );
    assert_eq!(kernel_of(Conv1d, "conv1d 4 5"), kernel([1, 5], 1));
    assert_eq!(
        kernel_of(DepthwiseConv2d, "depthwise_conv2d 3 (depth_multiplier = 2)"),
        kernel([3, 3], 2)
    );
    assert_eq!(
        kernel_of(
            DepthwiseConv2d,
            "depthwise_conv2d (2, 3) relu (padding = same, dilation = (1, 2), depth_multiplier = 12)"
        ),
        kernel([2, 3], 12)
    );
    assert_eq!(
        kernel_of(DepthwiseConv2d, "depthwise_conv2d (2, 3) (padding = same)"),
        kernel([2, 3], 1)
    );
}

#[test]
fn unreadable_kernels_are_errors_naming_the_line() {
    use LayerKind::{Conv1d, Conv2d};
    for (kind, text, why) in [
        (Conv2d, "conv2d 6", "no kernel after the filters"),
        (
            Conv2d,
            "conv2d 6 (3, 2, 1)",
            "3 kernel sizes for a kernel of 2 axes",
        ),
        (
            Conv1d,
            "conv1d 6 (3, 2)",
            "2 kernel sizes for a kernel of 1 axes",
        ),
        (
            Conv2d,
            "conv2d 6 (3, 0)",
            "not a whole number of at least 1",
        ),
        (Conv2d, "conv2d 6 (3, 2", "an unclosed kernel tuple"),
        (Conv2d, "dense 6", "it does not start with `conv2d`"),
    ] {
        let error = kernel_of(kind, text).unwrap_err();
        assert!(
            error.contains(&format!(
                "cannot read the kernel of `conv` from its line `{text}`"
            )) && error.contains(why),
            "{error}"
        );
    }
}

#[test]
fn a_dense_layer_after_flatten_reads_the_flattened_shape() {
    let conv_out = image(2, 2, 3);
    let layers = [
        layer(LayerKind::Conv2d, "conv2d1", "conv2d 3 1", 12, conv_out),
        layer(
            LayerKind::Flatten,
            "flatten1",
            "flatten",
            12,
            Shape::Vector(12),
        ),
        layer(
            LayerKind::BatchNorm,
            "batch_norm1",
            "batch_norm",
            12,
            Shape::Vector(12),
        ),
        layer(
            LayerKind::Activation,
            "activation1",
            "activation relu",
            12,
            Shape::Vector(12),
        ),
        layer(
            LayerKind::Dense,
            "dense1",
            "dense 12",
            12,
            Shape::Vector(12),
        ),
        layer(
            LayerKind::Dense,
            "dense2",
            "dense 12",
            12,
            Shape::Vector(12),
        ),
    ];
    let found = layouts(None, &layers).unwrap();
    let flattened = Layout::Flattened(conv_out);
    let vector = TensorInfo::vector("", "gamma", 12);
    let weight = TensorInfo::matrix("", "weight", 12, 12);
    let bias = TensorInfo::vector("", "bias", 12);
    assert_eq!(found[2].of(LayerKind::BatchNorm, &vector), flattened);
    assert_eq!(found[4].of(LayerKind::Dense, &weight), flattened);
    // The bias of 12 units is not indexed by the flattened values; nor is anything after.
    assert_eq!(found[4].of(LayerKind::Dense, &bias), Layout::Plain);
    assert_eq!(found[5].of(LayerKind::Dense, &weight), Layout::Plain);
    assert_eq!(found[0].of(LayerKind::Conv2d, &bias), Layout::Plain);

    // flatten of a vector changes no order.
    let layers = [
        layer(LayerKind::Dense, "dense1", "dense 4", 3, Shape::Vector(4)),
        layer(
            LayerKind::Flatten,
            "flatten1",
            "flatten",
            4,
            Shape::Vector(4),
        ),
        layer(LayerKind::Dense, "dense2", "dense 2", 4, Shape::Vector(2)),
    ];
    let found = layouts(None, &layers).unwrap();
    let weight = TensorInfo::matrix("", "weight", 2, 4);
    assert_eq!(found[2].of(LayerKind::Dense, &weight), Layout::Plain);
}

#[test]
fn flatten_first_reads_the_input_shape() {
    let layers = [
        layer(
            LayerKind::Flatten,
            "flatten1",
            "flatten",
            6,
            Shape::Vector(6),
        ),
        layer(LayerKind::Dense, "dense1", "dense 2", 6, Shape::Vector(2)),
    ];
    let steps = Shape::Steps {
        steps: 3,
        channels: 2,
    };
    let found = layouts(Some(steps), &layers).unwrap();
    let weight = TensorInfo::matrix("", "weight", 2, 6);
    assert_eq!(
        found[1].of(LayerKind::Dense, &weight),
        Layout::Flattened(steps)
    );
    let error = layouts(None, &layers).unwrap_err().to_string();
    assert!(
        error.contains("`flatten1` flattens the network's input, whose shape is not known"),
        "{error}"
    );
    let _: LayerLayout = found[0];
}

#[test]
fn input_shapes_are_read_from_architectures() {
    assert_eq!(
        input_shape("input (8, 3); conv1d 4 3"),
        Some(Shape::Steps {
            steps: 8,
            channels: 3
        })
    );
    assert_eq!(
        input_shape("input (9, 7, 2); flatten"),
        Some(image(9, 7, 2))
    );
    assert_eq!(input_shape("input 4; dense 2"), Some(Shape::Vector(4)));
    assert_eq!(
        input_shape("input sequence 2; gru 4"),
        Some(Shape::Sequence(2))
    );
    assert_eq!(input_shape("dense 2"), None);
    assert_eq!(input_shape("input (1, 2, 3, 4)"), None);
}
