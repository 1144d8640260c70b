//! The projections of `residual (project)` blocks (`residual{k}.kernel`, `.bias`) under nnet's,
//! Keras's and PyTorch's names: matched by position among the layers of their kind, Keras
//! layers named as shortcuts matched to them, and the files whose order cannot tell a
//! projection from a layer of its block refused with a message saying how to give the order.

use crate::layer_tests::{counting, error, file_of, names, parse};
use crate::{Dtype, LayerKind, Naming, ResolveOptions, TensorSpec, resolve};

use LayerKind::{BatchNorm, Conv2d, Dense};

type FileTensor = (String, Dtype, Vec<usize>, Vec<u8>);

/// `input 6; dense 8 relu; residual { dense 8 relu; dense 8; } residual (project) { dense 12
/// relu; dense 12; } dense 3;`: the projection `residual2` after `dense5`.
fn mlp() -> Vec<TensorSpec<'static>> {
    let mut net = TensorSpec::of_layer(Dense, "dense1", 6, 8, true);
    net.extend(TensorSpec::of_layer(Dense, "dense2", 8, 8, true));
    net.extend(TensorSpec::of_layer(Dense, "dense3", 8, 8, true));
    net.extend(TensorSpec::of_layer(Dense, "dense4", 8, 12, true));
    net.extend(TensorSpec::of_layer(Dense, "dense5", 12, 12, true));
    net.extend(TensorSpec::of_projection(Dense, "residual2", 8, 12));
    net.extend(TensorSpec::of_layer(Dense, "dense6", 12, 3, true));
    net
}

/// A Keras `Dense` layer `name` from `inputs` to `units`, values counting from `start`.
fn keras_dense(name: &str, inputs: usize, units: usize, start: f32) -> Vec<FileTensor> {
    vec![
        counting(&format!("{name}/kernel"), &[inputs, units], start),
        counting(&format!("{name}/bias"), &[units], start + 1000.0),
    ]
}

/// A PyTorch `nn.Linear` module `name` from `inputs` to `units`.
fn linear(name: &str, inputs: usize, units: usize, start: f32) -> Vec<FileTensor> {
    vec![
        counting(&format!("{name}.weight"), &[units, inputs], start),
        counting(&format!("{name}.bias"), &[units], start + 1000.0),
    ]
}

