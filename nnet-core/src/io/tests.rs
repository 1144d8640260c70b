//! Loading and importing through [`Architecture`], on hand-made networks with every kind of
//! layer (the `network!` macro is not available inside `nnet-core`), and the committed PyTorch
//! and Keras fixtures.

use std::path::PathBuf;

use nnet_safetensors::TensorSpec;

use super::*;
use crate::activation::ActivationKind;
use crate::dense::dense_tensor_info;
use crate::layer::{BatchNorm, Layer, LayerKind, LayerNorm};
use crate::{LayerSpec, Parameters, TensorInfo};

/// A network of any layers, its tensors in vectors: what a generated network looks like to
/// weight I/O.
#[derive(Debug, Clone, PartialEq)]
struct Net<D: Describe>(Vec<Vec<f32>>, std::marker::PhantomData<D>);

/// The layers and tensors of a test network.
trait Describe: Clone + PartialEq + core::fmt::Debug {
    const INPUTS: usize;
    const LAYERS: &'static [LayerSpec];
    fn tensors() -> Vec<TensorInfo>;
}

impl<D: Describe> Parameters for Net<D> {
    const TENSORS: usize = count(D::LAYERS);

    fn tensor_info(index: usize) -> Option<TensorInfo> {
        D::tensors().get(index).copied()
    }

    fn tensor(&self, index: usize) -> &[f32] {
        self.0.get(index).map_or(&[], Vec::as_slice)
    }

    fn tensor_mut(&mut self, index: usize) -> &mut [f32] {
        self.0.get_mut(index).map_or(&mut [], Vec::as_mut_slice)
    }
}

impl<D: Describe> Architecture for Net<D> {
    type Scalar = f32;
    const INPUTS: usize = D::INPUTS;
    const LAYERS: &'static [LayerSpec] = D::LAYERS;

    fn zeroed() -> Self {
        Net(
            D::tensors().iter().map(|t| vec![0.0; t.len()]).collect(),
            std::marker::PhantomData,
        )
    }
}

/// Number of tensors of the layers: 2 per dense layer with bias (1 without), 4 per batch
/// normalization, 2 per layer normalization, 3 per recurrent layer.
const fn count(layers: &[LayerSpec]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < layers.len() {
        let l = &layers[i];
        n += match l.kind {
            LayerKind::Dense if l.trainable == l.units * l.inputs => 1,
            LayerKind::Dense | LayerKind::LayerNorm => 2,
            LayerKind::BatchNorm => 4,
            LayerKind::SimpleRnn | LayerKind::Gru | LayerKind::Lstm => 3,
            kind => {
                assert!(
                    !kind.has_tensors(),
                    "a kind with tensors the test does not count"
                );
                0
            }
        };
        i += 1;
    }
    n
}

/// The tensors of `layers`, from the layer types' own [`Layer::tensor_info`].
fn tensors_of(layers: &[LayerSpec]) -> Vec<TensorInfo> {
    let mut tensors = Vec::new();
    for l in layers {
        let infos: Vec<TensorInfo> = match (l.kind, l.units) {
            (LayerKind::Dense, _) => {
                let bias = l.trainable > l.units * l.inputs;
                (0..2)
                    .filter_map(|i| dense_tensor_info(l.inputs, l.units, bias, i))
                    .collect()
            }
            (LayerKind::BatchNorm, 5) => (0..4)
                .filter_map(<BatchNorm<5> as Layer<5, 5>>::tensor_info)
                .collect(),
            (LayerKind::LayerNorm, 4) => (0..2)
                .filter_map(<LayerNorm<4> as Layer<4, 4>>::tensor_info)
                .collect(),
            (LayerKind::Activation | LayerKind::Dropout, _) => Vec::new(),
            other => panic!("no test layer {other:?}"),
        };
        tensors.extend(infos.into_iter().map(|t| t.in_layer(l.name)));
    }
    tensors
}

const fn dense(name: &'static str, inputs: usize, units: usize, bias: bool) -> LayerSpec {
    let spec = LayerSpec::dense(name, inputs, units, ActivationKind::Linear);
    if bias {
        spec
    } else {
        spec.with_counts(inputs, units * inputs, 0)
    }
}

const fn norm(name: &'static str, kind: LayerKind, units: usize, text: &'static str) -> LayerSpec {
    let moving = if matches!(kind, LayerKind::BatchNorm) {
        2 * units
    } else {
        0
    };
    LayerSpec {
        name,
        kind,
        text,
        ..dense(name, units, units, true).with_counts(units, 2 * units, moving)
    }
}

