//! Matching files to networks with normalization layers and dense layers without bias, under
//! nnet's, PyTorch's and Keras's names, and the committed PyTorch and Keras fixtures.

use std::path::PathBuf;

use proptest::prelude::*;

use crate::{
    DEFAULT_MAX_HEADER, Dtype, LayerKind, Naming, ResolveOptions, SafeTensors, Source, TensorData,
    TensorSpec, resolve, write,
};

use LayerKind::{BatchNorm, Dense, LayerNorm};

/// `input 3; dense 5; batch_norm; activation relu; dense 2`, the network of
/// `tools/pytorch_batchnorm.py`.
fn torch_bn_net() -> Vec<TensorSpec<'static>> {
    let mut net = TensorSpec::of_layer(Dense, "dense1", 3, 5, true);
    net.extend(TensorSpec::of_layer(BatchNorm, "batch_norm1", 5, 5, true));
    net.extend(TensorSpec::of_layer(Dense, "dense2", 5, 2, true));
    net
}

/// `input 3; dense 5; batch_norm; activation relu; dense 4 tanh (use_bias = false);
/// layer_norm; dense 2 sigmoid`, the network of `tools/keras_layers.py`.
fn keras_net() -> Vec<TensorSpec<'static>> {
    let mut net = TensorSpec::of_layer(Dense, "dense1", 3, 5, true);
    net.extend(TensorSpec::of_layer(BatchNorm, "batch_norm1", 5, 5, true));
    net.extend(TensorSpec::of_layer(Dense, "dense2", 5, 4, false));
    net.extend(TensorSpec::of_layer(LayerNorm, "layer_norm1", 4, 4, true));
    net.extend(TensorSpec::of_layer(Dense, "dense3", 4, 2, true));
    net
}

/// A tensor of `shape` whose values count up from `start`.
pub(crate) fn counting(
    name: &str,
    shape: &[usize],
    start: f32,
) -> (String, Dtype, Vec<usize>, Vec<u8>) {
    let n: usize = shape.iter().product();
    let data = (0..n)
        .flat_map(|i| (start + i as f32).to_le_bytes())
        .collect();
    (name.to_owned(), Dtype::F32, shape.to_vec(), data)
}

pub(crate) fn file_of(tensors: &[(String, Dtype, Vec<usize>, Vec<u8>)]) -> Vec<u8> {
    let data: Vec<TensorData> = tensors
        .iter()
        .map(|(name, dtype, shape, data)| TensorData {
            name,
            dtype: *dtype,
            shape: shape.clone(),
            data: data.as_slice().into(),
        })
        .collect();
    write(&[], &data)
}

pub(crate) fn parse(bytes: &[u8]) -> SafeTensors<'_> {
    SafeTensors::parse(bytes, DEFAULT_MAX_HEADER).unwrap()
}

