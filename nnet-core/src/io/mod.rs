//! Saving and loading weights in the [safetensors] format, and importing them from PyTorch and
//! Keras.
//!
//! # The file
//!
//! A network saved by [`save`] or [`to_safetensors`] holds each of its tensors (see
//! [`Parameters::tensor_info`](crate::Parameters::tensor_info)) under the name
//! `{layer}.{tensor}`, F32 (or F64 for an `f64` network), a matrix `[rows, cols]` row-major, a
//! vector `[rows]`. Each kind's declaration in `nnet-kinds` gives its tensors; this table is
//! written from them (a test checks it):
//!
//! | layer | tensor | shape | trainable | meaning |
//! | --- | --- | --- | --- | --- |
//! | `dense{k}` | `weight` | `[units, inputs]` | yes | `W` of `a = act(W x + b)`: PyTorch's `weight`, Keras's `kernel` transposed |
//! | `dense{k}` | `bias` | `[units]` | yes | `b` (absent with `use_bias = false`) |
//! | `batch_norm{k}` | `gamma` | `[units]` | yes | scale |
//! | `batch_norm{k}` | `beta` | `[units]` | yes | offset |
//! | `batch_norm{k}` | `moving_mean` | `[units]` | no | the moving mean inference normalizes with |
//! | `batch_norm{k}` | `moving_variance` | `[units]` | no | the moving variance inference normalizes with |
//! | `layer_norm{k}` | `gamma` | `[units]` | yes | scale |
//! | `layer_norm{k}` | `beta` | `[units]` | yes | offset |
//! | `simple_rnn{k}` | `kernel` | `[units, inputs]` | yes | input weights, the gates' blocks in Keras's order: Keras's `kernel` transposed |
//! | `simple_rnn{k}` | `recurrent_kernel` | `[units, units]` | yes | recurrent weights: Keras's `recurrent_kernel` transposed |
//! | `simple_rnn{k}` | `bias` | `[units]` | yes | the bias (PyTorch's `bias_ih` + `bias_hh`) |
//! | `gru{k}` | `kernel` | `[3·units, inputs]` | yes | input weights, the gates' blocks in Keras's order: Keras's `kernel` transposed; gates `z`, `r`, `h` |
//! | `gru{k}` | `recurrent_kernel` | `[3·units, units]` | yes | recurrent weights: Keras's `recurrent_kernel` transposed; gates `z`, `r`, `h` |
//! | `gru{k}` | `bias` | `[3·units, 2]` | yes | input bias (column 0) and recurrent bias (column 1): Keras's `[2, 3·units]` transposed; gates `z`, `r`, `h` |
//! | `lstm{k}` | `kernel` | `[4·units, inputs]` | yes | input weights, the gates' blocks in Keras's order: Keras's `kernel` transposed; gates `i`, `f`, `c`, `o` |
//! | `lstm{k}` | `recurrent_kernel` | `[4·units, units]` | yes | recurrent weights: Keras's `recurrent_kernel` transposed; gates `i`, `f`, `c`, `o` |
//! | `lstm{k}` | `bias` | `[4·units]` | yes | the bias (PyTorch's `bias_ih` + `bias_hh`); gates `i`, `f`, `c`, `o` |
//! | `conv1d{k}` | `kernel` | `[filters, taps·in/groups]` | yes | one row per filter, in (kernel row, kernel column, input channel) order: Keras's `kernel` flattened to `[taps·in, filters]`, transposed |
//! | `conv1d{k}` | `bias` | `[filters]` | yes | one per filter (absent with `use_bias = false`) |
//! | `conv2d{k}` | `kernel` | `[filters, taps·in/groups]` | yes | one row per filter, in (kernel row, kernel column, input channel) order: Keras's `kernel` flattened to `[taps·in, filters]`, transposed |
//! | `conv2d{k}` | `bias` | `[filters]` | yes | one per filter (absent with `use_bias = false`) |
//! | `depthwise_conv2d{k}` | `kernel` | `[filters, taps·in/groups]` | yes | one row per output channel (`channel · depth_multiplier + m`), in (kernel row, kernel column) order: Keras's `kernel` `(kh, kw, channels, depth_multiplier)` flattened to `[taps, channels·depth_multiplier]`, transposed |
//! | `depthwise_conv2d{k}` | `bias` | `[filters]` | yes | one per filter (absent with `use_bias = false`) |
//!
//! Activation and dropout layers have no tensors. `k` counts the layers of each kind from 1
//! (`dense1`, `batch_norm1`, `dense2`). A dense weight is in PyTorch's layout for
//! `nn.Linear.weight`; in memory nnet keeps `W` column-major (the layout of a Keras kernel
//! `[inputs, units]`), so saving and loading transpose. The metadata record `nnet.version` (the
//! format version, `1`) and `nnet.architecture`, the layer list in the grammar of `network!`
//! (`input 2; dense 10 relu; dense 1 sigmoid`).
//!
//! # Loading is strict
//!
//! Loading builds a fresh network of zeros and returns it only once every check has passed, so
//! a failed load never yields a partly loaded network. The checks: a header of at most
//! [`LoadOptions::max_header_bytes`], valid JSON without duplicate names, known dtypes, data
//! offsets that agree with dtype and shape and tile the data section exactly (no overlap, no
//! gap, nothing past the end, no trailing bytes), exactly the network's tensors (none missing,
//! none extra), dtype F32, the network's shapes, no NaN or infinity (unless
//! [`LoadOptions::allow_non_finite`]), and, when the file records an architecture, the
//! network's. Each failure is an [`Error::Weights`] naming the tensor and what was expected.
//!
//! # PyTorch and Keras
//!
//! [`import_pytorch`] and [`import_keras`] read files written from those frameworks (see
//! `tools/` in the repository) under the names of [`Naming::PyTorch`] and [`Naming::Keras`];
//! their documentation has the tables of names. In short:
//!
//! | framework | layers | become |
//! | --- | --- | --- |
//! | PyTorch | `nn.Linear` `{i}.weight` `[out, in]`, `{i}.bias`; `nn.BatchNorm1d` `{i}.weight`, `.bias`, `.running_mean`, `.running_var`; `nn.LayerNorm` `{i}.weight`, `.bias` | the network's layers with tensors, in the order of the module numbers `i` (for unnumbered modules, `gru`, `fc`: of the network's declaration, or of [`LoadOptions::module_order`]) |
//! | PyTorch | `nn.RNN`, `nn.GRU`, `nn.LSTM` `{i}.weight_ih_l0`, `.weight_hh_l0`, `.bias_ih_l0`, `.bias_hh_l0` (GRU gates `r, z, n` reordered to `z, r, h`; an LSTM's or RNN's two biases added) | the same |
//! | Keras | `Dense` `{layer}/kernel` `[in, out]` (transposed), `/bias`; `BatchNormalization` `/gamma`, `/beta`, `/moving_mean`, `/moving_variance`; `LayerNormalization` `/gamma`, `/beta` | the network's layers of the same kind, in the order of the numbers ending the layer names |
//! | Keras | `SimpleRNN`, `GRU`, `LSTM` `{layer}/{cell}/kernel`, `/recurrent_kernel`, `/bias` (transposed) | the same |
//! | PyTorch | `nn.Conv1d`, `nn.Conv2d` (with `groups`; a depthwise one has `groups` = its input channels) `{i}.weight` `[filters, in/groups, kh, kw]`, `{i}.bias`; a `Linear` after `nn.Flatten` (its columns reordered from channels first to channels last) | `conv1d{k}`, `conv2d{k}`, `depthwise_conv2d{k}`, `dense{k}`, in module order |
//! | Keras | `Conv1D`, `Conv2D`, `DepthwiseConv2D` `{layer}/kernel` `[kh, kw, in/groups, filters]` (flattened and transposed), `/bias` | the same, per kind |
//!
//! The activations and the options of the layers (epsilon, momentum) are not in the file:
//! declare the same ones in `network!`.
//!
//! [safetensors]: https://huggingface.co/docs/safetensors