const fn relu(name: &'static str, units: usize) -> LayerSpec {
    LayerSpec {
        name,
        kind: LayerKind::Activation,
        activation: ActivationKind::Relu,
        text: "activation relu",
        ..dense(name, units, units, true).with_counts(units, 0, 0)
    }
}

/// `input 3; dense 5; batch_norm (epsilon = 1e-3); activation relu; dense 2`, the network of
/// `tools/pytorch_batchnorm.py`.
#[derive(Debug, Clone, PartialEq)]
struct TorchBn;

impl Describe for TorchBn {
    const INPUTS: usize = 3;
    const LAYERS: &'static [LayerSpec] = &[
        dense("dense1", 3, 5, true),
        norm(
            "batch_norm1",
            LayerKind::BatchNorm,
            5,
            "batch_norm (epsilon = 1e-3)",
        ),
        relu("activation1", 5),
        dense("dense2", 5, 2, true),
    ];
    fn tensors() -> Vec<TensorInfo> {
        tensors_of(Self::LAYERS)
    }
}

/// `input 3; dense 5; batch_norm; activation relu; dense 4 (no bias); layer_norm; dense 2`,
/// the network of `tools/keras_layers.py` (activations aside).
#[derive(Debug, Clone, PartialEq)]
struct KerasLayers;

impl Describe for KerasLayers {
    const INPUTS: usize = 3;
    const LAYERS: &'static [LayerSpec] = &[
        dense("dense1", 3, 5, true),
        norm("batch_norm1", LayerKind::BatchNorm, 5, "batch_norm"),
        relu("activation1", 5),
        dense("dense2", 5, 4, false),
        norm("layer_norm1", LayerKind::LayerNorm, 4, "layer_norm"),
        dense("dense3", 4, 2, true),
    ];
    fn tensors() -> Vec<TensorInfo> {
        tensors_of(Self::LAYERS)
    }
}

/// `input 3; dense 5; dense 2`: the PyTorch fixture's shapes without its batch normalization.
#[derive(Debug, Clone, PartialEq)]
struct DenseOnly;

impl Describe for DenseOnly {
    const INPUTS: usize = 3;
    const LAYERS: &'static [LayerSpec] =
        &[dense("dense1", 3, 5, true), dense("dense2", 5, 2, true)];
    fn tensors() -> Vec<TensorInfo> {
        tensors_of(Self::LAYERS)
    }
}

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A network whose values count up, tensor after tensor.
fn counting<D: Describe>() -> Net<D> {
    let mut net = Net::<D>::zeroed();
    let mut next = 0.0;
    for tensor in &mut net.0 {
        for v in tensor {
            *v = next;
            next += 0.25;
        }
    }
    net
}

#[test]
fn the_test_networks_have_the_layer_types_tensors() {
    assert_eq!(Net::<KerasLayers>::TENSORS, KerasLayers::tensors().len());
    assert_eq!(Net::<KerasLayers>::TENSORS, 11);
    // The resolver's own table of tensors per kind agrees with the layer types'.
    let specs = tensor_specs::<Net<KerasLayers>>().unwrap();
    let mut table = Vec::new();
    for l in KerasLayers::LAYERS {
        let bias = l.trainable > l.units * l.inputs;
        table.extend(TensorSpec::of_layer(
            l.kind, l.name, l.inputs, l.units, bias,
        ));
    }
    assert_eq!(specs, table);
}

