//! The weight files' kinds against their declarations in `nnet-kinds`: the layer types list
//! the tensors their kind declares, and the module documentation's table is the one written
//! from the declarations.

use nnet_kinds::{FileTable, documented_table};

use nalgebra::{SMatrix, SVector};

use crate::TensorInfo;
use crate::activation::{Relu, Tanh};
use crate::dense::dense_tensor_info;
use crate::layer::{
    ActivationLayer, AvgPool1dKind, AvgPool2dKind, BatchNorm, CausalConv1d, Conv1d, Conv2d,
    DepthwiseConv2d, Dropout, GlobalAvgPoolKind, GlobalMaxPoolKind, Gru, Layer, LayerKind,
    LayerNorm, Lstm, MaxPool1dKind, MaxPool2dKind, Pool, PoolKind, Recurrent, SimpleRnn,
};

/// The tensors a layer type lists are those its kind declares, in order: names, shapes and
/// trainability, for a layer from `inputs` to `units` with (`bias`) or without its optional
/// tensors.
fn assert_declared(kind: LayerKind, inputs: usize, units: usize, bias: bool, infos: &[TensorInfo]) {
    let decl = kind.decl();
    let declared: Vec<_> = decl.tensors_with(|_| bias).collect();
    assert_eq!(infos.len(), declared.len(), "{kind:?}");
    for (info, tensor) in infos.iter().zip(declared) {
        let (rows, cols) = decl.shape(tensor, inputs, units);
        assert_eq!(
            (
                info.tensor,
                info.rows,
                info.cols,
                info.matrix,
                info.trainable
            ),
            (
                tensor.name,
                rows,
                cols.unwrap_or(1),
                cols.is_some(),
                tensor.trainable
            ),
            "{kind:?}"
        );
    }
}

/// Every tensor of a layer type.
fn infos(tensor_info: impl Fn(usize) -> Option<TensorInfo>) -> Vec<TensorInfo> {
    (0..).map_while(tensor_info).collect()
}

#[test]
fn the_layer_types_have_the_declared_tensors() {
    for bias in [true, false] {
        let dense = infos(|i| dense_tensor_info(3, 4, bias, i));
        assert_declared(LayerKind::Dense, 3, 4, bias, &dense);
    }
    let activation = infos(<ActivationLayer<4, Relu> as Layer<4, 4>>::tensor_info);
    assert_declared(LayerKind::Activation, 4, 4, true, &activation);
    let dropout = infos(<Dropout<4> as Layer<4, 4>>::tensor_info);
    assert_declared(LayerKind::Dropout, 4, 4, true, &dropout);
    let batch_norm = infos(<BatchNorm<5> as Layer<5, 5>>::tensor_info);
    assert_declared(LayerKind::BatchNorm, 5, 5, true, &batch_norm);
    let layer_norm = infos(<LayerNorm<4> as Layer<4, 4>>::tensor_info);
    assert_declared(LayerKind::LayerNorm, 4, 4, true, &layer_norm);
    let simple_rnn = infos(<SimpleRnn<3, 4, Tanh> as Recurrent<3, 4>>::tensor_info);
    assert_declared(LayerKind::SimpleRnn, 3, 4, true, &simple_rnn);
    let gru = infos(<Gru<3, 4> as Recurrent<3, 4>>::tensor_info);
    assert_declared(LayerKind::Gru, 3, 4, true, &gru);
    let lstm = infos(<Lstm<3, 4> as Recurrent<3, 4>>::tensor_info);
    assert_declared(LayerKind::Lstm, 3, 4, true, &lstm);
    // A streaming `conv1d` of 8 filters over 4 channels, kernel 3, groups 2: K = 3 · 4 / 2.
    let conv1d = infos(<CausalConv1d<4, 8, 6, 2, Relu> as Recurrent<4, 8>>::tensor_info);
    assert_declared(LayerKind::Conv1d, 6, 8, true, &conv1d);
    type NoBias = CausalConv1d<4, 8, 6, 2, Relu, SMatrix<f32, 8, 6>, SVector<f32, 8>, false>;
    let conv1d = infos(<NoBias as Recurrent<4, 8>>::tensor_info);
    assert_declared(LayerKind::Conv1d, 6, 8, false, &conv1d);
    // A convolution of shapes: its kernel is `[filters, taps · in / groups]`, its "inputs" K.
    let conv1d = infos(<Conv1d<10, 12, 4, 6, Relu> as Layer<10, 12>>::tensor_info);
    assert_declared(LayerKind::Conv1d, 6, 4, true, &conv1d);
    type NoBias2d = Conv2d<50, 36, 4, 18, Relu, SMatrix<f32, 4, 18>, SVector<f32, 4>, false>;
    let conv2d = infos(<NoBias2d as Layer<50, 36>>::tensor_info);
    assert_declared(LayerKind::Conv2d, 18, 4, false, &conv2d);
    let depthwise = infos(<DepthwiseConv2d<100, 36, 4, 9, Relu> as Layer<100, 36>>::tensor_info);
    assert_declared(LayerKind::DepthwiseConv2d, 9, 4, true, &depthwise);
    pool::<MaxPool1dKind>();
    pool::<AvgPool1dKind>();
    pool::<MaxPool2dKind>();
    pool::<AvgPool2dKind>();
    pool::<GlobalAvgPoolKind>();
    pool::<GlobalMaxPoolKind>();
}

/// A pool of kind `M` (none has tensors).
fn pool<M: PoolKind>() {
    let pool = infos(<Pool<8, 4, M> as Layer<8, 4>>::tensor_info);
    assert_declared(M::KIND, 8, 4, true, &pool);
}

#[test]
fn the_file_table_is_written_from_the_declarations() {
    let table = FileTable.to_string();
    let documented: Vec<&str> = documented_table(include_str!("mod.rs"), "//! ", &table).collect();
    let message = "nnet-core/src/io/mod.rs's table of tensors: paste `nnet_kinds::FileTable` there";
    assert_eq!(documented, table.lines().collect::<Vec<_>>(), "{message}");
}
