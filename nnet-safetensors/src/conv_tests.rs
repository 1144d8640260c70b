//! Convolution kernels under PyTorch's and Keras's layouts and a dense layer after `flatten`
//! under PyTorch's channels-first order, on synthetic tensors whose every value says where it
//! came from, so each test knows where each value must land; and the errors for shapes that do
//! not fit.

use proptest::prelude::*;

use crate::layer_tests::{counting, error, file_of, parse};
use crate::{Error, LayerKind, Layout, Naming, ResolveOptions, Shape, TensorSpec, resolve};

use LayerKind::{BatchNorm, Conv1d, Conv2d, Dense, DepthwiseConv2d};

/// A convolution's kernel and bias, `filters × (kh·kw·group_inputs)`, with the kernel's layout.
fn conv(
    kind: LayerKind,
    name: &'static str,
    filters: usize,
    size: [usize; 2],
    group_inputs: usize,
    multiplier: usize,
) -> Vec<TensorSpec<'static>> {
    let cols = size[0] * size[1] * group_inputs;
    vec![
        TensorSpec::matrix(kind, name, "kernel", filters, cols)
            .with_layout(Layout::Kernel { size, multiplier }),
        TensorSpec::vector(kind, name, "bias", filters),
    ]
}

/// The values `spec`'s source writes, as nnet's `[rows, cols]` row by row.
fn rows_of(bytes: &[u8], net: &[TensorSpec<'_>], naming: Naming, index: usize) -> Vec<Vec<f32>> {
    let file = parse(bytes);
    let sources = resolve::<f32>(&file, net, naming, ResolveOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let source = &sources[index];
    let mut memory = vec![0.0; source.rows * source.cols];
    source.write_column_major(&mut memory);
    (0..source.rows)
        .map(|r| {
            (0..source.cols)
                .map(|c| memory[c * source.rows + r])
                .collect()
        })
        .collect()
}

#[test]
fn pytorch_conv2d_weight_is_permuted_to_channels_last_patches() {
    // nn.Conv2d(2, 3, (2, 3)): weight (3 filters, 2 inputs, 2 rows, 3 columns), value
    // w[f, ci, i, j] = f·12 + ci·6 + i·3 + j.
    let net = conv(Conv2d, "conv2d1", 3, [2, 3], 2, 1);
    let bytes = file_of(&[
        counting("0.weight", &[3, 2, 2, 3], 0.0),
        counting("0.bias", &[3], 100.0),
    ]);
    let kernel = rows_of(&bytes, &net, Naming::PyTorch, 0);
    for (f, row) in kernel.iter().enumerate() {
        for i in 0..2 {
            for j in 0..3 {
                for ci in 0..2 {
                    let expected = (f * 12 + ci * 6 + i * 3 + j) as f32;
                    assert_eq!(
                        row[(i * 3 + j) * 2 + ci],
                        expected,
                        "f {f} i {i} j {j} ci {ci}"
                    );
                }
            }
        }
    }
    assert_eq!(kernel[0][..4], [0.0, 6.0, 1.0, 7.0]);
    assert_eq!(
        rows_of(&bytes, &net, Naming::PyTorch, 1),
        [[100.0], [101.0], [102.0]]
    );
}

#[test]
fn keras_conv2d_kernel_is_flattened_and_transposed() {
    // Conv2D(3, (2, 3)) over 2 channels: kernel (2, 3, 2, 3), k[i, j, ci, f] = ((i·3 + j)·2 +
    // ci)·3 + f, which is nnet's [f, (i·3 + j)·2 + ci].
    let net = conv(Conv2d, "conv2d1", 3, [2, 3], 2, 1);
    let bytes = file_of(&[
        counting("sequential/conv2d/kernel", &[2, 3, 2, 3], 0.0),
        counting("sequential/conv2d/bias", &[3], 100.0),
    ]);
    let kernel = rows_of(&bytes, &net, Naming::Keras, 0);
    for (f, row) in kernel.iter().enumerate() {
        for (column, &value) in row.iter().enumerate() {
            assert_eq!(value, (column * 3 + f) as f32);
        }
    }
}

#[test]
fn conv1d_kernels_in_both_layouts() {
    // nn.Conv1d(2, 4, 3): (4, 2, 3), w[f, ci, t] = f·6 + ci·3 + t; nnet [f, t·2 + ci].
    let net = conv(Conv1d, "conv1d1", 4, [1, 3], 2, 1);
    let torch = file_of(&[
        counting("net.0.weight", &[4, 2, 3], 0.0),
        counting("net.0.bias", &[4], 0.0),
    ]);
    let kernel = rows_of(&torch, &net, Naming::PyTorch, 0);
    assert_eq!(kernel[1], [6.0, 9.0, 7.0, 10.0, 8.0, 11.0]);
    // Conv1D(4, 3) over 2 channels: (3, 2, 4), k[t, ci, f] = (t·2 + ci)·4 + f.
    let keras = file_of(&[
        counting("conv1d/kernel", &[3, 2, 4], 0.0),
        counting("conv1d/bias", &[4], 0.0),
    ]);
    let kernel = rows_of(&keras, &net, Naming::Keras, 0);
    assert_eq!(kernel[1], [1.0, 5.0, 9.0, 13.0, 17.0, 21.0]);
    // PyTorch's 1-D weight is no 2-D one, and the other way round.
    let text = error(
        &file_of(&[
            counting("0.weight", &[4, 2, 1, 3], 0.0),
            counting("0.bias", &[4], 0.0),
        ]),
        &net,
        Naming::PyTorch,
    );
    assert!(
        text.contains("module `0` is an `nn.Conv2d` (its weight has 4 axes), but it maps to the network's 1st layer with tensors, `conv1d1`, a conv1d layer, which nnet imports from an `nn.Conv1d`"),
        "{text}"
    );
}

#[test]
fn depthwise_kernels_in_both_layouts() {
    // DepthwiseConv2D((2, 3), depth_multiplier=2) over 2 channels: Keras's kernel (2, 3, 2, 2),
    // k[i, j, c, m] = ((i·3 + j)·2 + c)·2 + m; nnet's row c·2 + m, column i·3 + j.
    let net = conv(DepthwiseConv2d, "depthwise_conv2d1", 4, [2, 3], 1, 2);
    let keras = file_of(&[
        counting("sequential/depthwise_conv2d/kernel", &[2, 3, 2, 2], 0.0),
        counting("sequential/depthwise_conv2d/bias", &[4], 0.0),
    ]);
    let kernel = rows_of(&keras, &net, Naming::Keras, 0);
    for c in 0..2 {
        for m in 0..2 {
            for (t, &value) in kernel[c * 2 + m].iter().enumerate() {
                assert_eq!(value, ((t * 2 + c) * 2 + m) as f32);
            }
        }
    }
    // nn.Conv2d(2, 4, (2, 3), groups=2): (4, 1, 2, 3), w[o, 0, i, j] = o·6 + i·3 + j, as is.
    let torch = file_of(&[
        counting("1.weight", &[4, 1, 2, 3], 0.0),
        counting("1.bias", &[4], 0.0),
    ]);
    let kernel = rows_of(&torch, &net, Naming::PyTorch, 0);
    assert_eq!(kernel[2], [12.0, 13.0, 14.0, 15.0, 16.0, 17.0]);
    // A multiplier of 4 over 1 channel is another Keras shape for the same rows.
    let text = error(
        &file_of(&[
            counting("depthwise_conv2d/kernel", &[2, 3, 1, 4], 0.0),
            counting("depthwise_conv2d/bias", &[4], 0.0),
        ]),
        &net,
        Naming::Keras,
    );
    assert!(
        text.contains("`depthwise_conv2d/kernel` has shape [2, 3, 1, 4], expected [2, 3, 2, 2], [kernel rows, kernel columns, channels, depth multiplier] for depthwise_conv2d1 (a 2×3 kernel, 2 channels, depth multiplier 2)"),
        "{text}"
    );
}

#[test]
fn kernels_of_other_shapes_are_refused_with_their_axes() {
    let net = conv(Conv2d, "conv2d1", 3, [2, 3], 2, 1);
    // The kernel's rows and columns swapped: as many values, another kernel.
    let torch = file_of(&[
        counting("0.weight", &[3, 2, 3, 2], 0.0),
        counting("0.bias", &[3], 0.0),
    ]);
    let text = error(&torch, &net, Naming::PyTorch);
    assert!(
        text.contains("tensor `0.weight` has shape [3, 2, 3, 2], expected [3, 2, 2, 3], [filters, input channels / groups, kernel rows, kernel columns] for conv2d1 (a 2×3 kernel, 2 input channels per filter, 3 filters)"),
        "{text}"
    );
    let keras = file_of(&[
        counting("conv2d/kernel", &[3, 2, 2, 3], 0.0),
        counting("conv2d/bias", &[3], 0.0),
    ]);
    let text = error(&keras, &net, Naming::Keras);
    assert!(
        text.contains("expected [2, 3, 2, 3], [kernel rows, kernel columns, input channels / groups, filters] for conv2d1"),
        "{text}"
    );
    // Flattened already, as nnet's file has it: PyTorch's is 4-D.
    let flat = file_of(&[
        counting("0.weight", &[3, 12], 0.0),
        counting("0.bias", &[3], 0.0),
    ]);
    let text = error(&flat, &net, Naming::PyTorch);
    assert!(
        text.contains("module `0` is an `nn.Linear` (its weight is a matrix), but it maps to the network's 1st layer with tensors, `conv2d1`, a conv2d layer, which nnet imports from an `nn.Conv2d`"),
        "{text}"
    );
    // A missing kernel names its expected shape and axes.
    let text = error(
        &file_of(&[counting("conv2d/bias", &[3], 0.0)]),
        &net,
        Naming::Keras,
    );
    assert!(
        text.contains("no tensor `conv2d/kernel`: expected F32 [2, 3, 2, 3], the kernel of conv2d1 as [kernel rows, kernel columns, input channels / groups, filters]"),
        "{text}"
    );
    // nnet's own files keep [filters, taps·inputs].
    let nnet = file_of(&[
        counting("conv2d1.kernel", &[3, 12], 0.0),
        counting("conv2d1.bias", &[3], 0.0),
    ]);
    assert_eq!(
        rows_of(&nnet, &net, Naming::Nnet, 0)[1][..3],
        [12.0, 13.0, 14.0]
    );
}

#[test]
fn a_conv_where_a_dense_layer_is_and_the_other_way_round() {
    let dense = TensorSpec::of_layer(Dense, "dense1", 12, 3, true);
    let torch = file_of(&[
        counting("0.weight", &[3, 2, 2, 3], 0.0),
        counting("0.bias", &[3], 0.0),
    ]);
    let text = error(&torch, &dense, Naming::PyTorch);
    assert!(
        text.contains("module `0` is an `nn.Conv2d` (its weight has 4 axes), but it maps to the network's 1st layer with tensors, `dense1`, a dense layer, which nnet imports from an `nn.Linear`"),
        "{text}"
    );
    let keras = file_of(&[
        counting("conv2d/kernel", &[2, 3, 2, 3], 0.0),
        counting("conv2d/bias", &[3], 0.0),
    ]);
    let text = error(&keras, &dense, Naming::Keras);
    assert!(
        text.contains(
            "layer `conv2d` is a Keras `Conv2D` layer, but the network has no conv2d layer"
        ),
        "{text}"
    );
    // A layer of another name is told by the rank of its kernel.
    let renamed = file_of(&[
        counting("layers.0.kernel", &[2, 3, 2, 3], 0.0),
        counting("layers.0.bias", &[3], 0.0),
    ]);
    let text = error(&renamed, &dense, Naming::Keras);
    assert!(text.contains("is a Keras `Conv2D` layer"), "{text}");
    let net = conv(Conv2d, "conv2d1", 3, [2, 3], 2, 1);
    assert_eq!(rows_of(&renamed, &net, Naming::Keras, 0)[0][1], 3.0);
}

#[test]
fn a_custom_cnn_module_imports_in_declaration_order() {
    // `self.conv1`, `self.conv2`, `self.fc1`, `self.fc2`: the numbers repeat across kinds, and
    // an `nn.Conv2d` is a conv2d layer in a network without depthwise layers.
    let mut net = conv(Conv2d, "conv2d1", 3, [2, 3], 2, 1);
    net.extend(conv(Conv2d, "conv2d2", 2, [1, 1], 3, 1));
    net.extend(TensorSpec::of_layer(Dense, "dense1", 8, 4, true));
    net.extend(TensorSpec::of_layer(Dense, "dense2", 4, 1, true));
    let bytes = file_of(&[
        counting("conv1.weight", &[3, 2, 2, 3], 0.0),
        counting("conv1.bias", &[3], 0.0),
        counting("conv2.weight", &[2, 3, 1, 1], 0.0),
        counting("conv2.bias", &[2], 0.0),
        counting("fc1.weight", &[4, 8], 0.0),
        counting("fc1.bias", &[4], 0.0),
        counting("fc2.weight", &[1, 4], 0.0),
        counting("fc2.bias", &[1], 0.0),
    ]);
    let file = parse(&bytes);
    let sources = resolve::<f32>(&file, &net, Naming::PyTorch, ResolveOptions::default()).unwrap();
    let names: Vec<&str> = sources.iter().map(|s| s.tensor.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "conv1.weight",
            "conv1.bias",
            "conv2.weight",
            "conv2.bias",
            "fc1.weight",
            "fc1.bias",
            "fc2.weight",
            "fc2.bias"
        ]
    );
    // With a depthwise layer in the network too, an `nn.Conv2d` could be either: the order
    // must be given.
    let mut both = conv(Conv2d, "conv2d1", 3, [2, 3], 2, 1);
    both.extend(conv(DepthwiseConv2d, "depthwise_conv2d1", 3, [1, 1], 1, 1));
    let bytes = file_of(&[
        counting("conv.weight", &[3, 2, 2, 3], 0.0),
        counting("conv.bias", &[3], 0.0),
        counting("dw.weight", &[3, 1, 1, 1], 0.0),
        counting("dw.bias", &[3], 0.0),
    ]);
    let text = error(&bytes, &both, Naming::PyTorch);
    assert!(text.contains("with_module_order"), "{text}");
    let file = parse(&bytes);
    let order = ["conv".to_owned(), "dw".to_owned()];
    let options = ResolveOptions {
        module_order: &order,
        ..ResolveOptions::default()
    };
    assert!(resolve::<f32>(&file, &both, Naming::PyTorch, options).is_ok());
}

/// `flatten` of `shape`, then `batch_norm`, then `dense 2`: PyTorch's
/// `nn.Flatten, nn.BatchNorm1d(n), nn.Linear(n, 2)` on a channels-first tensor.
fn after_flatten(shape: Shape) -> Vec<TensorSpec<'static>> {
    let n = shape.len();
    let flattened = Layout::Flattened(shape);
    let mut net: Vec<TensorSpec> = TensorSpec::of_layer(BatchNorm, "batch_norm1", n, n, true)
        .into_iter()
        .map(|t| t.with_layout(flattened))
        .collect();
    let dense = TensorSpec::of_layer(Dense, "dense1", n, 2, true);
    net.push(dense[0].with_layout(flattened));
    net.push(dense[1]);
    net
}