fn order(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

/// The file's tensor names the network's tensors take, with a PyTorch module order.
fn pytorch_names(bytes: &[u8], net: &[TensorSpec<'_>], modules: &[String]) -> Vec<String> {
    let file = parse(bytes);
    let options = ResolveOptions {
        module_order: modules,
        ..ResolveOptions::default()
    };
    let sources =
        resolve::<f32>(&file, net, Naming::PyTorch, options).unwrap_or_else(|e| panic!("{e}"));
    sources.iter().map(|s| s.tensor.name.clone()).collect()
}

#[test]
fn a_projection_is_a_kernel_and_a_bias_under_nnets_names() {
    let net = mlp();
    let tensors: Vec<FileTensor> = net
        .iter()
        .enumerate()
        .map(|(i, spec)| counting(&spec.name(), &spec.shape(), i as f32))
        .collect();
    let bytes = file_of(&tensors);
    let found = names(&bytes, &net, Naming::Nnet);
    assert_eq!(found[10..12], ["residual2.kernel", "residual2.bias"]);
}

#[test]
fn keras_shortcut_created_after_its_block_is_the_projection() {
    // Keras numbers layers in creation order: the shortcut `dense_5`, created after the
    // block's `dense_3` and `dense_4`, is the 6th Dense layer, as `residual2` is the network's
    // 6th dense layer. Its kernel [8, 12] has the shape of `dense_3`'s, two layers before it.
    let mut tensors = Vec::new();
    for (i, (inputs, units)) in [(6, 8), (8, 8), (8, 8), (8, 12), (12, 12), (8, 12), (12, 3)]
        .into_iter()
        .enumerate()
    {
        let name = if i == 0 {
            "dense".to_owned()
        } else {
            format!("dense_{i}")
        };
        tensors.extend(keras_dense(&name, inputs, units, 100.0 * i as f32));
    }
    let bytes = file_of(&tensors);
    let net = mlp();
    let found = names(&bytes, &net, Naming::Keras);
    assert_eq!(found[10..12], ["dense_5/kernel", "dense_5/bias"]);
    // The kernel is transposed to [units, inputs] as a dense layer's weight.
    let file = parse(&bytes);
    let sources = resolve::<f32>(&file, &net, Naming::Keras, ResolveOptions::default()).unwrap();
    let mut kernel = vec![0.0; 96];
    sources[10].write_column_major(&mut kernel);
    // nnet's [12, 8] column-major: (r, c) at c * 12 + r is Keras's [8, 12] (c, r), 500 + c * 12 + r.
    assert!(
        kernel
            .iter()
            .enumerate()
            .all(|(i, &v)| v == 500.0 + i as f32)
    );

    // Created before its block's layers, the shortcut is `dense_3` and the block's first layer
    // `dense_4`: the network's 5th dense layer (12 -> 12) gets a [8, 12] kernel, refused.
    let mut first = Vec::new();
    for (i, (inputs, units)) in [(6, 8), (8, 8), (8, 8), (8, 12), (8, 12), (12, 12), (12, 3)]
        .into_iter()
        .enumerate()
    {
        let name = if i == 0 {
            "dense".to_owned()
        } else {
            format!("dense_{i}")
        };
        first.extend(keras_dense(&name, inputs, units, 100.0 * i as f32));
    }
    let text = error(&file_of(&first), &net, Naming::Keras);
    assert!(
        text.contains("tensor `dense_4/kernel` has shape [8, 12], expected [12, 12]"),
        "{text}"
    );
    assert!(
        text.ends_with("; in a network of `residual (project)` blocks, create each Keras shortcut layer after its block's layers, or name the shortcut layers `shortcut`, `shortcut_1`, … in the order of the blocks"),
        "{text}"
    );
}

/// `input 4; residual (project) { dense 8; } dense 2;`: the projection's kernel and the
/// block's only layer both [8, 4].
fn one_layer_block() -> Vec<TensorSpec<'static>> {
    let mut net = TensorSpec::of_layer(Dense, "dense1", 4, 8, true);
    net.extend(TensorSpec::of_projection(Dense, "residual1", 4, 8));
    net.extend(TensorSpec::of_layer(Dense, "dense2", 8, 2, true));
    net
}

#[test]
fn keras_shapes_that_cannot_tell_the_shortcut_are_refused_unless_it_is_named() {
    let net = one_layer_block();
    let mut tensors = keras_dense("dense", 4, 8, 0.0);
    tensors.extend(keras_dense("dense_1", 4, 8, 100.0));
    tensors.extend(keras_dense("dense_2", 8, 2, 200.0));
    let text = error(&file_of(&tensors), &net, Naming::Keras);
    assert_eq!(
        text,
        "unexpected tensor `dense/bias`: layer `dense` could be the network's `dense1` or its `residual1`: the Keras `Dense` layers have the same shapes in both orders, so the file cannot tell whether a block's shortcut `Dense` layer was created after the block's layers (nnet's order: the projection `residual{k}` counts right after its block's last layer) or before them: name the shortcut layers `shortcut`, `shortcut_1`, … in the order of the blocks (`Dense(…, name=\"shortcut_1\")`), which the import matches to the network's projections"
    );

    // Named as a shortcut, the layer is the projection wherever its number puts it.
    let mut tensors = keras_dense("functional/shortcut", 4, 8, 0.0);
    tensors.extend(keras_dense("functional/dense", 4, 8, 100.0));
    tensors.extend(keras_dense("functional/dense_1", 8, 2, 200.0));
    let found = names(&file_of(&tensors), &net, Naming::Keras);
    assert_eq!(
        found,
        [
            "functional/dense/kernel",
            "functional/dense/bias",
            "functional/shortcut/kernel",
            "functional/shortcut/bias",
            "functional/dense_1/kernel",
            "functional/dense_1/bias"
        ]
    );

    // In a network without projections, a layer named `shortcut` is a layer like any other.
    let mut plain = TensorSpec::of_layer(Dense, "dense1", 4, 8, true);
    plain.extend(TensorSpec::of_layer(Dense, "dense2", 4, 8, true));
    plain.extend(TensorSpec::of_layer(Dense, "dense3", 8, 2, true));
    let mut numbered = keras_dense("dense", 4, 8, 0.0);
    numbered.extend(keras_dense("shortcut_1", 4, 8, 100.0));
    numbered.extend(keras_dense("dense_2", 8, 2, 200.0));
    let found = names(&file_of(&numbered), &plain, Naming::Keras);
    assert_eq!(found[2..4], ["shortcut_1/kernel", "shortcut_1/bias"]);
    // A shortcut of a kind the network has no projection of.
    let mut conv = net.clone();
    conv.extend(TensorSpec::of_projection(Conv2d, "residual2", 2, 2));
    let mut with_conv = tensors.clone();
    with_conv.push(counting(
        "functional/conv_shortcut/kernel",
        &[1, 1, 2, 2],
        0.0,
    ));
    with_conv.push(counting("functional/conv_shortcut/bias", &[2], 0.0));
    let text = error(&file_of(&with_conv), &net, Naming::Keras);
    assert!(
        text.contains("layer `functional/conv_shortcut` is named as a shortcut, a Keras `Conv2D` layer, but the network has no `residual (project)` block whose projection is a conv2d layer"),
        "{text}"
    );
    let found = names(&file_of(&with_conv), &conv, Naming::Keras);
    assert_eq!(
        found[6..],
        [
            "functional/conv_shortcut/kernel",
            "functional/conv_shortcut/bias"
        ]
    );
    let mut two = keras_dense("shortcut", 4, 8, 0.0);
    two.extend(keras_dense("dense", 4, 8, 100.0));
    two.extend(keras_dense("dense_1", 8, 2, 200.0));
    two.extend(keras_dense("dense_2", 2, 2, 300.0));
    let mut longer = net.clone();
    longer.extend(TensorSpec::of_projection(Dense, "residual2", 8, 2));
    longer.extend(TensorSpec::of_layer(Dense, "dense3", 2, 2, true));
    let text = error(&file_of(&two), &longer, Naming::Keras);
    assert!(
        text.contains(
            "the file has 1 Keras `Dense` layer named as shortcuts, the network 2 dense layers"
        ),
        "{text}"
    );
}

#[test]
fn nested_projections_of_one_shape_are_refused() {
    // `residual (project) { residual (project) { dense 8; } }` on 4 inputs: the inner block's
    // layer, its projection `residual2` and the outer projection `residual1` are all [8, 4].
    let mut net = TensorSpec::of_layer(Dense, "dense1", 4, 8, true);
    net.extend(TensorSpec::of_projection(Dense, "residual2", 4, 8));
    net.extend(TensorSpec::of_projection(Dense, "residual1", 4, 8));
    let mut tensors = keras_dense("dense", 4, 8, 0.0);
    tensors.extend(keras_dense("dense_1", 4, 8, 100.0));
    tensors.extend(keras_dense("dense_2", 4, 8, 200.0));
    let text = error(&file_of(&tensors), &net, Naming::Keras);
    assert!(
        text.contains("could be the network's `residual2` or its `residual1`"),
        "{text}"
    );
    // Every layer of another shape: nothing to tell apart.
    let mut net = TensorSpec::of_layer(Dense, "dense1", 4, 8, true);
    net.extend(TensorSpec::of_layer(Dense, "dense2", 8, 6, true));
    net.extend(TensorSpec::of_projection(Dense, "residual2", 8, 6));
    net.extend(TensorSpec::of_projection(Dense, "residual1", 4, 6));
    let mut tensors = keras_dense("dense", 4, 8, 0.0);
    tensors.extend(keras_dense("dense_1", 8, 6, 100.0));
    tensors.extend(keras_dense("dense_2", 8, 6, 200.0));
    tensors.extend(keras_dense("dense_3", 4, 6, 300.0));
    // dense_1 and dense_2 are both [8, 6]: `residual2` could be either.
    let text = error(&file_of(&tensors), &net, Naming::Keras);
    assert!(
        text.contains("could be the network's `dense2` or its `residual2`"),
        "{text}"
    );
}

#[test]
fn conv_projections_are_one_tap_kernels_in_every_layout() {
    // `conv2d 8 3 (strides = 2); batch_norm;` then the 1×1 projection from 4 channels.
    let mut net = vec![
        TensorSpec::matrix(Conv2d, "conv2d1", "kernel", 8, 36).with_layout(crate::Layout::Kernel {
            size: [3, 3],
            multiplier: 1,
        }),
        TensorSpec::vector(Conv2d, "conv2d1", "bias", 8),
    ];
    net.extend(TensorSpec::of_layer(BatchNorm, "batch_norm1", 8, 8, true));
    net.extend(TensorSpec::of_projection(Conv2d, "residual1", 4, 8));

    // PyTorch: (8, 4, 1, 1), nnet's [8, 4] as it is.
    let mut torch = vec![
        counting("layer.conv1.weight", &[8, 4, 3, 3], 0.0),
        counting("layer.conv1.bias", &[8], 0.0),
        counting("layer.shortcut.weight", &[8, 4, 1, 1], 0.0),
        counting("layer.shortcut.bias", &[8], 50.0),
    ];
    for param in ["weight", "bias", "running_mean", "running_var"] {
        torch.push(counting(&format!("layer.bn1.{param}"), &[8], 1.0));
    }
    let bytes = file_of(&torch);
    let modules = order(&["layer.conv1", "layer.bn1", "layer.shortcut"]);
    let found = pytorch_names(&bytes, &net, &modules);
    assert_eq!(found[6..], ["layer.shortcut.weight", "layer.shortcut.bias"]);
    let file = parse(&bytes);
    let options = ResolveOptions {
        module_order: &modules,
        ..ResolveOptions::default()
    };
    let sources = resolve::<f32>(&file, &net, Naming::PyTorch, options).unwrap();
    let mut kernel = vec![0.0; 32];
    sources[6].write_column_major(&mut kernel);
    // Row f, column c of nnet's kernel is weight[f, c, 0, 0] = f * 4 + c.
    assert_eq!(kernel[..8], [0.0, 4.0, 8.0, 12.0, 16.0, 20.0, 24.0, 28.0]);

    // Keras: (1, 1, 4, 8), flattened and transposed; `conv2d_1`, created after `conv2d`.
    let mut keras = vec![
        counting("conv2d/kernel", &[3, 3, 4, 8], 0.0),
        counting("conv2d/bias", &[8], 0.0),
        counting("conv2d_1/kernel", &[1, 1, 4, 8], 0.0),
        counting("conv2d_1/bias", &[8], 50.0),
    ];
    for param in ["gamma", "beta", "moving_mean", "moving_variance"] {
        keras.push(counting(&format!("batch_normalization/{param}"), &[8], 1.0));
    }
    let found = names(&file_of(&keras), &net, Naming::Keras);
    assert_eq!(found[6..], ["conv2d_1/kernel", "conv2d_1/bias"]);
    // A shortcut of 3×3 taps is no projection's.
    keras[2] = counting("conv2d_1/kernel", &[3, 3, 4, 8], 0.0);
    let text = error(&file_of(&keras), &net, Naming::Keras);
    assert!(
        text.contains("tensor `conv2d_1/kernel` has shape [3, 3, 4, 8], expected [1, 1, 4, 8]"),
        "{text}"
    );
}

#[test]
fn pytorch_orders_from_names_that_cannot_tell_the_shortcut_are_refused() {
    let net = one_layer_block();
    // Numbered modules: `0` and `1` both [8, 4].
    let mut tensors = linear("0", 4, 8, 0.0);
    tensors.extend(linear("1", 4, 8, 100.0));
    tensors.extend(linear("2", 8, 2, 200.0));
    let bytes = file_of(&tensors);
    let text = error(&bytes, &net, Naming::PyTorch);
    assert!(
        text.starts_with("unexpected tensor `0.bias`: module `0` could be the network's `dense1` or its `residual1`"),
        "{text}"
    );
    assert!(
        text.contains("`LoadOptions::pytorch().with_module_order([\"0\", \"1\", \"2\"])`"),
        "{text}"
    );
    // The order given is taken as it is.
    let found = pytorch_names(&bytes, &net, &order(&["1", "0", "2"]));
    assert_eq!(found[..4], ["1.weight", "1.bias", "0.weight", "0.bias"]);

    // Names without an order: the module order is asked for, as for any such file.
    let mut tensors = linear("block.fc1", 4, 8, 0.0);
    tensors.extend(linear("block.shortcut", 4, 8, 100.0));
    tensors.extend(linear("head", 8, 2, 200.0));
    let bytes = file_of(&tensors);
    let text = error(&bytes, &net, Naming::PyTorch);
    assert!(text.contains("with_module_order"), "{text}");
    let found = pytorch_names(
        &bytes,
        &net,
        &order(&["block.fc1", "block.shortcut", "head"]),
    );
    assert_eq!(
        found[2..4],
        ["block.shortcut.weight", "block.shortcut.bias"]
    );

    // Shapes that tell: the numbers' order is checked and kept.
    let net = mlp();
    let mut tensors = Vec::new();
    for (i, (inputs, units)) in [(6, 8), (8, 8), (8, 8), (8, 12), (12, 12), (8, 12), (12, 3)]
        .into_iter()
        .enumerate()
    {
        tensors.extend(linear(&format!("layers.{i}"), inputs, units, 0.0));
    }
    let found = names(&file_of(&tensors), &net, Naming::PyTorch);
    assert_eq!(found[10..12], ["layers.5.weight", "layers.5.bias"]);
}

/// A convolution's kernel `[filters, taps·inputs]` and bias.
fn conv(
    kind: LayerKind,
    name: &'static str,
    inputs: usize,
    filters: usize,
    size: [usize; 2],
) -> Vec<TensorSpec<'static>> {
    vec![
        TensorSpec::matrix(kind, name, "kernel", filters, size[0] * size[1] * inputs).with_layout(
            crate::Layout::Kernel {
                size,
                multiplier: 1,
            },
        ),
        TensorSpec::vector(kind, name, "bias", filters),
    ]
}

