//! Weights baked in at compile time: the `#[weights = "file.safetensors"]` attribute, reading
//! the file during expansion and checking it against the declared layers.
//!
//! The file is read with the same strict reader as at run time (`nnet-safetensors`), so it is
//! judged by the same rules and its problems get the same words, here as compile errors on the
//! attribute's path.

use std::path::PathBuf;

use nnet_safetensors::{DEFAULT_MAX_HEADER, LayerKind, Naming, SafeTensors, TensorSpec};
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, Lit, LitStr, Meta};

use crate::model::{Cell, Kind, Model};

const FORM: &str = "write `#[weights = \"path/to/weights.safetensors\"]`, with the path relative to the directory of the crate's Cargo.toml";

/// Takes the `#[weights = "..."]` attributes out of `attrs` (they are the macro's, not the
/// struct's) and returns the path of the one there may be.
pub(crate) fn take_attribute(
    attrs: &mut Vec<Attribute>,
    errors: &mut Option<syn::Error>,
) -> Option<LitStr> {
    let mut path: Option<LitStr> = None;
    let mut rest = Vec::with_capacity(attrs.len());
    for attr in attrs.drain(..) {
        if !attr.path().is_ident("weights") {
            rest.push(attr);
            continue;
        }
        let literal = match &attr.meta {
            Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(s), ..
                }) => Some(s.clone()),
                _ => None,
            },
            _ => None,
        };
        let Some(literal) = literal else {
            crate::parse::push_error(
                errors,
                syn::Error::new_spanned(&attr, format!("malformed `weights` attribute: {FORM}")),
            );
            // Still a baked network: the stub then has `TRAINED`, and the error stands alone.
            // The recorded error keeps this placeholder from ever being read.
            path.get_or_insert_with(|| LitStr::new("", attr.span()));
            continue;
        };
        if let Some(first) = &path {
            let mut error = syn::Error::new(
                literal.span(),
                "a second `#[weights]` attribute: a network is baked from one file; remove one",
            );
            error.combine(syn::Error::new(first.span(), "the first is here"));
            crate::parse::push_error(errors, error);
            continue;
        }
        path = Some(literal);
    }
    *attrs = rest;
    path
}

/// The tensors read from the file, column-major as nnet holds them in memory.
pub(crate) struct Baked {
    /// The file, absolute, for `include_bytes!` (so cargo rebuilds when it changes).
    pub file: PathBuf,
    /// The path as written.
    pub written: LitStr,
    /// Every tensor of the network, in the order of its `Parameters`.
    pub tensors: Vec<Vec<f32>>,
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
    let bytes = std::fs::read(&file).map_err(|e| {
        fail(format!(
            "cannot read the weights file `{shown}`: {e}\npaths are relative to the directory of the crate's Cargo.toml"
        ))
    })?;
    let in_file = |message: String| fail(format!("weights file `{shown}`: {message}"));
    let tensors =
        SafeTensors::parse(&bytes, DEFAULT_MAX_HEADER).map_err(|e| in_file(e.to_string()))?;
    let names: Vec<String> = model.layers.iter().map(|l| l.field().to_string()).collect();
    let specs: Vec<TensorSpec> = model
        .layers
        .iter()
        .zip(&names)
        .flat_map(|(l, name)| {
            let kind = match l.kind {
                Kind::Dense { .. } => LayerKind::Dense,
                Kind::BatchNorm { .. } => LayerKind::BatchNorm,
                Kind::LayerNorm { .. } => LayerKind::LayerNorm,
                Kind::Recurrent { cell, .. } => {
                    let kind = match cell {
                        Cell::SimpleRnn(_) => LayerKind::SimpleRnn,
                        Cell::Gru => LayerKind::Gru,
                        Cell::Lstm => LayerKind::Lstm,
                    };
                    let width = cell.gates() * l.units;
                    let bias = if cell.biases() == 1 {
                        TensorSpec::vector(kind, name, "bias", width)
                    } else {
                        TensorSpec::matrix(kind, name, "bias", width, cell.biases())
                    };
                    return vec![
                        TensorSpec::matrix(kind, name, "kernel", width, l.inputs),
                        TensorSpec::matrix(kind, name, "recurrent_kernel", width, l.units),
                        bias,
                    ];
                }
                Kind::Activation(_) | Kind::Dropout { .. } => return Vec::new(),
            };
            let bias = matches!(l.kind, Kind::Dense { use_bias: true, .. });
            TensorSpec::of_layer(kind, name, l.inputs, l.units, bias)
        })
        .collect();
    let sources =
        nnet_safetensors::resolve::<f32>(&tensors, &specs, Naming::Nnet, Default::default())
            .map_err(|e| in_file(e.to_string()))?;
    check_metadata(model, &tensors).map_err(in_file)?;
    let tensors: Vec<Vec<f32>> = sources
        .iter()
        .map(|source| {
            let mut values = vec![0.0; source.rows * source.cols];
            source.write_column_major(&mut values);
            values
        })
        .collect();
    Ok(Baked {
        file,
        written: written.clone(),
        tensors,
    })
}

/// The format version and architecture recorded in the file, where it records them.
fn check_metadata(model: &Model, file: &SafeTensors) -> Result<(), String> {
    if let Some(version) = file.metadata("nnet.version")
        && version != "1"
    {
        return Err(format!(
            "the file is of nnet format version {version}, this nnet reads version 1"
        ));
    }
    let expected = model.architecture();
    match file.metadata("nnet.architecture") {
        Some(found) if found != expected => Err(format!(
            "the file was saved from the architecture `{found}`, but the network is `{expected}`"
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use crate::pipeline;

    #[test]
    fn bakes_a_file_and_consumes_the_attribute() {
        let out = pipeline(quote! {
            #[weights = "../tests/fixtures/classifier.safetensors"]
            pub struct Baked {
                input 2;
                dense 10 relu;
                dense 20 leaky_relu (alpha = 0.1);
                dense 1 sigmoid;
            }
        })
        .to_string();
        assert!(!out.contains("compile_error"), "{out}");
        assert!(out.contains("TRAINED") && out.contains("include_bytes"));
        assert!(
            !out.contains("# [weights"),
            "the attribute reached the struct"
        );
    }

    #[test]
    fn a_bad_file_still_defines_trained() {
        let out = pipeline(quote! {
            #[weights = "../tests/fixtures/classifier.safetensors"]
            pub struct Baked { input 3; dense 1 sigmoid; }
        })
        .to_string();
        assert!(out.contains("compile_error"));
        assert!(out.contains("TRAINED"));
        assert!(!out.contains("include_bytes"));
    }
}
