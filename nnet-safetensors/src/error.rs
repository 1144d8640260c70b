//! What can be wrong with a weight file.

use std::fmt;

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
    /// A tensor has another dtype than `F32`.
    Dtype {
        /// Name of the tensor.
        name: String,
        /// Its dtype.
        found: crate::Dtype,
    },
    /// A tensor holds NaN or an infinity.
    NonFinite {
        /// Name of the tensor.
        name: String,
        /// Index of the first non-finite value, in the file's shape.
        index: Vec<usize>,
        /// The value.
        value: f32,
    },
    /// The file's metadata describe another architecture or format version.
    Metadata(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
            Error::Entry { name, problem } => write!(f, "tensor `{name}`: {problem}"),
            Error::Layout(message) => write!(f, "corrupt data section: {message}"),
            Error::MissingTensor { name, expected } => {
                write!(f, "the file has no tensor `{name}`: expected {expected}")
            }
            Error::UnexpectedTensor { name, reason } => {
                write!(f, "unexpected tensor `{name}`: {reason}")
            }
            Error::Shape {
                name,
                found,
                expected,
            } => write!(
                f,
                "tensor `{name}` has shape {found:?}, expected {expected}"
            ),
            Error::Dtype { name, found } => write!(
                f,
                "tensor `{name}` has dtype {found}, expected F32: convert the weights to 32-bit floats before exporting"
            ),
            Error::NonFinite { name, index, value } => write!(
                f,
                "tensor `{name}` holds {value} at index {index:?}: NaN and infinite weights are rejected"
            ),
            Error::Metadata(message) => write!(f, "{message}"),
        }
    }
}

impl std::error::Error for Error {}