fn batch_norm_and_linear(n: usize) -> Vec<u8> {
    file_of(&[
        counting("1.weight", &[n], 0.0),
        counting("1.bias", &[n], 0.0),
        counting("1.running_mean", &[n], 0.0),
        counting("1.running_var", &[n], 0.0),
        counting("2.weight", &[2, n], 0.0),
        counting("2.bias", &[2], 0.0),
    ])
}

#[test]
fn pytorch_inputs_after_flatten_are_permuted_to_channels_last() {
    // (height 2, width 2, channels 3): PyTorch's column c·4 + h·2 + w is nnet's (h·2 + w)·3 + c.
    let image = Shape::Image {
        height: 2,
        width: 2,
        channels: 3,
    };
    let net = after_flatten(image);
    let bytes = batch_norm_and_linear(12);
    let weight = rows_of(&bytes, &net, Naming::PyTorch, 4);
    for (u, row) in weight.iter().enumerate() {
        for h in 0..2 {
            for w in 0..2 {
                for c in 0..3 {
                    let expected = (u * 12 + c * 4 + h * 2 + w) as f32;
                    assert_eq!(row[(h * 2 + w) * 3 + c], expected);
                }
            }
        }
    }
    assert_eq!(weight[0][..4], [0.0, 4.0, 8.0, 1.0]);
    // The normalization's vectors between flatten and the dense layer too; the bias not.
    let gamma = rows_of(&bytes, &net, Naming::PyTorch, 0);
    let gamma: Vec<f32> = gamma.into_iter().flatten().collect();
    assert_eq!(
        gamma,
        [0.0, 4.0, 8.0, 1.0, 5.0, 9.0, 2.0, 6.0, 10.0, 3.0, 7.0, 11.0]
    );
    assert_eq!(rows_of(&bytes, &net, Naming::PyTorch, 5), [[0.0], [1.0]]);

    // (4 steps, 2 channels) of a Conv1d: PyTorch's c·4 + t is nnet's t·2 + c.
    let steps = Shape::Steps {
        steps: 4,
        channels: 2,
    };
    let weight = rows_of(
        &batch_norm_and_linear(8),
        &after_flatten(steps),
        Naming::PyTorch,
        4,
    );
    assert_eq!(weight[1], [8.0, 12.0, 9.0, 13.0, 10.0, 14.0, 11.0, 15.0]);
}

