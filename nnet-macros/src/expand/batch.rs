//! The batch methods. Every network gets `forward_batch` and `accumulate_batch` that run one
//! sample at a time inside one SIMD dispatch; networks with large dense layers, or with a layer
//! that trains differently (dropout, batch normalization), also get the batched passes through
//! the workspace's buffers, layer by layer, and train through them.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use super::tokens::{in_vec, layer_trait, lit, names, out_vec, private};
use crate::model::{Act, Entry, Kind, Model};

/// Inherent helpers of the batch methods.
pub(super) fn inherent(model: &Model) -> TokenStream {
    let p = private();
    let dispatch = super::passes::dispatch_path(model);
    let f32 = super::tokens::scalar(model);
    let usize = quote!(::core::primitive::usize);
    let names = names(model);
    let (name, gradients) = (&names.name, &names.gradients);
    let (in_vec, out_vec) = (in_vec(model), out_vec(model));
    let workspace = if model.trains_in_batches() {
        let (train, infer) = (forward_body(model, true), forward_body(model, false));
        quote! {
            /// The batched forward pass in training mode of `batch` samples whose inputs are
            /// the columns of `x`, into `workspace` (statistics into `grads`).
            #[doc(hidden)]
            fn __forward_workspace(&self, workspace: &mut #p::batch::Workspace<#f32>, x: &[#f32], batch: #usize, grads: &mut #gradients) {
                #train
            }

            /// The batched forward pass in inference mode, without the `z`s.
            #[doc(hidden)]
            fn __infer_workspace(&self, workspace: &mut #p::batch::Workspace<#f32>, x: &[#f32], batch: #usize) {
                let _ = batch;
                #infer
            }
        }
    } else {
        quote!()
    };
    let (each, preactivation) = if groups_output(model) {
        let last = model.layers.last().expect("validation requires a layer");
        let (last_field, last_shape) = (last.field(), layer_trait(last));
        let body = super::passes::forward_events(model, &|i| model.layers.get(i), true);
        let each = if in_lanes(model) {
            let exact = model.layers.iter().map(|layer| {
                let (field, shape) = (layer.field(), layer_trait(layer));
                quote!(#p::layer::Preactivation::<#shape>::lanes_exact::<__NnetV>(&net.#field))
            });
            let count = model.layers.len();
            let steps = model.layers.iter().enumerate().map(|(i, layer)| {
                let (field, shape) = (layer.field(), layer_trait(layer));
                let method = if i + 1 == count {
                    quote!(preactivation_lanes)
                } else {
                    quote!(forward_lanes)
                };
                quote!(let x = &#p::layer::Preactivation::<#shape>::#method(&net.#field, simd, x);)
            });
            quote! {
                let activation = #p::Layer::<#last_shape>::activation(&net.#last_field);
                let exact = #(#exact)&&*;
                #p::batch::forward_lanes(simd, exact, inputs, outputs, activation, |x| { #(#steps)* *x }, |x| net.__preactivation(simd, x));
            }
        } else {
            quote! {
                let activation = #p::Layer::<#last_shape>::activation(&net.#last_field);
                #p::batch::forward_grouped(inputs, outputs, activation, |x| net.__preactivation(simd, x));
            }
        };
        let preactivation = quote! {
            /// [`forward`](Self::forward) without the output layer's activation, with the SIMD
            /// instruction set `simd`: for `forward_grouped`, which applies it to a group of
            /// samples at once.
            #[doc(hidden)]
            #[inline(always)]
            fn __preactivation<__NnetV: #p::pulp::Simd>(&self, simd: __NnetV, input: &#in_vec) -> #out_vec {
                let net = self;
                #body
            }
        };
        (each, preactivation)
    } else {
        let each = quote! {
            for (x, y) in inputs.iter().zip(outputs.iter_mut()) {
                *y = net.__forward(simd, x);
            }
        };
        (each, quote!())
    };
    quote! {
        #workspace
        #preactivation

        /// `outputs[i] = forward(inputs[i])`, the whole batch in one SIMD dispatch.
        #[doc(hidden)]
        #[track_caller]
        fn __forward_each(&self, inputs: &[#in_vec], outputs: &mut [#out_vec]) {
            /// The samples one at a time, run with the best SIMD instruction set of the machine.
            struct __NnetSamples<'a>(&'a #name, &'a [#in_vec], &'a mut [#out_vec]);
            impl #p::pulp::WithSimd for __NnetSamples<'_> {
                type Output = ();
                #[inline(always)]
                fn with_simd<__NnetV: #p::pulp::Simd>(self, simd: __NnetV) {
                    let __NnetSamples(net, inputs, outputs) = self;
                    #each
                }
            }
            #p::check_batch_lengths(inputs.len(), outputs.len());
            #dispatch(__NnetSamples(self, inputs, outputs));
        }
    }
}

