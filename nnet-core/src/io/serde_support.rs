//! `serde` for every generated network, through [`Parameters`](crate::Parameters): the same tensors, names and
//! layout as the safetensors files, and the same strict checks on the way in.
//!
//! A network serializes as a struct of two fields:
//!
//! ```json
//! {
//!   "architecture": "input 2; dense 2 tanh; dense 1 linear",
//!   "tensors": {
//!     "dense1.weight": { "shape": [2, 2], "data": [0.5, -1.0, 2.0, 0.25] },
//!     "dense1.bias": { "shape": [2], "data": [0.1, -0.2] },
//!     "dense2.weight": { "shape": [1, 2], "data": [1.5, -0.5] },
//!     "dense2.bias": { "shape": [1], "data": [0.3] }
//!   }
//! }
//! ```
//!
//! Every tensor of the network is there under its name in weight files (`batch_norm1.gamma`,
//! `batch_norm1.moving_mean`, …; a dense layer with `use_bias = false` has no bias). `data` is
//! row-major (`[units, inputs]` for weights). Deserializing checks everything loading
//! a safetensors file checks: the architecture, every tensor present once and no other, the
//! shapes, the number of values and that each is finite. `network!` implements `Serialize` and
//! `Deserialize` with these functions when nnet's `serde` feature is on.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use nnet_safetensors::{Dtype, TensorData};

use crate::Architecture;

/// Serializes `net` as `{ architecture, tensors: { name: { shape, data } } }`.
///
/// # Errors
///
/// Whatever the serializer returns.
pub fn serialize<N: Architecture, S: Serializer>(
    net: &N,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut state = serializer.serialize_struct("Network", 2)?;
    state.serialize_field("architecture", &N::architecture())?;
    state.serialize_field("tensors", &Tensors(net))?;
    state.end()
}

/// Deserializes a network written by [`serialize`], checking it as strictly as a safetensors
/// file.
///
/// # Errors
///
/// A `D::Error` naming the tensor and what was expected, for another architecture, a missing,
/// repeated or extra tensor, another shape, a wrong number of values or a non-finite value.
pub fn deserialize<'de, N: Architecture, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<N, D::Error> {
    let raw = deserializer.deserialize_struct("Network", FIELDS, RawVisitor)?;
    let expected = N::architecture();
    if raw.architecture != expected {
        return Err(de::Error::custom(format!(
            "the data describe the architecture `{}`, but the network is `{expected}`",
            raw.architecture
        )));
    }
    let mut bytes = Vec::with_capacity(raw.tensors.len());
    for (i, (name, tensor)) in raw.tensors.iter().enumerate() {
        if raw.tensors[..i].iter().any(|(other, _)| other == name) {
            return Err(de::Error::custom(format!("tensor `{name}` appears twice")));
        }
        let needed = tensor
            .shape
            .iter()
            .try_fold(1_usize, |a, &d| a.checked_mul(d));
        if needed != Some(tensor.data.len()) {
            return Err(de::Error::custom(format!(
                "tensor `{name}` has shape {:?} but {} values",
                tensor.shape,
                tensor.data.len()
            )));
        }
        bytes.push(
            tensor
                .data
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect::<Vec<u8>>(),
        );
    }
    let data: Vec<TensorData> = raw
        .tensors
        .iter()
        .zip(&bytes)
        .map(|((name, tensor), bytes)| TensorData {
            name,
            dtype: Dtype::F32,
            shape: tensor.shape.clone(),
            data: bytes.into(),
        })
        .collect();
    let file = nnet_safetensors::write(&[], &data);
    super::from_safetensors_with(
        &file,
        &super::LoadOptions {
            max_header_bytes: usize::MAX,
            ..super::LoadOptions::default()
        },
    )
    .map_err(|e| match e {
        crate::Error::Weights(text) => de::Error::custom(text),
        other => de::Error::custom(other),
    })
}

const FIELDS: &[&str] = &["architecture", "tensors"];

/// The `tensors` map, serialized from the network without copying.
struct Tensors<'a, N>(&'a N);