#[test]
fn keras_and_nnet_inputs_after_flatten_are_channels_last_already() {
    let image = Shape::Image {
        height: 2,
        width: 2,
        channels: 3,
    };
    let net = after_flatten(image);
    let keras = file_of(&[
        counting("batch_normalization/gamma", &[12], 0.0),
        counting("batch_normalization/beta", &[12], 0.0),
        counting("batch_normalization/moving_mean", &[12], 0.0),
        counting("batch_normalization/moving_variance", &[12], 0.0),
        counting("dense/kernel", &[12, 2], 0.0),
        counting("dense/bias", &[2], 0.0),
    ]);
    let weight = rows_of(&keras, &net, Naming::Keras, 4);
    assert_eq!(weight[1][..3], [1.0, 3.0, 5.0]);
    let gamma = rows_of(&keras, &net, Naming::Keras, 0);
    assert_eq!(gamma[..3], [[0.0], [1.0], [2.0]]);
}

#[test]
fn one_channel_or_one_position_needs_no_permutation() {
    for shape in [
        Shape::Image {
            height: 1,
            width: 1,
            channels: 6,
        },
        Shape::Steps {
            steps: 6,
            channels: 1,
        },
    ] {
        let net = after_flatten(shape);
        let weight = rows_of(&batch_norm_and_linear(6), &net, Naming::PyTorch, 4);
        assert_eq!(weight[0], [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    }
}

#[test]
fn a_network_described_inconsistently_is_an_error_not_a_guess() {
    let bytes = file_of(&[
        counting("0.weight", &[3, 2, 2, 3], 0.0),
        counting("0.bias", &[3], 0.0),
    ]);
    let file = parse(&bytes);
    // 12 columns are no whole number of channels for a kernel of 5 taps.
    let mut net = conv(Conv2d, "conv2d1", 3, [2, 3], 2, 1);
    net[0].layout = Layout::Kernel {
        size: [1, 5],
        multiplier: 1,
    };
    let error = resolve::<f32>(&file, &net, Naming::PyTorch, ResolveOptions::default());
    assert!(
        matches!(&error, Err(Error::Network(m)) if m.contains("`conv2d1.kernel` has 12 columns")),
        "{error:?}"
    );
    // A flattened shape of another length than the inputs.
    let mut net = TensorSpec::of_layer(Dense, "dense1", 12, 3, true);
    net[0].layout = Layout::Flattened(Shape::Steps {
        steps: 5,
        channels: 2,
    });
    let error = resolve::<f32>(&file, &net, Naming::PyTorch, ResolveOptions::default());
    assert!(matches!(error, Err(Error::Network(_))), "{error:?}");
    // A depthwise kernel that reads more than one channel per filter.
    let net = conv(DepthwiseConv2d, "depthwise_conv2d1", 4, [2, 3], 2, 2);
    let error = resolve::<f32>(&file, &net, Naming::Keras, ResolveOptions::default());
    assert!(matches!(error, Err(Error::Network(_))), "{error:?}");
}

/// `conv2d 2 (1, 2)` over 1 channel, `depthwise_conv2d 1`, `conv1d`, `dense` after flatten:
/// tiny, so that random shapes fit now and then.
fn tiny_conv_net() -> Vec<TensorSpec<'static>> {
    let mut net = conv(Conv2d, "conv2d1", 2, [1, 2], 1, 1);
    net.extend(conv(DepthwiseConv2d, "depthwise_conv2d1", 2, [1, 1], 1, 1));
    net.extend(conv(Conv1d, "conv1d1", 1, [1, 1], 2, 1));
    let dense = TensorSpec::of_layer(Dense, "dense1", 2, 1, true);
    let flattened = Layout::Flattened(Shape::Steps {
        steps: 2,
        channels: 1,
    });
    net.push(dense[0].with_layout(flattened));
    net.push(dense[1]);
    net
}

fn conv_name() -> impl Strategy<Value = String> {
    let prefixes =
        prop::sample::select(vec!["", "layers.", "conv2d", "depthwise_conv2d_", "conv1d"]);
    let params = prop::sample::select(vec!["weight", "bias", "kernel", "gamma"]);
    (
        prefixes,
        0..4_u8,
        prop::sample::select(vec!['.', '/']),
        params,
    )
        .prop_map(|(prefix, n, sep, param)| format!("{prefix}{n}{sep}{param}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Random files of kernels of up to 4 axes never panic the resolver of a network of
    /// convolutions, and what it accepts has the network's values.
    #[test]
    fn random_conv_files(tensors in proptest::collection::vec((conv_name(), proptest::collection::vec(1..3_usize, 0..5)), 0..10)) {
        let mut tensors: Vec<_> = tensors
            .iter()
            .map(|(name, shape)| counting(name, shape, 0.0))
            .collect();
        tensors.sort_by(|a, b| a.0.cmp(&b.0));
        tensors.dedup_by(|a, b| a.0 == b.0);
        let bytes = file_of(&tensors);
        let file = parse(&bytes);
        let net = tiny_conv_net();
        for naming in [Naming::Nnet, Naming::PyTorch, Naming::Keras] {
            if let Ok(sources) = resolve::<f32>(&file, &net, naming, ResolveOptions::default()) {
                for (spec, source) in net.iter().zip(&sources) {
                    let n: usize = spec.file_shape(naming).iter().product();
                    prop_assert_eq!(source.tensor.data.len(), 4 * n);
                    let mut values = vec![-1.0; spec.rows * spec.cols];
                    source.write_column_major(&mut values);
                    // Counting values from 0: each written value is one of the file's.
                    prop_assert!(values.iter().all(|&v| v >= 0.0 && (v as usize) < n));
                }
            }
        }
    }
}
