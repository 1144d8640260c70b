//! Reading: bytes to a validated [`SafeTensors`] view, every byte range checked.

use crate::json::{self, Value};
use crate::{Dtype, Error, shorten};

/// The default limit on the header's length: 100 MB, as the reference implementation.
///
/// It is also the highest limit: the `safetensors` crate, whose checks every file passes as
/// well as nnet's, refuses longer headers, so a larger `max_header` acts as this one.
pub const DEFAULT_MAX_HEADER: usize = 100_000_000;

/// A validated safetensors file: its metadata and its tensors, each with a byte range that was
/// checked to lie inside the file without overlapping another or leaving a gap.
///
/// # Examples
///
/// ```
/// use nnet_safetensors::{Dtype, SafeTensors, TensorData};
///
/// let bytes = nnet_safetensors::write(
///     &[("purpose", "example")],
///     &[TensorData::from_values("w", vec![2], &[1.0_f32, 2.0])],
/// );
/// let file = SafeTensors::parse(&bytes, nnet_safetensors::DEFAULT_MAX_HEADER).unwrap();
/// assert_eq!(file.metadata("purpose"), Some("example"));
/// assert_eq!(file.tensor("w").unwrap().dtype, Dtype::F32);
/// assert_eq!(file.tensor("w").unwrap().to_f32(), vec![1.0, 2.0]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SafeTensors<'a> {
    metadata: Vec<(String, String)>,
    tensors: Vec<Tensor<'a>>,
    /// Indices into `tensors`, sorted by name, for [`SafeTensors::tensor`].
    by_name: Vec<usize>,
}

/// One tensor of a [`SafeTensors`] file.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor<'a> {
    /// Name in the header.
    pub name: String,
    /// Element type.
    pub dtype: Dtype,
    /// Shape, row-major (the last axis varies fastest).
    pub shape: Vec<usize>,
    /// The raw little-endian bytes, exactly `shape.product() * dtype.size()` of them.
    pub data: &'a [u8],
}

impl Tensor<'_> {
    /// The values of an `F32` tensor, row-major (empty for other dtypes).
    pub fn to_f32(&self) -> Vec<f32> {
        if self.dtype != Dtype::F32 {
            return Vec::new();
        }
        self.data
            .as_chunks::<4>()
            .0
            .iter()
            .map(|c| f32::from_le_bytes(*c))
            .collect()
    }

    /// The values of an `F64` tensor, row-major (empty for other dtypes: an `F32` tensor is
    /// not converted here; [`Tensor::to_f32`] reads it).
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_safetensors::{SafeTensors, TensorData};
    ///
    /// let bytes = nnet_safetensors::write(&[], &[TensorData::from_values("w", vec![2], &[0.1_f64, -2.5])]);
    /// let file = SafeTensors::parse(&bytes, nnet_safetensors::DEFAULT_MAX_HEADER).unwrap();
    /// let w = file.tensor("w").unwrap();
    /// assert_eq!(w.to_f64(), vec![0.1, -2.5]);
    /// assert!(w.to_f32().is_empty());
    /// ```
    pub fn to_f64(&self) -> Vec<f64> {
        if self.dtype != Dtype::F64 {
            return Vec::new();
        }
        self.data
            .as_chunks::<8>()
            .0
            .iter()
            .map(|c| f64::from_le_bytes(*c))
            .collect()
    }
}

impl<'a> SafeTensors<'a> {
    /// Parses and validates `bytes`.
    ///
    /// The header is read by a strict JSON reader of this crate, and the file is checked by
    /// nnet's rules, which accept no file that the `safetensors` crate rejects (the tests
    /// compare the two on generated and random files). Time and
    /// memory grow linearly with the length of the header, and as `n log n` with the number
    /// `n` of tensors (their byte ranges are sorted).
    ///
    /// # Errors
    ///
    /// [`Error::Truncated`] if the file ends inside its header, [`Error::HeaderTooLarge`] if the
    /// header is longer than `max_header` bytes (or than [`DEFAULT_MAX_HEADER`], the most the
    /// `safetensors` crate reads), [`Error::Header`] for a header that is not the JSON of a
    /// safetensors file (duplicate keys included), [`Error::Entry`] for a malformed tensor entry
    /// (unknown dtype or field, data offsets that do not match the dtype and shape),
    /// [`Error::Layout`] for byte ranges that overlap, leave gaps, run past the end or leave
    /// trailing bytes.
    pub fn parse(bytes: &'a [u8], max_header: usize) -> Result<Self, Error> {
        let (header, data) = split(bytes, max_header)?;
        let (metadata, mut entries) = parse_header(header)?;
        check_layout(&mut entries, data.len())?;
        let tensors: Vec<Tensor<'a>> = entries
            .into_iter()
            .map(|e| {
                // check_layout proved begin <= end <= data.len().
                let data = data.get(e.begin..e.end).unwrap_or_default();
                Tensor {
                    name: e.name,
                    dtype: e.dtype,
                    shape: e.shape,
                    data,
                }
            })
            .collect();
        let mut by_name: Vec<usize> = (0..tensors.len()).collect();
        by_name.sort_unstable_by(|&a, &b| tensors[a].name.cmp(&tensors[b].name));
        Ok(SafeTensors {
            metadata,
            tensors,
            by_name,
        })
    }