use std::path::Path;

use nnet_safetensors::{Layout, SafeTensors, TensorData, TensorSpec};

use crate::layer::LayerKind;
use crate::{Architecture, Error, Result};

pub use nnet_safetensors::{DEFAULT_MAX_HEADER, Naming};

/// The safetensors reader and writer, to inspect files or write tensors of one's own.
///
/// # Examples
///
/// ```
/// use nnet_core::io::safetensors::{Dtype, SafeTensors, TensorData, write};
///
/// let data = [0_u8; 8];
/// let tensor = TensorData { name: "w", dtype: Dtype::F32, shape: vec![2], data: data[..].into() };
/// let bytes = write(&[("note", "two zeros")], &[tensor]);
/// let file = SafeTensors::parse(&bytes, 1 << 20)?;
/// assert_eq!(file.tensors().len(), 1);
/// # Ok::<(), nnet_core::io::safetensors::Error>(())
/// ```
pub mod safetensors {
    pub use nnet_safetensors::{
        DEFAULT_MAX_HEADER, Dtype, Error, SafeTensors, Tensor, TensorData, write,
    };
}

#[cfg(test)]
mod declaration_tests;
mod layouts;
#[cfg(test)]
mod layouts_tests;
#[cfg(feature = "serde")]
pub mod serde_support;
#[cfg(test)]
mod tests;

/// The version of nnet's file format, recorded as the metadata `nnet.version`.
pub const FORMAT_VERSION: &str = "1";

