//! Expansion of baked weights: `TRAINED` (a `const`, for networks whose layers are all inline)
//! and `trained()`, built from the weights read at compile time.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::bake::Baked;
use crate::model::{Layer, Model};

use super::{activation_value, field, lit, private};

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
    let f32 = quote!(::core::primitive::f32);
    let source = baked.map_or(String::new(), |b| format!(" `{}`", b.written.value()));
    // Reading the file with `include_bytes!` makes cargo rebuild the crate when it changes.
    let track = baked.map(|b| {
        let file = b.file.to_string_lossy().into_owned();
        quote!(
            const _: &[::core::primitive::u8] = ::core::include_bytes!(#file);
        )
    });

    if model.layers.iter().all(|l| !l.boxed) {
        let layers = model.layers.iter().enumerate().map(|(i, l)| {
            let values = baked.and_then(|b| b.layers.get(i));
            inline_layer(l, values)
        });
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

    // Heap-stored layers cannot be built in a `const`: copy from statics into a new network.
    let copies = model.layers.iter().enumerate().map(|(i, l)| {
        let (weights, bias) = baked
            .and_then(|b| b.layers.get(i))
            .map_or((Vec::new(), Vec::new()), |(w, b)| (floats(w), floats(b)));
        let (w_len, b_len) = (lit(l.units * l.inputs), lit(l.units));
        let (w_index, b_index) = (lit(2 * i), lit(2 * i + 1));
        let fill = |values: &[TokenStream], len: &Literal, index: &Literal| {
            if baked.is_none() {
                return quote!();
            }
            quote! {
                static VALUES: [#f32; #len] = [#(#values),*];
                #p::Parameters::tensor_mut(&mut net, #index).copy_from_slice(&VALUES);
            }
        };
        let (w, b) = (
            fill(&weights, &w_len, &w_index),
            fill(&bias, &b_len, &b_index),
        );
        quote! { { #w } { #b } }
    });
    let doc = format!(
        "The network with the weights of{source}, baked in at compile time (copied from statics into a new network: its large layers live on the heap, so it cannot be a `const`)."
    );
    quote! {
        #track
        impl #name {
            #[doc = #doc]
            pub fn trained() -> Self {
                let mut net = Self::zeroed();
                #(#copies)*
                net
            }
        }
    }
}

/// `denseK: Dense::<IN, OUT, A, SMatrix<..>> { weights, bias, activation }` as a const
/// expression.
fn inline_layer(layer: &Layer, values: Option<&(Vec<f32>, Vec<f32>)>) -> TokenStream {
    let p = private();
    let field = field(layer);
    let (inputs, units) = (lit(layer.inputs), lit(layer.units));
    let f32 = quote!(::core::primitive::f32);
    let activation = activation_value(layer);
    let activation_type = super::activation_type(layer);
    let (weights, bias) = match values {
        Some((weights, bias)) => {
            let columns = weights.chunks(layer.units.max(1)).map(|column| {
                let column = floats(column);
                quote!([#(#column),*])
            });
            let bias = floats(bias);
            (quote!([#(#columns),*]), quote!([[#(#bias),*]]))
        }
        None => (quote!([[0.0; #units]; #inputs]), quote!([[0.0; #units]; 1])),
    };
    quote! {
        #field: #p::Dense::<#inputs, #units, #activation_type, #p::nalgebra::SMatrix<#f32, #units, #inputs>> {
            weights: #p::nalgebra::SMatrix::from_array_storage(#p::nalgebra::ArrayStorage(#weights)),
            bias: #p::nalgebra::SVector::from_array_storage(#p::nalgebra::ArrayStorage(#bias)),
            activation: #activation,
        }
    }
}

/// Exact `f32` literals: Rust prints the shortest text that reads back to the same bits.
fn floats(values: &[f32]) -> Vec<TokenStream> {
    values
        .iter()
        .map(|&v| {
            let literal = Literal::f32_suffixed(v.abs());
            if v.is_sign_negative() {
                quote!(-#literal)
            } else {
                quote!(#literal)
            }
        })
        .collect()
}
