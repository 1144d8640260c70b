//! The unrolled per-sample backward pass, from the output's delta to the input, through the
//! sums of residual blocks: each sum's delta goes both into its block and through its skip.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use super::layers;
use super::passes::{view, view_mut};
use super::sums::{projection_z_name, sum_name, sum_type, vector_of, zeroed_of};
use super::tokens::{layer_trait, private, trace_names};
use crate::model::{Event, Model};

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
