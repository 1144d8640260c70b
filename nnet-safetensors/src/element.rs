//! The floating-point types a network holds, `f32` and `f64`, and how a file's values become
//! them.

use std::fmt;

use crate::Dtype;

/// A floating-point type a network holds: `f32` or `f64`, the safetensors dtypes `F32` and
/// `F64`.
///
/// Reading a file into a network of `E` copies tensors of `E::DTYPE` exactly. A tensor of the
/// other float type is converted only when the caller allows it: `F32` to `f64` is exact (every
/// `f32` is an `f64`), `F64` to `f32` rounds each value to the nearest `f32` (ties to even),
/// and a finite value beyond the range of `f32` is an error rather than an infinity. Every
/// other dtype (`F16`, `BF16`, the integers, …) is refused. The trait is sealed: `f32` and `f64`
/// are its only types.
///
/// # Examples
///
/// ```
/// use nnet_safetensors::{Dtype, Element};
///
/// fn dtype_of<E: Element>() -> Dtype {
///     E::DTYPE
/// }
/// assert_eq!(dtype_of::<f32>(), Dtype::F32);
/// assert_eq!(dtype_of::<f64>(), Dtype::F64);
/// ```
pub trait Element: sealed::Sealed + Copy + PartialEq + fmt::Debug + 'static {
    /// The dtype of the type in a safetensors file: `F32` for `f32`, `F64` for `f64`.
    const DTYPE: Dtype;
}

impl Element for f32 {
    const DTYPE: Dtype = Dtype::F32;
}

impl Element for f64 {
    const DTYPE: Dtype = Dtype::F64;
}

/// The operations the reader and the writer need, out of the public API.
pub(crate) mod sealed {
    /// Conversions from and to the file's float types.
    pub trait Sealed: Sized {
        /// The value of an `F32` in the file: exact.
        fn from_f32(value: f32) -> Self;
        /// The value of an `F64` in the file: exact, or rounded to the nearest `f32` (ties to
        /// even; infinite beyond the range of `f32`).
        fn from_f64(value: f64) -> Self;
        /// The value as an `f64`: exact.
        fn to_f64(self) -> f64;
        /// The sum, in the type's own precision.
        fn plus(self, other: Self) -> Self;
        /// The little-endian bytes, appended to `out`.
        fn extend_le_bytes(self, out: &mut Vec<u8>);
    }

    impl Sealed for f32 {
        fn from_f32(value: f32) -> Self {
            value
        }
        fn from_f64(value: f64) -> Self {
            // `as` rounds to nearest, ties to even, and gives ±inf beyond f32's range.
            value as f32
        }
        fn to_f64(self) -> f64 {
            f64::from(self)
        }
        fn plus(self, other: Self) -> Self {
            self + other
        }
        fn extend_le_bytes(self, out: &mut Vec<u8>) {
            out.extend_from_slice(&self.to_le_bytes());
        }
    }

    impl Sealed for f64 {
        fn from_f32(value: f32) -> Self {
            f64::from(value)
        }
        fn from_f64(value: f64) -> Self {
            value
        }
        fn to_f64(self) -> f64 {
            self
        }
        fn plus(self, other: Self) -> Self {
            self + other
        }
        fn extend_le_bytes(self, out: &mut Vec<u8>) {
            out.extend_from_slice(&self.to_le_bytes());
        }
    }
}

/// The values of a tensor's little-endian bytes as `f64`s (exact): `data` read as `F32` or
/// `F64`, nothing for any other dtype.
pub(crate) fn values_f64(dtype: Dtype, data: &[u8]) -> impl Iterator<Item = f64> + '_ {
    let (f32s, f64s): (&[[u8; 4]], &[[u8; 8]]) = match dtype {
        Dtype::F32 => (data.as_chunks::<4>().0, &[]),
        Dtype::F64 => (&[], data.as_chunks::<8>().0),
        _ => (&[], &[]),
    };
    f32s.iter()
        .map(|c| f64::from(f32::from_le_bytes(*c)))
        .chain(f64s.iter().map(|c| f64::from_le_bytes(*c)))
}

/// Value `i` of the row-major `F32` or `F64` `data` as an `E`, or `None` past its end (or for
/// another dtype).
pub(crate) fn value_at<E: Element>(dtype: Dtype, data: &[u8], i: usize) -> Option<E> {
    match dtype {
        Dtype::F32 => {
            let bytes = data.get(i.checked_mul(4)?..)?.first_chunk::<4>()?;
            Some(E::from_f32(f32::from_le_bytes(*bytes)))
        }
        Dtype::F64 => {
            let bytes = data.get(i.checked_mul(8)?..)?.first_chunk::<8>()?;
            Some(E::from_f64(f64::from_le_bytes(*bytes)))
        }
        _ => None,
    }
}