/// Whether `__forward_each` takes the output layer's activation over groups of samples at once
/// (`forward_grouped`): when that layer is a dense layer on vectors held inline with an
/// activation that costs something, element-wise (a softmax output gains nothing from it). The
/// activation's chain of dependent operations (about 80 cycles for a sigmoid) then runs in SIMD
/// lanes across samples instead of at the end of each sample's pass.
fn groups_output(model: &Model) -> bool {
    let last = model.layers.last().expect("validation requires a layer");
    !model.ends_with_sum()
        && matches!(last.kind, Kind::Dense { activation, .. } if !matches!(activation.act, Act::Linear | Act::Softmax))
        && !last.is_positionwise()
        && !last.heap_vectors
}

/// Whether `__forward_each` takes groups of samples in the lanes of registers
/// (`forward_lanes`): networks of dense layers only, on vectors held inline, without blocks,
/// whose hidden layers' activations are element-wise (the lanes mix samples, which a softmax
/// would sum over), and whose output is grouped ([`groups_output`]).
fn in_lanes(model: &Model) -> bool {
    let count = model.layers.len();
    groups_output(model)
        && model.blocks.is_empty()
        && model
            .layers
            .iter()
            .enumerate()
            .all(|(i, layer)| match layer.kind {
                Kind::Dense { activation, .. } => {
                    !layer.heap_vectors
                        && !layer.is_positionwise()
                        && (i + 1 == count || activation.act != Act::Softmax)
                }
                _ => false,
            })
}

