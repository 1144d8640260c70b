//! Weights baked in at compile time: reading the file of `#[weights = "file.safetensors"]`
//! during expansion and checking it against the declared layers (the attribute itself is taken
//! off the struct in `weights_attribute`, the baked items are written in `expand::baked`).
//!
//! The file is read with the same strict reader as at run time (`nnet-safetensors`), so it is
//! judged by the same rules and its problems get the same words, here as compile errors on the
//! attribute's path.

use std::path::PathBuf;

use nnet_safetensors::{DEFAULT_MAX_HEADER, Element, Naming, SafeTensors, TensorSpec};
use syn::LitStr;

use crate::model::Model;
use crate::scalar::ScalarKind;

/// The tensors read from the file, column-major as nnet holds them in memory.
pub(crate) struct Baked {
    /// The file, absolute, for `include_bytes!` (so cargo rebuilds when it changes).
    pub file: PathBuf,
    /// The path as written.
    pub written: LitStr,
    /// Every tensor of the network, in the order of its `Parameters`, exactly (an `f32`
    /// network's values are `f32`s, held as `f64`).
    pub tensors: Vec<Vec<f64>>,
}

/// Reads and checks the file of the `#[weights]` attribute, if there is one.
pub(crate) fn read(model: &Model) -> Option<syn::Result<Baked>> {
    let written = model.def.weights.as_ref()?;
    Some(read_file(model, written))
}

fn read_file(model: &Model, written: &LitStr) -> syn::Result<Baked> {
    let shown = written.value();
    let fail = |message: String| syn::Error::new(written.span(), message);
    let dir = std::env::var_os("CARGO_MANIFEST_DIR").ok_or_else(|| {
        fail("cannot bake weights: CARGO_MANIFEST_DIR is not set (build with cargo)".to_owned())
    })?;
    let file = PathBuf::from(dir).join(&shown);
    let in_file = |message: String| fail(format!("weights file `{shown}`: {message}"));
    // Bounded: a FIFO or `/dev/zero` is refused, not read until the compiler runs out of memory.
    let bytes = nnet_safetensors::read_file(&file, DEFAULT_MAX_HEADER).map_err(|e| match e {
        nnet_safetensors::FileError::Format(e) => in_file(e.to_string()),
        e => fail(format!(
            "cannot read the weights file `{shown}`: {e}\npaths are relative to the directory of the crate's Cargo.toml"
        )),
    })?;
    let parsed =
        SafeTensors::parse(&bytes, DEFAULT_MAX_HEADER).map_err(|e| in_file(e.to_string()))?;
    let names: Vec<String> = model
        .fields()
        .iter()
        .map(|l| l.field().to_string())
        .collect();
    let specs = tensor_specs(model, &names);
    // An `f64` network bakes `F64` tensors, an `f32` network `F32` ones: a file of the other
    // dtype is an error, as at run time without `LoadOptions::convert_dtype`.
    let tensors: Vec<Vec<f64>> = match model.def.scalar {
        ScalarKind::F32 => values::<f32>(&parsed, &specs)
            .map_err(&in_file)?
            .into_iter()
            .map(|t| t.into_iter().map(f64::from).collect())
            .collect(),
        ScalarKind::F64 => values::<f64>(&parsed, &specs).map_err(&in_file)?,
    };
    check_metadata(model, &parsed).map_err(in_file)?;
    Ok(Baked {
        file,
        written: written.clone(),
        tensors,
    })
}

/// The tensors the file must hold for `model`'s layers, named `names`, in the order of the
/// network's `Parameters`: each kind's as its declaration lists them (on a fixed shape, those of
/// one position, which every position shares).
fn tensor_specs<'a>(model: &Model, names: &'a [String]) -> Vec<TensorSpec<'a>> {
    model
        .fields()
        .into_iter()
        .zip(names)
        .flat_map(|(l, name)| {
            let (inputs, units) = l.inner_dims();
            // Whether the tensors present only with an option (`use_bias`) are there.
            let optional = l.declared_tensors().count() == l.word.decl().tensors.len();
            let projection = l.residual.is_some();
            TensorSpec::of_layer(l.word, name, inputs, units, optional)
                .into_iter()
                .map(move |mut spec| {
                    // A projection's matrix is `residual{k}.kernel`, dense or convolution.
                    if projection && spec.tensor == "weight" {
                        spec.tensor = "kernel";
                    }
                    spec
                })
        })
        .collect()
}

/// Every tensor of `specs` from `file`, column-major, as `E`: tensors of `E`'s dtype only.
fn values<E: Element + Clone + Default>(
    file: &SafeTensors,
    specs: &[TensorSpec],
) -> Result<Vec<Vec<E>>, String> {
    let sources = nnet_safetensors::resolve::<E>(file, specs, Naming::Nnet, Default::default())
        .map_err(|e| match e {
            // Baking never converts: say how to make a file of the network's dtype.
            nnet_safetensors::Error::Conversion {
                name,
                found,
                expected,
            } => format!(
                "tensor `{name}` has dtype {found}, but this network bakes {expected} weights \
                 and never converts them: write the file from a network of the same scalar \
                 (load it with `LoadOptions::convert_dtype` into one and `io::save` it), or \
                 change `#[scalar]`"
            ),
            other => other.to_string(),
        })?;
    Ok(sources
        .iter()
        .map(|source| {
            let mut values = vec![E::default(); source.rows * source.cols];
            source.write_column_major(&mut values);
            values
        })
        .collect())
}

/// The format version and architecture recorded in the file, where it records them.
fn check_metadata(model: &Model, file: &SafeTensors) -> Result<(), String> {
    if let Some(version) = file.metadata("nnet.version")
        && version != "1"
    {
        let version = nnet_safetensors::shorten(version);
        return Err(format!(
            "the file is of nnet format version {version}, this nnet reads version 1"
        ));
    }
    let expected = model.architecture();
    match file.metadata("nnet.architecture") {
        Some(found) if found != expected => {
            // Quoted up to a generous length, as the run-time loader does.
            let quoted = nnet_safetensors::QUOTED_ARCHITECTURE_CHARS.max(expected.len());
            let found = nnet_safetensors::shorten_to(found, quoted);
            Err(format!(
                "the file was saved from the architecture `{found}`, but the network is `{expected}`"
            ))
        }
        _ => Ok(()),
    }
}