    /// The metadata value of `key`.
    pub fn metadata(&self, key: &str) -> Option<&str> {
        self.metadata
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every metadata entry, in the header's order.
    pub fn metadata_entries(&self) -> &[(String, String)] {
        &self.metadata
    }

    /// The tensor named `name`.
    pub fn tensor(&self, name: &str) -> Option<&Tensor<'a>> {
        let at = self
            .by_name
            .binary_search_by(|&i| {
                self.tensors
                    .get(i)
                    .map_or(std::cmp::Ordering::Less, |t| t.name.as_str().cmp(name))
            })
            .ok()?;
        self.tensors.get(*self.by_name.get(at)?)
    }

    /// Every tensor, in the order of their data in the file.
    pub fn tensors(&self) -> &[Tensor<'a>] {
        &self.tensors
    }
}

/// The header text and the data section.
fn split(bytes: &[u8], max_header: usize) -> Result<(&str, &[u8]), Error> {
    let Some((len, rest)) = bytes.split_first_chunk::<8>() else {
        return Err(Error::Truncated {
            needed: 8,
            len: bytes.len(),
        });
    };
    let header_len = header_len(*len, max_header)?;
    let truncated = Error::Truncated {
        needed: header_len.saturating_add(8),
        len: bytes.len(),
    };
    let header_len = usize::try_from(header_len).map_err(|_| truncated.clone())?;
    if header_len > rest.len() {
        return Err(truncated);
    }
    let (header, data) = rest.split_at(header_len);
    Ok((header_text(header)?, data))
}

/// The length of the header that the 8 bytes `prefix` state, if it is within `max_header` (and
/// [`DEFAULT_MAX_HEADER`]).
pub(crate) fn header_len(prefix: [u8; 8], max_header: usize) -> Result<u64, Error> {
    let header_len = u64::from_le_bytes(prefix);
    // The safetensors crate refuses longer headers than its 100 MB, whatever the caller's limit.
    let limit = max_header.min(DEFAULT_MAX_HEADER);
    if header_len > limit as u64 {
        return Err(Error::HeaderTooLarge {
            len: header_len,
            limit,
        });
    }
    Ok(header_len)
}

/// The header's bytes as text, if they are UTF-8 and start as a JSON object.
fn header_text(header: &[u8]) -> Result<&str, Error> {
    let header = std::str::from_utf8(header).map_err(|e| {
        Error::Header(format!(
            "not valid UTF-8 at byte {} of the header",
            e.valid_up_to()
        ))
    })?;
    if !header.starts_with('{') {
        return Err(Error::Header(
            "the header does not start with `{`: not a safetensors file".to_owned(),
        ));
    }
    Ok(header)
}

/// A header's metadata, in its order.
type Metadata = Vec<(String, String)>;

/// The metadata and the tensor entries of a header, each entry checked on its own.
fn parse_header(header: &str) -> Result<(Metadata, Vec<Entry>), Error> {
    let value = json::parse(header).map_err(|e| Error::Header(e.to_string()))?;
    let Value::Object(members) = value else {
        return Err(Error::Header(format!(
            "the header is {}, expected a JSON object",
            value.kind()
        )));
    };
    let mut metadata = Vec::new();
    let mut entries = Vec::new();
    for (name, value) in members {
        if name == "__metadata__" {
            metadata = parse_metadata(value)?;
        } else {
            entries.push(parse_entry(name.into_owned(), value)?);
        }
    }
    Ok((metadata, entries))
}

/// The length of the data section that the header `header` declares: the end of its last
/// tensor's bytes. Every error [`SafeTensors::parse`] finds in the header alone is found here,
/// the same.
pub(crate) fn declared_data_len(header: &[u8]) -> Result<usize, Error> {
    let (_, entries) = parse_header(header_text(header)?)?;
    Ok(entries.iter().map(|e| e.end).max().unwrap_or(0))
}

fn parse_metadata(value: Value<'_>) -> Result<Vec<(String, String)>, Error> {
    let Value::Object(members) = value else {
        return Err(Error::Header(format!(
            "`__metadata__` is {}, expected an object of strings",
            value.kind()
        )));
    };
    members
        .into_iter()
        .map(|(key, value)| match value {
            Value::String(text) => Ok((key.into_owned(), text.into_owned())),
            other => Err(Error::Header(format!(
                "metadata `{}` is {}, expected a string",
                shorten(&key),
                other.kind()
            ))),
        })
        .collect()
}