/// How strictly and under which names to load a file.
///
/// # Examples
///
/// ```
/// use nnet_core::io::{LoadOptions, Naming};
///
/// let options = LoadOptions { allow_non_finite: true, ..LoadOptions::default() };
/// assert_eq!(options.naming, Naming::Nnet);
/// assert_eq!(LoadOptions::keras().naming, Naming::Keras);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadOptions {
    /// The names and layouts of the tensors. Default: [`Naming::Nnet`].
    pub naming: Naming,
    /// Accept NaN and infinite weights. Default: `false`, they are an error.
    pub allow_non_finite: bool,
    /// The longest header accepted, in bytes. Default: [`DEFAULT_MAX_HEADER`] (100 MB), which
    /// is also the most: the `safetensors` crate reads no longer header, so a larger value acts
    /// as 100 MB.
    pub max_header_bytes: usize,
    /// Reject a file whose `nnet.architecture` metadata differ from the network's (another
    /// activation, say, with the same shapes). Default: `true`. Files without that metadata
    /// (PyTorch, Keras) are never rejected for it.
    pub check_architecture: bool,
    /// Convert tensors of the other float dtype than the network's scalar: `F32` into an `f64`
    /// network (exact), `F64` into an `f32` network (each value rounded to the nearest `f32`; a
    /// finite value beyond `f32`'s range is still an error). Default: `false`: such a file is an
    /// error naming both dtypes, and no conversion ever happens silently.
    pub convert_dtype: bool,
    /// The modules of a PyTorch file in the order of the network's layers, named as in the
    /// state dict (`gru` for `gru.weight_ih_l0`), each module with tensors once: for a model
    /// whose modules' names do not give their order, such as two `nn.Linear` attributes `fc_in`
    /// and `fc_out` (see [`import_pytorch`] for the order found without it). Default: empty.
    /// Only for [`Naming::PyTorch`]: with another naming, a non-empty list is an error.
    pub module_order: Vec<String>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            naming: Naming::Nnet,
            allow_non_finite: false,
            max_header_bytes: DEFAULT_MAX_HEADER,
            check_architecture: true,
            convert_dtype: false,
            module_order: Vec::new(),
        }
    }
}

impl LoadOptions {
    /// The defaults with [`Naming::PyTorch`].
    pub fn pytorch() -> Self {
        LoadOptions {
            naming: Naming::PyTorch,
            ..LoadOptions::default()
        }
    }

    /// The defaults with [`Naming::Keras`].
    pub fn keras() -> Self {
        LoadOptions {
            naming: Naming::Keras,
            ..LoadOptions::default()
        }
    }

    /// These options with [`convert_dtype`](Self::convert_dtype) set: `F32` files load into
    /// `f64` networks and `F64` files into `f32` networks.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::io::LoadOptions;
    ///
    /// assert!(LoadOptions::default().converting_dtype().convert_dtype);
    /// assert!(!LoadOptions::default().convert_dtype);
    /// ```
    pub fn converting_dtype(self) -> Self {
        LoadOptions {
            convert_dtype: true,
            ..self
        }
    }

    /// These options with [`module_order`](Self::module_order) set: the PyTorch modules named
    /// `modules`, in the order of the network's layers.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::io::LoadOptions;
    ///
    /// let options = LoadOptions::pytorch().with_module_order(["fc_in", "fc_out"]);
    /// assert_eq!(options.module_order, ["fc_in", "fc_out"]);
    /// ```
    pub fn with_module_order<S: Into<String>>(self, modules: impl IntoIterator<Item = S>) -> Self {
        LoadOptions {
            module_order: modules.into_iter().map(Into::into).collect(),
            ..self
        }
    }
}

/// The safetensors bytes of `net`: each tensor as `{layer}.{tensor}`, F32 (`dense{k}.weight`
/// `[units, inputs]`, `dense{k}.bias` `[units]`, `batch_norm{k}.moving_mean` `[units]`, …; see
/// the [module documentation](self)), with the architecture in the metadata.
///
/// Loading them back with [`from_safetensors`] gives a network equal to `net`, bit for bit.
///
/// # Examples
///
/// ```
/// # use nnet_core::*;
/// # fn demo<N: Architecture + PartialEq + core::fmt::Debug>(net: N) -> Result<()> {
/// let bytes = nnet_core::io::to_safetensors(&net);
/// let back: N = nnet_core::io::from_safetensors(&bytes)?;
/// assert_eq!(back, net);
/// # Ok(()) }
/// ```
pub fn to_safetensors<N: Architecture>(net: &N) -> Vec<u8> {
    let tensors: Vec<(String, Vec<usize>, Vec<N::Scalar>)> = (0..N::TENSORS)
        .filter_map(|i| {
            let info = N::tensor_info(i)?;
            let values = net.tensor(i);
            let (shape, values) = if !info.matrix {
                (vec![info.rows], values.to_vec())
            } else {
                // Column-major (r, c) is at c * rows + r; the file wants row-major.
                let values = (0..info.rows)
                    .flat_map(|r| (0..info.cols).map(move |c| c * info.rows + r))
                    .filter_map(|at| values.get(at).copied())
                    .collect();
                (vec![info.rows, info.cols], values)
            };
            Some((info.name(), shape, values))
        })
        .collect();
    let data: Vec<TensorData> = tensors
        .iter()
        .map(|(name, shape, values)| TensorData::from_values(name, shape.clone(), values))
        .collect();
    let architecture = N::architecture();
    nnet_safetensors::write(
        &[
            ("nnet.version", FORMAT_VERSION),
            ("nnet.architecture", &architecture),
        ],
        &data,
    )
}

