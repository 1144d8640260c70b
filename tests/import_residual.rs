//! Residual networks trained in Keras 3 and in PyTorch, imported with `import_keras` and
//! `import_pytorch` into networks of `residual` blocks, hold exactly the tensors the scripts
//! converted to nnet's layouts and reproduce the frameworks' outputs within 1e-5. The fixtures
//! come from `tools/keras_residual.py` and `tools/pytorch_residual.py` (see `tools/README.md`):
//! each `*_reference.safetensors` holds six inputs `x` (channels last; PyTorch's were converted
//! from its channels-first inputs), the framework's outputs `out` (channels last), and every
//! tensor under nnet's name and layout, the projections' as `residual{k}.kernel` and `.bias`.
//!
//! A Keras shortcut layer is matched by position among the layers of its class: the models
//! create it after their block's layers, so Keras numbers it where the network has its
//! projection. A PyTorch file keeps no order of its modules, and names such as `stem`,
//! `blocks.1.fc1` and `blocks.1.shortcut` give none: the modules are given in the network's
//! order, each shortcut after its block's last layer.

use nnet::io::safetensors::{DEFAULT_MAX_HEADER, Dtype, SafeTensors};
use nnet::io::{self, LoadOptions};
use nnet::{Parameters, SVector};

nnet::network! {
    /// `Dense(8, relu)`; `Add` of its input and `Dense(8, relu)`, `Dense(8)`; `relu`; `Add` of
    /// `Dense(12)` of its input and `Dense(12, relu)`, `Dense(12)`; `relu`; `Dense(3, softmax)`.
    pub struct ResidualMlp {
        input 6;
        dense 8 relu;
        residual {
            dense 8 relu;
            dense 8;
        }
        activation relu;
        residual (project) {
            dense 12 relu;
            dense 12;
        }
        activation relu;
        dense 3 softmax;
    }
}

nnet::network! {
    /// A stem, a ResNet basic block, a strided one with a 1×1 shortcut of stride 2, global
    /// average pooling and a softmax head; Keras's batch normalization (ε = 1e-3).
    pub struct KerasResnet {
        input (7, 7, 3);
        conv2d 4 3 relu (padding = same);
        residual {
            conv2d 4 3 (padding = same);
            batch_norm;
            activation relu;
            conv2d 4 3 (padding = same);
            batch_norm;
        }
        activation relu;
        residual (project) {
            conv2d 8 3 (strides = 2, padding = same);
            batch_norm;
            activation relu;
            conv2d 8 3 (padding = same);
            batch_norm;
        }
        activation relu;
        global_avg_pool;
        dense 3 softmax;
    }
}

nnet::network! {
    /// `KerasResnet` with PyTorch's `nn.BatchNorm2d` (ε = 1e-5).
    pub struct TorchResnet {
        input (7, 7, 3);
        conv2d 4 3 relu (padding = same);
        residual {
            conv2d 4 3 (padding = same);
            batch_norm (epsilon = 1e-5);
            activation relu;
            conv2d 4 3 (padding = same);
            batch_norm (epsilon = 1e-5);
        }
        activation relu;
        residual (project) {
            conv2d 8 3 (strides = 2, padding = same);
            batch_norm (epsilon = 1e-5);
            activation relu;
            conv2d 8 3 (padding = same);
            batch_norm (epsilon = 1e-5);
        }
        activation relu;
        global_avg_pool;
        dense 3 softmax;
    }
}

nnet::network! {
    /// A WaveNet-style stack on 12 steps of 2 channels: a 1×1 stem, blocks of a causal
    /// convolution of dilation 1, 2 and 4 and a 1×1 mix, the last one projected from 6 to 8
    /// channels, a 1×1 head: one output per step.
    pub struct Wavenet {
        input (12, 2);
        conv1d 6 1 (padding = causal);
        residual {
            conv1d 6 2 tanh (padding = causal, dilation = 1);
            conv1d 6 1 (padding = causal);
        }
        residual {
            conv1d 6 2 tanh (padding = causal, dilation = 2);
            conv1d 6 1 (padding = causal);
        }
        residual (project) {
            conv1d 8 2 relu (padding = causal, dilation = 4);
            conv1d 8 1 (padding = causal);
        }
        conv1d 1 1 (padding = causal);
    }
}