impl<N: Architecture> Serialize for Tensors<'_, N> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(N::TENSORS))?;
        for i in 0..N::TENSORS {
            if let Some(info) = N::tensor_info(i) {
                map.serialize_entry(
                    &info.name(),
                    &Tensor {
                        values: self.0.tensor(i),
                        rows: info.rows,
                        cols: info.cols,
                        shape: info.shape(),
                    },
                )?;
            }
        }
        map.end()
    }
}

/// One tensor: `{ shape, data }`, data row-major (`[rows, cols]` for a matrix, `[rows]` for a
/// vector).
struct Tensor<'a> {
    values: &'a [f32],
    rows: usize,
    cols: usize,
    shape: Vec<usize>,
}

impl Serialize for Tensor<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut state = serializer.serialize_struct("Tensor", 2)?;
        state.serialize_field("shape", &self.shape)?;
        state.serialize_field("data", &RowMajor(self))?;
        state.end()
    }
}

struct RowMajor<'a>(&'a Tensor<'a>);

impl Serialize for RowMajor<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let t = self.0;
        let mut seq = serializer.serialize_seq(Some(t.values.len()))?;
        for r in 0..t.rows {
            for c in 0..t.cols {
                // Column-major (r, c) is at c * rows + r.
                if let Some(v) = t.values.get(c * t.rows + r) {
                    seq.serialize_element(v)?;
                }
            }
        }
        seq.end()
    }
}

/// What the data hold, before it is checked against the network.
struct Raw {
    architecture: String,
    tensors: Vec<(String, RawTensor)>,
}

struct RawTensor {
    shape: Vec<usize>,
    data: Vec<f32>,
}

const TENSOR_FIELDS: &[&str] = &["shape", "data"];

impl<'de> Deserialize<'de> for RawTensor {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_struct("Tensor", TENSOR_FIELDS, RawTensorVisitor)
    }
}

struct RawTensorVisitor;

impl<'de> Visitor<'de> for RawTensorVisitor {
    type Value = RawTensor;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a tensor: { shape, data }")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawTensor, A::Error> {
        let shape = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let data = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(1, &self))?;
        Ok(RawTensor { shape, data })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawTensor, A::Error> {
        let (mut shape, mut data) = (None, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "shape" if shape.is_none() => shape = Some(map.next_value()?),
                "data" if data.is_none() => data = Some(map.next_value()?),
                "shape" => return Err(de::Error::duplicate_field("shape")),
                "data" => return Err(de::Error::duplicate_field("data")),
                other => return Err(de::Error::unknown_field(other, TENSOR_FIELDS)),
            }
        }
        Ok(RawTensor {
            shape: shape.ok_or_else(|| de::Error::missing_field("shape"))?,
            data: data.ok_or_else(|| de::Error::missing_field("data"))?,
        })
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an nnet network: { architecture, tensors }")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let architecture = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let tensors = seq
            .next_element_seed(TensorsSeed)?
            .ok_or_else(|| de::Error::invalid_length(1, &self))?;
        Ok(Raw {
            architecture,
            tensors,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let (mut architecture, mut tensors) = (None, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "architecture" if architecture.is_none() => architecture = Some(map.next_value()?),
                "tensors" if tensors.is_none() => tensors = Some(map.next_value_seed(TensorsSeed)?),
                "architecture" => return Err(de::Error::duplicate_field("architecture")),
                "tensors" => return Err(de::Error::duplicate_field("tensors")),
                other => return Err(de::Error::unknown_field(other, FIELDS)),
            }
        }
        Ok(Raw {
            architecture: architecture.ok_or_else(|| de::Error::missing_field("architecture"))?,
            tensors: tensors.ok_or_else(|| de::Error::missing_field("tensors"))?,
        })
    }
}

/// The `tensors` map, in its order, duplicates kept for the check.
struct TensorsSeed;

impl<'de> DeserializeSeed<'de> for TensorsSeed {
    type Value = Vec<(String, RawTensor)>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TensorsSeed {
    type Value = Vec<(String, RawTensor)>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a map from tensor names to { shape, data }")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut tensors = Vec::new();
        while let Some(entry) = map.next_entry::<String, RawTensor>()? {
            tensors.push(entry);
        }
        Ok(tensors)
    }
}
