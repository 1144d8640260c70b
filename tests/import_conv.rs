//! Convolutional networks trained in Keras 3 and in PyTorch, imported with `import_keras` and
//! `import_pytorch`, hold exactly the tensors the scripts converted to nnet's layouts and
//! reproduce the frameworks' outputs within 1e-5. The fixtures come from `tools/keras_conv.py`
//! and `tools/pytorch_conv.py` (see `tools/README.md`): each `*_reference.safetensors` holds six
//! inputs `x` (channels last; PyTorch's were converted from its channels-first inputs), the
//! framework's outputs `out`, and every tensor under nnet's name and layout.

use nnet::io::safetensors::{DEFAULT_MAX_HEADER, Dtype, SafeTensors};
use nnet::io::{self, LoadOptions};
use nnet::{Parameters, SVector};

nnet::network! {
    /// `Conv1D(4, 3, padding="causal", dilation_rate=2)`, `Conv1D(3, 2, strides=2,
    /// padding="same", activation="relu")`, `MaxPooling1D(2)`, `Flatten`, `Dense(2)`.
    pub struct KerasConv1d {
        input (8, 3);
        conv1d 4 3 (padding = causal, dilation = 2);
        conv1d 3 2 relu (strides = 2, padding = same);
        max_pool1d 2;
        flatten;
        dense 2;
    }
}

nnet::network! {
    /// `Conv2D(6, (3, 2), padding="same", activation="relu")`, `DepthwiseConv2D(3,
    /// depth_multiplier=2)`, `Conv2D(4, 1, groups=2)`, `AveragePooling2D(2)`, `Flatten`,
    /// `Dense(3, activation="softmax")`.
    pub struct KerasConv2d {
        input (7, 6, 2);
        conv2d 6 (3, 2) relu (padding = same);
        depthwise_conv2d 3 (depth_multiplier = 2);
        conv2d 4 1 (groups = 2);
        avg_pool2d 2;
        flatten;
        dense 3 softmax;
    }
}

nnet::network! {
    /// A DS-CNN block: `Conv2D(4, 3, strides=2, padding="same", use_bias=False)`,
    /// `BatchNormalization`, `Activation("relu")`, `DepthwiseConv2D((2, 3), padding="same",
    /// dilation_rate=(1, 2))`, `BatchNormalization`, `Activation("relu")`, `Conv2D(6, 1)`,
    /// `MaxPooling2D(2, padding="same")`, `GlobalAveragePooling2D`, `Dense(2)`.
    pub struct KerasDscnn {
        input (9, 7, 2);
        conv2d 4 3 (strides = 2, padding = same, use_bias = false);
        batch_norm;
        activation relu;
        depthwise_conv2d (2, 3) (padding = same, dilation = (1, 2));
        batch_norm;
        activation relu;
        conv2d 6 1;
        max_pool2d 2 (padding = same);
        global_avg_pool;
        dense 2;
    }
}

nnet::network! {
    /// `nn.Conv1d(3, 4, 3, padding=4, dilation=2)` with its last 4 steps dropped (causal),
    /// `nn.ReLU`, `nn.Conv1d(4, 4, 2, stride=2, groups=2)`, `nn.MaxPool1d(2)`, `nn.Flatten`,
    /// `nn.Linear(8, 2)`, on `(N, 3, 10)` inputs.
    pub struct TorchConv1d {
        input (10, 3);
        conv1d 4 3 relu (padding = causal, dilation = 2);
        conv1d 4 2 (strides = 2, groups = 2);
        max_pool1d 2;
        flatten;
        dense 2;
    }
}

nnet::network! {
    /// `nn.Conv2d(2, 4, 3, stride=2, padding=1)`, `nn.ReLU`, `nn.Conv2d(4, 8, (3, 2),
    /// groups=4)` (depthwise), `nn.BatchNorm2d(8)`, `nn.Conv2d(8, 6, 1, groups=2, bias=False)`,
    /// `nn.MaxPool2d(2, stride=1)`, `nn.Flatten`, `nn.Linear(24, 3)`, on `(N, 2, 9, 7)` inputs.
    pub struct TorchConv2d {
        input (9, 7, 2);
        conv2d 4 3 relu (strides = 2, padding = same);
        depthwise_conv2d (3, 2) (depth_multiplier = 2);
        batch_norm (epsilon = 1e-5);
        conv2d 6 1 (groups = 2, use_bias = false);
        max_pool2d 2 (strides = 1);
        flatten;
        dense 3;
    }
}