/// A network of type `N` from safetensors bytes in nnet's layout, with the default
/// [`LoadOptions`].
///
/// # Errors
///
/// [`Error::Weights`] if the bytes are not a valid safetensors file, or hold other tensors
/// than `N`'s, of another dtype or shape, or NaN or infinite values; the message names the
/// tensor and what was expected. See the [module documentation](self) for every check.
///
/// # Examples
///
/// ```
/// # use nnet_core::*;
/// # fn demo<N: Architecture + core::fmt::Debug>() {
/// // Eight bytes that declare a header of 7 × 10¹⁸ bytes: over the limit, an error.
/// let error = nnet_core::io::from_safetensors::<N>(b"not a weight file").unwrap_err();
/// assert!(error.to_string().contains("over the limit"));
/// # }
/// ```
pub fn from_safetensors<N: Architecture>(bytes: &[u8]) -> Result<N> {
    from_safetensors_with(bytes, &LoadOptions::default())
}

/// A network of type `N` from safetensors bytes, with `options`.
///
/// # Errors
///
/// As [`from_safetensors`].
pub fn from_safetensors_with<N: Architecture>(bytes: &[u8], options: &LoadOptions) -> Result<N> {
    let file = SafeTensors::parse(bytes, options.max_header_bytes).map_err(weights_error)?;
    let tensors = tensor_specs::<N>()?;
    let checks = nnet_safetensors::ResolveOptions {
        allow_non_finite: options.allow_non_finite,
        allow_conversion: options.convert_dtype,
        module_order: &options.module_order,
    };
    let sources = nnet_safetensors::resolve::<N::Scalar>(&file, &tensors, options.naming, checks)
        .map_err(weights_error)?;
    check_metadata::<N>(&file, options)?;
    // Everything is checked: only now is a network built, and it is returned whole.
    let mut net = N::zeroed();
    for (i, source) in sources.iter().enumerate() {
        let target = net.tensor_mut(i);
        if target.len() != source.rows * source.cols {
            return Err(Error::Weights(format!(
                "tensor {i} of the network holds {} values, but its layer needs {}",
                target.len(),
                source.rows * source.cols
            )));
        }
        source.write_column_major(target);
    }
    Ok(net)
}

/// Writes `net` to the file at `path` in nnet's safetensors layout (see [`to_safetensors`]).
///
/// # Errors
///
/// [`Error::Io`] if the file cannot be written.
pub fn save<N: Architecture>(net: &N, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    std::fs::write(path, to_safetensors(net))
        .map_err(|e| Error::Io(format!("cannot write `{}`: {e}", path.display())))
}

/// Reads a network of type `N` from the safetensors file at `path`, with the default
/// [`LoadOptions`].
///
/// The file is read with [`nnet_safetensors::read_file`]: a path that is not a regular file
/// (a directory, a FIFO, a device such as `/dev/zero`) is refused before it is opened, and no
/// byte beyond those the header declares is read.
///
/// # Errors
///
/// [`Error::Io`] if the file cannot be read or is not a regular file, and as
/// [`from_safetensors`].
pub fn load<N: Architecture>(path: impl AsRef<Path>) -> Result<N> {
    load_with(path, &LoadOptions::default())
}

/// Reads a network of type `N` from the safetensors file at `path`, with `options`.
///
/// # Errors
///
/// As [`load`].
pub fn load_with<N: Architecture>(path: impl AsRef<Path>, options: &LoadOptions) -> Result<N> {
    let path = path.as_ref();
    // Bounded: a FIFO or a device (`/dev/zero`) is refused, and only the bytes the header
    // declares are read.
    let bytes =
        nnet_safetensors::read_file(path, options.max_header_bytes).map_err(|e| match e {
            nnet_safetensors::FileError::Format(e) => Error::Weights(format!(
                "`{}`: {}",
                path.display(),
                weights_text(weights_error(e))
            )),
            e => Error::Io(format!("cannot read `{}`: {e}", path.display())),
        })?;
    from_safetensors_with(&bytes, options)
        .map_err(|e| Error::Weights(format!("`{}`: {}", path.display(), weights_text(e))))
}

