//! What can be wrong with a weight file, and how a message quotes what the file holds.

use std::borrow::Cow;
use std::fmt;

/// The most characters of a name or value from a file that a message quotes.
pub const QUOTED_CHARS: usize = 64;

/// The most characters of a file's recorded architecture (`nnet.architecture`) that a message
/// quotes, or the length of the network's own if that is longer: a real architecture of many
/// layers fits, a hostile megabyte of text does not.
pub const QUOTED_ARCHITECTURE_CHARS: usize = 1024;

/// `text` as a message quotes it: whole if it has at most [`QUOTED_CHARS`] characters, else
/// its first [`QUOTED_CHARS`] characters, `…` and its length in bytes, so that a tensor name of
/// 50 MB (a hostile or broken file) makes a message of a line, not of 50 MB.
///
/// # Examples
///
/// ```
/// use nnet_safetensors::{shorten, QUOTED_CHARS};
///
/// assert_eq!(shorten("dense1.weight"), "dense1.weight");
/// let long = "x".repeat(1_000_000);
/// let quoted = shorten(&long);
/// assert_eq!(quoted, format!("{}… (1000000 bytes)", "x".repeat(QUOTED_CHARS)));
/// ```
pub fn shorten(text: &str) -> Cow<'_, str> {
    shorten_to(text, QUOTED_CHARS)
}

/// `text` whole if it has at most `chars` characters, else its first `chars` characters, `…`
/// and its length in bytes: [`shorten`] for a text that is longer when legitimate (an
/// architecture of many layers).
///
/// # Examples
///
/// ```
/// use nnet_safetensors::shorten_to;
///
/// assert_eq!(shorten_to("input 2; dense 1", 100), "input 2; dense 1");
/// assert_eq!(shorten_to("input 2; dense 1", 5), "input… (16 bytes)");
/// assert_eq!(shorten_to("ééé", 2), "éé… (6 bytes)");
/// ```
pub fn shorten_to(text: &str, chars: usize) -> Cow<'_, str> {
    match text.char_indices().nth(chars) {
        None => Cow::Borrowed(text),
        Some((at, _)) => Cow::Owned(format!(
            "{}… ({} bytes)",
            text.get(..at).unwrap_or_default(),
            text.len()
        )),
    }
}

