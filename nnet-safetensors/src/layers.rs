//! Matching a file's tensors to the tensors of a network, under nnet's, PyTorch's or Keras's
//! names and layouts.

use std::collections::{BTreeMap, HashSet};
use std::marker::PhantomData;

use crate::element::{self, Element};
use crate::foreign::{
    Foreign, LayerKind, by_fit, of_gates, pytorch_recurrent_params, recurrent_kinds, telling_param,
    tensor_kinds,
};
use crate::{Dtype, Error, SafeTensors, Tensor, shorten};

mod layout;
mod projection;
mod pytorch_order;

pub use layout::Layout;
use layout::{ChannelsFirst, file_rank};

/// How a file names and lays out the tensors of a network.
///
/// | naming | the k-th layer of a kind | matrices | vectors |
/// | --- | --- | --- | --- |
/// | `Nnet` | `{kind}{k}.{tensor}`: `dense1.weight`, `batch_norm1.moving_mean`, `lstm1.kernel` | `[units, inputs]` | `[units]` |
/// | `PyTorch` | `{prefix}{i}.{param}` (`nn.Linear`, `nn.BatchNorm1d`, `nn.LayerNorm`, `nn.RNN`, `nn.GRU`, `nn.LSTM`, `nn.Conv1d`, `nn.Conv2d`) | `[units, inputs]`; kernels `[filters, inputs/groups, kh, kw]` | `[units]` |
/// | `Keras` | `{prefix}{layer}/{variable}` or `.{variable}` (`Dense`, `BatchNormalization`, `LayerNormalization`, `Conv1D`, `Conv2D`, `DepthwiseConv2D`); `{prefix}{layer}/{cell}/{variable}` or `.cell.{variable}` (`SimpleRNN`, `GRU`, `LSTM`) | `[inputs, units]` (transposed); kernels `[kh, kw, inputs/groups, filters]` | `[units]` |
///
/// Parameter names per kind, written from the kinds' declarations in `nnet-kinds` (a test
/// checks this table against them); a PyTorch `weight` is `[out, in]`, a Keras `kernel`
/// `[in, out]`:
///
/// | nnet layer | nnet tensor | PyTorch | Keras |
/// | --- | --- | --- | --- |
/// | `dense` | `weight` `[units, inputs]` | `nn.Linear` `weight` `[units, inputs]` | `Dense` `kernel` `[inputs, units]` |
/// | `dense` | `bias` `[units]` (unless `use_bias = false`) | `nn.Linear` `bias` `[units]` | `Dense` `bias` `[units]` |
/// | `batch_norm` | `gamma` `[units]` | `nn.BatchNorm1d` `weight` `[units]` | `BatchNormalization` `gamma` `[units]` |
/// | `batch_norm` | `beta` `[units]` | `nn.BatchNorm1d` `bias` `[units]` | `BatchNormalization` `beta` `[units]` |
/// | `batch_norm` | `moving_mean` `[units]` | `nn.BatchNorm1d` `running_mean` `[units]` | `BatchNormalization` `moving_mean` `[units]` |
/// | `batch_norm` | `moving_variance` `[units]` | `nn.BatchNorm1d` `running_var` `[units]` | `BatchNormalization` `moving_variance` `[units]` |
/// | `batch_norm` | (none) | `nn.BatchNorm1d` `num_batches_tracked`, skipped | (none) |
/// | `layer_norm` | `gamma` `[units]` | `nn.LayerNorm` `weight` `[units]` | `LayerNormalization` `gamma` `[units]` |
/// | `layer_norm` | `beta` `[units]` | `nn.LayerNorm` `bias` `[units]` | `LayerNormalization` `beta` `[units]` |
/// | `simple_rnn` | `kernel` `[units, inputs]` | `nn.RNN` `weight_ih_l{j}` `[units, inputs]` | `SimpleRNN` `kernel` `[inputs, units]` |
/// | `simple_rnn` | `recurrent_kernel` `[units, units]` | `nn.RNN` `weight_hh_l{j}` `[units, units]` | `SimpleRNN` `recurrent_kernel` `[units, units]` |
/// | `simple_rnn` | `bias` `[units]` | `nn.RNN` `bias_ih_l{j}` + `bias_hh_l{j}`, each `[units]` | `SimpleRNN` `bias` `[units]` |
/// | `gru` | `kernel` `[3·units, inputs]` | `nn.GRU` `weight_ih_l{j}` `[3·units, inputs]` | `GRU` `kernel` `[inputs, 3·units]` |
/// | `gru` | `recurrent_kernel` `[3·units, units]` | `nn.GRU` `weight_hh_l{j}` `[3·units, units]` | `GRU` `recurrent_kernel` `[units, 3·units]` |
/// | `gru` | `bias` `[3·units, 2]` | `nn.GRU` `bias_ih_l{j}`, `bias_hh_l{j}`, each `[3·units]` as the columns | `GRU` `bias` `[2, 3·units]` |
/// | `lstm` | `kernel` `[4·units, inputs]` | `nn.LSTM` `weight_ih_l{j}` `[4·units, inputs]` | `LSTM` `kernel` `[inputs, 4·units]` |
/// | `lstm` | `recurrent_kernel` `[4·units, units]` | `nn.LSTM` `weight_hh_l{j}` `[4·units, units]` | `LSTM` `recurrent_kernel` `[units, 4·units]` |
/// | `lstm` | `bias` `[4·units]` | `nn.LSTM` `bias_ih_l{j}` + `bias_hh_l{j}`, each `[4·units]` | `LSTM` `bias` `[4·units]` |
/// | `conv1d` | `kernel` `[filters, taps·in/groups]` | `nn.Conv1d` `weight` `[filters, in/groups, k]` | `Conv1D` `kernel` `[k, in/groups, filters]` |
/// | `conv1d` | `bias` `[filters]` (unless `use_bias = false`) | `nn.Conv1d` `bias` `[filters]` | `Conv1D` `bias` `[filters]` |
/// | `conv2d` | `kernel` `[filters, taps·in/groups]` | `nn.Conv2d` `weight` `[filters, in/groups, kh, kw]` | `Conv2D` `kernel` `[kh, kw, in/groups, filters]` |
/// | `conv2d` | `bias` `[filters]` (unless `use_bias = false`) | `nn.Conv2d` `bias` `[filters]` | `Conv2D` `bias` `[filters]` |
/// | `depthwise_conv2d` | `kernel` `[filters, taps·in/groups]` | `nn.Conv2d` `weight` `[channels·multiplier, 1, kh, kw]` | `DepthwiseConv2D` `kernel` `[kh, kw, channels, multiplier]` |
/// | `depthwise_conv2d` | `bias` `[filters]` (unless `use_bias = false`) | `nn.Conv2d` `bias` `[filters]` | `DepthwiseConv2D` `bias` `[filters]` |
///
/// A convolution's kernel (see [`Layout::Kernel`]) is one row per filter in nnet's files, its
/// columns the filter's weights in (kernel row, kernel column, input channel) order: Keras's
/// kernel flattened over its leading axes is its transpose, and PyTorch's weight holds each
/// filter's input channels before its taps, which the import permutes. A depthwise convolution
/// is PyTorch's `nn.Conv2d` with `groups` equal to its input channels. PyTorch's `nn.Flatten`
/// of a channels-first output orders its values `(channel, row, column)` where nnet's and
/// Keras's `flatten` order them `(row, column, channel)`: the inputs of the layers after it
/// ([`Layout::Flattened`]: a `Linear`'s columns, and the vectors of a normalization between
/// the two) are permuted on import from PyTorch. Pooling and flatten layers hold no tensors in
/// any framework, so their modules and layers are simply absent from files.
///
/// nnet's gates are in Keras's order (LSTM `i, f, c, o`, as PyTorch's; GRU `z, r, h`, where
/// PyTorch's is `r, z, n`: the first two blocks of `U` rows of a PyTorch GRU's four tensors are
/// swapped on import). A PyTorch recurrent module must be unidirectional, without `proj_size`
/// and with biases; its layers `l0`, `l1`, … (`num_layers`) are consecutive layers of the
/// network. A Keras recurrent layer keeps its variables in its cell, `lstm_cell`, `gru_cell`
/// or `simple_rnn_cell` (`sequential/lstm/lstm_cell/kernel`, `layers.0.cell.kernel`); a path
/// without the cell (`lstm/kernel`) is accepted too.
///
/// PyTorch modules are ordered by the number that ends their name (`0.weight`, `1.running_mean`,
/// `3.weight` of an `nn.Sequential`; `layers.0`, `layers.1`), and the k-th module with tensors
/// is the network's k-th layer with tensors (activations and dropout own none, in both
/// frameworks). Keras layers are matched per kind: the k-th Keras `BatchNormalization` layer,
/// in the order of the number that ends its name (`batch_normalization`, `batch_normalization_1`,
/// …, where no number counts as 0; or `layers.1`, `layers.4`), is nnet's `batch_norm{k}`. Two
/// Keras layers of one kind with the same number are an error. PyTorch modules whose names do
/// not all end in distinct numbers (a custom module's `gru` and `fc`) are ordered as Keras
/// layers are, when each module's kind is told by its tensors: the network's layers of each
/// kind take the modules of that kind; where that is ambiguous too (two unnumbered modules of
/// one kind), the error says so, and [`ResolveOptions::module_order`] gives the order.
///
/// # Residual projections
///
/// The projection of a `residual (project)` block is the layer `residual{k}` (`k` counting every
/// block in the order of the declaration), a dense layer on vectors and a 1×1 convolution on
/// fixed shapes ([`TensorSpec::of_projection`]); the network lists its tensors right after
/// those of the block's last layer, and it counts among the layers of its kind there:
///
/// | projection | nnet | PyTorch | Keras |
/// | --- | --- | --- | --- |
/// | dense | `residual{k}.kernel` `[units, inputs]`, `.bias` `[units]` | `nn.Linear` `weight` `[units, inputs]`, `bias` | `Dense` `kernel` `[inputs, units]`, `bias` |
/// | conv1d | `residual{k}.kernel` `[filters, inputs]`, `.bias` `[filters]` | `nn.Conv1d(k=1)` `weight` `[filters, inputs, 1]`, `bias` | `Conv1D(1)` `kernel` `[1, inputs, filters]`, `bias` |
/// | conv2d | `residual{k}.kernel` `[filters, inputs]`, `.bias` `[filters]` | `nn.Conv2d(k=1)` `weight` `[filters, inputs, 1, 1]`, `bias` | `Conv2D(1)` `kernel` `[1, 1, inputs, filters]`, `bias` |
///
/// A file does not say which of its layers is a block's shortcut, so the position decides:
///
/// - Keras numbers layers in the order they are created (`dense_4`, `dense_5`): create each
///   shortcut layer *after* the layers of its block (`h = block(x); s = Dense(n)(x);
///   Add()([s, h])`), and its number puts it where the network has its projection. A shortcut
///   created before its block's layers is where the network has a layer of the block; where
///   that gives some layer the wrong shape, the file is refused for that shape. Where every
///   shape would fit as well with some projection in another place among the layers of its
///   kind (it has the shape of a layer it could change places with, e.g. the only `Dense`
///   layer of its block), the file is refused with an error saying so, because which order
///   was meant cannot be told. Naming the shortcut layers settles it: in a network with
///   projections, Keras layers whose name (without a number at its end) ends in `shortcut` or
///   `residual` (`shortcut`, `shortcut_1`, `block2_shortcut`) take the network's projections,
///   in the order of their numbers, and the other layers take its other layers.
/// - A PyTorch state dict's order is lost in a safetensors file (its keys are sorted by
///   name), and the names of a model of blocks (`stem`, `blocks.0.fc1`, `blocks.1.shortcut`,
///   `head`) rarely give it: [`ResolveOptions::module_order`] lists the modules in the order
///   of the network's layers, each shortcut right after its block's last layer (the order of
///   `state_dict()` where the block registers its shortcut last). An order found from the
///   modules' numbers or kinds is refused where a shortcut listed before its block's layers
///   would fit every module as well; a given order is taken as it is.
///
/// In a sequence network (`input sequence`) a projection is a dense layer applied at every
/// step; a file whose shortcut is a 1×1 `Conv1D` or `nn.Conv1d` (`[1, inputs, filters]`,
/// `[filters, inputs, 1]`), as a framework's sequence model has it, is read into it as well:
/// the same kernel in nnet's layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Naming {
    /// nnet's own files: `dense1.weight` `[units, inputs]`, `dense1.bias` `[units]`,
    /// `batch_norm1.gamma` `[units]`, `lstm1.kernel` `[4·units, inputs]`, ...
    #[default]
    Nnet,
    /// A PyTorch state dict of `nn.Linear`, `nn.BatchNorm1d`, `nn.LayerNorm`, `nn.RNN`,
    /// `nn.GRU`, `nn.LSTM`, `nn.Conv1d` and `nn.Conv2d` modules: `0.weight` `[out, in]`,
    /// `0.bias` `[out]`, `1.running_mean`, `2.weight_ih_l0`, `3.weight` `[filters, in, kh,
    /// kw]`, ...
    PyTorch,
    /// Keras `Dense`, `BatchNormalization`, `LayerNormalization`, `SimpleRNN`, `GRU`, `LSTM`,
    /// `Conv1D`, `Conv2D` and `DepthwiseConv2D` layers: `dense/kernel` `[in, out]`
    /// (transposed), `dense/bias` `[out]`, `batch_normalization/gamma`,
    /// `lstm/lstm_cell/kernel`, `conv2d/kernel` `[kh, kw, in, filters]`, ...
    Keras,
}