/// A network of type `N` from the safetensors export of a PyTorch model's state dict
/// (`safetensors.torch.save_file(model.state_dict(), path)`), with the default
/// [`LoadOptions`] and [`Naming::PyTorch`].
///
/// The modules are ordered by the number that ends their name (`0`, `1`, `3` of an
/// `nn.Sequential`, `layers.0`, `net.2`, with any prefix), and the k-th module with tensors
/// becomes the network's k-th layer with tensors. Activation and dropout modules (`nn.ReLU`,
/// `nn.Dropout`) have no tensors, so their numbers are simply skipped, as nnet's activation and
/// dropout layers are.
///
/// A custom module's attributes (`self.gru = nn.GRU(…)`, `self.fc = nn.Linear(…)`: `gru.*`,
/// `fc.*`) have names without numbers. If the module names do not all end in distinct
/// numbers, and each module's kind is told by its tensors (`weight_hh_l0` a recurrent module,
/// a matrix `weight` an `nn.Linear`), the network's declaration gives the order: its layers of
/// each kind take the modules of that kind, in the order of their numbers (a module alone of
/// its kind needs none), so `gru` and `fc` become `gru1` and `dense1`. Where that is
/// ambiguous too (two `nn.Linear` named `fc_in` and `fc_out`), the error says so: give the
/// order with [`LoadOptions::module_order`] and [`import_pytorch_with`].
///
/// | PyTorch module | tensor | nnet layer | tensor |
/// | --- | --- | --- | --- |
/// | `nn.Linear` | `weight` `[out, in]` | `dense{k}` | `weight` `[units, inputs]`, as is |
/// | `nn.Linear` | `bias` `[out]` | `dense{k}` | `bias` |
/// | `nn.Linear(bias=False)` | (none) | `dense{k}` with `use_bias = false` | (none) |
/// | `nn.BatchNorm1d` | `weight` `[n]` | `batch_norm{k}` | `gamma` |
/// | `nn.BatchNorm1d` | `bias` | `batch_norm{k}` | `beta` |
/// | `nn.BatchNorm1d` | `running_mean` | `batch_norm{k}` | `moving_mean` |
/// | `nn.BatchNorm1d` | `running_var` | `batch_norm{k}` | `moving_variance` |
/// | `nn.BatchNorm1d` | `num_batches_tracked` (I64, 0-d) | | skipped, whatever its dtype |
/// | `nn.LayerNorm` | `weight` `[n]` | `layer_norm{k}` | `gamma` |
/// | `nn.LayerNorm` | `bias` | `layer_norm{k}` | `beta` |
/// | `nn.RNN`, `nn.LSTM` | `weight_ih_l0` `[G·U, IN]` | `simple_rnn{k}`, `lstm{k}` | `kernel` `[G·U, IN]`, as is |
/// | `nn.RNN`, `nn.LSTM` | `weight_hh_l0` `[G·U, U]` | `simple_rnn{k}`, `lstm{k}` | `recurrent_kernel` `[G·U, U]`, as is |
/// | `nn.RNN`, `nn.LSTM` | `bias_ih_l0`, `bias_hh_l0` `[G·U]` | `simple_rnn{k}`, `lstm{k}` | `bias` `[G·U]` = `bias_ih_l0 + bias_hh_l0` |
/// | `nn.GRU` | `weight_ih_l0` `[3U, IN]` | `gru{k}` | `kernel` `[3U, IN]`, gates `r, z, n` reordered to `z, r, h` |
/// | `nn.GRU` | `weight_hh_l0` `[3U, U]` | `gru{k}` | `recurrent_kernel` `[3U, U]`, reordered |
/// | `nn.GRU` | `bias_ih_l0`, `bias_hh_l0` `[3U]` | `gru{k}` | `bias` `[3U, 2]`: column 0 `bias_ih_l0`, column 1 `bias_hh_l0`, reordered |
/// | `nn.RNN`, `nn.GRU`, `nn.LSTM` | `*_l1`, `*_l2`, … (`num_layers > 1`) | the next recurrent layers | as for `_l0` |
/// | `nn.Conv1d` | `weight` `[F, IN/G, K]` | `conv1d{k}` | `kernel` `[F, K·IN/G]`, each filter's taps before its input channels: `kernel[f, t·IN/G + c] = weight[f, c, t]` |
/// | `nn.Conv2d` | `weight` `[F, IN/G, KH, KW]` | `conv2d{k}` | `kernel` `[F, KH·KW·IN/G]`: `kernel[f, (i·KW + j)·IN/G + c] = weight[f, c, i, j]` |
/// | `nn.Conv2d(C, C·M, k, groups=C)` | `weight` `[C·M, 1, KH, KW]` | `depthwise_conv2d{k}` (`depth_multiplier = M`) | `kernel` `[C·M, KH·KW]`, as is |
/// | `nn.Conv1d`, `nn.Conv2d` | `bias` `[F]` (none with `bias=False`) | `conv1d{k}`, `conv2d{k}`, `depthwise_conv2d{k}` | `bias` (declare `use_bias = false` without one) |
/// | `nn.Linear` after `nn.Flatten` of an `(N, C, H, W)` or `(N, C, L)` output | `weight` `[out, C·H·W]`, columns `(c, h, w)` | `dense{k}` after `flatten` | `weight` `[units, H·W·C]`, columns `(h, w, c)`: `weight[u, (h·W + w)·C + c] = weight[u, c·H·W + h·W + w]` |
///
/// **Convolutions.** PyTorch is channels first, nnet channels last (as Keras): a convolution's
/// weight holds each filter's input channels before its taps, and the import permutes them;
/// feed nnet the same inputs channels last (`x.permute(0, 2, 3, 1)` of an `(N, C, H, W)`
/// batch). `stride`, `dilation`, `groups` and the padding are not in the state dict: declare
/// the same (`padding=0` is `valid`; PyTorch's `padding="same"`, or a symmetric padding of
/// `d·(k−1)/2`, is `same` at stride 1; a symmetric padding of `(k−1)/2` at stride `s` is `same`
/// where `(n − 1) % s == 0`, e.g. odd sizes at stride 2; a padding of `d·(k−1)` whose last
/// `d·(k−1)` outputs are dropped, as TCNs write it, is `causal`). Pooling, `nn.Flatten` and
/// activation modules hold no tensors: their numbers are skipped as `nn.ReLU`'s are. A depthwise
/// layer is an `nn.Conv2d` as a convolution is: both match the network's layer at their rank.
/// In a custom module of unnumbered attributes (`conv1`, `conv2`, `fc1`, `fc2`), the
/// `nn.Conv2d`s take the network's conv2d layers in order (or its depthwise ones, if it has no
/// conv2d layer); a network with both needs [`LoadOptions::module_order`].
///
/// **A `Linear` after `nn.Flatten`** of a convolution's or pooling's output reads its inputs in
/// PyTorch's channels-first order, where nnet's `flatten` gives them channels last: the import
/// permutes the `Linear`'s columns (and the values of an `nn.BatchNorm1d` or `nn.LayerNorm`
/// between the two) from `(c, h, w)` to `(h, w, c)`, so the network computes what the PyTorch
/// model computes on the same input. This assumes the model flattened its channels-first
/// tensor as `nn.Flatten` (or `x.flatten(1)`, `x.view(n, -1)`) does; a model that permuted to
/// channels last before flattening needs its `Linear` unpermuted, which nnet cannot tell from
/// the state dict: export such a model's `Linear` weight permuted back to `(c, h, w)` order.
///
/// **Residual blocks.** The projection of a `residual (project)` block, `residual{k}` (an
/// `nn.Linear`, or a 1×1 `nn.Conv1d`/`nn.Conv2d` with the block's stride: `weight`
/// `[F, IN(, 1, 1)]` and `bias`), is the network's layer right after its block's last layer.
/// A state dict of blocks (`blocks.1.fc1`, `blocks.1.shortcut`, `head`) seldom gives that
/// order by its names: give it with [`LoadOptions::module_order`], each shortcut right after
/// its block's last layer. An order found from the names is refused where a shortcut listed
/// before its block's layers would fit every shape as well. In a sequence network, whose
/// projection is a dense layer at every step, a 1×1 `nn.Conv1d` shortcut imports too.
///
/// A recurrent module has `G` gates of `U` units over `IN` inputs: 1 for `nn.RNN` (nnet's
/// `simple_rnn`; declare its activation, `tanh` by default as PyTorch's `nonlinearity`), 3 for
/// `nn.GRU` (nnet's `gru`, Keras's `reset_after = true` form, which is PyTorch's), 4 for
/// `nn.LSTM` (`i, f, g, o`, nnet's and Keras's `i, f, c, o`). The module's kind is told by its
/// `weight_hh_l{j}` (`G·U` rows over `U` columns), and a module of another kind than the
/// network's layer at its rank is an error naming both. Layer `j` of a module of
/// `num_layers = n` is the `j`-th of `n` consecutive layers of the network (declare all but
/// the last with `return_sequences = true`, as PyTorch feeds each layer the whole output
/// sequence of the one before). `batch_first` is not in the state dict and does not matter.
/// Errors, not silent fixes: a module with `bias=False` (nnet's recurrent layers always have
/// biases), a bidirectional one (`*_reverse`), an `nn.LSTM` with `proj_size` (`weight_hr_l0`).
///
/// The values are copied as they are. For batch normalization that is exact for inference,
/// which normalizes with the moving statistics: `gamma · (x − mean) / √(var + ε) + beta`. Two
/// conventions differ from Keras's and nnet's, and matter only for further training: PyTorch's
/// `running_var` accumulates the *unbiased* variance of each batch (divided by `n − 1`, where
/// nnet and Keras use the biased one), and PyTorch's `momentum` is the weight of the new batch,
/// `1 − ` Keras's (PyTorch's default 0.1 is Keras's 0.9). Declare `batch_norm (momentum = 0.9,
/// epsilon = 1e-5)` for PyTorch's defaults; ε is not in the file. nnet's `layer_norm` normalizes
/// over all the units of a sample, as `nn.LayerNorm(n)` over its last dimension.
///
/// # Errors
///
/// As [`from_safetensors`], naming the PyTorch tensors; a module whose tensors do not fit the
/// network's layer it maps to (an `nn.BatchNorm1d` where the network has a dense layer, a
/// `Linear` with a bias where the dense layer has none, an `nn.LSTM` where it has a gru
/// layer) is an error naming both.
///
pub fn import_pytorch<N: Architecture>(bytes: &[u8]) -> Result<N> {
    from_safetensors_with(bytes, &LoadOptions::pytorch())
}

