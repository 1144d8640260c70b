//! Reading the reference fixtures of `tools/` (safetensors files of F32 tensors): a minimal
//! reader, independent of nnet's, shared by the test crates that compare against Keras and
//! PyTorch (each uses what it needs of it).
#![allow(dead_code)]

use std::collections::HashMap;

/// Tensors by name, as `(shape, row-major values)`.
pub type Tensors = HashMap<String, (Vec<usize>, Vec<f32>)>;

/// Every tensor of a safetensors file, which must all be F32.
pub fn read(bytes: &[u8]) -> Tensors {
    let len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + len]).unwrap();
    let data = &bytes[8 + len..];
    let mut tensors = HashMap::new();
    for (name, entry) in header.as_object().unwrap() {
        if name == "__metadata__" {
            continue;
        }
        assert_eq!(entry["dtype"], "F32", "{name}");
        let shape: Vec<usize> = entry["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_u64().unwrap() as usize)
            .collect();
        let offsets = entry["data_offsets"].as_array().unwrap();
        let (start, end) = (
            offsets[0].as_u64().unwrap() as usize,
            offsets[1].as_u64().unwrap() as usize,
        );
        let values = data[start..end]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
            .collect();
        tensors.insert(name.clone(), (shape, values));
    }
    tensors
}

/// Tensor `name` in nnet's column-major order.
pub fn column_major(tensors: &Tensors, name: &str) -> Vec<f32> {
    let (shape, values) = tensors.get(name).unwrap_or_else(|| panic!("no `{name}`"));
    match shape[..] {
        [rows, cols] => (0..cols)
            .flat_map(|c| (0..rows).map(move |r| values[r * cols + c]))
            .collect(),
        _ => values.clone(),
    }
}
