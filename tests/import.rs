//! Networks trained in PyTorch and in Keras, loaded into nnet, reproduce the outputs their
//! frameworks computed (within 1e-5). The fixtures come from `tools/export_pytorch.py` and
//! `tools/export_keras.py`; see `tools/README.md`.

use nnet::SVector;
use nnet::io::{self, LoadOptions};

nnet::network! {
    /// `nn.Sequential(Linear(4, 16), ReLU(), Linear(16, 8), Tanh(), Linear(8, 3), Softmax(-1))`.
    pub struct TorchNet { input 4; dense 16 relu; dense 8 tanh; dense 3 softmax; }
}

nnet::network! {
    /// `Sequential([Dense(16, relu), Dense(8, tanh), Dense(1, sigmoid)])` over 4 inputs.
    pub struct KerasNet { input 4; dense 16 relu; dense 8 tanh; dense 1 sigmoid; }
}

nnet::network! {
    /// `nn.Sequential(Linear(3, 5), BatchNorm1d(5, eps=1e-3), ReLU(), Linear(5, 2))` in eval
    /// mode (`tools/pytorch_batchnorm.py`).
    pub struct TorchNorm { input 3; dense 5; batch_norm; activation relu; dense 2; }
}

const TORCH_NORM: &[u8] = include_bytes!("fixtures/pytorch_batchnorm.safetensors");
const TORCH_NORM_CSV: &str = include_str!("fixtures/pytorch_batchnorm.csv");

#[test]
fn pytorch_batch_norm_reproduces_pytorch_outputs() {
    // PyTorch's file also holds `1.num_batches_tracked` (I64), which the import skips.
    let net: TorchNorm = io::import_pytorch(TORCH_NORM).unwrap();
    assert_reproduces(|x| net.forward(x), TORCH_NORM_CSV);
    assert_reproduces(|x| net.inference().forward(x), TORCH_NORM_CSV);
}

const TORCH: &[u8] = include_bytes!("fixtures/pytorch_mlp.safetensors");
const TORCH_CSV: &str = include_str!("fixtures/pytorch_mlp.csv");
const KERAS: &[u8] = include_bytes!("fixtures/keras_mlp.safetensors");
const KERAS_CSV: &str = include_str!("fixtures/keras_mlp.csv");

/// The rows of a fixture CSV, split into inputs and outputs.
fn samples<const IN: usize, const OUT: usize>(
    csv: &str,
) -> Vec<(SVector<f32, IN>, SVector<f32, OUT>)> {
    csv.lines()
        .skip(1)
        .map(|line| {
            let values: Vec<f32> = line.split(',').map(|v| v.parse().unwrap()).collect();
            assert_eq!(values.len(), IN + OUT);
            (
                SVector::from_column_slice(&values[..IN]),
                SVector::from_column_slice(&values[IN..]),
            )
        })
        .collect()
}

fn assert_reproduces<const IN: usize, const OUT: usize>(
    forward: impl Fn(&SVector<f32, IN>) -> SVector<f32, OUT>,
    csv: &str,
) {
    let samples = samples::<IN, OUT>(csv);
    assert!(samples.len() >= 16);
    for (x, expected) in samples {
        let y = forward(&x);
        let error = (y - expected).abs().max();
        assert!(
            error <= 1e-5,
            "input {x:?}: nnet {y:?}, framework {expected:?}"
        );
    }
}

#[test]
fn pytorch_model_reproduces_pytorch_outputs() {
    let net: TorchNet = io::import_pytorch(TORCH).unwrap();
    assert_reproduces(|x| net.forward(x), TORCH_CSV);
}

#[test]
fn keras_model_reproduces_keras_outputs() {
    let net: KerasNet = io::import_keras(KERAS).unwrap();
    assert_reproduces(|x| net.forward(x), KERAS_CSV);
}

#[test]
fn imported_networks_round_trip_through_nnet_files() {
    let net: TorchNet = io::import_pytorch(TORCH).unwrap();
    let back: TorchNet = io::from_safetensors(&io::to_safetensors(&net)).unwrap();
    assert_eq!(back, net);
}

#[test]
fn mapping_is_as_documented() {
    let file = io::safetensors::SafeTensors::parse(TORCH, io::DEFAULT_MAX_HEADER).unwrap();
    let net: TorchNet = io::import_pytorch(TORCH).unwrap();
    // `2.weight` [8, 16] is dense2's W as is: element (r, c) at r * 16 + c.
    let w = file.tensor("2.weight").unwrap().to_f32();
    assert_eq!(w[5 * 16 + 11], net.dense2.weights[(5, 11)]);

    let file = io::safetensors::SafeTensors::parse(KERAS, io::DEFAULT_MAX_HEADER).unwrap();
    let net: KerasNet = io::import_keras(KERAS).unwrap();
    // `dense_1/kernel` [16, 8] is dense2's W transposed: kernel[c][r] = W[r][c].
    let k = file.tensor("sequential/dense_1/kernel").unwrap().to_f32();
    assert_eq!(k[11 * 8 + 5], net.dense2.weights[(5, 11)]);
}

#[test]
fn wrong_framework_or_architecture_is_an_error() {
    let text = io::import_keras::<TorchNet>(TORCH).unwrap_err().to_string();
    assert!(
        text.contains("unexpected tensor `0.weight`: not a parameter of a Keras `Dense` layer"),
        "{text}"
    );
    let text = io::import_pytorch::<KerasNet>(TORCH)
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("`4.weight` has shape [3, 8], expected [1, 8]"),
        "{text}"
    );
    let text = io::from_safetensors::<TorchNet>(TORCH)
        .unwrap_err()
        .to_string();
    assert!(text.contains("no tensor `dense1.weight`"), "{text}");
    let text = io::import_keras::<TorchNet>(KERAS).unwrap_err().to_string();
    assert!(
        text.contains("`sequential/dense_2/kernel` has shape [8, 1], expected [8, 3]"),
        "{text}"
    );
    // Loading options give the same results as the shorthands.
    let net: KerasNet = io::from_safetensors_with(KERAS, &LoadOptions::keras()).unwrap();
    assert_eq!(net, io::import_keras::<KerasNet>(KERAS).unwrap());
}