/// The ResNet of `tools/keras_residual.py` and `tools/pytorch_residual.py`: a stem, a basic
/// block, a strided one projected by `residual2`, the dense head.
fn resnet() -> Vec<TensorSpec<'static>> {
    let mut net = conv(Conv2d, "conv2d1", 3, 4, [3, 3]);
    net.extend(conv(Conv2d, "conv2d2", 4, 4, [3, 3]));
    net.extend(TensorSpec::of_layer(BatchNorm, "batch_norm1", 4, 4, true));
    net.extend(conv(Conv2d, "conv2d3", 4, 4, [3, 3]));
    net.extend(TensorSpec::of_layer(BatchNorm, "batch_norm2", 4, 4, true));
    net.extend(conv(Conv2d, "conv2d4", 4, 8, [3, 3]));
    net.extend(TensorSpec::of_layer(BatchNorm, "batch_norm3", 8, 8, true));
    net.extend(conv(Conv2d, "conv2d5", 8, 8, [3, 3]));
    net.extend(TensorSpec::of_layer(BatchNorm, "batch_norm4", 8, 8, true));
    net.extend(TensorSpec::of_projection(Conv2d, "residual2", 4, 8));
    net.extend(TensorSpec::of_layer(Dense, "dense1", 8, 3, true));
    net
}

