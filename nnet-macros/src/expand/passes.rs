//! The unrolled per-sample passes: forward, traced forward and backward, layer by layer through
//! the `Layer` trait, in the SIMD registers of one dispatch.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use super::layers;
use super::tokens::{layer_trait, private, trace_names};
use crate::model::{Layer, Model};

/// A zeroed vector of the layer's vector type.
fn zeroed_vector(layer: &Layer) -> TokenStream {
    let p = private();
    let ty = layers::vector_type(layer);
    let units = super::tokens::lit(layer.units);
    quote!(<#ty as #p::MatrixStorage<#units, 1>>::zeroed())
}

/// `&SVector` of a value of a layer's vector type.
fn view(value: TokenStream) -> TokenStream {
    let p = private();
    quote!(#p::MatrixStorage::matrix(#value))
}

/// `&mut SVector` of a value of a layer's vector type.
fn view_mut(value: TokenStream) -> TokenStream {
    let p = private();
    quote!(#p::MatrixStorage::matrix_mut(#value))
}

/// A function body that runs `body` with the best SIMD instruction set of the machine: a
/// `__NnetPass` tuple struct of `fields` built from `values`, whose `with_simd` is `body`.
pub(super) fn dispatch(
    fields: TokenStream,
    output: TokenStream,
    values: TokenStream,
    body: TokenStream,
) -> TokenStream {
    let p = private();
    quote! {
        /// The pass, run with the best SIMD instruction set of the machine.
        struct __NnetPass<'a>(#fields);
        impl #p::pulp::WithSimd for __NnetPass<'_> {
            type Output = #output;
            #[inline(always)]
            fn with_simd<__NnetV: #p::pulp::Simd>(self, simd: __NnetV) -> #output {
                #body
            }
        }
        #p::simd::dispatch(__NnetPass(#values))
    }
}

/// `let a1 = Layer::forward_simd(&net.dense1, simd, input); ...`: the output of the last layer
/// of `chain` from `input`, with `net` the network (layers of more than 1,024 units write into
/// vectors on the heap; only the output is returned by value).
pub(super) fn forward_body(model: &Model, chain: &[&Layer]) -> TokenStream {
    forward_body_to(model, chain, false)
}

/// [`forward_body`], with the last layer of `chain` stopping before its activation when
/// `preactivation` (a dense layer on inline vectors, through `Preactivation::preactivation_simd`).
pub(super) fn forward_body_to(model: &Model, chain: &[&Layer], preactivation: bool) -> TokenStream {
    let _ = model;
    let p = private();
    let mut previous = quote!(input);
    let mut lets = Vec::new();
    for (position, layer) in chain.iter().enumerate() {
        let (field, shape) = (layer.field(), layer_trait(layer));
        let a = format_ident!("a{}", position + 1);
        if layer.heap_vectors {
            let zeroed = zeroed_vector(layer);
            let out = view_mut(quote!(&mut #a));
            lets.push(quote_spanned! {layer.span=>
                let mut #a = #zeroed;
                #p::Layer::<#shape>::forward_simd_into(&net.#field, simd, #previous, #out);
            });
        } else if preactivation && position + 1 == chain.len() {
            lets.push(quote_spanned! {layer.span=>
                let #a = #p::layer::Preactivation::<#shape>::preactivation_simd(&net.#field, simd, #previous);
            });
        } else {
            lets.push(quote_spanned! {layer.span=>
                let #a = #p::Layer::<#shape>::forward_simd(&net.#field, simd, #previous);
            });
        }
        previous = view(quote!(&#a));
    }
    let last = chain.last().map(|l| {
        let a = format_ident!("a{}", chain.len());
        if l.heap_vectors {
            quote!(#a.into_inner())
        } else {
            quote!(#a)
        }
    });
    quote! { #(#lets)* #last }
}

/// Each layer's `(z, a)` into the trace struct.
pub(super) fn trace_body(model: &Model, trace: &Ident) -> TokenStream {
    let p = private();
    let mut previous = quote!(input);
    let mut lets = Vec::new();
    let mut names = Vec::new();
    for (position, layer) in model.layers.iter().enumerate() {
        let (field, shape) = (layer.field(), layer_trait(layer));
        let (z, a) = trace_names(position);
        if layer.heap_vectors {
            let zeroed = zeroed_vector(layer);
            let (z_out, a_out) = (view_mut(quote!(&mut #z)), view_mut(quote!(&mut #a)));
            lets.push(quote_spanned! {layer.span=>
                let (mut #z, mut #a) = (#zeroed, #zeroed);
                #p::Layer::<#shape>::forward_trace_simd_into(&self.#field, simd, #previous, #z_out, #a_out);
            });
        } else {
            lets.push(quote_spanned! {layer.span=>
                let (#z, #a) = #p::Layer::<#shape>::forward_trace_simd(&self.#field, simd, #previous);
            });
        }
        previous = view(quote!(&#a));
        names.push(z);
        names.push(a);
    }
    quote! { #(#lets)* #trace { #(#names,)* } }
}

/// From the output layer's `delta` back to the input, layer by layer: each layer writes
/// `∂L/∂a` of the layer below into that layer's delta vector, which the layer below's
/// activation then turns into its `∂L/∂z` in place.
pub(super) fn backward_body(model: &Model) -> TokenStream {
    let p = private();
    let mut steps = Vec::new();
    let mut delta = quote!(delta);
    for (position, layer) in model.layers.iter().enumerate().rev() {
        let (field, shape) = (layer.field(), layer_trait(layer));
        let z = view({
            let (z, _) = trace_names(position);
            quote!(&trace.#z)
        });
        if position == 0 {
            steps.push(quote_spanned! {layer.span=>
                #p::Layer::<#shape>::backward_simd(&self.#field, simd, input, #z, #delta, &mut grads.#field, dx);
            });
        } else {
            let below = &model.layers[position - 1];
            let (below_field, below_shape) = (below.field(), layer_trait(below));
            let (bz, ba) = trace_names(position - 1);
            let (bz, ba) = (view(quote!(&trace.#bz)), view(quote!(&trace.#ba)));
            let next_delta = format_ident!("delta{}", position);
            let zeroed = zeroed_vector(below);
            let next = view_mut(quote!(&mut #next_delta));
            steps.push(quote_spanned! {layer.span=>
                let mut #next_delta = #zeroed;
                #p::Layer::<#shape>::backward_simd(&self.#field, simd, #ba, #z, #delta, &mut grads.#field, ::core::option::Option::Some(#next));
                #p::Layer::<#below_shape>::activation_backward_in_place(&self.#below_field, #bz, #ba, #next);
            });
            delta = view(quote!(&#next_delta));
        }
    }
    quote! { #(#steps)* }
}