/// Everything that can be wrong with a safetensors file or with its tensors for a network.
///
/// Every message names the tensor at fault (where there is one) and what was expected.
///
/// # Examples
///
/// ```
/// use nnet_safetensors::Error;
///
/// let error = Error::MissingTensor { name: "dense2.weight".into(), expected: "F32 [20, 10]".into() };
/// assert_eq!(error.to_string(), "the file has no tensor `dense2.weight`: expected F32 [20, 10]");
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// The file ends before its 8-byte header length or before the end of its header.
    Truncated {
        /// Bytes the file needs at least.
        needed: u64,
        /// Bytes the file has.
        len: usize,
    },
    /// The header is longer than the limit the caller set.
    HeaderTooLarge {
        /// Length of the header, as the file states it.
        len: u64,
        /// The limit.
        limit: usize,
    },
    /// The header is not valid UTF-8 JSON of the safetensors shape.
    Header(String),
    /// A tensor's header entry is malformed: dtype, shape or data offsets.
    Entry {
        /// Name of the tensor.
        name: String,
        /// What is wrong and what was expected.
        problem: String,
    },
    /// The tensors' byte ranges overlap, leave gaps, run past the end of the file or leave
    /// trailing bytes.
    Layout(String),
    /// A tensor the network needs is not in the file.
    MissingTensor {
        /// Name of the tensor.
        name: String,
        /// Its expected dtype and shape.
        expected: String,
    },
    /// A layer of the network has no PyTorch module or Keras layer in the file: the file has
    /// fewer than the network.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_safetensors::Error;
    ///
    /// let error = Error::MissingLayer {
    ///     layer: "gru1".into(),
    ///     group: "module".into(),
    ///     expected: "`weight_ih_l0` F32 [24, 1]".into(),
    /// };
    /// assert_eq!(
    ///     error.to_string(),
    ///     "the file has no module for the network's layer `gru1`: expected one with `weight_ih_l0` F32 [24, 1]"
    /// );
    /// ```
    MissingLayer {
        /// The network's layer: `gru1`.
        layer: String,
        /// What the file's groups of tensors are: `module` (PyTorch) or `layer` (Keras).
        group: String,
        /// The first tensor the layer's module or layer would hold, as the file would name
        /// it, with its dtype, shape and meaning, and how many each side has.
        expected: String,
    },
    /// The file holds a tensor the network does not have.
    UnexpectedTensor {
        /// Name of the tensor.
        name: String,
        /// Why it does not fit and what the network holds.
        reason: String,
    },
    /// A tensor has another shape than the network's.
    Shape {
        /// Name of the tensor.
        name: String,
        /// Shape in the file.
        found: Vec<usize>,
        /// Shape the network needs, with the meaning of each axis.
        expected: String,
    },
    /// A tensor has a dtype that nnet does not read: neither `F32` nor `F64`.
    Dtype {
        /// Name of the tensor.
        name: String,
        /// Its dtype.
        found: crate::Dtype,
        /// The network's dtype.
        expected: crate::Dtype,
    },
    /// A tensor is `F32` and the network's `F64`, or the other way round, and the caller did
    /// not allow the conversion.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_safetensors::{Dtype, Error};
    ///
    /// let error = Error::Conversion { name: "w".into(), found: Dtype::F32, expected: Dtype::F64 };
    /// assert!(error.to_string().starts_with("tensor `w` has dtype F32, expected F64, the network's:"));
    /// ```
    Conversion {
        /// Name of the tensor.
        name: String,
        /// Its dtype in the file.
        found: crate::Dtype,
        /// The network's dtype.
        expected: crate::Dtype,
    },
    /// A tensor holds NaN or an infinity.
    NonFinite {
        /// Name of the tensor.
        name: String,
        /// Index of the first non-finite value, in the file's shape.
        index: Vec<usize>,
        /// The value (NaN and the infinities are the same in `f32` and `f64`).
        value: f32,
    },
    /// An `F64` tensor converted to a network's `f32` holds a finite value beyond the range of
    /// `f32`, which would become an infinity.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_safetensors::Error;
    ///
    /// let error = Error::Overflow { name: "w".into(), index: vec![0, 1], value: 1e39 };
    /// assert!(error.to_string().starts_with("tensor `w` holds 1e39 at index [0, 1]"));
    /// ```
    Overflow {
        /// Name of the tensor.
        name: String,
        /// Index of the first such value, in the file's shape.
        index: Vec<usize>,
        /// The value.
        value: f64,
    },
    /// The file's metadata describe another architecture or format version.
    Metadata(String),
    /// The order of a PyTorch file's modules given by the caller
    /// ([`ResolveOptions::module_order`](crate::ResolveOptions)) names a module twice or one
    /// the file does not have, or is given for a file of other names.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_safetensors::Error;
    ///
    /// let error = Error::ModuleOrder("the module order lists `fc` twice (`fc`, `fc`)".into());
    /// assert_eq!(error.to_string(), "the module order lists `fc` twice (`fc`, `fc`)");
    /// ```
    ModuleOrder(String),
    /// The network's description of its tensors does not hold together (a convolution's
    /// kernel whose taps do not divide its columns): a fault of the code that described the
    /// network, never of the file.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_safetensors::Error;
    ///
    /// let error = Error::Network("`conv2d1.kernel` has 7 columns".into());
    /// assert_eq!(error.to_string(), "the network's tensors are described inconsistently: `conv2d1.kernel` has 7 columns");
    /// ```
    Network(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The names come from the file: quote at most a line of each.
        let name = match self {
            Error::Entry { name, .. }
            | Error::MissingTensor { name, .. }
            | Error::UnexpectedTensor { name, .. }
            | Error::Shape { name, .. }
            | Error::Dtype { name, .. }
            | Error::Conversion { name, .. }
            | Error::NonFinite { name, .. }
            | Error::Overflow { name, .. } => shorten(name),
            _ => Cow::Borrowed(""),
        };
        match self {
            Error::Truncated { needed, len } => write!(
                f,
                "the file is truncated: it has {len} bytes but its header needs {needed}"
            ),
            Error::HeaderTooLarge { len, limit } => write!(
                f,
                "the header is {len} bytes, over the limit of {limit} bytes: the file is corrupt or not a safetensors file"
            ),
            Error::Header(message) => write!(f, "corrupt header: {message}"),
            Error::Entry { problem, .. } => write!(f, "tensor `{name}`: {problem}"),
            Error::Layout(message) => write!(f, "corrupt data section: {message}"),
            Error::MissingTensor { expected, .. } => {
                write!(f, "the file has no tensor `{name}`: expected {expected}")
            }
            Error::MissingLayer {
                layer,
                group,
                expected,
            } => write!(
                f,
                "the file has no {group} for the network's layer `{layer}`: expected one with {expected}"
            ),
            Error::UnexpectedTensor { reason, .. } => {
                write!(f, "unexpected tensor `{name}`: {reason}")
            }
            Error::Shape {
                found, expected, ..
            } => write!(
                f,
                "tensor `{name}` has shape {found:?}, expected {expected}"
            ),
            Error::Dtype {
                found, expected, ..
            } => write!(
                f,
                "tensor `{name}` has dtype {found}, expected {expected}: convert the weights to {}-bit floats before exporting",
                8 * expected.size()
            ),
            Error::Conversion {
                found, expected, ..
            } => {
                let how = if found.size() < expected.size() {
                    format!("{found} to {expected} is exact")
                } else {
                    format!("each value rounded to the nearest {expected}")
                };
                write!(
                    f,
                    "tensor `{name}` has dtype {found}, expected {expected}, the network's: allow the conversion explicitly to load it ({how}), or export the weights as {expected}"
                )
            }
            Error::NonFinite { index, value, .. } => write!(
                f,
                "tensor `{name}` holds {value} at index {index:?}: NaN and infinite weights are rejected"
            ),
            Error::Overflow { index, value, .. } => write!(
                f,
                "tensor `{name}` holds {value:e} at index {index:?}, beyond the range of F32 (at most {:e} in magnitude): converted to the network's F32 it would be infinite; load it into an f64 network, or scale the weights",
                f32::MAX
            ),
            Error::Metadata(message) | Error::ModuleOrder(message) => write!(f, "{message}"),
            Error::Network(message) => write!(
                f,
                "the network's tensors are described inconsistently: {message}"
            ),
        }
    }
}

impl std::error::Error for Error {}
