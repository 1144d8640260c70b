//! Writing: tensors and metadata to safetensors bytes.

use crate::Dtype;
use crate::json;

/// One tensor to write: its name, dtype, row-major shape and little-endian bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorData<'a> {
    /// Name in the header.
    pub name: &'a str,
    /// Element type.
    pub dtype: Dtype,
    /// Shape, row-major.
    pub shape: Vec<usize>,
    /// The bytes, `shape.product() * dtype.size()` of them.
    pub data: &'a [u8],
}

/// The safetensors bytes of `tensors` (data in the given order) with `metadata`.
///
/// The header is padded with spaces to a multiple of 8 bytes, as the reference implementation
/// does, so that the data of `F32` and `F64` tensors is aligned in memory-mapped files.
///
/// # Examples
///
/// ```
/// use nnet_safetensors::{write, Dtype, TensorData};
///
/// let bytes = write(&[], &[TensorData { name: "b", dtype: Dtype::U8, shape: vec![3], data: &[1, 2, 3] }]);
/// assert_eq!(&bytes[bytes.len() - 3..], &[1, 2, 3]);
/// assert_eq!((bytes.len() - 3) % 8, 0);
/// ```
pub fn write(metadata: &[(&str, &str)], tensors: &[TensorData<'_>]) -> Vec<u8> {
    let mut header = String::from("{");
    let mut first = true;
    let mut separator = |header: &mut String| {
        if !first {
            header.push(',');
        }
        first = false;
    };
    if !metadata.is_empty() {
        separator(&mut header);
        header.push_str("\"__metadata__\":{");
        for (i, (key, value)) in metadata.iter().enumerate() {
            if i > 0 {
                header.push(',');
            }
            header.push_str(&json::string(key));
            header.push(':');
            header.push_str(&json::string(value));
        }
        header.push('}');
    }
    let mut offset = 0;
    for tensor in tensors {
        separator(&mut header);
        header.push_str(&json::string(tensor.name));
        let shape: Vec<String> = tensor.shape.iter().map(usize::to_string).collect();
        let end = offset + tensor.data.len();
        header.push_str(&format!(
            ":{{\"dtype\":\"{}\",\"shape\":[{}],\"data_offsets\":[{offset},{end}]}}",
            tensor.dtype,
            shape.join(",")
        ));
        offset = end;
    }
    header.push('}');
    while header.len() % 8 != 0 {
        header.push(' ');
    }

    let mut bytes = Vec::with_capacity(8 + header.len() + offset);
    bytes.extend_from_slice(&(header.len() as u64).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    for tensor in tensors {
        bytes.extend_from_slice(tensor.data);
    }
    bytes
}
