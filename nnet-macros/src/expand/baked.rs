//! Expansion of baked weights: `TRAINED` (a `const`, for networks whose layers are all inline)
//! and `trained()`, built from the weights read at compile time.
//!
//! A `const` network is written as exact float literals: the inline budget keeps it to some
//! 16k weights, which cost rustc about 0.1 s. A network with heap layers is decoded by
//! `trained()` from one byte string: its weights can number millions, and a million literals
//! cost rustc seconds and half a gigabyte (BENCHMARKS.md, "Compile time of baked convolutional
//! weights (issue 18)").

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::model::{Kind, Layer, Model};
use crate::scalar::ScalarKind;
use crate::weights_file::Baked;

use super::layers::{const_fields, inner_expr_type, layer_expr_type, tensor_fields};
use super::tokens::{lit, private};

/// The baked items, or, when the file could not be baked, the error and the same items built
/// from zeros, so that code using `TRAINED` sees the one real error.
pub(crate) fn expand(model: &Model, baked: syn::Result<Baked>) -> TokenStream {
    match baked {
        Ok(baked) => items(model, Some(&baked)),
        Err(error) => {
            let mut tokens = error.to_compile_error();
            tokens.extend(items(model, None));
            tokens
        }
    }
}

fn items(model: &Model, baked: Option<&Baked>) -> TokenStream {
    let p = private();
    let name = &model.def.name;
    let f32 = super::tokens::scalar(model);
    let source = baked.map_or(String::new(), |b| format!(" `{}`", b.written.value()));
    // Reading the file with `include_bytes!` makes cargo rebuild the crate when it changes.
    let track = baked.map(|b| {
        let file = b.file.to_string_lossy().into_owned();
        quote!(
            const _: &[::core::primitive::u8] = ::core::include_bytes!(#file);
        )
    });

    if model
        .fields()
        .iter()
        .all(|l| !l.boxed && !l.heap_layer_vectors)
    {
        let mut offset = 0;
        let layers = model.fields().into_iter().map(|l| {
            let first = offset;
            offset += l.tensors();
            inline_layer(l, baked.map(|b| &b.tensors[first..first + l.tensors()]))
        });
        let layers: Vec<TokenStream> = layers.collect();
        let doc = format!(
            "The network with the weights of{source}, baked in at compile time: a constant, usable in a `static`, with no file I/O and no allocation."
        );
        return quote! {
            #track
            impl #name {
                #[doc = #doc]
                pub const TRAINED: Self = Self { #(#layers,)* };

                /// The network with the baked-in weights, [`TRAINED`](Self::TRAINED).
                pub fn trained() -> Self {
                    Self::TRAINED
                }
            }
        };
    }

    // Heap-stored layers cannot be built in a `const`: decode the values into a new network.
    let decode = baked.map(|baked| {
        let size = lit(match model.def.scalar {
            ScalarKind::F32 => 4,
            ScalarKind::F64 => 8,
        });
        let (count, bytes) = (lit(baked.tensors.len()), le_bytes(baked, model.def.scalar));
        let (len, bytes) = (lit(bytes.len()), Literal::byte_string(&bytes));
        // One byte string, not a literal per value (see the module's header); the bytes are the
        // values' own, so the network is the file's bit for bit.
        quote! {
            // Every tensor in the order of `Parameters`, column-major, little-endian.
            static BYTES: &[::core::primitive::u8; #len] = #bytes;
            let mut bytes = BYTES.chunks_exact(#size);
            for tensor in 0..#count {
                let values = #p::Parameters::<#f32>::tensor_mut(&mut net, tensor);
                // `zip` asks `values` first: the bytes of the next tensor stay.
                for (value, le) in values.iter_mut().zip(&mut bytes) {
                    let mut array = [0; #size];
                    array.copy_from_slice(le);
                    *value = <#f32>::from_le_bytes(array);
                }
            }
        }
    });
    let doc = format!(
        "The network with the weights of{source}, baked in at compile time (decoded from a static into a new network: its large layers live on the heap, so it cannot be a `const`)."
    );
    quote! {
        #track
        impl #name {
            #[doc = #doc]
            pub fn trained() -> Self {
                let mut net = Self::zeroed();
                #decode
                net
            }
        }
    }
}

/// Every tensor's values in turn as the network's scalar, little-endian (an `f32` network's
/// values are `f32`s held as `f64`, and convert back exactly).
fn le_bytes(baked: &Baked, scalar: ScalarKind) -> Vec<u8> {
    let values = baked.tensors.iter().flatten();
    match scalar {
        ScalarKind::F32 => values.flat_map(|&v| (v as f32).to_le_bytes()).collect(),
        ScalarKind::F64 => values.flat_map(|&v| v.to_le_bytes()).collect(),
    }
}

/// `field: Type { tensors.., options.. }` as a const expression, from the layer's tensors
/// (zeros when the file could not be read; normalization layers then get their initial
/// values).
fn inline_layer(layer: &Layer, values: Option<&[Vec<f64>]>) -> TokenStream {
    if layer.is_recurrent() {
        return recurrent_layer(layer, values);
    }
    let field = layer.field();
    let inner = inner_value(layer, values);
    if layer.is_positionwise() {
        let ty = layer_expr_type(layer);
        quote! { #field: #ty { layer: #inner } }
    } else {
        quote! { #field: #inner }
    }
}

/// The value of the layer's inner type (see `layers::inner_expr_type`) as a const expression.
fn inner_value(layer: &Layer, values: Option<&[Vec<f64>]>) -> TokenStream {
    let p = private();
    let ty = inner_expr_type(layer);
    if matches!(layer.kind, Kind::Flatten) {
        return ty;
    }
    let (inputs, units) = layer.inner_dims();
    let (inputs, units_lit) = (lit(inputs), lit(units));
    let names = tensor_fields(layer);
    let mut fields: Vec<(String, TokenStream)> = names
        .iter()
        .enumerate()
        .map(|(t, &(tensor, matrix))| {
            let initial = if matches!(tensor, "gamma" | "moving_variance") {
                1.0
            } else {
                0.0
            };
            let data = match values.and_then(|v| v.get(t)) {
                Some(values) if matrix => {
                    let columns = values.chunks(units.max(1)).map(|column| {
                        let column = floats(column, layer.scalar);
                        quote!([#(#column),*])
                    });
                    quote!([#(#columns),*])
                }
                Some(values) => {
                    let values = floats(values, layer.scalar);
                    quote!([[#(#values),*]])
                }
                None if matrix => quote!([[0.0; #units_lit]; #inputs]),
                None => {
                    let initial = floats(&[initial], layer.scalar);
                    quote!([[#(#initial)*; #units_lit]; 1])
                }
            };
            let value =
                quote!(#p::nalgebra::Matrix::from_array_storage(#p::nalgebra::ArrayStorage(#data)));
            (tensor.to_owned(), value)
        })
        .collect();
    let without_bias = match &layer.kind {
        Kind::Dense { use_bias, .. } => !use_bias,
        Kind::Conv(conv) => !conv.use_bias,
        _ => false,
    };
    if without_bias {
        fields.push((
            "bias".to_owned(),
            quote!(#p::nalgebra::Matrix::from_array_storage(#p::nalgebra::ArrayStorage([[0.0; #units_lit]; 1]))),
        ));
    }
    for (name, value) in const_fields(layer) {
        fields.push((name.to_owned(), value));
    }
    match &layer.kind {
        // Types with private fields (their kind marker): built by their `const` constructors.
        // (A streamed convolution, `CausalConv1d`, has only public fields: the arm below.)
        Kind::Conv(_) if !layer.is_streamed_conv() => {
            let parts = [
                "kernel",
                "bias",
                "activation",
                "regularizer",
                "window",
                "groups",
            ]
            .map(|name| {
                fields
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or_else(TokenStream::new, |(_, value)| value.clone())
            });
            quote! { <#ty>::from_parts(#(#parts),*) }
        }
        Kind::Pool(_) | Kind::GlobalPool { .. } => {
            let window = fields.iter().find(|(n, _)| n == "window").map(|(_, v)| v);
            quote! { <#ty>::new(#window) }
        }
        _ => {
            let fields = fields.iter().map(|(name, value)| {
                let name = format_ident!("{}", name);
                quote!(#name: #value)
            });
            quote! { #ty { #(#fields,)* } }
        }
    }
}

/// A recurrent layer as a const expression: its `RecurrentWeights`, each tensor an array of
/// rows (an input, a state unit or a bias row), each row an array of gates, each gate an
/// `SVector` of the units.
fn recurrent_layer(layer: &Layer, values: Option<&[Vec<f64>]>) -> TokenStream {
    let p = private();
    let field = layer.field();
    let ty = layer_expr_type(layer);
    let (units, gates) = (layer.units, layer.word.gates());
    let vector = |values: Option<&[f64]>| match values {
        Some(values) => {
            let values = floats(values, layer.scalar);
            quote!(#p::nalgebra::Matrix::from_array_storage(#p::nalgebra::ArrayStorage([[#(#values),*]])))
        }
        None => {
            let units = lit(units);
            quote!(#p::nalgebra::Matrix::from_array_storage(#p::nalgebra::ArrayStorage([[0.0; #units]; 1])))
        }
    };
    let rows_of = |t: usize, rows: usize| {
        let rows = (0..rows).map(|r| {
            let row = (0..gates).map(|g| {
                let at = (r * gates + g) * units;
                vector(values.and_then(|v| v.get(t)).map(|v| &v[at..at + units]))
            });
            quote!([#(#row),*])
        });
        quote!([#(#rows),*])
    };
    let (kernel, recurrent_kernel, bias) = (
        rows_of(0, layer.inputs),
        rows_of(1, units),
        rows_of(2, layer.word.decl().bias_rows()),
    );
    let others = const_fields(layer).into_iter().map(|(name, value)| {
        let name = format_ident!("{}", name);
        quote!(#name: #value)
    });
    quote! {
        #field: #ty {
            weights: #p::layer::RecurrentWeights { kernel: #kernel, recurrent_kernel: #recurrent_kernel, bias: #bias },
            #(#others,)*
        }
    }
}

/// Exact literals of the network's scalar (Rust prints the shortest text that reads back to the
/// same bits): an `f32` network's values are `f32`s held as `f64`, and convert back exactly.
fn floats(values: &[f64], scalar: ScalarKind) -> Vec<TokenStream> {
    values
        .iter()
        .map(|&v| {
            let literal = match scalar {
                ScalarKind::F32 => Literal::f32_suffixed(v.abs() as f32),
                ScalarKind::F64 => Literal::f64_suffixed(v.abs()),
            };
            if v.is_sign_negative() {
                quote!(-#literal)
            } else {
                quote!(#literal)
            }
        })
        .collect()
}
