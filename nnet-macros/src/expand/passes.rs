//! The unrolled per-sample passes: forward, traced forward and backward, layer by layer through
//! the `Layer` trait, in the SIMD registers of one dispatch.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use super::layers;

use super::tokens::{layer_trait, private, trace_names};
use crate::model::{Block, Event, Layer, Model};
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

/// The vector type of a block's sum (and of anything of its output's length).
pub(super) fn sum_type(model: &Model, block: &Block) -> TokenStream {
    let _ = model;
    let scalar = block.output.len();
    vector_of(scalar, model.def.scalar)
}

/// The vector type of `len` values: on the heap past [`INLINE_UNITS`], as a layer's.
pub(super) fn vector_of(len: usize, scalar: crate::scalar::ScalarKind) -> TokenStream {
    let p = private();
    let n = super::tokens::lit(len);
    let tokens = scalar.tokens();
    if len <= INLINE_UNITS {
        quote!(#p::nalgebra::SVector<#tokens, #n>)
    } else if scalar == crate::scalar::ScalarKind::F32 {
        quote!(#p::HeapVector<#n>)
    } else {
        quote!(#p::HeapVector<#n, #tokens>)
    }
}

/// A zeroed value of `ty`, `len` values long.
fn zeroed_of(ty: &TokenStream, len: usize) -> TokenStream {
    let p = private();
    let n = super::tokens::lit(len);
    quote!(<#ty as #p::MatrixStorage<#n, 1>>::zeroed())
}

/// The name of the value holding block `k`'s sum (a local, or a field of the trace).
pub(super) fn sum_name(block: &Block) -> Ident {
    format_ident!("residual{}", block.ordinal)
}

/// The name of the trace's field holding block `k`'s projection before the sum (its `z`).
pub(super) fn projection_z_name(block: &Block) -> Ident {
    format_ident!("residual{}_z", block.ordinal)
}

/// `let residual{k} = …;`: block `b`'s sum of `output` (the block's last value) and `skip` (its
/// input), through its projection if it has one; with `trace`, the projection's `z` is kept.
pub(super) fn block_sum(
    model: &Model,
    block: &Block,
    skip: &TokenStream,
    output: &TokenStream,
    trace: bool,
    net: &TokenStream,
) -> TokenStream {
    let p = private();
    let r = sum_name(block);
    let ty = sum_type(model, block);
    let units = block.output.len();
    let inline = units <= INLINE_UNITS;
    let r_mut = view_mut(quote!(&mut #r));
    let start = match &block.projection {
        Some(projection) => {
            let (field, shape) = (projection.field(), layer_trait(projection));
            if trace {
                let z = projection_z_name(block);
                if inline {
                    quote! {
                        let (#z, mut #r) = #p::Layer::<#shape>::forward_trace_simd(&#net.#field, simd, #skip);
                    }
                } else {
                    let zeroed = zeroed_of(&ty, units);
                    let z_mut = view_mut(quote!(&mut #z));
                    quote! {
                        let (mut #z, mut #r) = (#zeroed, #zeroed);
                        #p::Layer::<#shape>::forward_trace_simd_into(&#net.#field, simd, #skip, #z_mut, #r_mut);
                    }
                }
            } else if inline {
                quote!(let mut #r = #p::Layer::<#shape>::forward_simd(&#net.#field, simd, #skip);)
            } else {
                let zeroed = zeroed_of(&ty, units);
                quote! {
                    let mut #r = #zeroed;
                    #p::Layer::<#shape>::forward_simd_into(&#net.#field, simd, #skip, #r_mut);
                }
            }
        }
        None if inline => quote!(let mut #r = *#skip;),
        None => {
            let zeroed = zeroed_of(&ty, units);
            quote! {
                let mut #r = #zeroed;
                #r_mut.copy_from(#skip);
            }
        }
    };
    quote_spanned! {block.span=>
        #start
        #p::add_assign(#r_mut, #output);
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
                lets.push(block_sum(model, block, &skip, &previous, false, &quote!(net)));
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

/// A value of the chain of a network: what a layer or a block reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Value {
    Input,
    Layer(usize),
    Sum(usize),
}

/// The value each event of `events` reads (a layer its input, a block its skip input, a sum
/// the block's last value).
fn values_before(events: &[Event]) -> Vec<Value> {
    let mut value = Value::Input;
    events
        .iter()
        .map(|event| {
            let before = value;
            match *event {
                Event::Open(_) => {}
                Event::Layer(i) => value = Value::Layer(i),
                Event::Close(b) => value = Value::Sum(b),
            }
            before
        })
        .collect()
}

/// The trace's view of a value.
fn traced(model: &Model, value: Value) -> TokenStream {
    match value {
        Value::Input => quote!(input),
        Value::Layer(i) => {
            let (_, a) = trace_names(i);
            view(quote!(&trace.#a))
        }
        Value::Sum(b) => {
            let r = sum_name(&model.blocks[b]);
            view(quote!(&trace.#r))
        }
    }
}

/// The vector type of a value and its length.
fn value_type(model: &Model, value: Value) -> (TokenStream, usize) {
    match value {
        Value::Input => (vector_of(model.inputs, model.def.scalar), model.inputs),
        Value::Layer(i) => {
            let layer = &model.layers[i];
            (layers::vector_type(layer), layer.units)
        }
        Value::Sum(b) => {
            let block = &model.blocks[b];
            (sum_type(model, block), block.output.len())
        }
    }
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
                lets.push(block_sum(model, block, &skip, &previous, true, &quote!(self)));
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

/// The current delta of the backward pass: `∂L/∂value` of the value the chain reached.
enum Delta {
    /// The pass's `delta` argument (∂L/∂z at the output), read only.
    Given,
    /// A local vector.
    Local(Ident),
    /// The input gradient `dx` (an `Option<&mut>`), for the network's input.
    Input,
}

/// From the output's `delta` back to the input. Each layer turns `∂L/∂a` of its output into
/// `∂L/∂z` with its activation (the output layer's `delta` is `∂L/∂z` already), then writes
/// `∂L/∂input`. A block's sum passes its delta on to the block's last value unchanged and to the
/// block's input (through the projection's backward pass, which adds its gradients): that
/// delta is added to the input's when the walk reaches the block's opening.
pub(super) fn backward_body(model: &Model) -> TokenStream {
    let p = private();
    let events = model.events();
    let values = values_before(&events);
    let input_skipped = events
        .iter()
        .zip(&values)
        .any(|(e, v)| matches!(e, Event::Open(_)) && *v == Value::Input);
    let mut steps = Vec::new();
    if input_skipped {
        steps.push(quote!(let mut dx = dx;));
    }
    let mut delta = Delta::Given;
    // Whether `delta` is `∂L/∂a` of a layer's output still to go through its activation.
    let mut pending = false;
    let mut skip_deltas: Vec<(usize, Ident)> = Vec::new();
    let read = |delta: &Delta| match delta {
        Delta::Given => quote!(delta),
        Delta::Local(d) => view(quote!(&#d)),
        Delta::Input => quote!(dx),
    };
    for (position, event) in events.iter().enumerate().rev() {
        let before = values[position];
        match *event {
            Event::Close(b) => {
                let block = &model.blocks[b];
                let k = block.ordinal;
                let s = format_ident!("skip_delta{}", k);
                let skip = values[events
                    .iter()
                    .position(|e| *e == Event::Open(b))
                    .unwrap_or(position)];
                let (skip_ty, skip_len) = value_type(model, skip);
                let zeroed = zeroed_of(&skip_ty, skip_len);
                let d = read(&delta);
                let s_mut = view_mut(quote!(&mut #s));
                steps.push(match &block.projection {
                    Some(projection) => {
                        let (field, shape) = (projection.field(), layer_trait(projection));
                        let z = projection_z_name(block);
                        let z = view(quote!(&trace.#z));
                        let skip_value = traced(model, skip);
                        quote_spanned! {block.span=>
                            let mut #s = #zeroed;
                            #p::Layer::<#shape>::backward_simd(&self.#field, simd, #skip_value, #z, #d, &mut grads.#field, ::core::option::Option::Some(#s_mut));
                        }
                    }
                    None => quote_spanned! {block.span=>
                        let mut #s = #zeroed;
                        #s_mut.copy_from(#d);
                    },
                });
                skip_deltas.push((b, s));
                // The sum passes its delta on as it is, to a value that may go through an
                // activation in place: the read-only argument is copied first.
                if matches!(delta, Delta::Given) && matches!(before, Value::Layer(_)) {
                    let (ty, len) = value_type(model, before);
                    let zeroed = zeroed_of(&ty, len);
                    let copy = format_ident!("delta_sum{}", k);
                    let copy_mut = view_mut(quote!(&mut #copy));
                    steps.push(quote! {
                        let mut #copy = #zeroed;
                        #copy_mut.copy_from(delta);
                    });
                    delta = Delta::Local(copy);
                }
                pending = matches!(before, Value::Layer(_));
            }
            Event::Layer(i) => {
                let layer = &model.layers[i];
                let (field, shape) = (layer.field(), layer_trait(layer));
                let (z, a) = trace_names(i);
                let (z, a) = (view(quote!(&trace.#z)), view(quote!(&trace.#a)));
                if pending && let Delta::Local(d) = &delta {
                    let d_mut = view_mut(quote!(&mut #d));
                    steps.push(quote_spanned! {layer.span=>
                        #p::Layer::<#shape>::activation_backward_in_place(&self.#field, #z, #a, #d_mut);
                    });
                }
                let d = read(&delta);
                let input = traced(model, before);
                if before == Value::Input {
                    let dx = if input_skipped {
                        quote!(dx.as_deref_mut())
                    } else {
                        quote!(dx)
                    };
                    steps.push(quote_spanned! {layer.span=>
                        #p::Layer::<#shape>::backward_simd(&self.#field, simd, input, #z, #d, &mut grads.#field, #dx);
                    });
                    delta = Delta::Input;
                } else {
                    let (ty, len) = value_type(model, before);
                    let zeroed = zeroed_of(&ty, len);
                    let next = format_ident!("delta{}", i);
                    let next_mut = view_mut(quote!(&mut #next));
                    steps.push(quote_spanned! {layer.span=>
                        let mut #next = #zeroed;
                        #p::Layer::<#shape>::backward_simd(&self.#field, simd, #input, #z, #d, &mut grads.#field, ::core::option::Option::Some(#next_mut));
                    });
                    delta = Delta::Local(next);
                }
                pending = matches!(before, Value::Layer(_));
            }
            Event::Open(b) => {
                let Some(at) = skip_deltas.iter().position(|(open, _)| *open == b) else {
                    continue;
                };
                let (_, s) = skip_deltas.remove(at);
                let s = view(quote!(&#s));
                steps.push(match &delta {
                    Delta::Local(d) => {
                        let d_mut = view_mut(quote!(&mut #d));
                        quote!(#p::add_assign(#d_mut, #s);)
                    }
                    Delta::Input => quote! {
                        if let ::core::option::Option::Some(dx) = dx.as_deref_mut() {
                            #p::add_assign(dx, #s);
                        }
                    },
                    // A block opens before a layer, whose pass left a delta.
                    Delta::Given => quote!(),
                });
            }
        }
    }
    quote! { #(#steps)* }
}