/// The names of the file's tensors that `net`'s tensors come from, in `net`'s order.
pub(crate) fn names(bytes: &[u8], net: &[TensorSpec<'_>], naming: Naming) -> Vec<String> {
    let file = parse(bytes);
    let sources = resolve::<f32>(&file, net, naming, ResolveOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sources.len(), net.len());
    sources.iter().map(|s| s.tensor.name.clone()).collect()
}

pub(crate) fn error(bytes: &[u8], net: &[TensorSpec<'_>], naming: Naming) -> String {
    let file = parse(bytes);
    match resolve::<f32>(&file, net, naming, ResolveOptions::default()) {
        Ok(_) => panic!("accepted"),
        Err(error) => error.to_string(),
    }
}

/// The state dict of `Linear(3, 5), BatchNorm1d(5), ReLU, Linear(5, 2)`.
fn torch_bn_file() -> Vec<(String, Dtype, Vec<usize>, Vec<u8>)> {
    vec![
        counting("0.weight", &[5, 3], 0.0),
        counting("0.bias", &[5], 100.0),
        counting("1.weight", &[5], 200.0),
        counting("1.bias", &[5], 300.0),
        counting("1.running_mean", &[5], 400.0),
        counting("1.running_var", &[5], 500.0),
        (
            "1.num_batches_tracked".to_owned(),
            Dtype::I64,
            vec![],
            20_i64.to_le_bytes().to_vec(),
        ),
        counting("3.weight", &[2, 5], 600.0),
        counting("3.bias", &[2], 700.0),
    ]
}

#[test]
fn pytorch_batch_norm_skips_num_batches_tracked() {
    let bytes = file_of(&torch_bn_file());
    assert_eq!(
        names(&bytes, &torch_bn_net(), Naming::PyTorch),
        [
            "0.weight",
            "0.bias",
            "1.weight",
            "1.bias",
            "1.running_mean",
            "1.running_var",
            "3.weight",
            "3.bias"
        ]
    );
    let file = parse(&bytes);
    let sources = resolve::<f32>(
        &file,
        &torch_bn_net(),
        Naming::PyTorch,
        ResolveOptions::default(),
    )
    .unwrap();
    let mut variance = [0.0; 5];
    sources[5].write_column_major(&mut variance);
    assert_eq!(variance, [500.0, 501.0, 502.0, 503.0, 504.0]);

    // Whatever its dtype, shape or value: a NaN F32 vector is skipped as well.
    let mut odd = torch_bn_file();
    odd[6] = (
        "1.num_batches_tracked".to_owned(),
        Dtype::F32,
        vec![1],
        f32::NAN.to_le_bytes().to_vec(),
    );
    assert_eq!(
        names(&file_of(&odd), &torch_bn_net(), Naming::PyTorch).len(),
        8
    );
    // Without it too.
    let mut without = torch_bn_file();
    without.remove(6);
    assert_eq!(
        names(&file_of(&without), &torch_bn_net(), Naming::PyTorch).len(),
        8
    );
}

#[test]
fn pytorch_batch_norm_errors() {
    let net = torch_bn_net();
    // A running statistic of another length: named, with its meaning.
    let mut short = torch_bn_file();
    short[5] = counting("1.running_var", &[4], 0.0);
    let text = error(&file_of(&short), &net, Naming::PyTorch);
    assert!(
        text.contains(
            "`1.running_var` has shape [4], expected [5], the moving_variance of batch_norm1 (5 units)"
        ),
        "{text}"
    );
    // A missing one.
    let mut missing = torch_bn_file();
    missing.remove(4);
    let text = error(&file_of(&missing), &net, Naming::PyTorch);
    assert!(
        text.contains(
            "no tensor `1.running_mean`: expected F32 [5], the moving_mean of batch_norm1"
        ),
        "{text}"
    );
    // num_batches_tracked is skipped only in a batch normalization module.
    let mut stray = torch_bn_file();
    stray.push((
        "3.num_batches_tracked".to_owned(),
        Dtype::I64,
        vec![],
        vec![0; 8],
    ));
    let text = error(&file_of(&stray), &net, Naming::PyTorch);
    assert!(text.contains("unexpected tensor `3.num_batches_tracked`: module `3` is an `nn.BatchNorm1d` (it has `num_batches_tracked`), but it maps to the network's 3rd layer with tensors, `dense2`, a dense layer"), "{text}");

    // The file into a network of dense layers only: module 1 is not a dense layer.
    let dense_only: Vec<TensorSpec> = [
        TensorSpec::of_layer(Dense, "dense1", 3, 5, true),
        TensorSpec::of_layer(Dense, "dense2", 5, 2, true),
    ]
    .concat();
    let text = error(&file_of(&torch_bn_file()), &dense_only, Naming::PyTorch);
    assert!(
        text.contains("unexpected tensor `1.running_mean`: module `1` is an `nn.BatchNorm1d` (it has `running_mean`), but it maps to the network's 2nd layer with tensors, `dense2`, a dense layer, which nnet imports from an `nn.Linear`"),
        "{text}"
    );
    // And a network with a batch normalization the file lacks.
    let plain = file_of(&[
        counting("0.weight", &[5, 3], 0.0),
        counting("0.bias", &[5], 0.0),
        counting("2.weight", &[2, 5], 0.0),
        counting("2.bias", &[2], 0.0),
    ]);
    let text = error(&plain, &net, Naming::PyTorch);
    assert!(
        text.contains("`2.weight`: module `2` is an `nn.Linear` (its weight is a matrix), but it maps to the network's 2nd layer with tensors, `batch_norm1`, a batch_norm layer, which nnet imports from an `nn.BatchNorm1d`"),
        "{text}"
    );
    // A Keras file is no PyTorch file.
    let keras = file_of(&[counting("batch_normalization/gamma", &[5], 0.0)]);
    let text = error(&keras, &net, Naming::PyTorch);
    assert!(
        text.contains("unexpected tensor `batch_normalization/gamma`: not a parameter of a PyTorch `nn.Linear` or `nn.BatchNorm1d`: expected names such as `<module>.weight`, `<module>.bias`, `<module>.running_mean`, `<module>.running_var` or `<module>.num_batches_tracked`"),
        "{text}"
    );
}

#[test]
fn pytorch_layer_norm() {
    let mut net = TensorSpec::of_layer(Dense, "dense1", 3, 4, true);
    net.extend(TensorSpec::of_layer(LayerNorm, "layer_norm1", 4, 4, true));
    // `model.body.0`, `model.body.1`: any prefix.
    let bytes = file_of(&[
        counting("model.body.0.weight", &[4, 3], 0.0),
        counting("model.body.0.bias", &[4], 0.0),
        counting("model.body.1.weight", &[4], 0.0),
        counting("model.body.1.bias", &[4], 0.0),
    ]);
    assert_eq!(
        names(&bytes, &net, Naming::PyTorch)[2..],
        ["model.body.1.weight", "model.body.1.bias"]
    );
    // A LayerNorm where the network has a dense layer.
    let swapped: Vec<TensorSpec> = [
        TensorSpec::of_layer(Dense, "dense1", 3, 4, true),
        TensorSpec::of_layer(Dense, "dense2", 4, 4, true),
    ]
    .concat();
    let text = error(&bytes, &swapped, Naming::PyTorch);
    assert!(
        text.contains("unexpected tensor `model.body.1.weight`: module `model.body.1` is an `nn.LayerNorm` or an `nn.BatchNorm1d` (its weight is a vector), but it maps to the network's 2nd layer with tensors, `dense2`"),
        "{text}"
    );
    // A LayerNorm where the network has a batch normalization: its statistics are missing.
    let bn: Vec<TensorSpec> = [
        TensorSpec::of_layer(Dense, "dense1", 3, 4, true),
        TensorSpec::of_layer(BatchNorm, "batch_norm1", 4, 4, true),
    ]
    .concat();
    let text = error(&bytes, &bn, Naming::PyTorch);
    assert!(
        text.contains("no tensor `model.body.1.running_mean`: expected F32 [4], the moving_mean of batch_norm1"),
        "{text}"
    );
}

#[test]
fn linear_without_bias() {
    let no_bias: Vec<TensorSpec> = [
        TensorSpec::of_layer(Dense, "dense1", 3, 2, false),
        TensorSpec::of_layer(Dense, "dense2", 2, 1, true),
    ]
    .concat();
    assert_eq!(no_bias.len(), 3);
    let without = file_of(&[
        counting("0.weight", &[2, 3], 0.0),
        counting("2.weight", &[1, 2], 0.0),
        counting("2.bias", &[1], 0.0),
    ]);
    assert_eq!(
        names(&without, &no_bias, Naming::PyTorch),
        ["0.weight", "2.weight", "2.bias"]
    );
    let with = file_of(&[
        counting("0.weight", &[2, 3], 0.0),
        counting("0.bias", &[2], 0.0),
        counting("2.weight", &[1, 2], 0.0),
        counting("2.bias", &[1], 0.0),
    ]);
    let text = error(&with, &no_bias, Naming::PyTorch);
    assert!(
        text.contains("unexpected tensor `0.bias`: module `0` maps to the network's 1st layer with tensors, `dense1`, which as an `nn.Linear` has only `weight`: it has no bias (`use_bias = false`)"),
        "{text}"
    );
    let biased: Vec<TensorSpec> = [
        TensorSpec::of_layer(Dense, "dense1", 3, 2, true),
        TensorSpec::of_layer(Dense, "dense2", 2, 1, true),
    ]
    .concat();
    let text = error(&without, &biased, Naming::PyTorch);
    assert!(
        text.contains("no tensor `0.bias`: expected F32 [2], the bias of dense1 (a layer without bias maps to a dense layer declared with `use_bias = false`"),
        "{text}"
    );
    // nnet's own files: the bias-less layer has no bias tensor.
    let nnet = file_of(&[
        counting("dense1.weight", &[2, 3], 0.0),
        counting("dense2.weight", &[1, 2], 0.0),
        counting("dense2.bias", &[1], 0.0),
    ]);
    assert_eq!(names(&nnet, &no_bias, Naming::Nnet).len(), 3);
    let text = error(&nnet, &biased, Naming::Nnet);
    assert!(
        text.contains("no tensor `dense1.bias`: expected F32 [2], the bias of dense1"),
        "{text}"
    );
    // Keras: `use_bias=False` leaves out the variable.
    let keras = file_of(&[
        counting("dense/kernel", &[3, 2], 0.0),
        counting("dense_1/kernel", &[2, 1], 0.0),
        counting("dense_1/bias", &[1], 0.0),
    ]);
    assert_eq!(
        names(&keras, &no_bias, Naming::Keras),
        ["dense/kernel", "dense_1/kernel", "dense_1/bias"]
    );
}

/// The initial weights of `tools/keras_layers.py` under Keras's names, values counting up.
fn keras_file(prefix: &str) -> Vec<(String, Dtype, Vec<usize>, Vec<u8>)> {
    let p = |name: &str| format!("{prefix}{name}");
    vec![
        counting(&p("batch_normalization/beta"), &[5], 0.0),
        counting(&p("batch_normalization/gamma"), &[5], 10.0),
        counting(&p("batch_normalization/moving_mean"), &[5], 20.0),
        counting(&p("batch_normalization/moving_variance"), &[5], 30.0),
        counting(&p("dense/bias"), &[5], 40.0),
        counting(&p("dense/kernel"), &[3, 5], 50.0),
        counting(&p("dense_1/kernel"), &[5, 4], 70.0),
        counting(&p("dense_2/bias"), &[2], 90.0),
        counting(&p("dense_2/kernel"), &[4, 2], 100.0),
        counting(&p("layer_normalization/beta"), &[4], 110.0),
        counting(&p("layer_normalization/gamma"), &[4], 120.0),
    ]
}

const KERAS_ORDER: [&str; 11] = [
    "sequential/dense/kernel",
    "sequential/dense/bias",
    "sequential/batch_normalization/gamma",
    "sequential/batch_normalization/beta",
    "sequential/batch_normalization/moving_mean",
    "sequential/batch_normalization/moving_variance",
    "sequential/dense_1/kernel",
    "sequential/layer_normalization/gamma",
    "sequential/layer_normalization/beta",
    "sequential/dense_2/kernel",
    "sequential/dense_2/bias",
];

#[test]
fn keras_numbers_layers_per_class() {
    let bytes = file_of(&keras_file("sequential/"));
    assert_eq!(names(&bytes, &keras_net(), Naming::Keras), KERAS_ORDER);
    let file = parse(&bytes);
    let sources = resolve::<f32>(
        &file,
        &keras_net(),
        Naming::Keras,
        ResolveOptions::default(),
    )
    .unwrap();
    // The kernel [3, 5] row-major is dense1's weight [5, 3] column-major: as it is.
    assert!(!sources[0].row_major);
    let mut weight = [0.0; 15];
    sources[0].write_column_major(&mut weight);
    assert_eq!(weight[..3], [50.0, 51.0, 52.0]);

    // Without a prefix, and `dense_10` after `dense_2`.
    let mut net = keras_net();
    net.extend(TensorSpec::of_layer(Dense, "dense4", 2, 1, true));
    let mut tensors = keras_file("");
    tensors.push(counting("dense_10/kernel", &[2, 1], 0.0));
    tensors.push(counting("dense_10/bias", &[1], 0.0));
    let found = names(&file_of(&tensors), &net, Naming::Keras);
    assert_eq!(
        found[found.len() - 2..],
        ["dense_10/kernel", "dense_10/bias"]
    );

    // `layers.{i}.{variable}`, numbered across kinds, and custom names told by their
    // variables.
    let numbered = file_of(&[
        counting("layers.0.kernel", &[3, 5], 0.0),
        counting("layers.0.bias", &[5], 0.0),
        counting("layers.1.gamma", &[5], 0.0),
        counting("layers.1.beta", &[5], 0.0),
        counting("layers.1.moving_mean", &[5], 0.0),
        counting("layers.1.moving_variance", &[5], 0.0),
        counting("layers.3.kernel", &[5, 4], 0.0),
        counting("layers.4.gamma", &[4], 0.0),
        counting("layers.4.beta", &[4], 0.0),
        counting("layers.5.kernel", &[4, 2], 0.0),
        counting("layers.5.bias", &[2], 0.0),
    ]);
    let found = names(&numbered, &keras_net(), Naming::Keras);
    assert_eq!(found[2], "layers.1.gamma");
    assert_eq!(found[7], "layers.4.gamma");
    assert_eq!(found[9], "layers.5.kernel");
}

#[test]
fn keras_mismatches() {
    let net = keras_net();
    // A Keras file into a network without normalization layers.
    let dense_only: Vec<TensorSpec> = [
        TensorSpec::of_layer(Dense, "dense1", 3, 5, true),
        TensorSpec::of_layer(Dense, "dense2", 5, 4, false),
        TensorSpec::of_layer(Dense, "dense3", 4, 2, true),
    ]
    .concat();
    let text = error(&file_of(&keras_file("")), &dense_only, Naming::Keras);
    assert!(
        text.contains("unexpected tensor `batch_normalization/beta`: layer `batch_normalization` is a Keras `BatchNormalization` layer, but the network has no batch_norm layer"),
        "{text}"
    );
    // A network with one more batch normalization than the file.
    let mut more = net.clone();
    more.extend(TensorSpec::of_layer(BatchNorm, "batch_norm2", 2, 2, true));
    let text = error(&file_of(&keras_file("")), &more, Naming::Keras);
    assert!(
        text.contains("the file has no layer for the network's layer `batch_norm2`: expected one with `gamma` F32 [2], the gamma of batch_norm2 (the file has 1 Keras `BatchNormalization` layer, the network 2 batch_norm layers)"),
        "{text}"
    );
    // Two layers of a kind whose order is unknown.
    let mut ambiguous = keras_file("");
    ambiguous.retain(|(name, ..)| !name.starts_with("layer_normalization"));
    ambiguous.push(counting("norm_a/gamma", &[4], 0.0));
    ambiguous.push(counting("norm_a/beta", &[4], 0.0));
    ambiguous.push(counting("norm_b/gamma", &[4], 0.0));
    ambiguous.push(counting("norm_b/beta", &[4], 0.0));
    let text = error(&file_of(&ambiguous), &net, Naming::Keras);
    assert!(
        text.contains("its layer `norm_b` and the `LayerNormalization` layer `norm_a` end in the same number (0), so their order is unknown"),
        "{text}"
    );
    // A variable of another kind in a layer named by Keras.
    let mut stray = keras_file("");
    stray.push(counting("dense/gamma", &[5], 0.0));
    let text = error(&file_of(&stray), &net, Naming::Keras);
    assert!(
        text.contains("unexpected tensor `dense/gamma`: layer `dense` maps to the network's 1st dense layer, `dense1`, which as a Keras `Dense` layer has only `kernel`, `bias`"),
        "{text}"
    );
    // A kernel of the wrong shape names the Keras layout.
    let mut wide = keras_file("");
    wide[6] = counting("dense_1/kernel", &[4, 5], 0.0);
    let text = error(&file_of(&wide), &net, Naming::Keras);
    assert!(
        text.contains("`dense_1/kernel` has shape [4, 5], expected [5, 4], [inputs, units] for dense2 (5 inputs, 4 units)"),
        "{text}"
    );
    // A PyTorch file is no Keras file.
    let text = error(&file_of(&torch_bn_file()), &net, Naming::Keras);
    assert!(
        text.contains("not a parameter of a Keras `Dense`, `BatchNormalization` or `LayerNormalization` layer: expected names such as `<layer>/kernel`, `<layer>/bias`, `<layer>/gamma`, `<layer>/beta`, `<layer>/moving_mean` or `<layer>/moving_variance`"),
        "{text}"
    );
}

#[test]
fn nnet_names_of_every_kind() {
    let net = keras_net();
    let tensors: Vec<_> = net
        .iter()
        .map(|spec| counting(&spec.name(), &spec.shape(), 0.0))
        .collect();
    let bytes = file_of(&tensors);
    let expected: Vec<String> = net.iter().map(TensorSpec::name).collect();
    assert_eq!(names(&bytes, &net, Naming::Nnet), expected);

    let mut extra = tensors.clone();
    extra.push(counting("dense2.bias", &[4], 0.0));
    let text = error(&file_of(&extra), &net, Naming::Nnet);
    assert!(
        text.contains("unexpected tensor `dense2.bias`: the network has 3 dense layers, 1 batch_norm layer and 1 layer_norm layer, whose tensors are dense1.weight, dense1.bias, batch_norm1.gamma"),
        "{text}"
    );
    let mut missing = tensors;
    missing.retain(|(name, ..)| name != "batch_norm1.moving_variance");
    let text = error(&file_of(&missing), &net, Naming::Nnet);
    assert!(
        text.contains("no tensor `batch_norm1.moving_variance`: expected F32 [5], the moving_variance of batch_norm1"),
        "{text}"
    );
}

/// The fixture `name` of the repository's `tests/fixtures`.
fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub(crate) fn values(source: &Source<'_, '_, f32>) -> Vec<f32> {
    let mut values = vec![0.0; source.rows * source.cols];
    source.write_column_major(&mut values);
    values
}

/// `tools/pytorch_batchnorm.py`'s export, with its I64 `num_batches_tracked`.
#[test]
fn pytorch_batchnorm_fixture() {
    let bytes = fixture("pytorch_batchnorm.safetensors");
    let file = parse(&bytes);
    assert_eq!(
        file.tensor("1.num_batches_tracked").map(|t| t.dtype),
        Some(Dtype::I64)
    );
    assert_eq!(
        names(&bytes, &torch_bn_net(), Naming::PyTorch),
        [
            "0.weight",
            "0.bias",
            "1.weight",
            "1.bias",
            "1.running_mean",
            "1.running_var",
            "3.weight",
            "3.bias"
        ]
    );
}

/// `tools/keras_layers.py`'s weights under Keras's names are the ones it saved under nnet's.
#[test]
fn keras_layers_fixture() {
    let bytes = fixture("keras_layers_keras_names.safetensors");
    assert_eq!(names(&bytes, &keras_net(), Naming::Keras), KERAS_ORDER);
    let file = parse(&bytes);
    let sources = resolve::<f32>(
        &file,
        &keras_net(),
        Naming::Keras,
        ResolveOptions::default(),
    )
    .unwrap();
    let reference = fixture("keras_layers.safetensors");
    let reference = parse(&reference);
    for (spec, source) in keras_net().iter().zip(&sources) {
        let theirs = reference.tensor(&spec.name()).unwrap();
        let as_nnet = Source::copy(theirs, spec.rows, spec.cols, true);
        assert_eq!(values(source), values(&as_nnet), "{}", spec.name());
    }
}

/// `input sequence 2; lstm 1; gru 1; simple_rnn 2; dense 1`: tiny, so that random shapes
/// fit now and then.
fn recurrent_net() -> Vec<TensorSpec<'static>> {
    let mut net = TensorSpec::of_layer(LayerKind::Lstm, "lstm1", 2, 1, true);
    net.extend(TensorSpec::of_layer(LayerKind::Gru, "gru1", 1, 1, true));
    net.extend(TensorSpec::of_layer(
        LayerKind::SimpleRnn,
        "simple_rnn1",
        1,
        2,
        true,
    ));
    net.extend(TensorSpec::of_layer(Dense, "dense1", 2, 1, true));
    net
}

/// Names made of the pieces real files use, so that random files reach every check.
fn plausible_name() -> impl Strategy<Value = String> {
    let prefixes = prop::sample::select(vec![
        "",
        "layers.",
        "net.",
        "sequential/dense",
        "dense_",
        "batch_normalization_",
        "layer_normalization",
        "x",
        "lstm_",
        "sequential/gru_",
        "layers.1.cell.",
        "rnn/lstm_cell/",
    ]);
    let params = prop::sample::select(vec![
        "weight",
        "bias",
        "kernel",
        "gamma",
        "beta",
        "moving_mean",
        "moving_variance",
        "running_mean",
        "running_var",
        "num_batches_tracked",
        "other",
        "recurrent_kernel",
        "weight_ih_l0",
        "weight_hh_l0",
        "bias_ih_l0",
        "bias_hh_l0",
        "weight_ih_l1",
        "weight_hh_l2_reverse",
        "weight_hr_l0",
    ]);
    (
        prefixes,
        0..5_u8,
        prop::sample::select(vec!['.', '/']),
        params,
    )
        .prop_map(|(prefix, n, sep, param)| format!("{prefix}{n}{sep}{param}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Random files of plausible names and shapes never panic the resolver of a network with
    /// every kind of layer, and what it accepts has the network's shapes.
    #[test]
    fn random_files(tensors in proptest::collection::vec((plausible_name(), proptest::collection::vec(1..6_usize, 0..3)), 0..14)) {
        let mut tensors: Vec<_> = tensors
            .iter()
            .map(|(name, shape)| counting(name, shape, 0.0))
            .collect();
        tensors.sort_by(|a, b| a.0.cmp(&b.0));
        tensors.dedup_by(|a, b| a.0 == b.0);
        let bytes = file_of(&tensors);
        let file = parse(&bytes);
        for naming in [Naming::Nnet, Naming::PyTorch, Naming::Keras] {
            for net in [keras_net(), torch_bn_net(), recurrent_net()] {
                if let Ok(sources) = resolve::<f32>(&file, &net, naming, ResolveOptions::default()) {
                    for (spec, source) in net.iter().zip(&sources) {
                        let n: usize = spec.file_shape(naming).iter().product();
                        prop_assert_eq!(source.tensor.data.len(), 4 * n);
                        prop_assert_eq!((source.rows, source.cols), (spec.rows, spec.cols));
                        let mut values = vec![0.0; spec.rows * spec.cols];
                        source.write_column_major(&mut values);
                    }
                }
            }
        }
    }
}

#[test]
fn the_naming_table_is_written_from_the_declarations() {
    let table = nnet_kinds::NamesTable.to_string();
    let source = include_str!("layers.rs");
    let documented: Vec<&str> = nnet_kinds::documented_table(source, "/// ", &table).collect();
    let message = "the table of names in `Naming`'s docs: paste `nnet_kinds::NamesTable` there";
    assert_eq!(documented, table.lines().collect::<Vec<_>>(), "{message}");
}