/// `forward_batch`, `forward_batch_with` and `accumulate_batch` of the `Network` impl.
pub(super) fn network(model: &Model) -> TokenStream {
    let p = private();
    let dispatch = super::passes::dispatch_path(model);
    let f32 = super::tokens::scalar(model);
    let names = names(model);
    let (name, gradients, trace) = (&names.name, &names.gradients, &names.trace);
    let (inputs_lit, outputs_lit) = (lit(model.inputs), lit(model.outputs()));
    let (in_vec, out_vec) = (in_vec(model), out_vec(model));
    let last = model.layers.last().expect("validation requires a layer");
    let (last_field, last_shape) = (last.field(), layer_trait(last));
    let last_index = lit(model.entries().len() - 1);
    // A network that ends with a block's sum gives the loss its output, without activation.
    let preactivation = last.activation().is_some() && !model.ends_with_sum();
    let output_activation = if model.ends_with_sum() {
        quote!(&#p::activation::Linear)
    } else {
        quote!(#p::Layer::<#last_shape>::activation(&self.#last_field))
    };
    let infer_batched = model.infers_in_batches();

    let forward_batch = if infer_batched {
        quote! {
            #[track_caller]
            fn forward_batch(&self, inputs: &[#in_vec], outputs: &mut [#out_vec]) {
                #p::check_batch_lengths(inputs.len(), outputs.len());
                let layers = <Self as #p::Architecture>::LAYERS;
                let capacity = #p::batch::inference_capacity(layers, inputs.len());
                #p::batch::with_kept_workspace::<#f32, _>(layers, capacity, |workspace| {
                    #p::Network::forward_batch_with(self, workspace, inputs, outputs);
                });
            }

            #[track_caller]
            fn forward_batch_with(&self, workspace: &mut #p::batch::Workspace<#f32>, inputs: &[#in_vec], outputs: &mut [#out_vec]) {
                #p::check_batch_lengths(inputs.len(), outputs.len());
                let layers = <Self as #p::Architecture>::LAYERS;
                workspace.fit(layers);
                // Each thread's slice of the batch in chunks of the workspace's capacity.
                #p::batch::forward_in_slices(workspace, layers, inputs, outputs, |workspace, inputs, outputs| {
                    let capacity = workspace.capacity();
                    for (xs, ys) in inputs.chunks(capacity).zip(outputs.chunks_mut(capacity)) {
                        self.__infer_workspace(workspace, #p::batch::flat(xs), xs.len());
                        ys.copy_from_slice(#p::batch::vectors(workspace.outputs(#last_index, xs.len())));
                    }
                })
            }
        }
    } else {
        quote! {
            #[track_caller]
            fn forward_batch(&self, inputs: &[#in_vec], outputs: &mut [#out_vec]) {
                self.__forward_each(inputs, outputs);
            }

            #[track_caller]
            fn forward_batch_with(&self, _: &mut #p::batch::Workspace<#f32>, inputs: &[#in_vec], outputs: &mut [#out_vec]) {
                self.__forward_each(inputs, outputs);
            }
        }
    };

    let accumulate = if model.trains_in_batches() {
        let backward = backward_body(model);
        quote! {
            workspace.fit_for_training(<Self as #p::Architecture>::LAYERS);
            let n = inputs.len().min(targets.len());
            let capacity = workspace.capacity();
            #p::batch::in_pool(|| {
                let mut total = 0.0;
                for (chunk, (xs, ys)) in inputs[..n].chunks(capacity).zip(targets[..n].chunks(capacity)).enumerate() {
                    let (x, batch) = (#p::batch::flat(xs), xs.len());
                    self.__forward_workspace(workspace, x, batch, grads);
                    let start = (chunk * capacity).min(outputs.len());
                    let activation = #output_activation;
                    total += workspace.output_deltas(#last_index, loss, activation, #preactivation, ys, &mut outputs[start..]);
                    #backward
                }
                total
            })
        }
    } else {
        quote! {
            let _ = workspace;
            /// One sample at a time, the whole batch in one SIMD dispatch.
            struct __NnetSamples<'a, __NnetL: #p::Loss<#outputs_lit, #f32>> {
                net: &'a #name,
                inputs: &'a [#in_vec],
                targets: &'a [__NnetL::Target],
                loss: &'a __NnetL,
                grads: &'a mut #gradients,
                outputs: &'a mut [#out_vec],
            }
            impl<__NnetL: #p::Loss<#outputs_lit, #f32>> #p::pulp::WithSimd for __NnetSamples<'_, __NnetL> {
                type Output = #f32;
                #[inline(always)]
                fn with_simd<__NnetV: #p::pulp::Simd>(self, simd: __NnetV) -> #f32 {
                    let __NnetSamples { net, inputs, targets, loss, grads, outputs } = self;
                    #p::accumulate_with(
                        inputs,
                        targets,
                        loss,
                        #p::Network::output_activation(net),
                        grads,
                        outputs,
                        &__NnetPasses { net, simd },
                    )
                }
            }
            /// The network's SIMD passes, as methods the compiler inlines into the dispatch
            /// (a closure it did not inline would lose the instruction set).
            struct __NnetPasses<'a, __NnetV> {
                net: &'a #name,
                simd: __NnetV,
            }
            impl<__NnetV: #p::pulp::Simd> #p::SamplePasses<#inputs_lit, #outputs_lit, #f32> for __NnetPasses<'_, __NnetV> {
                type Trace = #trace;
                type Gradients = #gradients;
                #[inline(always)]
                fn trace(&self, x: &#in_vec) -> #trace {
                    self.net.__trace(self.simd, x)
                }
                #[inline(always)]
                fn backward(&self, x: &#in_vec, trace: &#trace, delta: &#out_vec, grads: &mut #gradients) {
                    self.net.__backward(self.simd, x, trace, delta, grads, ::core::option::Option::None);
                }
            }
            #dispatch(__NnetSamples { net: self, inputs, targets, loss, grads, outputs })
        }
    };

    quote! {
        #forward_batch

        fn accumulate_batch<__NnetL: #p::Loss<#outputs_lit, #f32>>(
            &self,
            workspace: &mut #p::batch::Workspace<#f32>,
            inputs: &[#in_vec],
            targets: &[__NnetL::Target],
            loss: &__NnetL,
            grads: &mut #gradients,
            outputs: &mut [#out_vec],
        ) -> #f32 {
            #accumulate
        }
    }
}