impl Naming {
    /// What the file's groups of tensors are called.
    fn group(self) -> &'static str {
        match self {
            Naming::PyTorch => "module",
            Naming::Nnet | Naming::Keras => "layer",
        }
    }

    /// The usual separator between layer and parameter.
    fn separator(self) -> char {
        match self {
            Naming::Keras => '/',
            Naming::Nnet | Naming::PyTorch => '.',
        }
    }
}

/// A PyTorch recurrent parameter, split: `weight_ih_l1_reverse` is `("weight_ih", 1, true)`.
/// `weight_hr` (the projection of an `nn.LSTM` with `proj_size`) is recognized too, to be
/// refused by name.
fn pytorch_recurrent_param(param: &str) -> Option<(&'static str, &str, bool)> {
    let (base, rest) = pytorch_recurrent_params()
        .into_iter()
        .chain(["weight_hr"])
        .find_map(|base| Some((base, param.strip_prefix(base)?.strip_prefix("_l")?)))?;
    let (digits, reverse) = match rest.strip_suffix("_reverse") {
        Some(digits) => (digits, true),
        None => (rest, false),
    };
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .then_some((base, digits, reverse))
}

/// One tensor of a network: its layer, name and shape, as the network holds it.
///
/// A network is described by the list of its tensors in its own order; the tensors of a layer
/// follow one another, and the layers come in the network's order (which gives each layer's
/// rank among the layers of its kind, for Keras's names).
///
/// # Examples
///
/// ```
/// use nnet_safetensors::{LayerKind, TensorSpec};
///
/// let dense = TensorSpec::of_layer(LayerKind::Dense, "dense1", 3, 5, true);
/// assert_eq!(dense[0], TensorSpec::matrix(LayerKind::Dense, "dense1", "weight", 5, 3));
/// assert_eq!((dense[1].name(), dense[1].shape()), ("dense1.bias".to_string(), vec![5]));
/// let norm = TensorSpec::of_layer(LayerKind::BatchNorm, "batch_norm1", 5, 5, true);
/// assert_eq!(norm.len(), 4);
/// assert_eq!(norm[3].name(), "batch_norm1.moving_variance");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TensorSpec<'n> {
    /// The kind of the layer the tensor belongs to.
    pub kind: LayerKind,
    /// The layer's name: `dense1`, `batch_norm1`, … (empty for a lone layer).
    pub layer: &'n str,
    /// The tensor within its layer: `weight`, `bias`, `gamma`, `beta`, `moving_mean`,
    /// `moving_variance`, `kernel`, `recurrent_kernel`.
    pub tensor: &'n str,
    /// Rows: the layer's units (times its gates, for a recurrent layer).
    pub rows: usize,
    /// Columns: the layer's inputs for a weight matrix (its units for a recurrent kernel, 2 for
    /// a GRU's bias), 1 for a vector.
    pub cols: usize,
    /// Whether the tensor is a matrix (in nnet's files `[rows, cols]`) or a vector (`[rows]`).
    pub matrix: bool,
    /// Where its values sit beyond rows and columns (a convolution's kernel, the inputs of a
    /// layer after `flatten`), for PyTorch's and Keras's layouts. Default: [`Layout::Plain`].
    pub layout: Layout,
}

impl<'n> TensorSpec<'n> {
    /// A `rows × cols` matrix.
    pub const fn matrix(
        kind: LayerKind,
        layer: &'n str,
        tensor: &'n str,
        rows: usize,
        cols: usize,
    ) -> Self {
        TensorSpec {
            kind,
            layer,
            tensor,
            rows,
            cols,
            matrix: true,
            layout: Layout::Plain,
        }
    }

    /// A vector of `len` values.
    pub const fn vector(kind: LayerKind, layer: &'n str, tensor: &'n str, len: usize) -> Self {
        TensorSpec {
            kind,
            layer,
            tensor,
            rows: len,
            cols: 1,
            matrix: false,
            layout: Layout::Plain,
        }
    }

    /// The same tensor with `layout`.
    pub const fn with_layout(self, layout: Layout) -> Self {
        TensorSpec { layout, ..self }
    }

