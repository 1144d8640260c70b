//! Matching a file's tensors to the dense layers of a network, under nnet's, PyTorch's or
//! Keras's names and layouts.

use std::collections::{BTreeMap, HashSet};

use crate::{Dtype, Error, SafeTensors, Tensor};

/// How a file names and lays out the tensors of a stack of dense layers.
///
/// | naming | weight of the k-th layer | layout | bias |
/// | --- | --- | --- | --- |
/// | `Nnet` | `dense{k}.weight` | `[units, inputs]` | `dense{k}.bias`, `[units]` |
/// | `PyTorch` | `{prefix}{i}.weight` (`nn.Linear`) | `[units, inputs]` | `{prefix}{i}.bias` |
/// | `Keras` | `{prefix}{i}/kernel` or `.kernel` (`Dense`) | `[inputs, units]` | `{prefix}{i}/bias` |
///
/// For PyTorch and Keras, the layers are ordered by the number that ends the name of their
/// module or layer (`0.weight`, `2.weight`, `4.weight` of an `nn.Sequential`; `dense/kernel`,
/// `dense_1/kernel` of Keras, where no number counts as 0; `layers.0.kernel`), and the k-th
/// in that order is nnet's `dense{k}`. Two layers with the same number are an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Naming {
    /// nnet's own files: `dense1.weight` `[units, inputs]`, `dense1.bias` `[units]`, ...
    #[default]
    Nnet,
    /// A PyTorch state dict of `nn.Linear` layers: `0.weight` `[out, in]`, `0.bias` `[out]`.
    PyTorch,
    /// Keras `Dense` layers: `dense/kernel` `[in, out]` (transposed), `dense/bias` `[out]`.
    Keras,
}

impl Naming {
    fn weight_param(self) -> &'static str {
        match self {
            Naming::Nnet | Naming::PyTorch => "weight",
            Naming::Keras => "kernel",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Naming::Nnet => "nnet",
            Naming::PyTorch => "a PyTorch `nn.Linear`",
            Naming::Keras => "a Keras `Dense` layer",
        }
    }
}

/// The inputs and units of one dense layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DenseShape {
    /// Number of inputs.
    pub inputs: usize,
    /// Number of units.
    pub units: usize,
}

/// Where the values of one of a network's tensors are in a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Source<'f, 'a> {
    /// The tensor in the file.
    pub tensor: &'f Tensor<'a>,
    /// Rows of the network's tensor: the layer's units.
    pub rows: usize,
    /// Columns of the network's tensor: the layer's inputs, or 1 for a bias.
    pub cols: usize,
    /// Whether the file stores the tensor as `[rows, cols]` row-major (nnet, PyTorch) rather
    /// than as `[cols, rows]` row-major, which is nnet's column-major memory (Keras kernels,
    /// biases).
    pub row_major: bool,
}

impl Source<'_, '_> {
    /// Writes the values into `dst`, column-major `rows × cols` (nnet's memory order).
    ///
    /// `dst` must hold `rows * cols` values; extra values are left alone and missing ones are
    /// not written.
    pub fn write_column_major(&self, dst: &mut [f32]) {
        let value = |i: usize| {
            self.tensor
                .data
                .get(4 * i..4 * i + 4)
                .and_then(|b| <[u8; 4]>::try_from(b).ok())
                .map_or(0.0, f32::from_le_bytes)
        };
        for (i, slot) in dst.iter_mut().enumerate().take(self.rows * self.cols) {
            let source = if self.row_major && self.cols > 1 {
                // Column-major (r, c) at i = c * rows + r; row-major at r * cols + c.
                let (r, c) = (i % self.rows, i / self.rows);
                r * self.cols + c
            } else {
                i
            };
            *slot = value(source);
        }
    }

    /// The first NaN or infinity, as an error naming the tensor and the index in its shape.
    fn check_finite(&self) -> Result<(), Error> {
        let found = self
            .tensor
            .data
            .as_chunks::<4>()
            .0
            .iter()
            .map(|c| f32::from_le_bytes(*c))
            .enumerate()
            .find(|(_, v)| !v.is_finite());
        match found {
            None => Ok(()),
            Some((flat, value)) => Err(Error::NonFinite {
                name: self.tensor.name.clone(),
                index: unravel(flat, &self.tensor.shape),
                value,
            }),
        }
    }
}

/// The multi-index of row-major position `flat` in `shape`.
fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut index = vec![0; shape.len()];
    for (slot, &dim) in index.iter_mut().zip(shape).rev() {
        if dim > 0 {
            *slot = flat % dim;
            flat /= dim;
        }
    }
    index
}

