//! The streaming step of a sequence network with residual blocks: `__advance` runs one step up
//! to the last stepped layer, `__readout` the layers after it from the state. A block that opens
//! before the last stepped layer and sums after it needs its input of the step, which the state
//! does not keep: `__advance` returns those inputs (the carry) for `__readout` to add.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use super::passes;
use super::sequence::{last_stepped, recurrent_as};
use super::sums::{block_sum, sum_name};
use super::tokens::{layer_trait, lit, private};
use crate::model::{Event, Model};

/// The blocks whose sum needs a value of the step that the state does not keep: opened up to
/// the last stepped layer and summed after it. `__advance` returns their inputs (the carry),
/// which `__readout` adds.
fn carried(model: &Model) -> Vec<usize> {
    let events = model.events();
    let last = last_stepped(model);
    let boundary = events
        .iter()
        .position(|e| *e == Event::Layer(last))
        .unwrap_or(0);
    (0..model.blocks.len())
        .filter(|&b| {
            let open = events.iter().position(|e| *e == Event::Open(b));
            let close = events.iter().position(|e| *e == Event::Close(b));
            matches!((open, close), (Some(o), Some(c)) if o < boundary && c > boundary)
        })
        .collect()
}

/// The type of the carry: a tuple of the carried blocks' inputs.
pub(super) fn carry_type(model: &Model) -> TokenStream {
    let p = private();
    let scalar = super::tokens::scalar(model);
    let types = carried(model).into_iter().map(|b| {
        let len = lit(model.blocks[b].input.len());
        quote!(#p::nalgebra::SVector<#scalar, #len>)
    });
    quote!((#(#types,)*))
}

/// A zero carry, the readout's of an empty sequence.
pub(super) fn zero_carry(model: &Model) -> TokenStream {
    let p = private();
    let zeros = carried(model)
        .into_iter()
        .map(|_| quote!(#p::nalgebra::SVector::zeros()));
    quote!((#(#zeros,)*))
}

/// The skip inputs of open blocks: the block and its input (a `&SVector` expression).
type Skips = Vec<(usize, TokenStream)>;

/// What [`step_events`] wrote.
struct Run {
    /// The code.
    body: TokenStream,
    /// The final value, a `&SVector` expression.
    value: TokenStream,
    /// The local that holds the final value and whether it is on the heap, unless the run
    /// computed nothing.
    local: Option<(Ident, bool)>,
    /// The skips of the blocks still open.
    skips: Skips,
}

/// One step through the events `events` (a run of the network's), from the value `input`:
/// stepped layers advance their state, blocks sum; the skip inputs of blocks that open before
/// the run are in `skips`.
fn step_events(model: &Model, events: &[Event], input: TokenStream, mut skips: Skips) -> Run {
    let p = private();
    let mut previous = input;
    let mut last: Option<(Ident, bool)> = None;
    let mut lets = Vec::new();
    for event in events {
        match *event {
            Event::Open(b) => skips.push((b, previous.clone())),
            Event::Layer(i) => {
                let layer = &model.layers[i];
                let a = format_ident!("a{}", i + 1);
                if layer.is_stepped() {
                    let (field, shape) = (layer.field(), layer_trait(layer));
                    let recurrent = recurrent_as(layer);
                    lets.push(quote_spanned! {layer.span=>
                        #p::layer::Recurrent::<#shape>::step(&net.#field, &mut state.#field, #previous);
                        let #a = *#recurrent::output(&state.#field);
                    });
                    last = Some((a.clone(), false));
                } else {
                    lets.push(passes::layer_forward(layer, &a, &previous, false));
                    last = Some((a.clone(), layer.heap_vectors));
                }
                previous = passes::view(quote!(&#a));
            }
            Event::Close(b) => {
                let block = &model.blocks[b];
                let skip = skips
                    .iter()
                    .rposition(|(open, _)| *open == b)
                    .map(|at| skips.remove(at).1)
                    .unwrap_or_else(|| quote!(x));
                lets.push(block_sum(
                    model,
                    block,
                    &skip,
                    &previous,
                    false,
                    &quote!(net),
                ));
                let r = sum_name(block);
                previous = passes::view(quote!(&#r));
                last = Some((r, block.output.len() > nnet_kinds::INLINE_UNITS));
            }
        }
    }
    Run {
        body: quote!(#(#lets)*),
        value: previous,
        local: last,
        skips,
    }
}

/// `__advance` of a network with blocks: every event up to the last stepped layer, returning
/// the carry.
pub(super) fn advance_events(model: &Model) -> TokenStream {
    let events = model.events();
    let last = last_stepped(model);
    let boundary = events
        .iter()
        .position(|e| *e == Event::Layer(last))
        .unwrap_or(0);
    let Run { body, skips, .. } = step_events(model, &events[..=boundary], quote!(x), Vec::new());
    let carry = carried(model).into_iter().map(|b| {
        let skip = skips
            .iter()
            .find(|(open, _)| *open == b)
            .map_or(quote!(x), |(_, skip)| skip.clone());
        quote!(*#skip)
    });
    quote! { #body (#(#carry,)*) }
}

/// `__readout` of a network with blocks: the events after the last stepped layer, from its
/// state and the carry.
pub(super) fn readout_events(model: &Model) -> TokenStream {
    let events = model.events();
    let last = last_stepped(model);
    let layer = &model.layers[last];
    let (field, recurrent) = (layer.field(), recurrent_as(layer));
    let boundary = events
        .iter()
        .position(|e| *e == Event::Layer(last))
        .unwrap_or(0);
    let skips = carried(model)
        .into_iter()
        .enumerate()
        .map(|(position, b)| {
            let position = syn::Index::from(position);
            (b, quote!(&carry.#position))
        })
        .collect();
    let Run {
        body,
        value: previous,
        local: value,
        ..
    } = step_events(
        model,
        &events[boundary + 1..],
        quote!(#recurrent::output(&state.#field)),
        skips,
    );
    let output = match value {
        Some((value, true)) => quote!(#value.into_inner()),
        Some((value, false)) => quote!(#value),
        None => quote!(*#previous),
    };
    quote! { let _ = carry; #body #output }
}