    /// The tensors of a layer of `kind` named `layer`, from `inputs` to `units` values, in
    /// nnet's order, as the kind's declaration has them: a dense layer's `weight`
    /// `[units, inputs]` and, if `bias`, its `bias`; the `gamma`, `beta` (and for batch
    /// normalization `moving_mean`, `moving_variance`) of a normalization layer, each `[units]`;
    /// the `kernel` `[G·units, inputs]`, `recurrent_kernel` `[G·units, units]` and `bias`
    /// `[G·units]` (a GRU's `[3·units, 2]`) of a recurrent layer of `G` gates. `bias` says
    /// whether the tensors present only with an option (`use_bias`) are there.
    pub fn of_layer(
        kind: LayerKind,
        layer: &'n str,
        inputs: usize,
        units: usize,
        bias: bool,
    ) -> Vec<Self> {
        let decl = kind.decl();
        decl.tensors_with(|_| bias)
            .map(|tensor| match decl.shape(tensor, inputs, units) {
                (rows, Some(cols)) => TensorSpec::matrix(kind, layer, tensor.name, rows, cols),
                (rows, None) => TensorSpec::vector(kind, layer, tensor.name, rows),
            })
            .collect()
    }

    /// The name in nnet's files: `{layer}.{tensor}`, e.g. `batch_norm1.gamma`.
    pub fn name(&self) -> String {
        if self.layer.is_empty() {
            self.tensor.to_string()
        } else {
            format!("{}.{}", self.layer, self.tensor)
        }
    }

    /// The shape in nnet's files: `[rows, cols]` for a matrix, `[rows]` for a vector.
    pub fn shape(&self) -> Vec<usize> {
        if self.matrix {
            vec![self.rows, self.cols]
        } else {
            vec![self.rows]
        }
    }

    /// Whether a file of `naming` stores the matrix transposed, `[cols, rows]` (Keras kernels).
    fn transposed(&self, naming: Naming) -> bool {
        self.matrix && naming == Naming::Keras
    }

    /// Whether the tensor is one that a PyTorch file splits in two, each `[rows]` (the bias of
    /// a recurrent layer: `bias_ih` and `bias_hh`).
    fn split_bias(&self, naming: Naming) -> bool {
        naming == Naming::PyTorch
            && (self.kind.decl().tensor(self.tensor)).is_some_and(|t| t.pytorch.len() > 1)
    }

    /// The shape in a file of `naming` (of each of the two tensors of a split bias): nnet's
    /// `[rows, cols]` or `[rows]`; a Keras kernel transposed, `[cols, rows]`, or with one axis
    /// per kernel axis for a convolution; PyTorch's as nnet's, but a convolution's kernel
    /// with one axis per kernel axis (see [`Layout::Kernel`]).
    pub fn file_shape(&self, naming: Naming) -> Vec<usize> {
        if let Some(shape) = self.kernel_file_shape(naming) {
            shape
        } else if self.split_bias(naming) {
            vec![self.rows]
        } else if self.transposed(naming) {
            vec![self.cols, self.rows]
        } else {
            self.shape()
        }
    }

    /// `F32 [shape], the … of {layer}` (or `F64 …`): what a missing tensor should have been,
    /// for a network of `dtype`.
    fn expected(&self, naming: Naming, dtype: Dtype) -> String {
        let shape = self.file_shape(naming);
        let layer = self.layer_label();
        if self.kind.is_recurrent() {
            let (axes, details) = self.recurrent_axes(naming);
            format!(
                "{dtype} {shape:?}, the {} of {layer} as {axes} ({details})",
                self.tensor
            )
        } else if let Some((axes, _)) = self.kernel_axes(naming) {
            format!("{dtype} {shape:?}, the kernel of {layer} as {axes}")
        } else if !self.matrix {
            format!("{dtype} {shape:?}, the {} of {layer}", self.tensor)
        } else if self.transposed(naming) {
            format!("{dtype} {shape:?}, the kernel of {layer} as [inputs, units]")
        } else {
            format!("{dtype} {shape:?}, the weights of {layer} as [units, inputs]")
        }
    }

    /// The meaning of the axes, for a shape error.
    fn axes(&self, naming: Naming) -> String {
        let layer = self.layer_label();
        if self.kind.is_recurrent() {
            let (axes, details) = self.recurrent_axes(naming);
            format!("{axes} for {layer} ({details})")
        } else if let Some((axes, sizes)) = self.kernel_axes(naming) {
            format!("{axes} for {layer} ({sizes})")
        } else if !self.matrix {
            format!("the {} of {layer} ({} units)", self.tensor, self.rows)
        } else {
            let axes = if self.transposed(naming) {
                "[inputs, units]"
            } else {
                "[units, inputs]"
            };
            format!(
                "{axes} for {layer} ({} inputs, {} units)",
                self.cols, self.rows
            )
        }
    }

    /// The axes of a recurrent layer's tensor in a file of `naming`, and their sizes.
    fn recurrent_axes(&self, naming: Naming) -> (&'static str, String) {
        let gates = self.kind.gates();
        let units = self.rows / gates;
        let sizes = format!(
            "{gates} gate{} of {units} unit{}",
            if gates == 1 { "" } else { "s" },
            if units == 1 { "" } else { "s" }
        );
        let keras = naming == Naming::Keras;
        match self.tensor {
            "kernel" if keras => (
                "[inputs, gates·units]",
                format!("{} inputs, {sizes}", self.cols),
            ),
            "kernel" => (
                "[gates·units, inputs]",
                format!("{} inputs, {sizes}", self.cols),
            ),
            "recurrent_kernel" if keras => ("[units, gates·units]", sizes),
            "recurrent_kernel" => ("[gates·units, units]", sizes),
            _ if self.split_bias(naming) => (
                "[gates·units]",
                if self.matrix {
                    format!(
                        "{sizes}, each of `bias_ih` and `bias_hh`, which become the columns of nnet's [gates·units, 2]"
                    )
                } else {
                    format!("{sizes}, each of `bias_ih` and `bias_hh`, whose sum is nnet's bias")
                },
            ),
            _ if !self.matrix => ("[gates·units]", sizes),
            _ if keras => (
                "[2, gates·units]",
                format!(
                    "{sizes}; the input bias, then the recurrent bias: a GRU with reset_after=True"
                ),
            ),
            _ => (
                "[gates·units, 2]",
                format!("{sizes}; column 0 the input bias, column 1 the recurrent bias"),
            ),
        }
    }

    fn layer_label(&self) -> &str {
        if self.layer.is_empty() {
            "the layer"
        } else {
            self.layer
        }
    }
}

/// Where the values of one of a network's tensors are in a file, and how they are laid out
/// there, for a network of element type `E` (`f32` or `f64`).
///
/// [`resolve`] checked the file's dtypes against `E` (see [`Element`] for the rule), so
/// [`Source::write_column_major`] writes into a slice of `E` only: a tensor resolved for one
/// type cannot be written into the other.
#[derive(Debug, Clone, PartialEq)]
pub struct Source<'f, 'a, E> {
    /// The tensor in the file (for the bias of a PyTorch recurrent module, `bias_ih`).
    pub tensor: &'f Tensor<'a>,
    /// Rows of the network's tensor: the layer's units (times the gates of a recurrent layer).
    pub rows: usize,
    /// Columns of the network's tensor: the layer's inputs, or 1 for a vector.
    pub cols: usize,
    /// Whether the file stores the tensor as `[rows, cols]` row-major (nnet, PyTorch) rather
    /// than as `[cols, rows]` row-major, which is nnet's column-major memory (Keras kernels,
    /// vectors).
    pub row_major: bool,
    /// A second tensor of the file (PyTorch's `bias_hh` of a recurrent module): added to
    /// `tensor` for a vector, the second column of a matrix (a GRU's two biases).
    pub(crate) second: Option<&'f Tensor<'a>>,
    /// Whether the first two blocks of `rows / 3` rows are swapped (PyTorch's GRU gates `r, z,
    /// n` to nnet's and Keras's `z, r, h`).
    pub(crate) swap_gates: bool,
    /// Whether the file holds the columns (a vector's rows) channels first: PyTorch's kernels
    /// and the inputs of a layer after `nn.Flatten`.
    pub(crate) channels_first: Option<ChannelsFirst>,
    /// The network's element type, which the file's dtypes were checked against.
    element: PhantomData<E>,
}

impl<'f, 'a, E: Element> Source<'f, 'a, E> {
    /// The values of `tensor` as they are: `[rows, cols]` if `row_major`, else `[cols, rows]`.
    pub(crate) fn copy(tensor: &'f Tensor<'a>, rows: usize, cols: usize, row_major: bool) -> Self {
        Source {
            tensor,
            rows,
            cols,
            row_major,
            second: None,
            swap_gates: false,
            channels_first: None,
            element: PhantomData,
        }
    }