nnet::network! {
    /// `Wavenet` on a sequence of any length, streaming one step at a time.
    pub struct StreamingWavenet {
        input sequence 2;
        conv1d 6 1 (padding = causal);
        residual {
            conv1d 6 2 tanh (padding = causal, dilation = 1);
            conv1d 6 1 (padding = causal);
        }
        residual {
            conv1d 6 2 tanh (padding = causal, dilation = 2);
            conv1d 6 1 (padding = causal);
        }
        residual (project) {
            conv1d 8 2 relu (padding = causal, dilation = 4);
            conv1d 8 1 (padding = causal);
        }
        conv1d 1 1 (padding = causal);
    }
}

/// The modules of `tools/pytorch_residual.py`'s models in the order of the networks' layers,
/// each shortcut after its block's last layer (as `state_dict()` lists them).
const TORCH_MLP_ORDER: [&str; 7] = [
    "stem",
    "blocks.0.fc1",
    "blocks.0.fc2",
    "blocks.1.fc1",
    "blocks.1.fc2",
    "blocks.1.shortcut",
    "head",
];
const TORCH_RESNET_ORDER: [&str; 11] = [
    "stem",
    "layer1.conv1",
    "layer1.bn1",
    "layer1.conv2",
    "layer1.bn2",
    "layer2.conv1",
    "layer2.bn1",
    "layer2.conv2",
    "layer2.bn2",
    "layer2.shortcut",
    "fc",
];
const TORCH_WAVENET_ORDER: [&str; 9] = [
    "stem",
    "blocks.0.conv",
    "blocks.0.mix",
    "blocks.1.conv",
    "blocks.1.mix",
    "blocks.2.conv",
    "blocks.2.mix",
    "blocks.2.shortcut",
    "out",
];

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
/// for value: the importer converted as the script did, projections included.
fn assert_tensors<N: Parameters<f32>>(net: &N, reference: &[u8]) {
    let reference = read_reference(reference);
    let mut projections = 0;
    for i in 0..N::TENSORS {
        let info = N::tensor_info(i).unwrap();
        projections += usize::from(info.name().starts_with("residual"));
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
    assert_eq!(projections, 2, "a kernel and a bias of one projection");
}

/// `forward` reproduces the reference's `out` for each of its inputs `x`, within 1e-5; the
/// largest difference.
fn assert_outputs<const IN: usize, const OUT: usize>(
    forward: impl Fn(&SVector<f32, IN>) -> SVector<f32, OUT>,
    reference: &[u8],
    framework: &str,
) -> f32 {
    let reference = read_reference(reference);
    let (x_shape, x) = &reference["x"];
    let (out_shape, out) = &reference["out"];
    let samples = x_shape[0];
    assert_eq!(samples, 6);
    assert_eq!(x.len(), samples * IN);
    assert_eq!(out_shape[0], samples);
    assert_eq!(out.len(), samples * OUT);
    let mut worst = 0.0_f32;
    for (x, expected) in x.chunks(IN).zip(out.chunks(OUT)) {
        let y = forward(&SVector::from_column_slice(x));
        for (found, expected) in y.iter().zip(expected) {
            worst = worst.max((found - expected).abs());
            assert!(
                (found - expected).abs() <= 1e-5,
                "nnet {y:?}, {framework} {expected:?}"
            );
        }
    }
    worst
}

const KERAS_MLP: &[u8] = include_bytes!("fixtures/residual/keras_mlp.safetensors");
const KERAS_MLP_REF: &[u8] = include_bytes!("fixtures/residual/keras_mlp_reference.safetensors");
const KERAS_MLP_SHORTCUT_FIRST: &[u8] =
    include_bytes!("fixtures/residual/keras_mlp_shortcut_first.safetensors");
const KERAS_RESNET: &[u8] = include_bytes!("fixtures/residual/keras_resnet.safetensors");
const KERAS_RESNET_REF: &[u8] =
    include_bytes!("fixtures/residual/keras_resnet_reference.safetensors");
const KERAS_WAVENET: &[u8] = include_bytes!("fixtures/residual/keras_wavenet.safetensors");
const KERAS_WAVENET_REF: &[u8] =
    include_bytes!("fixtures/residual/keras_wavenet_reference.safetensors");
const TORCH_MLP: &[u8] = include_bytes!("fixtures/residual/pytorch_mlp.safetensors");
const TORCH_MLP_REF: &[u8] = include_bytes!("fixtures/residual/pytorch_mlp_reference.safetensors");
const TORCH_RESNET: &[u8] = include_bytes!("fixtures/residual/pytorch_resnet.safetensors");
const TORCH_RESNET_REF: &[u8] =
    include_bytes!("fixtures/residual/pytorch_resnet_reference.safetensors");
const TORCH_WAVENET: &[u8] = include_bytes!("fixtures/residual/pytorch_wavenet.safetensors");
const TORCH_WAVENET_REF: &[u8] =
    include_bytes!("fixtures/residual/pytorch_wavenet_reference.safetensors");

fn pytorch<N: nnet::Architecture>(bytes: &[u8], order: &[&str]) -> N {
    let options = LoadOptions::pytorch().with_module_order(order.iter().copied());
    io::from_safetensors_with(bytes, &options).unwrap()
}

#[test]
fn keras_residual_mlp_reproduces_keras() {
    let net: ResidualMlp = io::import_keras(KERAS_MLP).unwrap();
    assert_tensors(&net, KERAS_MLP_REF);
    let worst = assert_outputs(|x| net.forward(x), KERAS_MLP_REF, "Keras");
    println!("keras mlp: max |nnet - Keras| {worst:.2e}");
}

#[test]
fn keras_resnet_blocks_reproduce_keras_folded_or_not() {
    let net: KerasResnet = io::import_keras(KERAS_RESNET).unwrap();
    assert_tensors(&net, KERAS_RESNET_REF);
    let worst = assert_outputs(|x| net.forward(x), KERAS_RESNET_REF, "Keras");
    let folded = net.inference();
    let folded_worst = assert_outputs(|x| folded.forward(x), KERAS_RESNET_REF, "Keras");
    println!("keras resnet: max |nnet - Keras| {worst:.2e}, folded {folded_worst:.2e}");
}

#[test]
fn keras_wavenet_reproduces_keras_at_every_step() {
    let net: Wavenet = io::import_keras(KERAS_WAVENET).unwrap();
    assert_tensors(&net, KERAS_WAVENET_REF);
    let worst = assert_outputs(|x| net.forward(x), KERAS_WAVENET_REF, "Keras");
    println!("keras wavenet: max |nnet - Keras| {worst:.2e}");
}

/// `net` streams the reference's inputs step by step, each step's output the framework's at
/// that step, and `forward` over the whole sequence the last one; the largest difference.
fn assert_streams(net: &StreamingWavenet, reference: &[u8], framework: &str) -> f32 {
    let reference = read_reference(reference);
    let ((_, x), (_, out)) = (&reference["x"], &reference["out"]);
    let mut worst = 0.0_f32;
    for (x, expected) in x.chunks(24).zip(out.chunks(12)) {
        let steps: Vec<SVector<f32, 2>> = x.chunks(2).map(SVector::from_column_slice).collect();
        let mut state = StreamingWavenetState::default();
        for (t, step) in steps.iter().enumerate() {
            let y = net.step(&mut state, step);
            worst = worst.max((y[0] - expected[t]).abs());
            assert!(
                (y[0] - expected[t]).abs() <= 1e-5,
                "step {t}: nnet {y:?}, {framework} {}",
                expected[t]
            );
        }
        let last = net.forward(&steps);
        assert!((last[0] - expected[11]).abs() <= 1e-5);
    }
    worst
}

#[test]
fn keras_and_pytorch_wavenets_stream_their_outputs_step_by_step() {
    // In a sequence network the projection is a dense layer at every step; the frameworks'
    // 1×1 `Conv1D` and `nn.Conv1d` shortcuts hold the same `[filters, inputs]` kernel.
    let net: StreamingWavenet = io::import_keras(KERAS_WAVENET).unwrap();
    let keras = assert_streams(&net, KERAS_WAVENET_REF, "Keras");
    // The fixed-shape network's weights are the same tensors under the same names.
    let fixed: Wavenet = io::import_keras(KERAS_WAVENET).unwrap();
    let options = LoadOptions {
        check_architecture: false,
        ..LoadOptions::default()
    };
    let loaded: StreamingWavenet =
        io::from_safetensors_with(&io::to_safetensors(&fixed), &options).unwrap();
    assert_eq!(loaded, net);
    let net: StreamingWavenet = pytorch(TORCH_WAVENET, &TORCH_WAVENET_ORDER);
    let torch = assert_streams(&net, TORCH_WAVENET_REF, "PyTorch");
    println!("wavenets streamed: max |nnet - Keras| {keras:.2e}, |nnet - PyTorch| {torch:.2e}");
}

#[test]
fn pytorch_residual_mlp_reproduces_pytorch() {
    let net: ResidualMlp = pytorch(TORCH_MLP, &TORCH_MLP_ORDER);
    assert_tensors(&net, TORCH_MLP_REF);
    let worst = assert_outputs(|x| net.forward(x), TORCH_MLP_REF, "PyTorch");
    println!("pytorch mlp: max |nnet - PyTorch| {worst:.2e}");
}

#[test]
fn pytorch_resnet_blocks_reproduce_pytorch_folded_or_not() {
    // The file also holds each `nn.BatchNorm2d`'s `num_batches_tracked` (I64), skipped.
    let net: TorchResnet = pytorch(TORCH_RESNET, &TORCH_RESNET_ORDER);
    assert_tensors(&net, TORCH_RESNET_REF);
    let worst = assert_outputs(|x| net.forward(x), TORCH_RESNET_REF, "PyTorch");
    let folded = net.inference();
    let folded_worst = assert_outputs(|x| folded.forward(x), TORCH_RESNET_REF, "PyTorch");
    println!("pytorch resnet: max |nnet - PyTorch| {worst:.2e}, folded {folded_worst:.2e}");
}

#[test]
fn pytorch_wavenet_reproduces_pytorch() {
    let net: Wavenet = pytorch(TORCH_WAVENET, &TORCH_WAVENET_ORDER);
    assert_tensors(&net, TORCH_WAVENET_REF);
    let worst = assert_outputs(|x| net.forward(x), TORCH_WAVENET_REF, "PyTorch");
    println!("pytorch wavenet: max |nnet - PyTorch| {worst:.2e}");
}

#[test]
fn files_in_another_order_are_refused() {
    // The Keras shortcut created before its block's layers is numbered where the network has
    // the block's first layer: refused for its shape.
    let error = io::import_keras::<ResidualMlp>(KERAS_MLP_SHORTCUT_FIRST)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("tensor `dense_4/kernel` has shape [8, 12], expected [12, 12]"),
        "{error}"
    );
    // A PyTorch state dict's names give no order: the error says how to give it.
    let error = io::import_pytorch::<ResidualMlp>(TORCH_MLP)
        .unwrap_err()
        .to_string();
    assert!(error.contains("with_module_order"), "{error}");
    // The shortcut listed before its block's layers: a shape error.
    let mut order = TORCH_MLP_ORDER;
    order[3..6].rotate_right(1);
    assert_eq!(order[3], "blocks.1.shortcut");
    let options = LoadOptions::pytorch().with_module_order(order);
    let error = io::from_safetensors_with::<ResidualMlp>(TORCH_MLP, &options)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("tensor `blocks.1.fc1.weight` has shape [12, 8], expected [12, 12]"),
        "{error}"
    );
    assert!(
        error.contains("each shortcut right after its block's last layer"),
        "{error}"
    );
}

#[test]
fn imported_residual_networks_save_and_load_in_nnets_layout() {
    let net: TorchResnet = pytorch(TORCH_RESNET, &TORCH_RESNET_ORDER);
    let bytes = io::to_safetensors(&net);
    let back: TorchResnet = io::from_safetensors(&bytes).unwrap();
    assert_eq!(back, net);
    // nnet's own file holds `residual2.kernel` [8, 4] and `residual2.bias` [8].
    let file = SafeTensors::parse(&bytes, DEFAULT_MAX_HEADER).unwrap();
    assert_eq!(
        file.tensor("residual2.kernel").map(|t| t.shape.clone()),
        Some(vec![8, 4])
    );
    assert_tensors(&back, TORCH_RESNET_REF);
}
