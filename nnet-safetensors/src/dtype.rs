//! The element types of the safetensors format.

use std::fmt;

/// The element type of a tensor, as named in a safetensors header.
///
/// nnet's networks hold `F32` or `F64` (see [`Element`](crate::Element) for how a file's
/// dtype is judged against the network's); the others are known so that a file of another dtype
/// is reported as such, and so that its byte ranges can still be checked.
///
/// # Examples
///
/// ```
/// use nnet_safetensors::Dtype;
///
/// assert_eq!(Dtype::from_name("F64"), Some(Dtype::F64));
/// assert_eq!(Dtype::F64.size(), 8);
/// assert_eq!(Dtype::from_name("f32"), None); // names are upper case
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // each variant is the safetensors dtype of the same name
pub enum Dtype {
    Bool,
    U8,
    I8,
    F8E5M2,
    F8E4M3,
    I16,
    U16,
    F16,
    BF16,
    I32,
    U32,
    F32,
    I64,
    U64,
    F64,
}

const NAMES: [(Dtype, &str, usize); 15] = [
    (Dtype::Bool, "BOOL", 1),
    (Dtype::U8, "U8", 1),
    (Dtype::I8, "I8", 1),
    (Dtype::F8E5M2, "F8_E5M2", 1),
    (Dtype::F8E4M3, "F8_E4M3", 1),
    (Dtype::I16, "I16", 2),
    (Dtype::U16, "U16", 2),
    (Dtype::F16, "F16", 2),
    (Dtype::BF16, "BF16", 2),
    (Dtype::I32, "I32", 4),
    (Dtype::U32, "U32", 4),
    (Dtype::F32, "F32", 4),
    (Dtype::I64, "I64", 8),
    (Dtype::U64, "U64", 8),
    (Dtype::F64, "F64", 8),
];

impl Dtype {
    /// The dtype of a header's `"dtype"` string, or `None` if the name is unknown.
    pub fn from_name(name: &str) -> Option<Dtype> {
        NAMES
            .iter()
            .find(|(_, n, _)| *n == name)
            .map(|(d, _, _)| *d)
    }

    /// The name in a safetensors header, e.g. `"F32"`.
    pub fn name(self) -> &'static str {
        NAMES
            .iter()
            .find(|(d, _, _)| *d == self)
            .map_or("?", |(_, n, _)| n)
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        NAMES
            .iter()
            .find(|(d, _, _)| *d == self)
            .map_or(1, |(_, _, s)| *s)
    }
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
