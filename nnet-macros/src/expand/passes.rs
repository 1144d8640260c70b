//! The unrolled per-sample passes: forward and traced forward (the backward pass is in
//! [`backward`](super::backward), the sums of residual blocks in [`sums`](super::sums)), layer
//! by layer through the `Layer` trait, in the SIMD registers of one dispatch.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use super::layers;

use super::sums::{block_sum, projection_z_name, sum_name};
use super::tokens::{layer_trait, private, trace_names};
use crate::model::{Event, Layer, Model};
use nnet_kinds::INLINE_UNITS;

/// A zeroed vector of the layer's vector type.
fn zeroed_vector(layer: &Layer) -> TokenStream {
    let p = private();
    let ty = layers::vector_type(layer);
    let units = super::tokens::lit(layer.units);
    quote!(<#ty as #p::MatrixStorage<#units, 1>>::zeroed())
}

/// `&SVector` of a value of a layer's vector type.
pub(super) fn view(value: TokenStream) -> TokenStream {
    let p = private();
    quote!(#p::MatrixStorage::matrix(#value))
}

/// `&mut SVector` of a value of a layer's vector type.
pub(super) fn view_mut(value: TokenStream) -> TokenStream {
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

/// The dispatch of a network's one-sample passes: `simd::dispatch_narrow` (AVX2 even where
/// there is AVX-512) for networks whose dense layers are all small (none batched), whose units
/// fill few registers of 8 `f32`s and would leave registers of 16 mostly empty; the best
/// instruction set (`simd::dispatch`) for the others.
pub(super) fn dispatch_path(model: &Model) -> TokenStream {
    let p = private();
    if model.infers_in_batches() {
        quote!(#p::simd::dispatch)
    } else {
        quote!(#p::simd::dispatch_narrow)
    }
}

/// [`dispatch`] through [`dispatch_path`] of `model`.
pub(super) fn dispatch_for(
    model: &Model,
    fields: TokenStream,
    output: TokenStream,
    values: TokenStream,
    body: TokenStream,
) -> TokenStream {
    let p = private();
    let path = dispatch_path(model);
    quote! {
        /// The pass, run with the SIMD instruction set of the machine it suits.
        struct __NnetPass<'a>(#fields);
        impl #p::pulp::WithSimd for __NnetPass<'_> {
            type Output = #output;
            #[inline(always)]
            fn with_simd<__NnetV: #p::pulp::Simd>(self, simd: __NnetV) -> #output {
                #body
            }
        }
        #path(__NnetPass(#values))
    }
}

/// `let a1 = Layer::forward_simd(&net.dense1, simd, input); ...`: the output of the last layer
/// of `chain` from `input`, with `net` the network (layers of more than 1,024 units write into
/// vectors on the heap; only the output is returned by value). `chain` is a run of layers
/// without residual blocks (see [`forward_events`] for a whole network).
pub(super) fn forward_body(model: &Model, chain: &[&Layer]) -> TokenStream {
    forward_body_to(model, chain, false)
}

/// [`forward_body`], with the last layer of `chain` stopping before its activation when
/// `preactivation` (a dense layer on inline vectors, through `Preactivation::preactivation_simd`).
pub(super) fn forward_body_to(model: &Model, chain: &[&Layer], preactivation: bool) -> TokenStream {
    let _ = model;
    let mut previous = quote!(input);
    let mut lets = Vec::new();
    for (position, layer) in chain.iter().enumerate() {
        let a = format_ident!("a{}", position + 1);
        let last = preactivation && position + 1 == chain.len();
        lets.push(layer_forward(layer, &a, &previous, last));
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

/// `let a = …;`: one layer's inference output from `previous` (before its activation when
/// `preactivation`).
pub(super) fn layer_forward(
    layer: &Layer,
    a: &Ident,
    previous: &TokenStream,
    preactivation: bool,
) -> TokenStream {
    let p = private();
    let (field, shape) = (layer.field(), layer_trait(layer));
    if layer.heap_vectors {
        let zeroed = zeroed_vector(layer);
        let out = view_mut(quote!(&mut #a));
        quote_spanned! {layer.span=>
            let mut #a = #zeroed;
            #p::Layer::<#shape>::forward_simd_into(&net.#field, simd, #previous, #out);
        }
    } else if preactivation {
        quote_spanned! {layer.span=>
            let #a = #p::layer::Preactivation::<#shape>::preactivation_simd(&net.#field, simd, #previous);
        }
    } else {
        quote_spanned! {layer.span=>
            let #a = #p::Layer::<#shape>::forward_simd(&net.#field, simd, #previous);
        }
    }
}

/// The inference pass of a whole network, its residual blocks included: `layer_at(i)` is the
/// layer that stands for layer `i` of the model (`None`: left out, as `inference()` leaves
/// dropout out). With `preactivation`, the network's last layer stops before its activation
/// (never after a block's sum, which has none). The value of the block is the output.
pub(super) fn forward_events<'l>(
    model: &Model,
    layer_at: &dyn Fn(usize) -> Option<&'l Layer>,
    preactivation: bool,
) -> TokenStream {
    let mut previous = quote!(input);
    // The heap-ness of the value `previous` views, for the final output.
    let mut last: Option<(Ident, bool)> = None;
    let mut skips: Vec<(usize, TokenStream)> = Vec::new();
    let mut lets = Vec::new();
    let events = model.events();
    let final_layer = events.iter().rposition(|e| matches!(e, Event::Layer(_)));
    for (position, event) in events.iter().enumerate() {
        match *event {
            Event::Open(b) => skips.push((b, previous.clone())),
            Event::Layer(i) => {
                let Some(layer) = layer_at(i) else {
                    continue;
                };
                let a = format_ident!("a{}", i + 1);
                let stop = preactivation && Some(position) == final_layer;
                lets.push(layer_forward(layer, &a, &previous, stop));
                previous = view(quote!(&#a));
                last = Some((a, layer.heap_vectors));
            }
            Event::Close(b) => {
                let skip = skips
                    .iter()
                    .rposition(|(open, _)| *open == b)
                    .map(|at| skips.remove(at).1)
                    .unwrap_or_else(|| quote!(input));
                let block = &model.blocks[b];
                lets.push(block_sum(
                    model,
                    block,
                    &skip,
                    &previous,
                    false,
                    &quote!(net),
                ));
                let r = sum_name(block);
                previous = view(quote!(&#r));
                last = Some((r, block.output.len() > INLINE_UNITS));
            }
        }
    }
    let output = match last {
        Some((value, true)) => quote!(#value.into_inner()),
        Some((value, false)) => quote!(#value),
        None => quote!(*input),
    };
    quote! { #(#lets)* #output }
}

/// Each layer's `(z, a)` into the trace struct, and each block's sum (and its projection's
/// `z`).
pub(super) fn trace_body(model: &Model, trace: &Ident) -> TokenStream {
    let p = private();
    let mut previous = quote!(input);
    let mut lets = Vec::new();
    let mut names = Vec::new();
    let mut skips: Vec<(usize, TokenStream)> = Vec::new();
    for event in model.events() {
        match event {
            Event::Open(b) => skips.push((b, previous.clone())),
            Event::Layer(position) => {
                let layer = &model.layers[position];
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
            Event::Close(b) => {
                let skip = skips
                    .iter()
                    .rposition(|(open, _)| *open == b)
                    .map(|at| skips.remove(at).1)
                    .unwrap_or_else(|| quote!(input));
                let block = &model.blocks[b];
                lets.push(block_sum(
                    model,
                    block,
                    &skip,
                    &previous,
                    true,
                    &quote!(self),
                ));
                let r = sum_name(block);
                previous = view(quote!(&#r));
                if block.projection.is_some() {
                    names.push(projection_z_name(block));
                }
                names.push(r);
            }
        }
    }
    quote! { #(#lets)* #trace { #(#names,)* } }
}