/// The file's tensor for each of the network's tensors, in the network's order (`dense1`'s
/// weight, `dense1`'s bias, `dense2`'s weight, ...), after checking names, dtypes, shapes and,
/// unless `allow_non_finite`, that every value is finite.
///
/// # Errors
///
/// [`Error::MissingTensor`], [`Error::UnexpectedTensor`], [`Error::Dtype`], [`Error::Shape`],
/// [`Error::NonFinite`], each naming the tensor and what the network expects.
///
/// # Examples
///
/// ```
/// use nnet_safetensors::{resolve, write, DenseShape, Dtype, Naming, SafeTensors, TensorData};
///
/// let one = 1.0_f32.to_le_bytes();
/// let bytes = write(&[], &[
///     TensorData { name: "0.weight", dtype: Dtype::F32, shape: vec![1, 1], data: &one },
///     TensorData { name: "0.bias", dtype: Dtype::F32, shape: vec![1], data: &one },
/// ]);
/// let file = SafeTensors::parse(&bytes, 1 << 20).unwrap();
/// let layers = [DenseShape { inputs: 1, units: 1 }];
/// assert_eq!(resolve(&file, &layers, Naming::PyTorch, false).unwrap().len(), 2);
/// let error = resolve(&file, &layers, Naming::Nnet, false).unwrap_err();
/// assert!(error.to_string().contains("no tensor `dense1.weight`"));
/// ```
pub fn resolve<'f, 'a>(
    file: &'f SafeTensors<'a>,
    layers: &[DenseShape],
    naming: Naming,
    allow_non_finite: bool,
) -> Result<Vec<Source<'f, 'a>>, Error> {
    let found = match naming {
        Naming::Nnet => by_nnet_names(file, layers)?,
        Naming::PyTorch | Naming::Keras => by_layer_numbers(file, layers, naming)?,
    };
    let mut sources = Vec::with_capacity(2 * layers.len());
    for (k, (layer, (weight, bias))) in layers.iter().zip(found).enumerate() {
        let k = k + 1;
        let keras = naming == Naming::Keras;
        let weight_shape = if keras {
            vec![layer.inputs, layer.units]
        } else {
            vec![layer.units, layer.inputs]
        };
        let axes = if keras {
            "[inputs, units]"
        } else {
            "[units, inputs]"
        };
        let what = format!(
            "{axes} for dense{k} ({} inputs, {} units)",
            layer.inputs, layer.units
        );
        check(weight, &weight_shape, &what)?;
        check(bias, &[layer.units], &format!("[units] for dense{k}"))?;
        sources.push(Source {
            tensor: weight,
            rows: layer.units,
            cols: layer.inputs,
            row_major: !keras,
        });
        sources.push(Source {
            tensor: bias,
            rows: layer.units,
            cols: 1,
            row_major: false,
        });
    }
    if !allow_non_finite {
        for source in &sources {
            source.check_finite()?;
        }
    }
    Ok(sources)
}

/// Dtype F32 and the expected shape.
fn check(tensor: &Tensor<'_>, shape: &[usize], what: &str) -> Result<(), Error> {
    if tensor.dtype != Dtype::F32 {
        return Err(Error::Dtype {
            name: tensor.name.clone(),
            found: tensor.dtype,
        });
    }
    if tensor.shape != shape {
        return Err(Error::Shape {
            name: tensor.name.clone(),
            found: tensor.shape.clone(),
            expected: format!("{shape:?}, {what}"),
        });
    }
    Ok(())
}

type Pair<'f, 'a> = (&'f Tensor<'a>, &'f Tensor<'a>);

fn expected_text(layers: &[DenseShape], k: usize, bias: bool, naming: Naming) -> String {
    let Some(layer) = layers.get(k - 1) else {
        return String::new();
    };
    if bias {
        format!("F32 [{}], the bias of dense{k}", layer.units)
    } else if naming == Naming::Keras {
        format!(
            "F32 [{}, {}], the kernel of dense{k} as [inputs, units]",
            layer.inputs, layer.units
        )
    } else {
        format!(
            "F32 [{}, {}], the weights of dense{k} as [units, inputs]",
            layer.units, layer.inputs
        )
    }
}

fn network_tensors(layers: &[DenseShape]) -> String {
    let names: Vec<String> = (1..=layers.len())
        .map(|k| format!("dense{k}.weight, dense{k}.bias"))
        .collect();
    names.join(", ")
}

