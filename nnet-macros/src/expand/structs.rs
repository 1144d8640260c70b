//! The network's struct, its gradients' and its trace's, each field documented.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::punctuated::Punctuated;
use syn::{Attribute, Path, Token};

use super::docs;
use super::layers::{self, gradient_type};
use super::tokens::{Names, derive, names, trace_names};
use crate::ast::Statement;
use crate::model::{Entry, Event, Model};

/// The network, its gradients and its trace.
pub(super) fn structs(model: &Model) -> TokenStream {
    let Names {
        name,
        gradients,
        trace,
    } = names(model);
    let (attrs, vis, derive) = (&model.def.attrs, &model.def.vis, derive());
    let network_derive = network_derive(attrs);
    let architecture_doc = docs::architecture(model);
    let gradients_doc = format!(
        "Gradients of a loss with respect to every tensor of [`{name}`], with the same shapes (and, for batch normalization, the last training batch's statistics)."
    );
    let trace_doc = format!(
        "What a forward pass of [`{name}`] keeps for the backward pass: each layer's `z` (a dense layer's pre-activations, a normalization's normalized values) and outputs `a`."
    );
    let fields = network_fields(model);
    let gradient_fields = model.fields().into_iter().map(|l| {
        let (field, ty) = (l.field(), gradient_type(l));
        let doc = format!("Gradients of `{field}`.");
        quote_spanned!(l.span=> #[doc = #doc] pub #field: #ty)
    });
    let trace_fields = model.events().into_iter().map(|event| match event {
        Event::Open(_) => quote!(),
        Event::Layer(i) => {
            let l = &model.layers[i];
            let (z, a) = trace_names(i);
            let ty = layers::vector_type(l);
            let field = l.field();
            let z_doc = format!("What the backward pass of `{field}` needs (`z`).");
            let a_doc = format!("Outputs of `{field}`.");
            quote! { #[doc = #z_doc] pub #z: #ty, #[doc = #a_doc] pub #a: #ty, }
        }
        Event::Close(b) => {
            let block = &model.blocks[b];
            let (r, ty) = (super::passes::sum_name(block), super::passes::sum_type(model, block));
            let r_doc = format!("The sum of block `{r}`: its input (projected) plus its last layer's output.");
            let z = block.projection.as_ref().map(|_| {
                let z = super::passes::projection_z_name(block);
                let z_doc = format!("The projection of block `{r}`'s input (its `z`).");
                quote!(#[doc = #z_doc] pub #z: #ty,)
            });
            quote! { #z #[doc = #r_doc] pub #r: #ty, }
        }
    });
    quote! {
        #(#attrs)*
        #[doc = #architecture_doc]
        #network_derive
        #vis struct #name { #(#fields,)* }

        #[doc = #gradients_doc]
        #derive
        #vis struct #gradients { #(#gradient_fields,)* }

        #[doc = #trace_doc]
        #derive
        #vis struct #trace { #(#trace_fields)* }
    }
}

/// The traits every network derives, by the name a user's `#[derive]` would give them.
const DERIVED: [&str; 3] = ["Clone", "Debug", "PartialEq"];

/// `#[derive(Clone, Debug, PartialEq)]` for the network's struct, less the traits the user's
/// own `#[derive(...)]` on it names (by their last segment, `Clone` or `std::clone::Clone`), so
/// that writing one is no "conflicting implementations" error; nothing when all three are.
pub(super) fn network_derive(attrs: &[Attribute]) -> TokenStream {
    let mut users: Vec<String> = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("derive")) {
        // A malformed `#[derive]` is the compiler's to report, on the user's own tokens.
        if let Ok(paths) = attr.parse_args_with(Punctuated::<Path, Token![,]>::parse_terminated) {
            users.extend(
                paths
                    .iter()
                    .filter_map(|p| p.segments.last().map(|s| s.ident.to_string())),
            );
        }
    }
    let ours: Vec<TokenStream> = DERIVED
        .iter()
        .filter(|name| !users.iter().any(|u| u == *name))
        .map(|name| match *name {
            "Clone" => quote!(::core::clone::Clone),
            "Debug" => quote!(::core::fmt::Debug),
            _ => quote!(::core::cmp::PartialEq),
        })
        .collect();
    if ours.is_empty() {
        return TokenStream::new();
    }
    quote!(#[derive(#(#ours),*)])
}

/// The `///` doc comments on each layer's line, in the layers' order, each followed by an empty
/// line so that the generated description of the layer is a paragraph of its own; nothing for
/// a line without. Expansion runs only on a model without errors, where every layer line became
/// one layer in order; were it otherwise, no line's doc would be given rather than a wrong one.
pub(super) fn user_docs(model: &Model) -> Vec<TokenStream> {
    let lines = Statement::layer_lines(&model.def.statements);
    if lines.len() != model.layers.len() {
        return vec![TokenStream::new(); model.layers.len()];
    }
    lines.iter().map(|line| docs_paragraph(&line.docs)).collect()
}

/// The `///` doc comments before each `residual` line, by block (in the order of
/// [`Model::blocks`]): they document the block's projection, if it has one.
pub(super) fn block_docs(model: &Model) -> Vec<TokenStream> {
    let lines = Statement::residual_lines(&model.def.statements);
    if lines.len() != model.blocks.len() {
        return vec![TokenStream::new(); model.blocks.len()];
    }
    lines.iter().map(|line| docs_paragraph(&line.docs)).collect()
}

/// Doc comments followed by an empty line, or nothing.
fn docs_paragraph(docs: &[syn::Attribute]) -> TokenStream {
    match docs {
        [] => TokenStream::new(),
        docs => quote!(#(#docs)* #[doc = ""]),
    }
}

/// The fields of the network's struct in order (see [`Model::fields`]), each with the user's
/// docs and the generated description.
pub(super) fn network_fields(model: &Model) -> Vec<TokenStream> {
    let (layer_docs, block_docs) = (user_docs(model), block_docs(model));
    model
        .entries()
        .into_iter()
        .filter_map(|entry| {
            let (layer, user) = match entry {
                Entry::Layer(i) => (&model.layers[i], &layer_docs[i]),
                Entry::Sum(b) => (model.blocks[b].projection.as_ref()?, &block_docs[b]),
            };
            let (field, ty, doc) = (layer.field(), layers::layer_type(layer), docs::layer(layer));
            Some(quote_spanned!(layer.span=> #user #[doc = #doc] pub #field: #ty))
        })
        .collect()
}
