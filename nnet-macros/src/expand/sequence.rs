//! Expansion of a network declared with `input sequence F;`: the struct, its `{Name}State`
//! (one state per stepped layer: each recurrent layer, and each causal `conv1d`, whose state is
//! its past inputs), its gradients, the streaming step and the whole-sequence pass, and the
//! `SequenceNetwork` implementation whose training pass goes through the `SequenceWorkspace`
//! layer by layer. Stepped layers are reached through the `Recurrent` trait, the others through
//! `Layer`, as in vector networks.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use super::inherent::{constructors, zero_gradient_fields};
use super::layers::{self, gradient_type};
use super::network::training_hooks;
use super::tokens::{derive, layer_dims, layer_trait, lit, names, out_vec, private};
use super::{docs, params, passes};
use crate::diagnostics::thousands;
use crate::model::{Entry, Layer, Model};
use nnet_kinds::INLINE_PARAMS;

/// Everything generated for a sequence network.
pub(crate) fn expand(model: &Model) -> TokenStream {
    let mut tokens = structs(model);
    tokens.extend(inherent(model));
    tokens.extend(params::expand(model));
    tokens.extend(super::io::expand(model));
    tokens.extend(network_impl(model));
    tokens.extend(heap_assertions(model));
    tokens
}

/// For each stepped layer whose weights live on the heap, an assertion that nnet has a heap:
/// without its `std` feature there is no allocator, and the error says so (the macro cannot
/// see nnet's features; the constant it reads can).
fn heap_assertions(model: &Model) -> TokenStream {
    let p = private();
    let boxed = model.layers.iter().filter(|l| l.is_stepped() && l.boxed);
    boxed
        .map(|l| {
            let over = format!(
                "over {} input{}",
                thousands(l.input.channels()),
                if l.input.channels() == 1 { "" } else { "s" },
            );
            let (line, fewer) = if l.is_streamed_conv() {
                (format!("`{}` {over}", l.text()), "fewer filters or taps")
            } else {
                (format!("`{} {}` {over}", l.word.name(), l.units), "fewer units")
            };
            let state = if l.has_heap_state() {
                format!(
                    ", as do its state and the buffers of a step (it has more than {} units),",
                    thousands(nnet_kinds::INLINE_UNITS)
                )
            } else {
                ",".to_owned()
            };
            let message = format!(
                "{line} has {} weights, past the {} weights a network keeps inline: they live on the heap{state} and without nnet's `std` feature there is no allocator; use {fewer}, or enable `std`",
                thousands(l.params()),
                thousands(INLINE_PARAMS),
            );
            quote_spanned!(l.span=> const _: () = ::core::assert!(#p::layer::HEAP_STORAGE, #message);)
        })
        .collect()
}

pub(super) fn state_name(model: &Model) -> Ident {
    format_ident!("{}State", model.def.name)
}

/// `<Type as Recurrent<IN, UNITS>>`.
pub(super) fn recurrent_as(layer: &Layer) -> TokenStream {
    let p = private();
    let (ty, shape) = (layers::layer_type(layer), layer_trait(layer));
    quote!(<#ty as #p::layer::Recurrent<#shape>>)
}

fn in_vec(model: &Model) -> TokenStream {
    super::tokens::in_vec(model)
}

pub(super) fn last_stepped(model: &Model) -> usize {
    model
        .last_stepped()
        .expect("validation requires a recurrent layer or a causal conv1d in a sequence network")
}

fn structs(model: &Model) -> TokenStream {
    let names = names(model);
    let (name, gradients) = (&names.name, &names.gradients);
    let state = state_name(model);
    let (attrs, vis, derive) = (&model.def.attrs, &model.def.vis, derive());
    let network_derive = super::structs::network_derive(attrs);
    let architecture_doc = docs::architecture(model);
    let fields = super::structs::network_fields(model);
    let gradient_fields = model.fields().into_iter().map(|l| {
        let (field, ty) = (l.field(), gradient_type(l));
        let doc = format!("Gradients of `{field}`.");
        quote_spanned!(l.span=> #[doc = #doc] pub #field: #ty)
    });
    let state_fields = model.layers.iter().filter(|l| l.is_stepped()).map(|l| {
        let (field, recurrent) = (l.field(), recurrent_as(l));
        let doc = format!("The state of `{field}`.");
        quote_spanned!(l.span=> #[doc = #doc] pub #field: #recurrent::State)
    });
    let gradients_doc = format!(
        "Gradients of a loss with respect to every tensor of [`{name}`], with the same shapes."
    );
    let heap_state = model.layers.iter().any(|l| l.has_heap_state());
    let state_doc = if heap_state {
        format!(
            "The state of [`{name}`] between two steps: one state per recurrent layer and per causal convolution (its past inputs), zero by default. The recurrent layers of more than {} units keep theirs on the heap, with the buffers of a step: `Default` allocates them, and [`{name}::step`] then allocates nothing. Pass it to [`{name}::step`] once per time step; `Default` or [`reset`](Self::reset) (in place, without allocating) starts a new sequence.",
            thousands(nnet_kinds::INLINE_UNITS)
        )
    } else {
        format!(
            "The state of [`{name}`] between two steps: one state per recurrent layer and per causal convolution (its past inputs), inline (no allocation), zero by default. Pass it to [`{name}::step`] once per time step; `Default` or [`reset`](Self::reset) starts a new sequence."
        )
    };
    // A state on the heap is not `Copy`.
    let copy = (!heap_state).then(|| quote!(::core::marker::Copy,));
    let resets = model.layers.iter().filter(|l| l.is_stepped()).map(|l| {
        let (field, recurrent) = (l.field(), recurrent_as(l));
        quote_spanned!(l.span=> #recurrent::reset(&mut self.#field);)
    });
    let _ = docs::layer;
    quote! {
        #(#attrs)*
        #[doc = #architecture_doc]
        #network_derive
        #vis struct #name { #(#fields,)* }

        #[doc = #gradients_doc]
        #derive
        #vis struct #gradients { #(#gradient_fields,)* }

        #[doc = #state_doc]
        #[derive(::core::clone::Clone, #copy ::core::fmt::Debug, ::core::cmp::PartialEq, ::core::default::Default)]
        #vis struct #state { #(#state_fields,)* }

        impl #state {
            /// Back to the zero state, in place (without allocating), to start a new sequence.
            pub fn reset(&mut self) {
                #(#resets)*
            }
        }
    }
}

/// The per-step layers of `chain` from `input` (an expression of a `&SVector`), as a block
/// whose value is the last layer's output by value; `input` itself (copied) when the chain is
/// empty.
fn chain_block(model: &Model, chain: &[&Layer], input: TokenStream) -> TokenStream {
    if chain.is_empty() {
        return quote!(*#input);
    }
    let body = passes::forward_body(model, chain);
    quote!({ let input = #input; #body })
}

/// `__advance`: every layer up to the last stepped one, for one step.
fn advance_body(model: &Model) -> TokenStream {
    let p = private();
    let last = last_stepped(model);
    let mut steps = Vec::new();
    let mut input = quote!(x);
    let mut chain: Vec<&Layer> = Vec::new();
    for layer in &model.layers[..=last] {
        if !layer.is_stepped() {
            chain.push(layer);
            continue;
        }
        let field = layer.field();
        let recurrent = recurrent_as(layer);
        let shape = layer_trait(layer);
        let value = format_ident!("{}_in", field);
        let block = chain_block(model, &chain, input.clone());
        steps.push(quote_spanned! {layer.span=>
            let #value = #block;
            #p::layer::Recurrent::<#shape>::step(&net.#field, &mut state.#field, &#value);
        });
        chain.clear();
        input = quote!(#recurrent::output(&state.#field));
    }
    quote! { #(#steps)* }
}

/// `__readout`: the layers after the last stepped one, from its state.
fn readout_body(model: &Model) -> TokenStream {
    let last = last_stepped(model);
    let layer = &model.layers[last];
    let (field, recurrent) = (layer.field(), recurrent_as(layer));
    let head: Vec<&Layer> = model.layers[last + 1..].iter().collect();
    chain_block(model, &head, quote!(#recurrent::output(&state.#field)))
}

fn inherent(model: &Model) -> TokenStream {
    let p = private();
    let scalar = super::tokens::scalar(model);
    let names = names(model);
    let (name, gradients) = (&names.name, &names.gradients);
    let state = state_name(model);
    let inputs = lit(model.inputs);
    let (in_vec, out_vec) = (in_vec(model), out_vec(model));
    let constructors = constructors(model, "Number of features per step of the input sequences.");
    let zero_gradients = zero_gradient_fields(model);
    let blocks = !model.blocks.is_empty();
    let (advance, readout) = if blocks {
        (
            super::streaming::advance_events(model),
            super::streaming::readout_events(model),
        )
    } else {
        let readout = readout_body(model);
        (advance_body(model), quote!(let _ = carry; #readout))
    };
    let (carry, zero) = if blocks {
        (
            super::streaming::carry_type(model),
            super::streaming::zero_carry(model),
        )
    } else {
        (quote!(()), quote!(()))
    };
    let summary = super::inherent::summary(model);
    let step = passes::dispatch(
        quote!(&'a #name, &'a mut #state, &'a #in_vec),
        quote!(#out_vec),
        quote!(self, state, x),
        quote! {
            let __NnetPass(net, state, x) = self;
            let carry = net.__advance(simd, state, x);
            net.__readout(simd, state, &carry)
        },
    );
    let forward = passes::dispatch(
        quote!(&'a #name, &'a [#in_vec]),
        quote!(#out_vec),
        quote!(self, sequence),
        quote! {
            let __NnetPass(net, sequence) = self;
            let mut state = <#state as ::core::default::Default>::default();
            let mut carry: #carry = #zero;
            for x in sequence {
                carry = net.__advance(simd, &mut state, x);
            }
            net.__readout(simd, &state, &carry)
        },
    );
    let forward_doc = if model.layers.iter().any(|l| l.has_heap_state()) {
        format!(
            "The output after the last step of `sequence`, from the zero state, in inference mode; an empty sequence gives the output of the zero state. Allocates the state of the recurrent layers of more than {} units (on the heap); [`step`](Self::step) with a state kept from one call to the next allocates nothing.",
            thousands(nnet_kinds::INLINE_UNITS)
        )
    } else {
        "The output after the last step of `sequence`, from the zero state, in inference mode; an empty sequence gives the output of the zero state. Allocation-free.".to_owned()
    };
    quote! {
        impl #name {
            #constructors

            #[doc = #forward_doc]
            #[inline]
            pub fn forward(&self, sequence: &[#in_vec]) -> #out_vec {
                #forward
            }

            /// Advances `state` by one time step with input `x` and returns the output as if the
            /// sequence ended here: the streaming call (one per audio sample, say), with no
            /// allocation and no lock. `step` over a sequence from the default state ends with
            /// what [`forward`](Self::forward) gives for it.
            #[inline]
            pub fn step(&self, state: &mut #state, x: &#in_vec) -> #out_vec {
                #step
            }

            #p::if_std! {
            /// The output after every step of `sequence` into `outputs`, from the zero state.
            ///
            /// # Errors
            ///
            /// `Error::SequenceOutputs` unless `outputs` has one slot per step.
            pub fn forward_sequence(&self, sequence: &[#in_vec], outputs: &mut [#out_vec]) -> #p::Result<()> {
                #p::SequenceNetwork::forward_sequence(self, sequence, outputs)
            }

            /// The outputs for every sequence of `data`: one per sequence, or one per step when
            /// the last stepped layer returns sequences (a recurrent layer with
            /// `return_sequences`, or a causal `conv1d`).
            pub fn predict_sequences(&self, data: &#p::Sequences<#inputs, #scalar>) -> #p::Vec<#out_vec> {
                #p::SequenceNetwork::predict_sequences(self, data)
            }
            }

            #[doc(hidden)]
            #[inline(always)]
            #[allow(clippy::unused_unit)]
            fn __advance<__NnetV: #p::pulp::Simd>(&self, simd: __NnetV, state: &mut #state, x: &#in_vec) -> #carry {
                let net = self;
                #advance
            }

            #[doc(hidden)]
            #[inline(always)]
            fn __readout<__NnetV: #p::pulp::Simd>(&self, simd: __NnetV, state: &#state, carry: &#carry) -> #out_vec {
                let net = self;
                #readout
            }

            /// Gradients of zero.
            pub fn zero_gradients(&self) -> #gradients {
                #gradients { #(#zero_gradients,)* }
            }

            #p::if_std! {
            /// Buffers for the training pass over batches of sequences.
            pub fn sequence_workspace(&self) -> #p::SequenceWorkspace<#scalar> {
                #p::SequenceNetwork::sequence_workspace(self)
            }
            }

            #summary
        }
    }
}

fn network_impl(model: &Model) -> TokenStream {
    let p = private();
    let scalar = super::tokens::scalar(model);
    let names = names(model);
    let (name, gradients) = (&names.name, &names.gradients);
    let state = state_name(model);
    let (inputs, outputs) = (lit(model.inputs), lit(model.outputs()));
    let (in_vec, out_vec) = (in_vec(model), out_vec(model));
    let last_rec = last_stepped(model);
    let return_sequences = model.layers[last_rec].returns_sequences();
    let entries = model.entries();
    let last_index = entries.len() - 1;
    let last = &model.layers[model.layers.len() - 1];
    let (output_activation_type, output_activation) = if last.is_stepped() || model.ends_with_sum()
    {
        (
            quote!(#p::activation::Linear),
            quote!(&#p::activation::Linear),
        )
    } else {
        let (field, shape, ty) = (last.field(), layer_trait(last), layers::layer_type(last));
        (
            quote!(<#ty as #p::Layer<#shape>>::Activation),
            quote!(#p::Layer::<#shape>::activation(&self.#field)),
        )
    };
    let traces = entries.iter().map(|entry| match *entry {
        Entry::Layer(i) if model.layers[i].is_stepped() => {
            let recurrent = recurrent_as(&model.layers[i]);
            quote!(#recurrent::TRACE)
        }
        Entry::Layer(i) => {
            let units = lit(model.layers[i].units);
            quote!(#units)
        }
        Entry::Sum(b) => {
            let units = lit(model.blocks[b].output.len());
            quote!(#units)
        }
    });
    // Each stepped layer's state after the batch, from its state before.
    let final_states = entries.iter().enumerate().filter_map(|(i, entry)| {
        let Entry::Layer(l) = *entry else { return None };
        let l = &model.layers[l];
        let (field, dims, index) = (l.field(), layer_dims(l), lit(i));
        l.is_stepped().then(|| quote_spanned!(l.span=> workspace.final_states::<_, _, #dims>(&self.#field, #index, states, |s: &mut #state| &mut s.#field);))
    });
    let (forward_plain, forward_from) = (
        forward_steps(model, &entries, &state, false),
        forward_steps(model, &entries, &state, true),
    );
    let (backward_plain, backward_from) = (
        backward_steps(model, &entries, &state, false),
        backward_steps(model, &entries, &state, true),
    );
    let preactivation = last.activation().is_some() && !last.is_stepped() && !model.ends_with_sum();
    let last_index = lit(last_index);
    let training = training_hooks(model);
    quote! {
        #p::if_std! {
        impl #p::SequenceNetwork<#inputs, #outputs, #scalar> for #name {
            type Gradients = #gradients;
            type State = #state;
            type OutputActivation = #output_activation_type;
            const RETURN_SEQUENCES: ::core::primitive::bool = #return_sequences;

            #[inline]
            fn forward(&self, sequence: &[#in_vec]) -> #out_vec {
                #name::forward(self, sequence)
            }

            #[inline]
            fn step(&self, state: &mut #state, x: &#in_vec) -> #out_vec {
                #name::step(self, state, x)
            }

            #[inline]
            fn output_activation(&self) -> &Self::OutputActivation {
                #output_activation
            }

            fn zero_gradients(&self) -> #gradients {
                #name::zero_gradients(self)
            }

            fn sequence_workspace(&self) -> #p::SequenceWorkspace<#scalar> {
                #p::SequenceWorkspace::<#scalar>::new(<Self as #p::Architecture>::LAYERS, &[#(#traces),*], #return_sequences)
            }

            fn accumulate_sequences<__NnetL: #p::Loss<#outputs, #scalar>>(
                &self,
                workspace: &mut #p::SequenceWorkspace<#scalar>,
                targets: &[__NnetL::Target],
                loss: &__NnetL,
                grads: &mut #gradients,
                outputs: &mut [#out_vec],
            ) -> #scalar {
                #(#forward_plain)*
                let total = workspace.output_deltas(#last_index, loss, #p::SequenceNetwork::output_activation(self), #preactivation, targets, outputs);
                #(#backward_plain)*
                total
            }

            fn accumulate_sequences_from<__NnetL: #p::Loss<#outputs, #scalar>>(
                &self,
                workspace: &mut #p::SequenceWorkspace<#scalar>,
                states: &mut [#state],
                targets: &[__NnetL::Target],
                loss: &__NnetL,
                grads: &mut #gradients,
                outputs: &mut [#out_vec],
            ) -> #p::Result<#scalar> {
                if states.len() != workspace.sequences() {
                    return ::core::result::Result::Err(#p::Error::StateCount {
                        states: states.len(),
                        sequences: workspace.sequences(),
                    });
                }
                let before: &[#state] = states;
                #(#forward_from)*
                let total = workspace.output_deltas(#last_index, loss, #p::SequenceNetwork::output_activation(self), #preactivation, targets, outputs);
                #(#backward_from)*
                #(#final_states)*
                ::core::result::Result::Ok(total)
            }

            #training
        }
        }
    }
}

/// The training pass's forward steps, entry by entry; stepped layers from the states `before`
/// when `stateful`.
fn forward_steps(
    model: &Model,
    entries: &[Entry],
    state: &Ident,
    stateful: bool,
) -> Vec<TokenStream> {
    entries.iter().enumerate().map(|(i, entry)| {
        let index = lit(i);
        let l = match *entry {
            Entry::Layer(l) => &model.layers[l],
            Entry::Sum(b) => {
                let block = &model.blocks[b];
                let skip = super::batch::option_tokens(model.skip_entry(b));
                return match &block.projection {
                    Some(projection) => {
                        let (field, dims) = (projection.field(), layer_dims(projection));
                        quote_spanned!(block.span=> workspace.forward_projected_sum::<_, #dims>(&self.#field, #index, #skip, &mut grads.#field);)
                    }
                    None => quote_spanned!(block.span=> workspace.forward_sum(#index, #skip);),
                };
            }
        };
        let (field, dims) = (l.field(), layer_dims(l));
        if l.is_stepped() && stateful {
            quote_spanned!(l.span=> workspace.forward_recurrent_from::<_, _, #dims>(&self.#field, #index, before, |s: &#state| &s.#field);)
        } else if l.is_stepped() {
            quote_spanned!(l.span=> workspace.forward_recurrent::<_, #dims>(&self.#field, #index);)
        } else {
            quote_spanned!(l.span=> workspace.forward_layer::<_, #dims>(&self.#field, #index, &mut grads.#field);)
        }

    }).collect()
}

/// The training pass's backward steps, from the last entry; stepped layers from the states
/// `before` when `stateful`.
fn backward_steps(
    model: &Model,
    entries: &[Entry],
    state: &Ident,
    stateful: bool,
) -> Vec<TokenStream> {
    entries.iter().enumerate().rev().map(|(i, entry)| {
        let index = lit(i);
        // The activation of the entry below (a layer applied at every column; a sum has none).
        let below = i
            .checked_sub(1)
            .and_then(|b| match entries[b] {
                Entry::Layer(l) => Some(&model.layers[l]),
                Entry::Sum(_) => None,
            })
            .filter(|b| !b.is_stepped())
            .map(|b| {
                let (field, dims, index) = (b.field(), layer_dims(b), lit(i - 1));
                quote!(workspace.activation_backward::<_, #dims>(&self.#field, #index);)
            });
        let step = match *entry {
            Entry::Layer(l) => {
                let l = &model.layers[l];
                let (field, dims) = (l.field(), layer_dims(l));
                let step = if l.is_stepped() && stateful {
                    quote_spanned!(l.span=> workspace.backward_recurrent_from::<_, _, #dims>(&self.#field, #index, before, |s: &#state| &s.#field, &mut grads.#field);)
                } else if l.is_stepped() {
                    quote_spanned!(l.span=> workspace.backward_recurrent::<_, #dims>(&self.#field, #index, &mut grads.#field);)
                } else {
                    quote_spanned!(l.span=> workspace.backward_layer::<_, #dims>(&self.#field, #index, &mut grads.#field);)
                };
                // The skip deltas of the blocks that open at this layer join its input's delta.
                let opening = (0..model.blocks.len())
                    .filter(|&b| Entry::Layer(model.blocks[b].first) == *entry)
                    .filter_map(|b| {
                        let sum = entries.iter().position(|e| *e == Entry::Sum(b))?;
                        let (sum, skip) = (lit(sum), super::batch::option_tokens(model.skip_entry(b)));
                        Some(quote!(workspace.add_skip_delta(#sum, #skip);))
                    });
                quote!(#step #(#opening)*)
            }
            Entry::Sum(b) => {
                let block = &model.blocks[b];
                let skip = super::batch::option_tokens(model.skip_entry(b));
                match &block.projection {
                    Some(projection) => {
                        let (field, dims) = (projection.field(), layer_dims(projection));
                        quote_spanned!(block.span=> workspace.backward_projected_sum::<_, #dims>(&self.#field, #index, #skip, &mut grads.#field);)
                    }
                    None => quote_spanned!(block.span=> workspace.backward_sum(#index, #skip);),
                }
            }
        };
        quote!(#step #below)

    }).collect()
}