/// [`import_pytorch`] with `options` ([`Naming::PyTorch`] whatever `options.naming`): to give
/// the order of the modules ([`LoadOptions::module_order`]), or to allow a conversion of dtype.
///
/// # Errors
///
/// As [`import_pytorch`]; a [`LoadOptions::module_order`] that misses a module of the file,
/// names one it does not have or names one twice is an error saying which.
///
/// # Examples
///
/// ```
/// # use nnet_core::*;
/// # use nnet_core::io::LoadOptions;
/// # fn demo<N: Architecture + core::fmt::Debug>(bytes: &[u8]) {
/// // A file of two `nn.Linear` attributes, `fc_in` and `fc_out`: only the model knows their order.
/// let options = LoadOptions::pytorch().with_module_order(["fc_in", "fc_out"]);
/// let net: Result<N> = nnet_core::io::import_pytorch_with(bytes, &options);
/// # }
/// # let options = LoadOptions::pytorch().with_module_order(["fc_in", "fc_out"]);
/// # assert_eq!(options.module_order.len(), 2);
/// ```
pub fn import_pytorch_with<N: Architecture>(bytes: &[u8], options: &LoadOptions) -> Result<N> {
    let options = LoadOptions {
        naming: Naming::PyTorch,
        ..options.clone()
    };
    from_safetensors_with(bytes, &options)
}