/// The WaveNet of the scripts: a 1×1 stem, blocks of dilations 1, 2 and 4 (the last one
/// projected by `residual3`), a 1×1 head.
fn wavenet() -> Vec<TensorSpec<'static>> {
    use LayerKind::Conv1d;
    let mut net = conv(Conv1d, "conv1d1", 2, 6, [1, 1]);
    net.extend(conv(Conv1d, "conv1d2", 6, 6, [1, 2]));
    net.extend(conv(Conv1d, "conv1d3", 6, 6, [1, 1]));
    net.extend(conv(Conv1d, "conv1d4", 6, 6, [1, 2]));
    net.extend(conv(Conv1d, "conv1d5", 6, 6, [1, 1]));
    net.extend(conv(Conv1d, "conv1d6", 6, 8, [1, 2]));
    net.extend(conv(Conv1d, "conv1d7", 8, 8, [1, 1]));
    net.extend(TensorSpec::of_projection(Conv1d, "residual3", 6, 8));
    net.extend(conv(Conv1d, "conv1d8", 8, 1, [1, 1]));
    net
}

/// The residual fixture `name` of the repository's `tests/fixtures/residual`.
fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/residual")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every tensor of `net` read from the framework's file is, value for value, the one the
/// script converted to nnet's layout in the reference file.
fn assert_reference(net: &[TensorSpec<'_>], naming: Naming, name: &str) {
    let bytes = fixture(&format!("{name}.safetensors"));
    let file = parse(&bytes);
    let modules: Vec<String> = file
        .metadata("module_order")
        .map(|m| m.split(',').map(str::to_owned).collect())
        .unwrap_or_default();
    let options = ResolveOptions {
        module_order: &modules,
        ..ResolveOptions::default()
    };
    let sources =
        resolve::<f32>(&file, net, naming, options).unwrap_or_else(|e| panic!("{name}: {e}"));
    let reference_bytes = fixture(&format!("{name}_reference.safetensors"));
    let reference = parse(&reference_bytes);
    for (spec, source) in net.iter().zip(&sources) {
        let tensor = reference
            .tensor(&spec.name())
            .unwrap_or_else(|| panic!("{}", spec.name()));
        let expected: Vec<f32> = tensor
            .data
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let mut memory = vec![0.0; spec.rows * spec.cols];
        source.write_column_major(&mut memory);
        for r in 0..spec.rows {
            for c in 0..spec.cols {
                assert_eq!(
                    memory[c * spec.rows + r],
                    expected[r * spec.cols + c],
                    "{name}: {}[{r}, {c}]",
                    spec.name()
                );
            }
        }
    }
}

#[test]
fn the_keras_fixtures_hold_the_scripts_tensors_in_nnets_layout() {
    assert_reference(&mlp(), Naming::Keras, "keras_mlp");
    assert_reference(&resnet(), Naming::Keras, "keras_resnet");
    assert_reference(&wavenet(), Naming::Keras, "keras_wavenet");
    // The MLP's shortcut created before its block's layers: refused for its shapes.
    let text = error(
        &fixture("keras_mlp_shortcut_first.safetensors"),
        &mlp(),
        Naming::Keras,
    );
    assert!(
        text.contains("tensor `dense_4/kernel` has shape [8, 12], expected [12, 12]"),
        "{text}"
    );
}

#[test]
fn the_pytorch_fixtures_hold_the_scripts_tensors_in_nnets_layout_in_their_module_order() {
    assert_reference(&mlp(), Naming::PyTorch, "pytorch_mlp");
    assert_reference(&resnet(), Naming::PyTorch, "pytorch_resnet");
    assert_reference(&wavenet(), Naming::PyTorch, "pytorch_wavenet");
    // Without the order, their names (`blocks.1.fc1`, `stem`, `head`) give none.
    let text = error(
        &fixture("pytorch_resnet.safetensors"),
        &resnet(),
        Naming::PyTorch,
    );
    assert!(text.contains("with_module_order"), "{text}");
}

/// `wavenet` on a sequence, whose projection is a dense layer at every step.
fn streaming_wavenet() -> Vec<TensorSpec<'static>> {
    wavenet()
        .into_iter()
        .map(|t| match t.is_projection() {
            true => TensorSpec {
                kind: Dense,
                layout: crate::Layout::Plain,
                ..t
            },
            false => t,
        })
        .collect()
}