#[test]
fn saves_every_kind_of_tensor_and_loads_it_back() {
    let net = counting::<KerasLayers>();
    let bytes = to_safetensors(&net);
    let file = SafeTensors::parse(&bytes, DEFAULT_MAX_HEADER).unwrap();
    let names: Vec<(&str, &[usize])> = file
        .tensors()
        .iter()
        .map(|t| (t.name.as_str(), t.shape.as_slice()))
        .collect();
    for expected in [
        ("dense1.weight", &[5, 3][..]),
        ("batch_norm1.moving_variance", &[5]),
        ("dense2.weight", &[4, 5]),
        ("layer_norm1.beta", &[4]),
        ("dense3.bias", &[2]),
    ] {
        assert!(names.contains(&expected), "{expected:?} in {names:?}");
    }
    assert!(!names.iter().any(|(n, _)| *n == "dense2.bias"));
    assert_eq!(names.len(), 11);
    // dense1.weight [5, 3] row-major: W(0, 1) is column-major index 5.
    assert_eq!(
        file.tensor("dense1.weight").unwrap().to_f32()[1],
        net.tensor(0)[5]
    );
    assert_eq!(
        file.metadata("nnet.architecture"),
        Some(
            "input 3; dense 5 linear; batch_norm; activation relu; dense 4 linear; layer_norm; dense 2 linear"
        )
    );
    let back: Net<KerasLayers> = from_safetensors(&bytes).unwrap();
    assert_eq!(back, net);

    // Into another architecture: named tensors, and the layers the network has.
    let text = from_safetensors::<Net<DenseOnly>>(&bytes)
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("the file has no tensor `dense2.bias`: expected F32 [2], the bias of dense2"),
        "{text}"
    );
    let torch = to_safetensors(&counting::<TorchBn>());
    let text = from_safetensors::<Net<KerasLayers>>(&torch)
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("no tensor `layer_norm1.gamma`: expected F32 [4], the gamma of layer_norm1"),
        "{text}"
    );
    let text = from_safetensors::<Net<DenseOnly>>(&torch)
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("unexpected tensor `batch_norm1.gamma`: the network has 2 dense layers, whose tensors are dense1.weight, dense1.bias, dense2.weight, dense2.bias"),
        "{text}"
    );
}

/// Reads `tools/`'s CSV files: inputs `x*`, then outputs `y*`.
fn csv_rows(text: &str, inputs: usize) -> Vec<(Vec<f64>, Vec<f64>)> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let values: Vec<f64> = line.split(',').map(|v| v.trim().parse().unwrap()).collect();
            (values[..inputs].to_vec(), values[inputs..].to_vec())
        })
        .collect()
}

/// `W x + b` of a column-major `units × inputs` weight.
fn affine(w: &[f32], b: Option<&[f32]>, x: &[f64]) -> Vec<f64> {
    let units = w.len() / x.len();
    (0..units)
        .map(|r| {
            let sum: f64 = x
                .iter()
                .enumerate()
                .map(|(c, v)| f64::from(w[c * units + r]) * v)
                .sum();
            sum + b.map_or(0.0, |b| f64::from(b[r]))
        })
        .collect()
}

/// The PyTorch export with `nn.BatchNorm1d` and its I64 `num_batches_tracked`: imported, the
/// network computes what PyTorch computed in eval mode.
#[test]
fn imports_the_pytorch_batch_norm_fixture() {
    let bytes = fixture("pytorch_batchnorm.safetensors");
    let net: Net<TorchBn> = import_pytorch(&bytes).unwrap();
    let (gamma, beta, mean, var) = (net.tensor(2), net.tensor(3), net.tensor(4), net.tensor(5));
    let file = SafeTensors::parse(&bytes, DEFAULT_MAX_HEADER).unwrap();
    assert_eq!(file.tensor("1.running_var").unwrap().to_f32(), var);
    let csv = String::from_utf8(fixture("pytorch_batchnorm.csv")).unwrap();
    let rows = csv_rows(&csv, 3);
    assert_eq!(rows.len(), 16);
    for (x, expected) in rows {
        let h = affine(net.tensor(0), Some(net.tensor(1)), &x);
        let h: Vec<f64> = (0..5)
            .map(|j| {
                let norm = (h[j] - f64::from(mean[j])) / (f64::from(var[j]) + 1e-3).sqrt();
                (f64::from(gamma[j]) * norm + f64::from(beta[j])).max(0.0)
            })
            .collect();
        let y = affine(net.tensor(6), Some(net.tensor(7)), &h);
        for (a, b) in y.iter().zip(&expected) {
            assert!((a - b).abs() < 1e-5, "{y:?} against {expected:?}");
        }
    }

    // Into a network without the batch normalization: named module and layer.
    let text = import_pytorch::<Net<DenseOnly>>(&bytes)
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("module `1` is an `nn.BatchNorm1d`")
            && text.contains("`dense2`, a dense layer"),
        "{text}"
    );
}