/// A network of type `N` from a safetensors file of Keras weights named by the variables' paths
/// (`dense/kernel`, `sequential/batch_normalization/moving_mean`,
/// `sequential/lstm/lstm_cell/kernel`, or `layers.0.kernel`), with the default
/// [`LoadOptions`] and [`Naming::Keras`].
///
/// Keras numbers its layers per class (`dense`, `dense_1`, …, `batch_normalization`,
/// `batch_normalization_1`, …), so each Keras layer becomes the nnet layer of the same kind and
/// rank: the k-th Keras `BatchNormalization` layer, in the order of the number that ends its
/// name (no number counts as 0), is `batch_norm{k}`. A layer's class is told by Keras's default
/// name, or else by its variables (`recurrent_kernel`: a recurrent layer; `kernel`: `Dense`;
/// `moving_mean`: `BatchNormalization`; `gamma` and `beta` alone: `LayerNormalization`). Any
/// prefix (`sequential/`, `model/`) is fine.
///
/// | Keras layer | variable | nnet layer | tensor |
/// | --- | --- | --- | --- |
/// | `Dense` | `kernel` `[in, out]` | `dense{k}` | `weight` `[units, inputs]`, transposed |
/// | `Dense` | `bias` `[out]` | `dense{k}` | `bias` |
/// | `Dense(use_bias=False)` | (none) | `dense{k}` with `use_bias = false` | (none) |
/// | `BatchNormalization` | `gamma`, `beta` | `batch_norm{k}` | `gamma`, `beta` |
/// | `BatchNormalization` | `moving_mean`, `moving_variance` | `batch_norm{k}` | `moving_mean`, `moving_variance` |
/// | `LayerNormalization` | `gamma`, `beta` | `layer_norm{k}` | `gamma`, `beta` |
/// | `SimpleRNN`, `GRU`, `LSTM` | `{cell}/kernel` `[IN, G·U]` | `simple_rnn{k}`, `gru{k}`, `lstm{k}` | `kernel` `[G·U, IN]`, transposed |
/// | `SimpleRNN`, `GRU`, `LSTM` | `{cell}/recurrent_kernel` `[U, G·U]` | `simple_rnn{k}`, `gru{k}`, `lstm{k}` | `recurrent_kernel` `[G·U, U]`, transposed |
/// | `SimpleRNN`, `LSTM` | `{cell}/bias` `[G·U]` | `simple_rnn{k}`, `lstm{k}` | `bias` `[G·U]` |
/// | `GRU` (`reset_after=True`) | `{cell}/bias` `[2, 3U]` | `gru{k}` | `bias` `[3U, 2]`, transposed |
/// | `Conv1D` | `kernel` `[K, IN/G, F]` | `conv1d{k}` | `kernel` `[F, K·IN/G]`: flattened to `[K·IN/G, F]`, transposed |
/// | `Conv2D` | `kernel` `[KH, KW, IN/G, F]` | `conv2d{k}` | `kernel` `[F, KH·KW·IN/G]`: flattened, transposed |
/// | `DepthwiseConv2D` | `kernel` `[KH, KW, C, M]` | `depthwise_conv2d{k}` (`depth_multiplier = M`) | `kernel` `[C·M, KH·KW]`: flattened to `[KH·KW, C·M]`, transposed |
/// | `Conv1D`, `Conv2D`, `DepthwiseConv2D` | `bias` `[F]` | `conv1d{k}`, `conv2d{k}`, `depthwise_conv2d{k}` | `bias` |
///
/// Keras and nnet are both channels last, and Keras's `Flatten` orders values as nnet's
/// `flatten` does, so a `Dense` layer after it imports as is. A convolution's options
/// (`strides`, `padding`, `dilation_rate`, `groups`) are not in the file: declare the same.
/// Keras 3 names a `DepthwiseConv2D`'s kernel `kernel` (Keras 2 `depthwise_kernel`, which is
/// not read). Pooling, `Flatten` and `GlobalAveragePooling2D` layers have no variables.
///
/// A Keras recurrent layer keeps its variables in its cell, named `simple_rnn_cell`,
/// `gru_cell` or `lstm_cell` whatever the layer's name: `sequential/lstm/lstm_cell/kernel`,
/// `gru_1/gru_cell/bias`, or `layers.0.cell.kernel`; a path without the cell
/// (`lstm/kernel`) is read too. Its class is told by the cell's name, by Keras's default layer
/// name (`simple_rnn`, `gru`, `lstm`, with `_1`, `_2`, …), or else by the shapes of its
/// variables (`G` gates of `U` units: 1 for `SimpleRNN`, 3 for `GRU`, 4 for `LSTM`). The gates
/// are in Keras's order, nnet's. Errors: a recurrent layer without bias (`use_bias=False`), a
/// `GRU` with `reset_after=False` (its bias is `[3U]`), the halves of a `Bidirectional` layer.
///
/// The projection of a `residual (project)` block, `residual{k}` (a `Dense` layer on vectors,
/// a 1×1 `Conv1D`/`Conv2D` with the block's stride on fixed shapes, a `Dense` or 1×1 `Conv1D`
/// in a sequence network), counts among the layers
/// of its class right after its block's last layer: create the shortcut layer after the
/// block's layers (Keras numbers layers in creation order), or name the shortcut layers
/// `shortcut`, `shortcut_1`, … in the order of the blocks. A file whose shapes fit a shortcut
/// created before its block's layers as well is refused with an error saying so.
///
/// nnet's normalization layers follow Keras's conventions (momentum, biased batch variance,
/// default ε = 1e-3), so the values are copied as they are; declare the same options
/// (`batch_norm (momentum = 0.9)`), which are not in the file. `Activation` and `Dropout`
/// layers have no variables.
///
/// # Errors
///
/// As [`from_safetensors`], naming the Keras tensors; a Keras layer of a class the network has
/// no (or fewer) layers of is an error naming it.
pub fn import_keras<N: Architecture>(bytes: &[u8]) -> Result<N> {
    from_safetensors_with(bytes, &LoadOptions::keras())
}

