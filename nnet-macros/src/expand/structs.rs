//! The network's struct, its gradients' and its trace's, each field documented.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use super::docs;
use super::layers::{self, gradient_type};
use super::tokens::{Names, derive, names, trace_names};
use crate::model::Model;

/// The network, its gradients and its trace.
pub(super) fn structs(model: &Model) -> TokenStream {
    let Names {
        name,
        gradients,
        trace,
    } = names(model);
    let (attrs, vis, derive) = (&model.def.attrs, &model.def.vis, derive());
    let architecture_doc = docs::architecture(model);
    let gradients_doc = format!(
        "Gradients of a loss with respect to every tensor of [`{name}`], with the same shapes (and, for batch normalization, the last training batch's statistics)."
    );
    let trace_doc = format!(
        "What a forward pass of [`{name}`] keeps for the backward pass: each layer's `z` (a dense layer's pre-activations, a normalization's normalized values) and outputs `a`."
    );
    let fields = model.layers.iter().map(|l| {
        let (field, ty, doc) = (l.field(), layers::layer_type(l), docs::layer(l));
        quote_spanned!(l.span=> #[doc = #doc] pub #field: #ty)
    });
    let gradient_fields = model.layers.iter().map(|l| {
        let (field, ty) = (l.field(), gradient_type(l));
        let doc = format!("Gradients of `{field}`.");
        quote_spanned!(l.span=> #[doc = #doc] pub #field: #ty)
    });
    let trace_fields = model.layers.iter().enumerate().map(|(i, l)| {
        let (z, a) = trace_names(i);
        let ty = layers::vector_type(l);
        let field = l.field();
        let z_doc = format!("What the backward pass of `{field}` needs (`z`).");
        let a_doc = format!("Outputs of `{field}`.");
        quote! { #[doc = #z_doc] pub #z: #ty, #[doc = #a_doc] pub #a: #ty }
    });
    quote! {
        #(#attrs)*
        #[doc = #architecture_doc]
        #derive
        #vis struct #name { #(#fields,)* }

        #[doc = #gradients_doc]
        #derive
        #vis struct #gradients { #(#gradient_fields,)* }

        #[doc = #trace_doc]
        #derive
        #vis struct #trace { #(#trace_fields,)* }
    }
}