/// `Some(index)` as tokens, or `None`.
pub(super) fn option_tokens(value: Option<usize>) -> TokenStream {
    match value {
        Some(index) => {
            let index = lit(index);
            quote!(::core::option::Option::Some(#index))
        }
        None => quote!(::core::option::Option::None),
    }
}

/// The batched forward pass, layer by layer through the workspace's buffers: in training mode
/// (`training`), each layer's `z` too and the statistics into `grads`, with a generator per layer
/// for dropout; else the outputs alone. A block's sum is an entry of its own: its projection's
/// output (or a copy of the block's input) plus the block's last output.
fn forward_body(model: &Model, training: bool) -> TokenStream {
    let p = private();
    let entries = model.entries();
    let steps = entries.iter().enumerate().map(|(i, entry)| {
        let index = lit(i);
        let input = if i == 0 { quote!(x) } else { quote!(below) };
        let layer = match *entry {
            Entry::Layer(l) => &model.layers[l],
            Entry::Sum(b) => return sum_forward(model, b, i, training),
        };
        let (field, shape) = (layer.field(), layer_trait(layer));
        if training {
            let rng = if layer.trains_differently() {
                quote!(let mut rng = workspace.training_rng(#index);)
            } else {
                quote!()
            };
            let mode = if layer.trains_differently() {
                quote!(#p::layer::Mode::Training(&mut rng))
            } else {
                quote!(#p::layer::Mode::Inference)
            };
            quote_spanned! {layer.span=>
                #rng
                let (below, z, a) = workspace.layer(#index, batch);
                let _ = below;
                #p::Layer::<#shape>::forward_batch(&self.#field, #mode, #input, z, a, &mut grads.#field);
            }
        } else {
            quote_spanned! {layer.span=>
                let (below, _, a) = workspace.layer(#index, batch);
                let _ = below;
                #p::Layer::<#shape>::output_batch(&self.#field, #input, a);
            }
        }
    });
    quote! { #({ #steps })* }
}

/// The batched sum of block `b`, the entry `index`.
fn sum_forward(model: &Model, b: usize, index: usize, training: bool) -> TokenStream {
    let p = private();
    let block = &model.blocks[b];
    let skip = model.skip_entry(b);
    let skip_value = if skip.is_some() {
        quote!(skip)
    } else {
        quote!(x)
    };
    let (index, skip) = (lit(index), option_tokens(skip));
    let start = match &block.projection {
        Some(projection) => {
            let (field, shape) = (projection.field(), layer_trait(projection));
            if training {
                quote!(#p::Layer::<#shape>::forward_batch(&self.#field, #p::layer::Mode::Inference, #skip_value, z, a, &mut grads.#field);)
            } else {
                quote!(#p::Layer::<#shape>::output_batch(&self.#field, #skip_value, a);)
            }
        }
        None => quote!(a.copy_from_slice(#skip_value);),
    };
    quote_spanned! {block.span=>
        let (skip, last, z, a) = workspace.residual(#index, #skip, batch);
        let _ = (skip, &z);
        #start
        #p::add_assign_slice(a, last);
    }
}

/// The batched backward pass from the output layer's `∂L/∂z` (written by `output_deltas`) down
/// to the first layer. A block's sum passes its delta on to the block's last layer and, through
/// the projection (or as it is), to the block's input, which is added to the input's delta once
/// the pass is through the block's first layer.
fn backward_body(model: &Model) -> TokenStream {
    let p = private();
    let entries = model.entries();
    let steps = entries.iter().enumerate().rev().map(|(i, entry)| {
        let index = lit(i);
        // The activation of the entry below, turning the delta written for it into its `∂L/∂z`
        // (a sum has none).
        let below_activation = |z: TokenStream, a: TokenStream| match i.checked_sub(1).map(|b| entries[b]) {
            Some(Entry::Layer(below)) => {
                let below = &model.layers[below];
                let (below_field, below_shape) = (below.field(), layer_trait(below));
                quote!(#p::Layer::<#below_shape>::activation_backward_batch(&self.#below_field, #z, #a, step.next);)
            }
            _ => quote!(),
        };
        let layer = match *entry {
            Entry::Layer(l) => &model.layers[l],
            Entry::Sum(b) => {
                let block = &model.blocks[b];
                let skip = model.skip_entry(b);
                let skip_value = if skip.is_some() { quote!(step.skip_input) } else { quote!(x) };
                let skip = option_tokens(skip);
                let through = match &block.projection {
                    Some(projection) => {
                        let (field, shape) = (projection.field(), layer_trait(projection));
                        quote!(#p::Layer::<#shape>::backward_batch(&self.#field, #skip_value, step.z, step.delta, &mut grads.#field, step.skip_delta);)
                    }
                    None => quote!(step.skip_delta.copy_from_slice(&step.delta[..step.skip_delta.len()]);),
                };
                let activation = below_activation(quote!(step.below_z), quote!(step.below_a));
                return quote_spanned! {block.span=>
                    let step = workspace.residual_step(#index, #skip, batch);
                    step.next.copy_from_slice(step.delta);
                    #through
                    #activation
                };
            }
        };
        let (field, shape) = (layer.field(), layer_trait(layer));
        // The sums of the blocks that open at this layer: their skip deltas join the delta of
        // the layer's input.
        let opening: Vec<TokenStream> = model
            .blocks
            .iter()
            .enumerate()
            .filter(|(_, block)| Entry::Layer(block.first) == *entry)
            .filter_map(|(b, _)| entries.iter().position(|e| *e == Entry::Sum(b)))
            .map(|sum| {
                let sum = lit(sum);
                quote!(workspace.add_skip_delta(#index, #sum, batch);)
            })
            .collect();
        if i == 0 {
            quote_spanned! {layer.span=>
                let step = workspace.backward_step(#index, batch);
                #p::Layer::<#shape>::backward_batch(&self.#field, x, step.z, step.delta, &mut grads.#field, step.next);
            }
        } else {
            let activation = below_activation(quote!(step.below_z), quote!(step.input));
            // The skip deltas join before the activation below: it needs the whole `∂L/∂a`.
            let again = (!opening.is_empty() && !activation.is_empty())
                .then(|| quote!(let step = workspace.backward_step(#index, batch);));
            quote_spanned! {layer.span=>
                let step = workspace.backward_step(#index, batch);
                #p::Layer::<#shape>::backward_batch(&self.#field, step.input, step.z, step.delta, &mut grads.#field, step.next);
                #(#opening)*
                #again
                #activation
            }
        }
    });
    quote! { #({ #steps })* }
}
