//! The batch methods: whole batches through the workspace's buffers, layer by layer, for
//! networks with large layers; one sample at a time inside one SIMD dispatch for the others.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use super::{field, lit, private};
use crate::model::Model;

/// Inherent helpers of the batched passes and the `BATCHED` switch.
pub(super) fn inherent(model: &Model, name: &Ident) -> TokenStream {
    let p = private();
    let f32 = quote!(::core::primitive::f32);
    let usize = quote!(::core::primitive::usize);
    let (inputs, outputs) = (lit(model.inputs), lit(model.outputs()));
    let in_vec = quote!(#p::nalgebra::SVector<#f32, #inputs>);
    let out_vec = quote!(#p::nalgebra::SVector<#f32, #outputs>);
    let batch_forward = forward_body(model, true);
    let batch_infer = forward_body(model, false);
    quote! {
        /// The batched forward pass of `batch` samples whose inputs are the columns of `x`,
        /// into `workspace`.
        #[doc(hidden)]
        fn __forward_workspace(&self, workspace: &mut #p::batch::Workspace, x: &[#f32], batch: #usize) {
            #batch_forward
        }

        /// The batched forward pass of `batch` samples without the pre-activations.
        #[doc(hidden)]
        fn __infer_workspace(&self, workspace: &mut #p::batch::Workspace, x: &[#f32], batch: #usize) {
            #batch_infer
        }

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
                    for (x, y) in inputs.iter().zip(outputs.iter_mut()) {
                        *y = net.__forward(simd, x);
                    }
                }
            }
            #p::check_batch_lengths(inputs.len(), outputs.len());
            #p::simd::dispatch(__NnetSamples(self, inputs, outputs));
        }

        /// Whether batches go through matrix–matrix products rather than one sample at a
        /// time.
        const BATCHED: ::core::primitive::bool = #p::batch::prefers_batches(<Self as #p::Architecture>::LAYERS);
    }
}