/// A reference file's tensors: `(shape, values)` by name.
fn read_reference(bytes: &[u8]) -> std::collections::BTreeMap<String, (Vec<usize>, Vec<f32>)> {
    let file = SafeTensors::parse(bytes, DEFAULT_MAX_HEADER).unwrap();
    file.tensors()
        .iter()
        .map(|t| {
            assert_eq!(t.dtype, Dtype::F32, "{}", t.name);
            let values = t
                .data
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            (t.name.clone(), (t.shape.clone(), values))
        })
        .collect()
}

/// Every tensor of `net` is the reference's (nnet's layout, `[rows, cols]` row-major), value
/// for value: the importer converted as the script did.
fn assert_tensors<N: Parameters<f32>>(net: &N, reference: &[u8]) {
    let reference = read_reference(reference);
    for i in 0..N::TENSORS {
        let info = N::tensor_info(i).unwrap();
        let (shape, values) = &reference[&info.name()];
        assert_eq!(shape.iter().product::<usize>(), info.rows * info.cols);
        let memory = net.tensor(i);
        for r in 0..info.rows {
            for c in 0..info.cols {
                assert_eq!(
                    memory[c * info.rows + r],
                    values[r * info.cols + c],
                    "{}[{r}, {c}]",
                    info.name()
                );
            }
        }
    }
}

/// `forward` reproduces the reference's `out` for each of its inputs `x`, within 1e-5.
fn assert_outputs<const IN: usize, const OUT: usize>(
    forward: impl Fn(&SVector<f32, IN>) -> SVector<f32, OUT>,
    reference: &[u8],
    framework: &str,
) {
    let reference = read_reference(reference);
    let (x_shape, x) = &reference["x"];
    let (out_shape, out) = &reference["out"];
    let samples = x_shape[0];
    assert_eq!(samples, 6);
    assert_eq!(x.len(), samples * IN);
    assert_eq!(out_shape[..], [samples, OUT]);
    for (x, expected) in x.chunks(IN).zip(out.chunks(OUT)) {
        let y = forward(&SVector::from_column_slice(x));
        for (found, expected) in y.iter().zip(expected) {
            assert!(
                (found - expected).abs() <= 1e-5,
                "nnet {y:?}, {framework} {expected:?}"
            );
        }
    }
}

const KERAS_CONV1D: &[u8] = include_bytes!("fixtures/conv/keras_conv1d.safetensors");
const KERAS_CONV1D_REF: &[u8] = include_bytes!("fixtures/conv/keras_conv1d_reference.safetensors");
const KERAS_CONV2D: &[u8] = include_bytes!("fixtures/conv/keras_conv2d.safetensors");
const KERAS_CONV2D_REF: &[u8] = include_bytes!("fixtures/conv/keras_conv2d_reference.safetensors");
const KERAS_DSCNN: &[u8] = include_bytes!("fixtures/conv/keras_dscnn.safetensors");
const KERAS_DSCNN_REF: &[u8] = include_bytes!("fixtures/conv/keras_dscnn_reference.safetensors");
const TORCH_CONV1D: &[u8] = include_bytes!("fixtures/conv/pytorch_conv1d.safetensors");
const TORCH_CONV1D_REF: &[u8] =
    include_bytes!("fixtures/conv/pytorch_conv1d_reference.safetensors");
const TORCH_CONV2D: &[u8] = include_bytes!("fixtures/conv/pytorch_conv2d.safetensors");
const TORCH_CONV2D_REF: &[u8] =
    include_bytes!("fixtures/conv/pytorch_conv2d_reference.safetensors");

#[test]
fn keras_conv1d_reproduces_keras() {
    let net: KerasConv1d = io::import_keras(KERAS_CONV1D).unwrap();
    assert_tensors(&net, KERAS_CONV1D_REF);
    assert_outputs(|x| net.forward(x), KERAS_CONV1D_REF, "Keras");
}

#[test]
fn keras_conv2d_with_depthwise_and_groups_reproduces_keras() {
    let net: KerasConv2d = io::import_keras(KERAS_CONV2D).unwrap();
    assert_tensors(&net, KERAS_CONV2D_REF);
    assert_outputs(|x| net.forward(x), KERAS_CONV2D_REF, "Keras");
}