/// A tensor entry of the header, before its bytes are checked against the others'.
struct Entry {
    name: String,
    dtype: Dtype,
    shape: Vec<usize>,
    begin: usize,
    end: usize,
}

fn parse_entry(name: String, value: Value<'_>) -> Result<Entry, Error> {
    let fail = |problem: String| Error::Entry {
        name: name.clone(),
        problem,
    };
    let Value::Object(fields) = value else {
        return Err(fail(format!(
            "the entry is {}, expected an object with `dtype`, `shape` and `data_offsets`",
            value.kind()
        )));
    };
    let (mut dtype, mut shape, mut offsets) = (None, None, None);
    for (key, value) in fields {
        match key.as_ref() {
            "dtype" => match value {
                Value::String(text) => {
                    dtype = Some(Dtype::from_name(&text).ok_or_else(|| {
                        fail(format!(
                            "unknown dtype `{}`, expected one of BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, I64, U64, F64",
                            shorten(&text)
                        ))
                    })?)
                }
                other => return Err(fail(format!("`dtype` is {}, expected a string", other.kind()))),
            },
            "shape" => shape = Some(int_array(value).ok_or_else(|| {
                fail("`shape` must be an array of non-negative integers".to_owned())
            })?),
            "data_offsets" => {
                offsets = Some(int_array(value).ok_or_else(|| {
                    fail("`data_offsets` must be two non-negative integers `[begin, end]`".to_owned())
                })?)
            }
            other => {
                return Err(fail(format!(
                    "unknown field `{}`, expected only `dtype`, `shape` and `data_offsets`",
                    shorten(other)
                )));
            }
        }
    }
    let missing = |field: &str| fail(format!("the entry has no `{field}`"));
    let dtype = dtype.ok_or_else(|| missing("dtype"))?;
    let shape = shape.ok_or_else(|| missing("shape"))?;
    let [begin, end] = offsets
        .ok_or_else(|| missing("data_offsets"))?
        .try_into()
        .map_err(|_| {
            fail("`data_offsets` must be two non-negative integers `[begin, end]`".to_owned())
        })?;
    if begin > end {
        return Err(fail(format!(
            "data_offsets [{begin}, {end}] end before they begin"
        )));
    }
    let needed = shape
        .iter()
        .try_fold(dtype.size(), |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| fail(format!("shape {shape:?} is too large")))?;
    if end - begin != needed {
        return Err(fail(format!(
            "data_offsets [{begin}, {end}] hold {} bytes, but {dtype} {shape:?} needs {needed}",
            end - begin
        )));
    }
    Ok(Entry {
        name,
        dtype,
        shape,
        begin,
        end,
    })
}

/// An array of non-negative integers that fit in a `usize`.
fn int_array(value: Value<'_>) -> Option<Vec<usize>> {
    let Value::Array(items) = value else {
        return None;
    };
    items
        .into_iter()
        .map(|item| match item {
            Value::Int(n) => usize::try_from(n).ok(),
            _ => None,
        })
        .collect()
}

/// Sorts the entries by their data and checks that they tile the data section exactly.
fn check_layout(entries: &mut [Entry], data_len: usize) -> Result<(), Error> {
    entries.sort_by_key(|e| (e.begin, e.end));
    let mut position = 0;
    let mut previous: Option<&str> = None;
    for entry in entries.iter() {
        if entry.end > data_len {
            return Err(Error::Layout(format!(
                "tensor `{}` runs past the end of the file: its data_offsets [{}, {}] reach beyond the {data_len} bytes of data (is the file truncated?)",
                shorten(&entry.name),
                entry.begin,
                entry.end
            )));
        }
        if entry.begin < position {
            return Err(Error::Layout(format!(
                "tensor `{}` (data_offsets [{}, {}]) overlaps `{}`, which ends at byte {position}",
                shorten(&entry.name),
                entry.begin,
                entry.end,
                shorten(previous.unwrap_or("?"))
            )));
        }
        if entry.begin > position {
            let after = previous.map_or("the start".to_owned(), |p| format!("`{}`", shorten(p)));
            return Err(Error::Layout(format!(
                "bytes {position}..{} lie between {after} and tensor `{}` and belong to no tensor",
                entry.begin,
                shorten(&entry.name)
            )));
        }
        position = entry.end;
        previous = Some(&entry.name);
    }
    if position != data_len {
        return Err(trailing_bytes(position, data_len));
    }
    Ok(())
}

/// The error for a data section of `data_len` bytes whose tensors end at `position`.
pub(crate) fn trailing_bytes(position: usize, data_len: usize) -> Error {
    Error::Layout(format!(
        "{} trailing bytes after the last tensor's data (bytes {position}..{data_len} belong to no tensor)",
        data_len - position
    ))
}
