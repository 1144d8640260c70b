//! Writing: tensors and metadata to safetensors bytes.

use std::borrow::Cow;

use crate::element::Element;
use crate::{Dtype, json};

/// One tensor to write: its name, dtype, row-major shape and little-endian bytes.
///
/// The bytes are borrowed from the caller, or owned when [`TensorData::from_values`] encoded
/// them from `f32` or `f64` values.
///
/// # Examples
///
/// ```
/// use nnet_safetensors::{Dtype, TensorData};
///
/// let bytes = [1_u8, 2, 3];
/// let raw = TensorData { name: "b", dtype: Dtype::U8, shape: vec![3], data: (&bytes[..]).into() };
/// assert_eq!(raw.data.len(), 3);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TensorData<'a> {
    /// Name in the header.
    pub name: &'a str,
    /// Element type.
    pub dtype: Dtype,
    /// Shape, row-major.
    pub shape: Vec<usize>,
    /// The bytes, `shape.product() * dtype.size()` of them.
    pub data: Cow<'a, [u8]>,
}

impl<'a> TensorData<'a> {
    /// The tensor of `values`, row-major in `shape`, as `E`'s dtype: `F32` for `f32`, `F64`
    /// for `f64`, each value's little-endian bytes exactly (NaN and infinities included; the
    /// reader refuses them unless asked not to).
    ///
    /// `values` should hold `shape.product()` values; the writer does not check it, and the
    /// reader refuses a file where they differ.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_safetensors::{Dtype, SafeTensors, TensorData, write};
    ///
    /// let tensor = TensorData::from_values("dense1.weight", vec![1, 2], &[0.1_f64, -0.2]);
    /// assert_eq!((tensor.dtype, tensor.data.len()), (Dtype::F64, 16));
    /// let bytes = write(&[], &[tensor]);
    /// let file = SafeTensors::parse(&bytes, 1 << 20).unwrap();
    /// assert_eq!(file.tensor("dense1.weight").unwrap().to_f64(), vec![0.1, -0.2]);
    /// ```
    pub fn from_values<E: Element>(name: &'a str, shape: Vec<usize>, values: &[E]) -> Self {
        let mut data = Vec::with_capacity(values.len() * E::DTYPE.size());
        for &value in values {
            value.extend_le_bytes(&mut data);
        }
        TensorData {
            name,
            dtype: E::DTYPE,
            shape,
            data: Cow::Owned(data),
        }
    }
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
/// let data = [1_u8, 2, 3];
/// let bytes = write(&[], &[TensorData { name: "b", dtype: Dtype::U8, shape: vec![3], data: (&data[..]).into() }]);
/// assert_eq!(&bytes[bytes.len() - 3..], &[1, 2, 3]);
/// assert_eq!((bytes.len() - 3) % 8, 0);
/// let f64s = write(&[], &[TensorData::from_values("w", vec![1], &[0.5_f64])]);
/// assert!(String::from_utf8_lossy(&f64s).contains(r#""dtype":"F64""#));
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
        bytes.extend_from_slice(&tensor.data);
    }
    bytes
}