    /// Writes the values into `dst`, column-major `rows × cols` (nnet's memory order).
    ///
    /// Values of the network's dtype are copied exactly; values of the other float type, which
    /// [`resolve`] accepts only when the conversion is allowed, are converted: `F32` to `f64`
    /// exactly, `F64` to `f32` rounded to the nearest. The two biases of a PyTorch recurrent
    /// module are added in `E`, after the conversion.
    ///
    /// `dst` must hold `rows * cols` values; extra values are left alone and missing ones are
    /// not written.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_safetensors::{resolve, write, LayerKind, Naming, ResolveOptions, SafeTensors, TensorData, TensorSpec};
    ///
    /// let bytes = write(&[], &[TensorData::from_values("w", vec![2, 3], &[1.0_f64, 2.0, 3.0, 4.0, 5.0, 6.0])]);
    /// let file = SafeTensors::parse(&bytes, 1 << 20).unwrap();
    /// let network = [TensorSpec::matrix(LayerKind::Dense, "", "w", 2, 3)];
    /// let sources = resolve::<f64>(&file, &network, Naming::Nnet, ResolveOptions::default()).unwrap();
    /// let mut memory = [0.0_f64; 6];
    /// sources[0].write_column_major(&mut memory);
    /// assert_eq!(memory, [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    /// ```
    pub fn write_column_major(&self, dst: &mut [E]) {
        for (i, slot) in dst.iter_mut().enumerate().take(self.rows * self.cols) {
            // Column-major (r, c) at i = c * rows + r.
            *slot = self.value(i % self.rows, i / self.rows);
        }
    }

    /// The value of the network's tensor at row `r`, column `c`.
    fn value(&self, r: usize, c: usize) -> E {
        let block = self.rows / 3;
        let r = match self.swap_gates {
            true if r < block => r + block,
            true if r < 2 * block => r - block,
            _ => r,
        };
        let (r, c) = match self.channels_first {
            Some(order) if order.rows => (order.index(r), c),
            Some(order) => (r, order.index(c)),
            None => (r, c),
        };
        match self.second {
            Some(second) if self.cols > 1 => {
                if c == 0 {
                    value_at(self.tensor, r)
                } else {
                    value_at(second, r)
                }
            }
            Some(second) => value_at::<E>(self.tensor, r).plus(value_at(second, r)),
            None if self.row_major => value_at(self.tensor, r * self.cols + c),
            None => value_at(self.tensor, c * self.rows + r),
        }
    }

    /// The checks of the values, in this order: unless `allow_non_finite`, the first NaN or
    /// infinity of the file's tensors; whatever `allow_non_finite`, the first finite value that
    /// the conversion to `E` makes infinite (an `F64` beyond the range of `f32`); unless
    /// `allow_non_finite`, the first NaN or infinity of a sum of two tensors. Each error names
    /// the tensor and the index in its shape.
    fn check_values(&self, allow_non_finite: bool) -> Result<(), Error> {
        let tensors = || std::iter::once(self.tensor).chain(self.second);
        if !allow_non_finite {
            tensors().try_for_each(check_finite)?;
        }
        tensors().try_for_each(check_range::<E>)?;
        if let Some(second) = self.second
            && self.cols == 1
            && !allow_non_finite
        {
            for r in 0..self.rows {
                let value = self.value(r, 0).to_f64();
                if !value.is_finite() {
                    return Err(Error::NonFinite {
                        name: format!("{} + {}", self.tensor.name, second.name),
                        index: vec![r],
                        // NaN and ±inf are the same in f32.
                        value: value as f32,
                    });
                }
            }
        }
        Ok(())
    }
}

/// Value `i` of the row-major data of `tensor` as an `E`, 0 past its end.
fn value_at<E: Element>(tensor: &Tensor<'_>, i: usize) -> E {
    element::value_at(tensor.dtype, tensor.data, i).unwrap_or_else(|| E::from_f32(0.0))
}

/// The first finite value of `tensor` that the conversion to `E` makes infinite (an `F64`
/// beyond the range of `f32`), as an error naming it and the index in its shape.
fn check_range<E: Element>(tensor: &Tensor<'_>) -> Result<(), Error> {
    if tensor.dtype == E::DTYPE {
        return Ok(());
    }
    let found = element::values_f64(tensor.dtype, tensor.data)
        .enumerate()
        .find(|(_, v)| v.is_finite() && !E::from_f64(*v).to_f64().is_finite());
    match found {
        None => Ok(()),
        Some((flat, value)) => Err(Error::Overflow {
            name: tensor.name.clone(),
            index: unravel(flat, &tensor.shape),
            value,
        }),
    }
}

/// The first NaN or infinity of `tensor`, as an error naming it and the index in its shape.
fn check_finite(tensor: &Tensor<'_>) -> Result<(), Error> {
    let found = element::values_f64(tensor.dtype, tensor.data)
        .enumerate()
        .find(|(_, v)| !v.is_finite());
    match found {
        None => Ok(()),
        Some((flat, value)) => Err(Error::NonFinite {
            name: tensor.name.clone(),
            index: unravel(flat, &tensor.shape),
            // NaN and ±inf are the same in f32.
            value: value as f32,
        }),
    }
}

/// The multi-index of row-major position `flat` in `shape`.
fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut index = vec![0; shape.len()];
    for (slot, &dim) in index.iter_mut().zip(shape).rev() {
        if dim > 0 {
            *slot = flat % dim;
            flat /= dim;
        }
    }
    index
}

/// How strictly [`resolve`] judges a file's values: by default, every value must be finite and
/// of the network's dtype.
///
/// # Examples
///
/// ```
/// use nnet_safetensors::ResolveOptions;
///
/// let strict = ResolveOptions::default();
/// assert!(!strict.allow_non_finite && !strict.allow_conversion);
/// let converting = ResolveOptions { allow_conversion: true, ..ResolveOptions::default() };
/// assert!(converting.allow_conversion && !converting.allow_non_finite);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResolveOptions<'o> {
    /// Accept NaN and infinite values. Default: `false`, they are an [`Error::NonFinite`].
    pub allow_non_finite: bool,
    /// Accept tensors of the other float type than the network's and convert them: `F32` into
    /// an `f64` network exactly, `F64` into an `f32` network rounded to the nearest `f32` (a
    /// finite value beyond the range of `f32` is still an [`Error::Overflow`], whatever
    /// `allow_non_finite`). Default: `false`, such a tensor is an [`Error::Conversion`].
    pub allow_conversion: bool,
    /// The modules of a PyTorch file in the order of the network's layers, named as the file
    /// names them (`gru`, `fc`, `encoder.rnn`): for a file whose modules' names do not give
    /// their order (see [`Naming`]). Each module with tensors must be listed, once. Default:
    /// empty, the order is found from the names; given with another [`Naming`] than
    /// [`Naming::PyTorch`], an [`Error::ModuleOrder`].
    pub module_order: &'o [String],
}