#[test]
fn keras_dscnn_block_reproduces_keras_folded_or_not() {
    let net: KerasDscnn = io::import_keras(KERAS_DSCNN).unwrap();
    assert_tensors(&net, KERAS_DSCNN_REF);
    assert_outputs(|x| net.forward(x), KERAS_DSCNN_REF, "Keras");
    let folded = net.inference();
    assert_outputs(|x| folded.forward(x), KERAS_DSCNN_REF, "Keras");
}

#[test]
fn pytorch_conv1d_reproduces_pytorch_on_channels_last_inputs() {
    let net: TorchConv1d = io::import_pytorch(TORCH_CONV1D).unwrap();
    assert_tensors(&net, TORCH_CONV1D_REF);
    assert_outputs(|x| net.forward(x), TORCH_CONV1D_REF, "PyTorch");
}

#[test]
fn pytorch_conv2d_with_depthwise_groups_and_a_linear_after_flatten_reproduces_pytorch() {
    // The file also holds `3.num_batches_tracked` (I64), which the import skips.
    let net: TorchConv2d = io::import_pytorch(TORCH_CONV2D).unwrap();
    assert_tensors(&net, TORCH_CONV2D_REF);
    assert_outputs(|x| net.forward(x), TORCH_CONV2D_REF, "PyTorch");
    let folded = net.inference();
    assert_outputs(|x| folded.forward(x), TORCH_CONV2D_REF, "PyTorch");
}

nnet::network! {
    /// `TorchConv2d` with the depthwise kernel's axes swapped: as many weights, another kernel.
    pub struct TorchSwapped {
        input (9, 7, 2);
        conv2d 4 3 relu (strides = 2, padding = same);
        depthwise_conv2d (2, 3) (depth_multiplier = 2);
        batch_norm (epsilon = 1e-5);
        conv2d 6 1 (groups = 2, use_bias = false);
        max_pool2d (1, 2) (strides = 1);
        flatten;
        dense 3;
    }
}

nnet::network! {
    /// `TorchConv1d` without `groups`: the second kernel reads all four channels.
    pub struct TorchUngrouped {
        input (10, 3);
        conv1d 4 3 relu (padding = causal, dilation = 2);
        conv1d 4 2 (strides = 2);
        max_pool1d 2;
        flatten;
        dense 2;
    }
}

#[test]
fn kernels_of_other_shapes_are_refused_naming_their_axes() {
    let error = io::import_pytorch::<TorchSwapped>(TORCH_CONV2D)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("tensor `2.weight` has shape [8, 1, 3, 2], expected [8, 1, 2, 3], [channels·depth multiplier, 1, kernel rows, kernel columns] for depthwise_conv2d1 (a 2×3 kernel, 4 channels, depth multiplier 2)"),
        "{error}"
    );
    let error = io::import_pytorch::<TorchUngrouped>(TORCH_CONV1D)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("tensor `3.weight` has shape [4, 2, 2], expected [4, 4, 2], [filters, input channels / groups, kernel] for conv1d2 (a kernel of 2, 4 input channels per filter, 4 filters)"),
        "{error}"
    );
    // The Keras file is no PyTorch state dict, nor the other way round.
    let error = io::import_pytorch::<KerasConv1d>(KERAS_CONV1D)
        .unwrap_err()
        .to_string();
    assert!(error.contains("sequential/conv1d"), "{error}");
    let error = io::import_keras::<TorchConv1d>(TORCH_CONV1D)
        .unwrap_err()
        .to_string();
    assert!(error.contains("0.weight"), "{error}");
    // A Keras model imported into the PyTorch network's declaration (other shapes) is refused.
    assert!(io::import_keras::<TorchConv2d>(KERAS_CONV2D).is_err());
}

#[test]
fn the_imported_networks_save_and_load_in_nnets_layout() {
    let net: TorchConv2d = io::import_pytorch(TORCH_CONV2D).unwrap();
    let bytes = io::to_safetensors(&net);
    let back: TorchConv2d = io::from_safetensors(&bytes).unwrap();
    assert_eq!(back, net);
    // nnet's own file holds `[filters, taps·in/groups]` kernels, the reference's layout.
    assert_tensors(&back, TORCH_CONV2D_REF);
    // Read as a PyTorch file, nnet's names are no modules of the network.
    let error = io::from_safetensors_with::<TorchConv2d>(&bytes, &LoadOptions::pytorch());
    assert!(error.is_err());
}