/// `dense{k}.weight` and `dense{k}.bias`, nothing else.
fn by_nnet_names<'f, 'a>(
    file: &'f SafeTensors<'a>,
    layers: &[DenseShape],
) -> Result<Vec<Pair<'f, 'a>>, Error> {
    let mut pairs = Vec::new();
    for k in 1..=layers.len() {
        let get = |bias: bool| {
            let name = format!("dense{k}.{}", if bias { "bias" } else { "weight" });
            file.tensor(&name).ok_or_else(|| Error::MissingTensor {
                expected: expected_text(layers, k, bias, Naming::Nnet),
                name,
            })
        };
        pairs.push((get(false)?, get(true)?));
    }
    let names: HashSet<String> = (1..=layers.len())
        .flat_map(|k| [format!("dense{k}.weight"), format!("dense{k}.bias")])
        .collect();
    if let Some(extra) = file.tensors().iter().find(|t| !names.contains(&t.name)) {
        return Err(Error::UnexpectedTensor {
            name: extra.name.clone(),
            reason: format!(
                "the network has {} dense layers, whose tensors are {}: is the file for another architecture?",
                layers.len(),
                network_tensors(layers)
            ),
        });
    }
    Ok(pairs)
}

/// A PyTorch or Keras layer: its name, and its weight and bias when found.
struct Group<'f, 'a> {
    key: String,
    weight: Option<&'f Tensor<'a>>,
    bias: Option<&'f Tensor<'a>>,
}

/// `{layer}.weight`/`{layer}.bias` (PyTorch) or `{layer}/kernel`/`{layer}/bias` (Keras), the
/// layers ordered by the number that ends their name.
fn by_layer_numbers<'f, 'a>(
    file: &'f SafeTensors<'a>,
    layers: &[DenseShape],
    naming: Naming,
) -> Result<Vec<Pair<'f, 'a>>, Error> {
    let weight_param = naming.weight_param();
    let form = format!("`<layer>.{weight_param}` or `<layer>.bias`");
    let mut groups: BTreeMap<u64, Group<'f, 'a>> = BTreeMap::new();
    for tensor in file.tensors() {
        let split = tensor
            .name
            .rfind(['.', '/'])
            .and_then(|at| Some((tensor.name.get(..at)?, tensor.name.get(at + 1..)?)));
        let unexpected = |reason: String| Error::UnexpectedTensor {
            name: tensor.name.clone(),
            reason,
        };
        let Some((key, param)) = split.filter(|(_, p)| *p == weight_param || *p == "bias") else {
            return Err(unexpected(format!(
                "not a parameter of {}: expected names such as {form}",
                naming.describe()
            )));
        };
        let digits = key.len() - key.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let number = match key.get(key.len() - digits..) {
            Some("") | None => 0,
            Some(text) => text.parse::<u64>().map_err(|_| {
                unexpected("the layer number at the end of its name is too large".to_owned())
            })?,
        };
        let group = groups.entry(number).or_insert_with(|| Group {
            key: key.to_owned(),
            weight: None,
            bias: None,
        });
        if group.key != key {
            return Err(unexpected(format!(
                "its layer `{key}` and the layer `{}` end in the same number ({number}), so their order is unknown: name the layers so that the numbers at the end of their names give their order, e.g. `layers.0.{weight_param}`, `layers.1.{weight_param}`",
                group.key
            )));
        }
        // A JSON object has no duplicate keys, so each slot is filled at most once.
        if param == "bias" {
            group.bias = Some(tensor);
        } else {
            group.weight = Some(tensor);
        }
    }

    let separator = if naming == Naming::Keras { "/" } else { "." };
    let mut pairs = Vec::new();
    for (k, group) in groups.into_values().enumerate() {
        let k = k + 1;
        if k > layers.len() {
            let name = group
                .weight
                .or(group.bias)
                .map_or(group.key.clone(), |t| t.name.clone());
            return Err(Error::UnexpectedTensor {
                name,
                reason: format!(
                    "the file has more layers than the network's {}: is it for another architecture?",
                    layers.len()
                ),
            });
        }
        let missing = |bias: bool| Error::MissingTensor {
            name: format!(
                "{}{separator}{}",
                group.key,
                if bias { "bias" } else { weight_param }
            ),
            expected: expected_text(layers, k, bias, naming),
        };
        pairs.push((
            group.weight.ok_or_else(|| missing(false))?,
            group.bias.ok_or_else(|| missing(true))?,
        ));
    }
    if pairs.len() < layers.len() {
        let k = pairs.len() + 1;
        return Err(Error::MissingTensor {
            name: format!("the {} of dense{k}", weight_param),
            expected: format!(
                "{} (the file has {} layers, the network {})",
                expected_text(layers, k, false, naming),
                pairs.len(),
                layers.len()
            ),
        });
    }
    Ok(pairs)
}