/// The file's tensor for each of the network's `tensors`, in the same order, for a network of
/// element type `E` (`f32` or `f64`), after checking names, dtypes, shapes and, unless
/// `options.allow_non_finite`, that every value is finite.
///
/// `tensors` lists the network's tensors layer after layer (see [`TensorSpec`]); the file must
/// hold exactly those under `naming` (see [`Naming`] for the names and layouts), and nothing
/// else but the PyTorch tensors nnet skips (`num_batches_tracked`).
///
/// A tensor of `E`'s dtype is read exactly. A tensor of the other float type (`F32` for an
/// `f64` network, `F64` for an `f32` one) is read only with `options.allow_conversion`, and
/// then converted (see [`Element`]); each tensor is judged on its own, so a file may mix the
/// two. Every other dtype is refused. Everything is checked here, before a value is written.
///
/// # Errors
///
/// [`Error::MissingTensor`], [`Error::UnexpectedTensor`], [`Error::Dtype`],
/// [`Error::Conversion`], [`Error::Shape`], [`Error::NonFinite`], [`Error::Overflow`], each
/// naming the tensor and what the network expects; a PyTorch module or Keras layer of another
/// kind than the network's layer it maps to is an [`Error::UnexpectedTensor`] naming both.
///
/// # Examples
///
/// ```
/// use nnet_safetensors::{resolve, write, Error, LayerKind, Naming, ResolveOptions, SafeTensors, TensorData, TensorSpec};
///
/// let tensor = |name, shape| TensorData::from_values(name, shape, &[1.0_f32]);
/// let bytes = write(&[], &[
///     tensor("0.weight", vec![1, 1]),
///     tensor("0.bias", vec![1]),
///     tensor("1.weight", vec![1]),
///     tensor("1.bias", vec![1]),
/// ]);
/// let file = SafeTensors::parse(&bytes, 1 << 20).unwrap();
/// let mut network = TensorSpec::of_layer(LayerKind::Dense, "dense1", 1, 1, true);
/// network.extend(TensorSpec::of_layer(LayerKind::LayerNorm, "layer_norm1", 1, 1, true));
/// let strict = ResolveOptions::default();
/// let sources = resolve::<f32>(&file, &network, Naming::PyTorch, strict).unwrap();
/// assert_eq!(sources[2].tensor.name, "1.weight"); // layer_norm1.gamma
/// let error = resolve::<f32>(&file, &network, Naming::Nnet, strict).unwrap_err();
/// assert!(error.to_string().contains("no tensor `dense1.weight`"));
///
/// // The F32 file into an f64 network: refused, unless the conversion is allowed.
/// let error = resolve::<f64>(&file, &network, Naming::PyTorch, strict).unwrap_err();
/// assert!(matches!(error, Error::Conversion { .. }));
/// let converting = ResolveOptions { allow_conversion: true, ..strict };
/// let sources = resolve::<f64>(&file, &network, Naming::PyTorch, converting).unwrap();
/// let mut gamma = [0.0_f64];
/// sources[2].write_column_major(&mut gamma);
/// assert_eq!(gamma, [1.0]);
/// ```
pub fn resolve<'f, 'a, E: Element>(
    file: &'f SafeTensors<'a>,
    tensors: &[TensorSpec<'_>],
    naming: Naming,
    options: ResolveOptions<'_>,
) -> Result<Vec<Source<'f, 'a, E>>, Error> {
    let error = match resolve_as(file, tensors, naming, options) {
        Ok(sources) => return Ok(sources),
        Err(error) => error,
    };
    // A dense projection (of a sequence network, at every step) is a one-tap `Conv1D` or
    // `nn.Conv1d` in a framework's channels-last or channels-first sequence model.
    match projection::as_conv1d(tensors, naming) {
        Some(convs) => resolve_as(file, &convs, naming, options).map_err(|_| error),
        None => Err(error),
    }
}

/// [`resolve`] with the network's tensors as they are.
fn resolve_as<'f, 'a, E: Element>(
    file: &'f SafeTensors<'a>,
    tensors: &[TensorSpec<'_>],
    naming: Naming,
    options: ResolveOptions<'_>,
) -> Result<Vec<Source<'f, 'a, E>>, Error> {
    if let Some(problem) = tensors.iter().find_map(TensorSpec::layout_problem) {
        return Err(Error::Network(problem));
    }
    let layers = Layer::group(tensors, E::DTYPE);
    if naming != Naming::PyTorch && !options.module_order.is_empty() {
        return Err(Error::ModuleOrder(format!(
            "a module order is given, but it applies to PyTorch files only, and this file is read with {} names",
            framework(naming)
        )));
    }
    let found = match naming {
        Naming::Nnet => by_nnet_names(file, tensors, &layers, E::DTYPE)?,
        Naming::PyTorch => by_pytorch_modules(file, &layers, options.module_order)?,
        Naming::Keras => by_keras_layers(file, &layers)?,
    };
    let mut sources = Vec::with_capacity(tensors.len());
    for (spec, tensor) in tensors.iter().zip(found) {
        let Some((tensor, second)) = tensor else {
            // Every matcher reports a missing tensor itself; this is a safety net.
            return Err(Error::MissingTensor {
                name: spec.name(),
                expected: spec.expected(naming, E::DTYPE),
            });
        };
        let shape = spec.file_shape(naming);
        for tensor in std::iter::once(tensor).chain(second) {
            check_dtype::<E>(tensor, options.allow_conversion)?;
            check_shape(tensor, &shape, &spec.axes(naming))
                .map_err(|e| projection::order_hint(e, tensors, naming))?;
        }
        let mut source = Source::copy(tensor, spec.rows, spec.cols, !spec.transposed(naming));
        source.second = second;
        source.swap_gates = naming == Naming::PyTorch && spec.kind.decl().pytorch_swaps_gates();
        source.channels_first = spec.channels_first(naming);
        sources.push(source);
    }
    for source in &sources {
        source.check_values(options.allow_non_finite)?;
    }
    Ok(sources)
}

/// `E`'s dtype, or with `allow_conversion` the other float type.
fn check_dtype<E: Element>(tensor: &Tensor<'_>, allow_conversion: bool) -> Result<(), Error> {
    let (found, expected) = (tensor.dtype, E::DTYPE);
    match found {
        _ if found == expected => Ok(()),
        Dtype::F32 | Dtype::F64 if allow_conversion => Ok(()),
        Dtype::F32 | Dtype::F64 => Err(Error::Conversion {
            name: tensor.name.clone(),
            found,
            expected,
        }),
        _ => Err(Error::Dtype {
            name: tensor.name.clone(),
            found,
            expected,
        }),
    }
}

/// The expected shape.
fn check_shape(tensor: &Tensor<'_>, shape: &[usize], what: &str) -> Result<(), Error> {
    if tensor.shape != shape {
        return Err(Error::Shape {
            name: tensor.name.clone(),
            found: tensor.shape.clone(),
            expected: format!("{shape:?}, {what}"),
        });
    }
    Ok(())
}

/// Each tensor of a layer: its index in the network's list, its names in the file, and itself.
type ForeignParams<'s, 'n> = Vec<(usize, &'static [&'static str], &'s TensorSpec<'n>)>;

/// One of the network's layers with tensors.
struct Layer<'s, 'n> {
    kind: LayerKind,
    name: &'n str,
    /// Index of its first tensor in the network's list.
    start: usize,
    tensors: &'s [TensorSpec<'n>],
    /// The network's dtype, for messages.
    dtype: Dtype,
}

impl<'s, 'n> Layer<'s, 'n> {
    /// The runs of tensors of one layer, of a network of `dtype`.
    fn group(tensors: &'s [TensorSpec<'n>], dtype: Dtype) -> Vec<Self> {
        let mut start = 0;
        tensors
            .chunk_by(|a, b| a.layer == b.layer && a.kind == b.kind)
            .map(|run| {
                let layer = Layer {
                    kind: run[0].kind,
                    name: run[0].layer,
                    start,
                    tensors: run,
                    dtype,
                };
                start += run.len();
                layer
            })
            .collect()
    }

    /// `dense2`, or `the layer` for a lone, unnamed one.
    fn label(&self) -> &str {
        if self.name.is_empty() {
            "the layer"
        } else {
            self.name
        }
    }

    /// The layer's tensors under `naming`, with their index in the network's list, or the
    /// first one that has no such name.
    fn foreign_params(&self, naming: Naming) -> Result<ForeignParams<'s, 'n>, Error> {
        self.tensors
            .iter()
            .enumerate()
            .map(
                |(i, spec)| match spec.kind.foreign_names(naming, spec.kind_tensor()) {
                    Some(names) => Ok((self.start + i, names, spec)),
                    None => Err(Error::MissingTensor {
                        name: spec.name(),
                        expected: format!(
                            "{}: nnet does not know its name in {} files",
                            spec.expected(naming, self.dtype),
                            framework(naming)
                        ),
                    }),
                },
            )
            .collect()
    }
}

fn framework(naming: Naming) -> &'static str {
    match naming {
        Naming::Nnet => "nnet",
        Naming::PyTorch => "PyTorch",
        Naming::Keras => "Keras",
    }
}

