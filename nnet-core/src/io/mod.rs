//! Saving and loading weights in the [safetensors] format, and importing them from PyTorch and
//! Keras.
//!
//! # The file
//!
//! A network saved by [`save`] or [`to_safetensors`] holds, for each layer `dense{k}`:
//!
//! | tensor | dtype | shape | meaning |
//! | --- | --- | --- | --- |
//! | `dense{k}.weight` | F32 | `[units, inputs]`, row-major | `W` of `a = act(W x + b)` |
//! | `dense{k}.bias` | F32 | `[units]` | `b` |
//!
//! This is PyTorch's layout for `nn.Linear.weight`, so a PyTorch state dict maps by renaming.
//! In memory nnet keeps `W` column-major (the layout of a Keras kernel `[inputs, units]`), so
//! saving and loading transpose. The metadata record `nnet.version` (the format version, `1`)
//! and `nnet.architecture`, the layer list in the grammar of `network!`
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
//! `tools/` in the repository) under the names of [`Naming::PyTorch`] and [`Naming::Keras`]:
//!
//! | framework | the k-th dense layer | becomes |
//! | --- | --- | --- |
//! | PyTorch `nn.Sequential` of `nn.Linear` | `{i}.weight` `[out, in]`, `{i}.bias` `[out]` | `dense{k}.weight` as is, `dense{k}.bias` |
//! | Keras `Dense` | `{layer}/kernel` `[in, out]`, `{layer}/bias` `[out]` | `dense{k}.weight` transposed, `dense{k}.bias` |
//!
//! Layers are ordered by the number that ends their module or layer name: `0`, `2`, `4` of an
//! `nn.Sequential` (activations own no tensors), `dense`, `dense_1`, `dense_2` of Keras (no
//! number counts as 0), `layers.0`, `layers.1`; any common prefix (`model.`, `sequential/`) is
//! fine. The activations are not in the file: declare the same ones in `network!`.
//!
//! [safetensors]: https://huggingface.co/docs/safetensors

use std::path::Path;

use nnet_safetensors::{DenseShape, Dtype, SafeTensors, TensorData};

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
/// let tensor = TensorData { name: "w", dtype: Dtype::F32, shape: vec![2], data: &data };
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

#[cfg(feature = "serde")]
pub mod serde_support;

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
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            naming: Naming::Nnet,
            allow_non_finite: false,
            max_header_bytes: DEFAULT_MAX_HEADER,
            check_architecture: true,
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
}

/// The safetensors bytes of `net`: `dense{k}.weight` `[units, inputs]` and `dense{k}.bias`
/// `[units]`, F32, with the architecture in the metadata.
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
    let tensors: Vec<(String, Vec<usize>, Vec<u8>)> = (0..N::TENSORS)
        .filter_map(|i| {
            let info = N::tensor_info(i)?;
            let values = net.tensor(i);
            let (shape, bytes) = if !info.matrix {
                (
                    vec![info.rows],
                    values.iter().flat_map(|v| v.to_le_bytes()).collect(),
                )
            } else {
                // Column-major (r, c) is at c * rows + r; the file wants row-major.
                let bytes = (0..info.rows)
                    .flat_map(|r| (0..info.cols).map(move |c| c * info.rows + r))
                    .filter_map(|at| values.get(at))
                    .flat_map(|v| v.to_le_bytes())
                    .collect();
                (vec![info.rows, info.cols], bytes)
            };
            Some((info.name(), shape, bytes))
        })
        .collect();
    let data: Vec<TensorData> = tensors
        .iter()
        .map(|(name, shape, bytes)| TensorData {
            name,
            dtype: Dtype::F32,
            shape: shape.clone(),
            data: bytes,
        })
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
    let layers: Vec<DenseShape> = N::LAYERS
        .iter()
        .map(|l| DenseShape {
            inputs: l.inputs,
            units: l.units,
        })
        .collect();
    let sources =
        nnet_safetensors::resolve(&file, &layers, options.naming, options.allow_non_finite)
            .map_err(weights_error)?;
    check_metadata::<N>(&file, options)?;
    if sources.len() != N::TENSORS {
        return Err(Error::Weights(format!(
            "the network has {} tensors for {} layers; nnet can only load networks of dense layers",
            N::TENSORS,
            N::LAYERS.len()
        )));
    }
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
/// # Errors
///
/// [`Error::Io`] if the file cannot be read, and as [`from_safetensors`].
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
    let bytes = std::fs::read(path)
        .map_err(|e| Error::Io(format!("cannot read `{}`: {e}", path.display())))?;
    from_safetensors_with(&bytes, options)
        .map_err(|e| Error::Weights(format!("`{}`: {}", path.display(), weights_text(e))))
}

/// A network of type `N` from the safetensors export of a PyTorch `nn.Sequential` of
/// `nn.Linear` layers (its state dict: `0.weight` `[out, in]`, `0.bias`, `2.weight`, ...).
///
/// # Errors
///
/// As [`from_safetensors`], naming the PyTorch tensors.
pub fn import_pytorch<N: Architecture>(bytes: &[u8]) -> Result<N> {
    from_safetensors_with(bytes, &LoadOptions::pytorch())
}

/// A network of type `N` from a safetensors file of Keras `Dense` kernels and biases
/// (`dense/kernel` `[in, out]`, `dense/bias`, `dense_1/kernel`, ...); the kernels are
/// transposed to nnet's weights.
///
/// # Errors
///
/// As [`from_safetensors`], naming the Keras tensors.
pub fn import_keras<N: Architecture>(bytes: &[u8]) -> Result<N> {
    from_safetensors_with(bytes, &LoadOptions::keras())
}

/// The format version and the architecture, where the file records them.
fn check_metadata<N: Architecture>(file: &SafeTensors, options: &LoadOptions) -> Result<()> {
    if let Some(version) = file.metadata("nnet.version")
        && version != FORMAT_VERSION
    {
        return Err(Error::Weights(format!(
            "the file is of nnet format version {version}, this nnet reads version {FORMAT_VERSION}: load it with a newer nnet"
        )));
    }
    let expected = N::architecture();
    if options.check_architecture
        && let Some(found) = file.metadata("nnet.architecture")
        && found != expected
    {
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