/// `forward_batch`, `forward_batch_with` and `accumulate_batch` of the `Network` impl.
pub(super) fn network(model: &Model, name: &Ident, gradients: &Ident) -> TokenStream {
    let p = private();
    let f32 = quote!(::core::primitive::f32);
    let (inputs, outputs) = (lit(model.inputs), lit(model.outputs()));
    let in_vec = quote!(#p::nalgebra::SVector<#f32, #inputs>);
    let out_vec = quote!(#p::nalgebra::SVector<#f32, #outputs>);
    let last = model.layers.last().map(field);
    let last_index = lit(model.layers.len() - 1);
    let batch_backward = backward_body(model);
    quote! {
        #[track_caller]
        fn forward_batch(&self, inputs: &[#in_vec], outputs: &mut [#out_vec]) {
            #p::check_batch_lengths(inputs.len(), outputs.len());
            if Self::BATCHED {
                let n = inputs.len();
                let layers = <Self as #p::Architecture>::LAYERS;
                let mut workspace = #p::batch::Workspace::for_inference(layers, n.min(256));
                #p::Network::forward_batch_with(self, &mut workspace, inputs, outputs);
            } else {
                self.__forward_each(inputs, outputs);
            }
        }

        #[track_caller]
        fn forward_batch_with(&self, workspace: &mut #p::batch::Workspace, inputs: &[#in_vec], outputs: &mut [#out_vec]) {
            if !Self::BATCHED {
                return self.__forward_each(inputs, outputs);
            }
            #p::check_batch_lengths(inputs.len(), outputs.len());
            workspace.fit(<Self as #p::Architecture>::LAYERS);
            let n = inputs.len();
            let capacity = workspace.capacity();
            #p::batch::in_pool(|| {
                for (xs, ys) in inputs[..n].chunks(capacity).zip(outputs[..n].chunks_mut(capacity)) {
                    self.__infer_workspace(workspace, #p::batch::flat(xs), xs.len());
                    ys.copy_from_slice(#p::batch::vectors(workspace.outputs(#last_index, xs.len())));
                }
            })
        }

        fn accumulate_batch<__NnetL: #p::Loss<#outputs>>(
            &self,
            workspace: &mut #p::batch::Workspace,
            inputs: &[#in_vec],
            targets: &[__NnetL::Target],
            loss: &__NnetL,
            grads: &mut #gradients,
            outputs: &mut [#out_vec],
        ) -> #f32 {
            if !Self::BATCHED {
                /// One sample at a time, the whole batch in one SIMD dispatch.
                struct __NnetSamples<'a, __NnetL: #p::Loss<#outputs>> {
                    net: &'a #name,
                    inputs: &'a [#in_vec],
                    targets: &'a [__NnetL::Target],
                    loss: &'a __NnetL,
                    grads: &'a mut #gradients,
                    outputs: &'a mut [#out_vec],
                }
                impl<__NnetL: #p::Loss<#outputs>> #p::pulp::WithSimd for __NnetSamples<'_, __NnetL> {
                    type Output = #f32;
                    #[inline(always)]
                    fn with_simd<__NnetV: #p::pulp::Simd>(self, simd: __NnetV) -> #f32 {
                        let __NnetSamples { net, inputs, targets, loss, grads, outputs } = self;
                        #p::accumulate_with(
                            inputs,
                            targets,
                            loss,
                            &net.#last.activation,
                            grads,
                            outputs,
                            |x| net.__trace(simd, x),
                            |x, trace, delta, grads| {
                                net.__backward(simd, x, trace, delta, grads, ::core::option::Option::None);
                            },
                        )
                    }
                }
                return #p::simd::dispatch(__NnetSamples { net: self, inputs, targets, loss, grads, outputs });
            }
            workspace.fit_for_training(<Self as #p::Architecture>::LAYERS);
            let n = inputs.len().min(targets.len());
            let capacity = workspace.capacity();
            #p::batch::in_pool(|| {
                let mut total = 0.0;
                for (chunk, (xs, ys)) in inputs[..n].chunks(capacity).zip(targets[..n].chunks(capacity)).enumerate() {
                    let (x, batch) = (#p::batch::flat(xs), xs.len());
                    self.__forward_workspace(workspace, x, batch);
                    let start = (chunk * capacity).min(outputs.len());
                    total += workspace.output_deltas(#last_index, loss, &self.#last.activation, ys, &mut outputs[start..]);
                    #batch_backward
                }
                total
            })
        }
    }
}

/// The batched forward pass, layer by layer through the workspace's buffers; with `keep_z`, each
/// layer's pre-activations too, for the backward pass.
fn forward_body(model: &Model, keep_z: bool) -> TokenStream {
    let steps = model.layers.iter().enumerate().map(|(i, layer)| {
        let field = field(layer);
        let index = lit(i);
        let input = if i == 0 { quote!(x) } else { quote!(below) };
        let step = quote_spanned! {layer.span=>
            let (below, z, a) = workspace.layer(#index, batch);
            let _ = (below, &z);
        };
        let call = if keep_z {
            quote_spanned!(layer.span=> self.#field.forward_batch(#input, z, a);)
        } else {
            quote_spanned!(layer.span=> self.#field.output_batch(#input, a);)
        };
        quote! { #step #call }
    });
    quote! { #({ #steps })* }
}

/// The batched backward pass from the output layer's `∂L/∂z` (written by `output_deltas`) down
/// to the first layer.
fn backward_body(model: &Model) -> TokenStream {
    let steps = model.layers.iter().enumerate().rev().map(|(i, layer)| {
        let field = field(layer);
        let index = lit(i);
        if i == 0 {
            quote_spanned! {layer.span=>
                let step = workspace.backward_step(#index, batch);
                self.#field.backward_batch(x, step.delta, &mut grads.#field, step.next);
            }
        } else {
            let below = format_ident!("dense{}", model.layers[i - 1].index);
            quote_spanned! {layer.span=>
                let step = workspace.backward_step(#index, batch);
                self.#field.backward_batch(step.input, step.delta, &mut grads.#field, step.next);
                self.#below.activation_backward_batch(step.below_z, step.input, step.next);
            }
        }
    });
    quote! { #({ #steps })* }
}