/// `1st`, `2nd`, `3rd`, `4th`, … `11th`, … `21st`.
fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// `2 dense layers and 1 batch_norm layer`.
fn summary(layers: &[Layer<'_, '_>]) -> String {
    let counts: Vec<String> = tensor_kinds()
        .filter_map(|kind| {
            let n = layers.iter().filter(|l| l.kind == kind).count();
            let s = if n == 1 { "" } else { "s" };
            (n > 0).then(|| format!("{n} {} layer{s}", kind.name()))
        })
        .collect();
    match counts.as_slice() {
        [] => "no layer with tensors".to_owned(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// `a`, `a or b`, `a, b or c`.
fn either(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The kinds of the network's layers, each once, in the order of [`LayerKind::ALL`]; every
/// kind with tensors if the network has no layer with tensors.
fn kinds_of(layers: &[Layer<'_, '_>]) -> Vec<LayerKind> {
    let kinds: Vec<LayerKind> = tensor_kinds()
        .filter(|k| layers.iter().any(|l| l.kind == *k))
        .collect();
    if kinds.is_empty() {
        tensor_kinds().collect()
    } else {
        kinds
    }
}

/// The file's tensor for each of the network's tensors (with, for the bias of a PyTorch
/// recurrent module, its second tensor).
type Found<'f, 'a> = Vec<Option<(&'f Tensor<'a>, Option<&'f Tensor<'a>>)>>;

/// `{layer}.{tensor}` for every tensor, nothing else.
fn by_nnet_names<'f, 'a>(
    file: &'f SafeTensors<'a>,
    tensors: &[TensorSpec<'_>],
    layers: &[Layer<'_, '_>],
    dtype: Dtype,
) -> Result<Found<'f, 'a>, Error> {
    let mut found = Vec::with_capacity(tensors.len());
    for spec in tensors {
        let name = spec.name();
        let tensor = file.tensor(&name).ok_or_else(|| Error::MissingTensor {
            expected: spec.expected(Naming::Nnet, dtype),
            name,
        })?;
        found.push(Some((tensor, None)));
    }
    let names: HashSet<String> = tensors.iter().map(TensorSpec::name).collect();
    if let Some(extra) = file.tensors().iter().find(|t| !names.contains(&t.name)) {
        let list: Vec<String> = tensors.iter().map(TensorSpec::name).collect();
        return Err(Error::UnexpectedTensor {
            name: extra.name.clone(),
            reason: format!(
                "the network has {}, whose tensors are {}: is the file for another architecture?",
                summary(layers),
                list.join(", ")
            ),
        });
    }
    Ok(found)
}

/// A PyTorch module or Keras layer of the file: the tensors whose names share everything up to
/// the last `.` or `/`; or one layer of a PyTorch recurrent module.
#[derive(Clone)]
struct Group<'f, 'a> {
    /// The name up to the separator: `0`, `net.2`, `sequential/dense_1`, `layers.3`,
    /// `sequential/lstm/lstm_cell`.
    key: &'f str,
    /// The layer the key names: the key without the cell of a Keras recurrent layer
    /// (`sequential/lstm`), else the key.
    layer: &'f str,
    /// The separator: `.` or `/`.
    separator: char,
    /// The number that ends the layer's name (0 if none).
    number: u64,
    /// Its tensors by parameter name; for a layer of a PyTorch recurrent module, by the name
    /// without `_l{j}` (`weight_ih`).
    params: BTreeMap<&'f str, &'f Tensor<'a>>,
    /// For a layer of a PyTorch recurrent module: `(j, n)`, layer `j` of its `n`.
    rnn: Option<(usize, usize)>,
}

impl<'f, 'a> Group<'f, 'a> {
    fn param(&self, name: &str) -> Option<&'f Tensor<'a>> {
        self.params.get(name).copied()
    }

    /// Parameter `param` of a layer of `kind` as the file spells it in this group:
    /// `weight_ih_l1` for `weight_ih` in layer 1 of a PyTorch recurrent module.
    fn spelled(&self, naming: Naming, kind: LayerKind, param: &str) -> String {
        kind.spelled(naming, param, self.rnn.map_or(0, |(j, _)| j))
    }

    /// The name of parameter `param` (as the file spells it) of the group, whether or not the
    /// file has it.
    fn name_of(&self, param: &str) -> String {
        format!("{}{}{param}", self.key, self.separator)
    }

    /// The first of its tensors, to name in a message.
    fn first(&self) -> String {
        self.params
            .values()
            .next()
            .map_or_else(|| self.key.to_owned(), |t| t.name.clone())
    }
}

/// The file's tensors grouped by module or layer, each name `{key}{. or /}{param}` with `param`
/// a parameter name of some kind of layer.
fn groups<'f, 'a>(
    file: &'f SafeTensors<'a>,
    naming: Naming,
    layers: &[Layer<'_, '_>],
) -> Result<BTreeMap<&'f str, Group<'f, 'a>>, Error> {
    let known: HashSet<String> = tensor_kinds()
        .flat_map(|k| k.foreign_params(naming))
        .collect();
    let is_known = |param: &str| {
        known.contains(param)
            || (naming == Naming::PyTorch && pytorch_recurrent_param(param).is_some())
    };
    let mut groups: BTreeMap<&'f str, Group<'f, 'a>> = BTreeMap::new();
    for tensor in file.tensors() {
        let split = tensor.name.rfind(['.', '/']).and_then(|at| {
            Some((
                tensor.name.get(..at)?,
                tensor.name.get(at..)?.chars().next()?,
                tensor.name.get(at + 1..)?,
            ))
        });
        let Some((key, separator, param)) = split.filter(|(_, _, p)| is_known(p)) else {
            let kinds = kinds_of(layers);
            let classes: Vec<String> = kinds
                .iter()
                .map(|k| format!("`{}`", k.class_name(naming)))
                .collect();
            let mut forms: Vec<String> = Vec::new();
            for param in kinds.iter().flat_map(|k| k.foreign_params(naming)) {
                let form = format!("`<{}>{}{param}`", naming.group(), naming.separator());
                if !forms.contains(&form) {
                    forms.push(form);
                }
            }
            let what = match naming {
                Naming::Keras => "a Keras",
                Naming::Nnet | Naming::PyTorch => "a PyTorch",
            };
            let noun = if naming == Naming::Keras {
                " layer"
            } else {
                ""
            };
            return Err(Error::UnexpectedTensor {
                name: tensor.name.clone(),
                reason: format!(
                    "not a parameter of {what} {}{noun}: expected names such as {}",
                    either(&classes),
                    either(&forms)
                ),
            });
        };
        // A JSON object has no duplicate keys, so each parameter comes at most once.
        groups
            .entry(key)
            .or_insert_with(|| Group {
                key,
                layer: key,
                separator,
                number: 0,
                params: BTreeMap::new(),
                rnn: None,
            })
            .params
            .insert(param, tensor);
    }
    for group in groups.values_mut() {
        if naming == Naming::Keras
            && let Some((layer, _)) = keras_cell(group)
        {
            group.layer = layer;
        }
        let key = group.layer;
        let digits = key.len() - key.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        group.number = match key.get(key.len() - digits..) {
            Some("") | None => 0,
            Some(text) => text.parse::<u64>().map_err(|_| Error::UnexpectedTensor {
                name: group.first(),
                reason: format!(
                    "the {} number at the end of its name is too large",
                    naming.group()
                ),
            })?,
        };
    }
    Ok(groups)
}

/// The error for two groups whose order is unknown.
fn same_number(naming: Naming, group: &Group<'_, '_>, other: &Group<'_, '_>, kind: &str) -> Error {
    let weight = match naming {
        Naming::Keras => "kernel",
        Naming::Nnet | Naming::PyTorch => "weight",
    };
    let noun = naming.group();
    Error::UnexpectedTensor {
        name: group.first(),
        reason: format!(
            "its {noun} `{}` and the {kind}{noun} `{}` end in the same number ({}), so their order is unknown: name the {noun}s so that the numbers at the end of their names give their order, e.g. `layers.0.{weight}`, `layers.1.{weight}`",
            shorten(group.layer),
            shorten(other.layer),
            group.number
        ),
    }
}

/// Matches `group` to the network's `layer`: every parameter of the group is one of the
/// layer's (or skipped), and every tensor of the layer is in the group.
fn match_group<'f, 'a>(
    naming: Naming,
    group: &Group<'f, 'a>,
    layer: &Layer<'_, '_>,
    position: &str,
    found: &mut Found<'f, 'a>,
) -> Result<(), Error> {
    let params = layer.foreign_params(naming)?;
    let skip: &[&str] = match naming {
        Naming::PyTorch => layer.kind.skipped(),
        Naming::Nnet | Naming::Keras => &[],
    };
    let noun = naming.group();
    for (&param, tensor) in &group.params {
        if params.iter().any(|(_, names, _)| names.contains(&param)) || skip.contains(&param) {
            continue;
        }
        let layer_params: Vec<String> = params
            .iter()
            .flat_map(|(_, names, _)| names.iter())
            .map(|p| format!("`{}`", group.spelled(naming, layer.kind, p)))
            .collect();
        // A tensor the layer has only with an option: it was declared without it.
        let optional = layer.kind.decl().tensors.iter().find_map(|t| {
            let option = t.only_with?;
            let names = layer.kind.foreign_names(naming, t.name)?;
            names.contains(&param).then_some((t.name, option))
        });
        let hint = match optional {
            Some((tensor, option)) => format!(
                ": it has no {tensor} (`{option} = false`); declare it with a {tensor}, or export the layer without one"
            ),
            None => String::new(),
        };
        return Err(Error::UnexpectedTensor {
            name: tensor.name.clone(),
            reason: format!(
                "{noun} `{}` maps to {position}, `{}`, which as {} has only {}{hint}",
                shorten(group.layer),
                layer.label(),
                layer.kind.class(naming),
                layer_params.join(", ")
            ),
        });
    }
    for (index, names, spec) in params {
        let mut tensors = Vec::with_capacity(names.len());
        for &param in names {
            if let Some(tensor) = group.param(param) {
                tensors.push(tensor);
                continue;
            }
            let optional = layer
                .kind
                .decl()
                .tensor(spec.kind_tensor())
                .and_then(|t| t.only_with);
            let hint = if let Some(option) = optional {
                format!(
                    " (a layer without {tensor} maps to a {kind} layer declared with `{option} = false`; {noun} `{}` is {position})",
                    shorten(group.layer),
                    tensor = spec.tensor,
                    kind = layer.kind.name(),
                )
            } else if layer.kind.is_recurrent()
                && spec.tensor == "bias"
                && names.iter().all(|p| group.param(p).is_none())
            {
                let option = match naming {
                    Naming::PyTorch => "bias=False",
                    Naming::Nnet | Naming::Keras => "use_bias=False",
                };
                format!(
                    " ({noun} `{}`, {position}, has no bias, as {} with `{option}`; nnet's {} layers always have one: export the {noun} with a bias, its default)",
                    shorten(group.layer),
                    layer.kind.class(naming),
                    layer.kind.name()
                )
            } else {
                String::new()
            };
            return Err(Error::MissingTensor {
                name: group.name_of(&group.spelled(naming, layer.kind, param)),
                expected: format!("{}{hint}", spec.expected(naming, layer.dtype)),
            });
        }
        if let (Some(slot), Some(&first)) = (found.get_mut(index), tensors.first()) {
            *slot = Some((first, tensors.get(1).copied()));
        }
    }
    Ok(())
}

/// The kinds a PyTorch module can be, from its tensors, with the tensor that tells and why;
/// `None` if its tensors fit every kind.
fn pytorch_kinds<'g>(group: &'g Group<'_, '_>) -> Option<(Vec<LayerKind>, &'g str, String)> {
    if let Some((j, _)) = group.rnn {
        if let Some(hh) = group.param("weight_hh")
            && let [rows, cols] = hh.shape[..]
            && cols > 0
            && rows % cols == 0
            && let Some(kind) = of_gates(rows / cols)
        {
            let gates = rows / cols;
            return Some((
                vec![kind],
                &hh.name,
                format!(
                    "its `weight_hh_l{j}` is {:?}: {gates} gate{} of {cols} unit{}",
                    hh.shape,
                    if gates == 1 { "" } else { "s" },
                    if cols == 1 { "" } else { "s" }
                ),
            ));
        }
        let tensor = group.params.values().next()?;
        let param = tensor.name.rsplit(['.', '/']).next().unwrap_or_default();
        return Some((
            recurrent_kinds().collect(),
            &tensor.name,
            format!("it has `{param}`"),
        ));
    }
    let has = |name: &str| group.params.contains_key(name);
    if let Some((kind, name)) = telling_param(Naming::PyTorch, has) {
        let tensor = group.param(name)?;
        return Some((vec![kind], &tensor.name, format!("it has `{name}`")));
    }
    // A module's first parameter is its `weight`: a matrix, a vector or a convolution's kernel
    // of 3 or 4 axes tells the kinds apart.
    let weight = group.param("weight")?;
    let rank = weight.shape.len();
    let kinds: Vec<LayerKind> = by_fit(Naming::PyTorch, has)
        .into_iter()
        .filter(|&k| {
            k.decl()
                .tensors
                .first()
                .is_some_and(|t| t.pytorch == ["weight"])
                && file_rank(k) == Some(rank)
        })
        .collect();
    let why = match rank {
        1 => "its weight is a vector".to_owned(),
        2 => "its weight is a matrix".to_owned(),
        _ => format!("its weight has {rank} axes"),
    };
    (!kinds.is_empty()).then_some((kinds, weight.name.as_str(), why))
}

/// The layers of a PyTorch module: one group per layer `j` of an `nn.RNN`, `nn.GRU` or
/// `nn.LSTM` (its `*_l{j}` parameters, named without the suffix; any other parameter goes with
/// layer 0), or the module itself.
fn pytorch_layers<'f, 'a>(module: Group<'f, 'a>) -> Result<Vec<Group<'f, 'a>>, Error> {
    let mut per_layer: BTreeMap<usize, BTreeMap<&'f str, &'f Tensor<'a>>> = BTreeMap::new();
    let mut others: BTreeMap<&'f str, &'f Tensor<'a>> = BTreeMap::new();
    for (&param, &tensor) in &module.params {
        let unexpected = |reason: String| Error::UnexpectedTensor {
            name: tensor.name.clone(),
            reason,
        };
        match pytorch_recurrent_param(param) {
            None => {
                others.insert(param, tensor);
            }
            Some((_, _, true)) => {
                return Err(unexpected(format!(
                    "module `{}` is bidirectional (`bidirectional=True`), but nnet's recurrent layers run forward only: export a unidirectional module",
                    shorten(module.key)
                )));
            }
            Some(("weight_hr", ..)) => {
                return Err(unexpected(format!(
                    "module `{}` is an `nn.LSTM` with `proj_size` > 0, whose projection nnet's lstm layers do not have: export one without `proj_size`",
                    shorten(module.key)
                )));
            }
            Some((base, digits, false)) => {
                let j = digits.parse::<usize>().map_err(|_| {
                    unexpected("the layer number at the end of its name is too large".to_owned())
                })?;
                per_layer.entry(j).or_default().insert(base, tensor);
            }
        }
    }
    let Some(&last) = per_layer.keys().next_back() else {
        return Ok(vec![module]);
    };
    if let Some(gap) = (0..)
        .zip(per_layer.keys())
        .find_map(|(i, &j)| (i != j).then_some(i))
    {
        return Err(Error::MissingTensor {
            name: module.name_of(&format!("weight_ih_l{gap}")),
            expected: format!(
                "the weights of layer {gap} of module `{}`, which has parameters of layer {last}: a recurrent module of `num_layers = n` has `weight_ih_l0` to `weight_ih_l{{n-1}}`",
                shorten(module.key)
            ),
        });
    }
    let n = last + 1;
    Ok(per_layer
        .into_iter()
        .map(|(j, mut params)| {
            if j == 0 {
                params.append(&mut others);
            }
            Group {
                key: module.key,
                layer: module.layer,
                separator: module.separator,
                number: module.number,
                params,
                rnn: Some((j, n)),
            }
        })
        .collect())
}

/// PyTorch: modules in the order of their numbers (each layer of a multi-layer recurrent module
/// in turn), the k-th with tensors to the network's k-th layer with tensors.
fn by_pytorch_modules<'f, 'a>(
    file: &'f SafeTensors<'a>,
    layers: &[Layer<'_, '_>],
    module_order: &[String],
) -> Result<Found<'f, 'a>, Error> {
    let naming = Naming::PyTorch;
    let groups = groups(file, naming, layers)?;
    let (module_count, units, rule) = pytorch_order::units(groups, layers, module_order)?;
    let total = layers.last().map_or(0, |l| l.start + l.tensors.len());
    let mut found = vec![None; total];
    for (k, (unit, layer)) in units.iter().zip(layers).enumerate() {
        let position = format!("the network's {} layer with tensors", ordinal(k + 1));
        if let Some((kinds, name, why)) = pytorch_kinds(unit)
            && !kinds.contains(&layer.kind)
        {
            // `nn.Conv2d` is both a conv2d and a depthwise_conv2d layer: named once.
            let mut classes: Vec<String> = kinds.iter().map(|k| k.class(naming)).collect();
            classes.dedup();
            let subject = match unit.rnn {
                Some((j, n)) if n > 1 => {
                    format!("its layer {j} (of `num_layers = {n}`, each one layer of the network)")
                }
                _ => "it".to_owned(),
            };
            return Err(Error::UnexpectedTensor {
                name: name.to_owned(),
                reason: format!(
                    "module `{}` is {} ({why}), but {subject} maps to {position}, `{}`, a {} layer, which nnet imports from {}: declare the network's layers in the order of the PyTorch model's",
                    shorten(unit.key),
                    either(&classes),
                    layer.label(),
                    layer.kind.name(),
                    layer.kind.class(naming)
                ),
            });
        }
        match_group(naming, unit, layer, &position, &mut found)?;
    }
    if let Some(unit) = units.get(layers.len()) {
        let names: Vec<&str> = layers.iter().map(Layer::label).collect();
        return Err(Error::UnexpectedTensor {
            name: unit.first(),
            reason: format!(
                "the file has more layers than the network's {} with tensors ({}): is it for another architecture?",
                layers.len(),
                names.join(", ")
            ),
        });
    }
    if let Some(layer) = layers.get(units.len()) {
        let modules = if units.len() == module_count {
            format!("{module_count} modules with tensors")
        } else {
            format!(
                "{module_count} modules with tensors, {} layers counting each layer of a recurrent module",
                units.len()
            )
        };
        return Err(missing_layer(
            naming,
            layer,
            format!(
                "the file has {modules}, the network {} layers with tensors",
                layers.len()
            ),
        ));
    }
    projection::check_pytorch_order(&units, layers, rule, &found)?;
    Ok(found)
}

/// The error for a layer of the network that has no module or layer in the file.
fn missing_layer(naming: Naming, layer: &Layer<'_, '_>, counts: String) -> Error {
    let Some(spec) = layer.tensors.first() else {
        return Error::MissingLayer {
            layer: layer.label().to_owned(),
            group: naming.group().to_owned(),
            expected: format!("its tensors ({counts})"),
        };
    };
    let param = spec
        .kind
        .foreign_param(naming, spec.kind_tensor())
        .unwrap_or_else(|| spec.tensor.to_owned());
    Error::MissingLayer {
        layer: layer.label().to_owned(),
        group: naming.group().to_owned(),
        expected: format!(
            "`{param}` {} ({counts})",
            spec.expected(naming, layer.dtype)
        ),
    }
}

/// The layer of a Keras group that is the cell of a recurrent layer (`sequential/lstm` of
/// `sequential/lstm/lstm_cell`, `layers.0` of `layers.0.cell`), with the kind its cell's name
/// tells.
fn keras_cell<'f>(group: &Group<'f, '_>) -> Option<(&'f str, Option<LayerKind>)> {
    let at = group.key.rfind(['/', '.'])?;
    let (layer, cell) = (group.key.get(..at)?, group.key.get(at + 1..)?);
    if layer.is_empty() {
        return None;
    }
    if let Some(kind) = recurrent_kinds().find(|k| k.decl().keras_cell() == Some(cell)) {
        return Some((layer, Some(kind)));
    }
    (cell == "cell" && group.params.contains_key("recurrent_kernel")).then_some((layer, None))
}

/// The kind of a Keras layer: from the name of its cell (`lstm_cell`), from its name if it is
/// Keras's default (`dense_2`, `batch_normalization`, `gru_1`), else from its variables.
fn keras_kind(group: &Group<'_, '_>) -> LayerKind {
    if let Some((_, Some(kind))) = keras_cell(group) {
        return kind;
    }
    let last = group
        .layer
        .rsplit(['/', '.'])
        .next()
        .unwrap_or(group.layer)
        .trim_end_matches(|c: char| c.is_ascii_digit());
    let base = last.strip_suffix('_').unwrap_or(last);
    if let Some(kind) = tensor_kinds().find(|k| k.decl().keras_layer_name == base) {
        return kind;
    }
    let has = |name: &str| group.params.contains_key(name);
    if let Some(recurrent) = group.param("recurrent_kernel") {
        // [units, gates·units]; a GRU's bias is [2, 3·units].
        let gates = match recurrent.shape[..] {
            [units, width] if units > 0 && width % units == 0 => width / units,
            _ => 0,
        };
        let two_biases = group.param("bias").is_some_and(|b| b.shape.len() == 2);
        // Else by its bias: a matrix for the kind of two bias rows (a GRU).
        return of_gates(gates)
            .or_else(|| recurrent_kinds().find(|k| (k.decl().bias_rows() > 1) == two_biases))
            .unwrap_or(LayerKind::SimpleRnn);
    }
    // A kernel of 3 or 4 axes is a convolution's, of 2 a `Dense` layer's.
    let fits_rank = |kind: LayerKind| {
        let first = kind.decl().tensors.first();
        first
            .and_then(|t| group.param(t.keras))
            .is_none_or(|t| file_rank(kind) == Some(t.shape.len()))
    };
    if let Some((kind, _)) = telling_param(Naming::Keras, has)
        && fits_rank(kind)
    {
        return kind;
    }
    let fitting = by_fit(Naming::Keras, has);
    let by_rank = fitting.iter().copied().filter(|&k| fits_rank(k));
    by_rank
        .chain(fitting.iter().copied())
        .chain(tensor_kinds())
        .next()
        .unwrap_or(LayerKind::Dense)
}

/// Keras: layers per kind in the order of their numbers, the k-th of a kind to the network's
/// k-th layer of that kind. If the file names layers as shortcuts ([`projection::keras_shortcut`]),
/// those take the network's projections and the others its other layers, each kind apart;
/// else the projections count among the layers of their kind, where the network has them.
fn by_keras_layers<'f, 'a>(
    file: &'f SafeTensors<'a>,
    layers: &[Layer<'_, '_>],
) -> Result<Found<'f, 'a>, Error> {
    let naming = Naming::Keras;
    let groups = groups(file, naming, layers)?;
    // Names count only for a network with projections: elsewhere a layer named `shortcut` is
    // a layer like any other.
    let named = layers.iter().any(Layer::is_projection)
        && groups.values().any(|g| projection::keras_shortcut(g.layer));
    // The role of a network's layer: its kind, and whether it takes a layer named as a shortcut.
    let role = |layer: &Layer<'_, '_>| (layer.kind, named && layer.is_projection());
    let mut per_kind: BTreeMap<(LayerKind, bool), BTreeMap<u64, Group<'f, 'a>>> = BTreeMap::new();
    for group in groups.into_values() {
        let kind = keras_kind(&group);
        let last = group.layer.rsplit(['/', '.']).next().unwrap_or_default();
        if kind.is_recurrent()
            && (last.starts_with("backward_") || last.starts_with("forward_"))
            && let Some(at) = group.layer.len().checked_sub(last.len() + 1)
        {
            return Err(Error::UnexpectedTensor {
                name: group.first(),
                reason: format!(
                    "layer `{}` is half of the Keras `Bidirectional` layer `{}`, but nnet's recurrent layers run forward only: export a model without `Bidirectional`",
                    shorten(group.layer),
                    shorten(group.layer.get(..at).unwrap_or_default())
                ),
            });
        }
        let shortcut = named && projection::keras_shortcut(group.layer);
        let of_kind = per_kind.entry((kind, shortcut)).or_default();
        if let Some(other) = of_kind.get(&group.number) {
            let class = if shortcut {
                format!("`{}` shortcut ", kind.class_name(naming))
            } else {
                format!("`{}` ", kind.class_name(naming))
            };
            return Err(same_number(naming, &group, other, &class));
        }
        of_kind.insert(group.number, group);
    }
    let per_kind: BTreeMap<(LayerKind, bool), Vec<Group<'f, 'a>>> = per_kind
        .into_iter()
        .map(|(role, groups)| (role, groups.into_values().collect()))
        .collect();

    // Layers of the file beyond the network's, kind by kind.
    for (&(kind, shortcut), groups) in &per_kind {
        let ours = layers
            .iter()
            .filter(|l| role(l) == (kind, shortcut))
            .count();
        if let Some(group) = groups.get(ours) {
            let reason = match (shortcut, ours) {
                (true, 0) => format!(
                    "layer `{}` is named as a shortcut, {}, but the network has no `residual (project)` block whose projection is a {} layer: is the file for another architecture?",
                    shorten(group.layer),
                    kind.class(naming),
                    kind.name()
                ),
                (true, _) => format!(
                    "the file has more Keras `{}` layers named as shortcuts than the network's {ours} `residual (project)` block{} with a {} projection: is it for another architecture?",
                    kind.class_name(naming),
                    if ours == 1 { "" } else { "s" },
                    kind.name()
                ),
                (false, 0) => format!(
                    "layer `{}` is {}, but the network has no {} layer: is the file for another architecture?",
                    shorten(group.layer),
                    kind.class(naming),
                    kind.name()
                ),
                (false, _) => format!(
                    "the file has more Keras `{}` layers than the network's {ours} {} layer{}: is it for another architecture?",
                    kind.class_name(naming),
                    kind.name(),
                    if ours == 1 { "" } else { "s" }
                ),
            };
            return Err(Error::UnexpectedTensor {
                name: group.first(),
                reason,
            });
        }
    }

    let total = layers.last().map_or(0, |l| l.start + l.tensors.len());
    let mut found = vec![None; total];
    let mut rank: BTreeMap<(LayerKind, bool), usize> = BTreeMap::new();
    for layer in layers {
        let k = rank.entry(role(layer)).or_insert(0);
        *k += 1;
        let groups = per_kind.get(&role(layer)).map_or(&[][..], Vec::as_slice);
        let class = layer.kind.class_name(naming);
        let Some(group) = groups.get(*k - 1) else {
            let theirs = groups.len();
            let ours = layers.iter().filter(|l| role(l) == role(layer)).count();
            let shortcuts = if role(layer).1 {
                " named as shortcuts"
            } else {
                ""
            };
            return Err(missing_layer(
                naming,
                layer,
                format!(
                    "the file has {theirs} Keras `{class}` layer{}{shortcuts}, the network {ours} {} layer{}",
                    if theirs == 1 { "" } else { "s" },
                    layer.kind.name(),
                    if ours == 1 { "" } else { "s" }
                ),
            ));
        };
        let position = if role(layer).1 {
            format!(
                "the network's {} {} projection",
                ordinal(*k),
                layer.kind.name()
            )
        } else {
            format!("the network's {} {} layer", ordinal(*k), layer.kind.name())
        };
        match_group(naming, group, layer, &position, &mut found)?;
    }
    if !named {
        projection::check_keras_order(&per_kind, layers, &found)?;
    }
    Ok(found)
}