/// The Keras export with `BatchNormalization`, a bias-less `Dense` and `LayerNormalization`,
/// named by Keras paths, gives the weights the same script saved under nnet's names.
#[test]
fn imports_the_keras_layers_fixture() {
    let net: Net<KerasLayers> =
        import_keras(&fixture("keras_layers_keras_names.safetensors")).unwrap();
    let reference = fixture("keras_layers.safetensors");
    let reference = SafeTensors::parse(&reference, DEFAULT_MAX_HEADER).unwrap();
    for (i, info) in KerasLayers::tensors().iter().enumerate() {
        let theirs = reference.tensor(&info.name()).unwrap().to_f32();
        // nnet's file layout is row-major [rows, cols]; memory is column-major.
        let ours: Vec<f32> = (0..info.rows)
            .flat_map(|r| (0..info.cols).map(move |c| c * info.rows + r))
            .map(|at| net.tensor(i)[at])
            .collect();
        assert_eq!(ours, theirs, "{}", info.name());
    }
    // A saved copy loads back, and the Keras file is no PyTorch file.
    assert_eq!(
        from_safetensors::<Net<KerasLayers>>(&to_safetensors(&net)).unwrap(),
        net
    );
    let text = import_pytorch::<Net<KerasLayers>>(&fixture("keras_layers_keras_names.safetensors"))
        .unwrap_err()
        .to_string();
    assert!(text.contains("not a parameter of a PyTorch"), "{text}");
}

/// `load` of `path`, or a failure if it does not return within 10 seconds (a hang).
fn load_within_time(path: PathBuf) -> Result<Net<DenseOnly>> {
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(load::<Net<DenseOnly>>(&path));
    });
    receive
        .recv_timeout(std::time::Duration::from_secs(10))
        .unwrap_or_else(|_| panic!("io::load did not return within 10 s: it hangs"))
}

#[test]
#[cfg(unix)]
fn load_refuses_dev_zero_at_once() {
    let error = load_within_time(PathBuf::from("/dev/zero")).unwrap_err();
    assert!(
        matches!(&error, Error::Io(text) if text.contains("cannot read `/dev/zero`: not a regular file but a character device")),
        "{error}"
    );
}

#[test]
#[cfg(unix)]
fn load_refuses_a_fifo_without_blocking() {
    let path = std::env::temp_dir().join(format!("nnet-io-tests-fifo-{}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let made = std::process::Command::new("mkfifo").arg(&path).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("mkfifo is not available: skipped");
        return;
    }
    let result = load_within_time(path.clone());
    let _ = std::fs::remove_file(&path);
    let error = result.unwrap_err();
    assert!(
        matches!(&error, Error::Io(text) if text.contains("not a regular file but a FIFO")),
        "{error}"
    );
}

#[test]
fn load_reports_trailing_bytes_as_from_safetensors_does() {
    let mut bytes = to_safetensors(&counting::<DenseOnly>());
    bytes.extend_from_slice(&[0; 3]);
    let path = std::env::temp_dir().join(format!("nnet-io-tests-trailing-{}", std::process::id()));
    std::fs::write(&path, &bytes).unwrap();
    let loaded = load::<Net<DenseOnly>>(&path);
    let _ = std::fs::remove_file(&path);
    let Err(Error::Weights(text)) = loaded else {
        panic!("expected a weights error, got {loaded:?}");
    };
    let Err(Error::Weights(whole)) = from_safetensors::<Net<DenseOnly>>(&bytes) else {
        panic!("expected a weights error");
    };
    assert_eq!(text, format!("`{}`: {whole}", path.display()));
    assert!(text.contains("3 trailing bytes"), "{text}");
}

#[test]
fn a_huge_recorded_architecture_or_version_is_quoted_cut() {
    let net = counting::<DenseOnly>();
    let file = to_safetensors(&net);
    let parsed = SafeTensors::parse(&file, DEFAULT_MAX_HEADER).unwrap();
    let tensors: Vec<TensorData> = parsed
        .tensors()
        .iter()
        .map(|t| TensorData {
            name: &t.name,
            dtype: t.dtype,
            shape: t.shape.clone(),
            data: t.data.into(),
        })
        .collect();
    let long = "z".repeat(1_000_000);
    for metadata in [
        [("nnet.version", "1"), ("nnet.architecture", long.as_str())],
        [("nnet.version", long.as_str()), ("nnet.note", "")],
    ] {
        let bytes = nnet_safetensors::write(&metadata, &tensors);
        let text = from_safetensors::<Net<DenseOnly>>(&bytes)
            .unwrap_err()
            .to_string();
        assert!(text.len() < 2000, "a message of {} bytes", text.len());
        assert!(text.contains("… (1000000 bytes)"), "{text}");
    }
}