/// The network's tensors, as the resolver of `nnet_safetensors` describes them: each
/// [`TensorInfo`](crate::TensorInfo) with the kind of its layer in [`Architecture::LAYERS`] and
/// its layout (a convolution's kernel, the inputs of a layer after `flatten`).
fn tensor_specs<N: Architecture>() -> Result<Vec<TensorSpec<'static>>> {
    let needs_input = N::LAYERS
        .first()
        .is_some_and(|l| l.kind == LayerKind::Flatten);
    let input = needs_input
        .then(|| layouts::input_shape(&N::architecture()))
        .flatten();
    let layouts = layouts::layouts(input, N::LAYERS)?;
    (0..N::TENSORS)
        .map(|i| {
            let info = N::tensor_info(i).ok_or_else(|| {
                Error::Weights(format!(
                    "the network has {} tensors but no description of tensor {i}",
                    N::TENSORS
                ))
            })?;
            let (index, layer) = N::LAYERS
                .iter()
                .enumerate()
                .find(|(_, l)| l.name == info.layer)
                .ok_or_else(|| {
                    Error::Weights(format!(
                        "tensor `{}` belongs to no layer of the network",
                        info.name()
                    ))
                })?;
            if !layer.kind.has_tensors() {
                return Err(Error::Weights(format!(
                    "tensor `{}` belongs to `{}`, a {} layer, which has no tensors",
                    info.name(),
                    layer.name,
                    layer.kind.name()
                )));
            }
            let layout = layouts
                .get(index)
                .map_or(Layout::Plain, |l| l.of(layer.kind, &info));
            Ok(TensorSpec {
                kind: layer.kind,
                layer: info.layer,
                tensor: info.tensor,
                rows: info.rows,
                cols: info.cols,
                matrix: info.matrix,
                layout,
            })
        })
        .collect()
}

/// The format version and the architecture, where the file records them.
fn check_metadata<N: Architecture>(file: &SafeTensors, options: &LoadOptions) -> Result<()> {
    if let Some(version) = file.metadata("nnet.version")
        && version != FORMAT_VERSION
    {
        return Err(Error::Weights(format!(
            "the file is of nnet format version {}, this nnet reads version {FORMAT_VERSION}: load it with a newer nnet",
            nnet_safetensors::shorten(version)
        )));
    }
    let expected = N::architecture();
    if options.check_architecture
        && let Some(found) = file.metadata("nnet.architecture")
        && found != expected
    {
        // The file's text is quoted up to a generous length, which a real architecture fits.
        let quoted = nnet_safetensors::QUOTED_ARCHITECTURE_CHARS.max(expected.len());
        let found = nnet_safetensors::shorten_to(found, quoted);
        return Err(Error::Weights(format!(
            "the file was saved from the architecture `{found}`, but the network is `{expected}`: load it into a network of that architecture, or set LoadOptions::check_architecture to false"
        )));
    }
    Ok(())
}

fn weights_error(error: nnet_safetensors::Error) -> Error {
    let hint = match error {
        nnet_safetensors::Error::NonFinite { .. } => {
            " (set LoadOptions::allow_non_finite to load them anyway)"
        }
        nnet_safetensors::Error::Conversion { .. } => {
            " (set LoadOptions::convert_dtype, e.g. `LoadOptions::default().converting_dtype()`)"
        }
        _ => "",
    };
    Error::Weights(format!("{error}{hint}"))
}

/// The message of a weights error without its `weights: ` prefix.
fn weights_text(error: Error) -> String {
    match error {
        Error::Weights(text) => text,
        other => other.to_string(),
    }
}