#[test]
fn a_sequence_networks_dense_projection_reads_a_one_tap_conv1d() {
    assert_reference(&streaming_wavenet(), Naming::Keras, "keras_wavenet");
    assert_reference(&streaming_wavenet(), Naming::PyTorch, "pytorch_wavenet");
    // A Dense shortcut, as Keras applies it at every step, is read as it is.
    let mut net = conv(LayerKind::Conv1d, "conv1d1", 2, 6, [1, 2]);
    net.extend(TensorSpec::of_projection(Dense, "residual1", 2, 6));
    let tensors = vec![
        counting("conv1d/kernel", &[2, 2, 6], 0.0),
        counting("conv1d/bias", &[6], 0.0),
        counting("dense/kernel", &[2, 6], 0.0),
        counting("dense/bias", &[6], 0.0),
    ];
    let found = names(&file_of(&tensors), &net, Naming::Keras);
    assert_eq!(found[2..], ["dense/kernel", "dense/bias"]);
    // A shortcut of two taps is neither: the error is the dense one's.
    let mut tensors = tensors;
    tensors[2] = counting("conv1d_1/kernel", &[2, 2, 6], 0.0);
    tensors[3] = counting("conv1d_1/bias", &[6], 0.0);
    let text = error(&file_of(&tensors), &net, Naming::Keras);
    assert!(
        text.contains("the file has more Keras `Conv1D` layers than the network's 1 conv1d layer"),
        "{text}"
    );
}
