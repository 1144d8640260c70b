//! Expansion: the validated model to the network struct, its gradients, its trace and their
//! trait implementations. Only wiring and unrolling: every computation is a call into
//! `nnet_core` through `::nnet::__private`.

pub(crate) mod bake;
mod batch;
mod docs;
mod io;

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use crate::model::{Layer, Model};

/// Everything the macro generates for a valid network.
pub(crate) fn expand(model: &Model) -> TokenStream {
    let def = model.def;
    let attrs = &def.attrs;
    let vis = &def.vis;
    let name = &def.name;
    let gradients = format_ident!("{}Gradients", name);
    let trace = format_ident!("{}Trace", name);
    let p = private();
    let f32 = quote!(::core::primitive::f32);
    let usize = quote!(::core::primitive::usize);
    let derive = quote! {
        #[derive(::core::clone::Clone, ::core::fmt::Debug, ::core::cmp::PartialEq)]
    };

    let inputs = lit(model.inputs);
    let outputs = lit(model.outputs());
    let params = lit(model.params());
    let tensors = lit(2 * model.layers.len());
    let name_str = name.to_string();
    let architecture_doc = docs::architecture(model);
    let gradients_doc = format!(
        "Gradients of a loss with respect to every weight and bias of [`{name}`], with the same shapes."
    );
    let trace_doc = format!(
        "What a forward pass of [`{name}`] keeps for the backward pass: each layer's pre-activations `z` and outputs `a`."
    );

    let fields = model.layers.iter().map(|l| {
        let field = field(l);
        let ty = layer_type(l);
        let doc = docs::layer(l);
        quote_spanned!(l.span=> #[doc = #doc] pub #field: #ty)
    });
    let gradient_fields = model.layers.iter().map(|l| {
        let field = field(l);
        let ty = gradient_type(l);
        let doc = format!("Gradients of `{field}`.");
        quote_spanned!(l.span=> #[doc = #doc] pub #field: #ty)
    });
    let trace_fields = model.layers.iter().map(|l| {
        let (z, a) = trace_names(l);
        let ty = vector_type(l);
        let z_doc = format!("Pre-activations of `dense{}`.", l.index);
        let a_doc = format!("Outputs of `dense{}`.", l.index);
        quote! {
            #[doc = #z_doc] pub #z: #ty,
            #[doc = #a_doc] pub #a: #ty
        }
    });

    let inits = model.layers.iter().map(|l| {
        let field = field(l);
        let ty = layer_type(l);
        let activation = activation_value(l);
        let init = format_ident!("{}", l.init);
        let bias_init = format_ident!("{}", l.bias_init);
        quote_spanned! {l.span=>
            #field: <#ty>::initialized(#activation, #p::Initializer::#init, #p::Initializer::#bias_init, rng)
        }
    });
    let zero_layers = model.layers.iter().map(|l| {
        let field = field(l);
        let ty = layer_type(l);
        let activation = activation_value(l);
        quote!(#field: <#ty>::new(#activation))
    });
    let zero_gradients = model.layers.iter().map(|l| {
        let field = field(l);
        let ty = gradient_type(l);
        quote!(#field: <#ty>::zeroed())
    });

    let forward = forward_body(model);
    let forward_doc = if model.layers.iter().any(|l| l.heap_vectors) {
        "The network's output for one input. Allocation-free but for the outputs of the layers of more than 1,024 units, which live on the heap."
    } else {
        "The network's output for one input. Allocation-free."
    };
    let trace_body = trace_body(model, &trace);
    let backward = backward_body(model);
    let last = model.layers.last().map(field);
    let last_activation = model.layers.last().map(activation_type);
    let (last_z, last_a) = model.layers.last().map(trace_names).unzip();
    let batch_inherent = batch::inherent(model, name);
    let batch_network = batch::network(model, name, &gradients);

    let layer_specs: Vec<_> = model.layers.iter().map(|l| {
        let layer_name = format!("dense{}", l.index);
        let (layer_inputs, units) = (lit(l.inputs), lit(l.units));
        let kind = format_ident!("{}", l.activation_type);
        quote! {
            #p::LayerSpec { name: #layer_name, inputs: #layer_inputs, units: #units, activation: #p::ActivationKind::#kind }
        }
    }).collect();
    let info_arms = model.layers.iter().enumerate().map(|(i, l)| {
        let i = lit(i);
        let (weight, bias) = (
            format!("dense{}.weight", l.index),
            format!("dense{}.bias", l.index),
        );
        let (layer_inputs, units) = (lit(l.inputs), lit(l.units));
        quote!(#i => #p::dense_tensor_info(#weight, #bias, #layer_inputs, #units, index % 2))
    });
    let info_arms: Vec<_> = info_arms.collect();
    let tensor_arms: Vec<_> = model
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let (i, field) = (lit(i), field(l));
            quote!(#i => self.#field.tensor(index % 2))
        })
        .collect();
    let tensor_mut_arms: Vec<_> = model
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let (i, field) = (lit(i), field(l));
            quote!(#i => self.#field.tensor_mut(index % 2))
        })
        .collect();

    let parameters_impl = |ty: &Ident| {
        quote! {
            impl #p::Parameters for #ty {
                const TENSORS: #usize = #tensors;

                fn tensor_info(index: #usize) -> ::core::option::Option<#p::TensorInfo> {
                    match index / 2 {
                        #(#info_arms,)*
                        _ => ::core::option::Option::None,
                    }
                }

                #[inline]
                fn tensor(&self, index: #usize) -> &[#f32] {
                    match index / 2 {
                        #(#tensor_arms,)*
                        _ => &[],
                    }
                }

                #[inline]
                fn tensor_mut(&mut self, index: #usize) -> &mut [#f32] {
                    match index / 2 {
                        #(#tensor_mut_arms,)*
                        _ => &mut [],
                    }
                }
            }
        }
    };
    let network_parameters = parameters_impl(name);
    let gradient_parameters = parameters_impl(&gradients);
    let io = io::expand(model, &layer_specs);
    let in_vec = quote!(#p::nalgebra::SVector<#f32, #inputs>);
    let out_vec = quote!(#p::nalgebra::SVector<#f32, #outputs>);

    quote! {
        #(#attrs)*
        #[doc = #architecture_doc]
        #derive
        #vis struct #name {
            #(#fields,)*
        }

        #[doc = #gradients_doc]
        #derive
        #vis struct #gradients {
            #(#gradient_fields,)*
        }

        #[doc = #trace_doc]
        #derive
        #vis struct #trace {
            #(#trace_fields,)*
        }

        impl #name {
            /// Number of inputs.
            pub const INPUTS: #usize = #inputs;
            /// Number of outputs.
            pub const OUTPUTS: #usize = #outputs;
            /// Total number of trainable parameters (weights and biases).
            pub const PARAMS: #usize = #params;

            /// A network initialized from a seed, with each layer's initializer: the same seed
            /// gives the same weights on every machine (ChaCha8 random numbers).
            pub fn seeded(seed: ::core::primitive::u64) -> Self {
                let mut rng = <#p::rand_chacha::ChaCha8Rng as #p::rand::SeedableRng>::seed_from_u64(seed);
                Self::from_rng(&mut rng)
            }

            /// A network initialized from any random number generator, layer by layer, weights
            /// before biases.
            pub fn from_rng<__NnetR: #p::rand::Rng + ?::core::marker::Sized>(rng: &mut __NnetR) -> Self {
                Self { #(#inits,)* }
            }

            /// A network whose weights and biases are all zero, e.g. to load weights into.
            pub fn zeroed() -> Self {
                Self { #(#zero_layers,)* }
            }

            #[doc = #forward_doc]
            #[inline]
            pub fn forward(&self, input: &#in_vec) -> #out_vec {
                /// The pass, run with the best SIMD instruction set of the machine.
                struct __NnetPass<'a>(&'a #name, &'a #in_vec);
                impl #p::pulp::WithSimd for __NnetPass<'_> {
                    type Output = #out_vec;
                    #[inline(always)]
                    fn with_simd<__NnetV: #p::pulp::Simd>(self, simd: __NnetV) -> #out_vec {
                        let __NnetPass(net, input) = self;
                        #forward
                    }
                }
                #p::simd::dispatch(__NnetPass(self, input))
            }

            /// [`forward`](Self::forward) with the SIMD instruction set `simd`.
            #[doc(hidden)]
            #[inline(always)]
            fn __forward<__NnetV: #p::pulp::Simd>(&self, simd: __NnetV, input: &#in_vec) -> #out_vec {
                let net = self;
                #forward
            }

            /// The forward pass, keeping every layer's pre-activations and outputs for
            /// [`backward`](Self::backward).
            #[inline]
            pub fn forward_trace(&self, input: &#in_vec) -> #trace {
                /// The traced pass, run with the best SIMD instruction set of the machine.
                struct __NnetPass<'a>(&'a #name, &'a #in_vec);
                impl #p::pulp::WithSimd for __NnetPass<'_> {
                    type Output = #trace;
                    #[inline(always)]
                    fn with_simd<__NnetV: #p::pulp::Simd>(self, simd: __NnetV) -> #trace {
                        self.0.__trace(simd, self.1)
                    }
                }
                #p::simd::dispatch(__NnetPass(self, input))
            }

            /// [`forward_trace`](Self::forward_trace) with the SIMD instruction set `simd`.
            #[doc(hidden)]
            #[inline(always)]
            fn __trace<__NnetV: #p::pulp::Simd>(&self, simd: __NnetV, input: &#in_vec) -> #trace {
                #trace_body
            }

            /// The backward pass from `∂L/∂z` at the output with the SIMD instruction set `simd`,
            /// writing `∂L/∂input` to `dx` unless it is `None`.
            #[doc(hidden)]
            #[inline(always)]
            fn __backward<__NnetV: #p::pulp::Simd>(&self, simd: __NnetV, input: &#in_vec, trace: &#trace, delta: &#out_vec, grads: &mut #gradients, dx: ::core::option::Option<&mut #in_vec>) {
                #backward
            }

            /// Outputs for many inputs: `outputs[i] = forward(inputs[i])` for every `i`.
            ///
            /// # Panics
            ///
            /// If `inputs` and `outputs` have different lengths (as `copy_from_slice` does);
            /// `predict` sizes the outputs itself.
            #[track_caller]
            pub fn forward_batch(&self, inputs: &[#in_vec], outputs: &mut [#out_vec]) {
                #p::Network::forward_batch(self, inputs, outputs)
            }

            /// [`forward_batch`](Self::forward_batch) with the buffers of `workspace` (from
            /// [`workspace`](Self::workspace)), allocating nothing itself (see
            /// `Network::forward_batch_with`).
            ///
            /// # Panics
            ///
            /// If `inputs` and `outputs` have different lengths.
            #[track_caller]
            pub fn forward_batch_with(&self, workspace: &mut #p::batch::Workspace, inputs: &[#in_vec], outputs: &mut [#out_vec]) {
                #p::Network::forward_batch_with(self, workspace, inputs, outputs)
            }

            /// Buffers for batched passes of up to `capacity` samples.
            pub fn workspace(&self, capacity: #usize) -> #p::batch::Workspace {
                #p::Network::workspace(self, capacity)
            }

            #batch_inherent

            /// The backward pass from `∂L/∂output`, given the trace of the forward pass of
            /// `input`: adds the gradient of every weight and bias to `grads` and returns
            /// `∂L/∂input`.
            pub fn backward(&self, input: &#in_vec, trace: &#trace, output_gradient: &#out_vec, grads: &mut #gradients) -> #in_vec {
                #p::Network::backward(self, input, trace, output_gradient, grads)
            }

            /// Gradients of zero, ready for [`backward`](Self::backward) to add to.
            pub fn zero_gradients(&self) -> #gradients {
                #gradients { #(#zero_gradients,)* }
            }

            /// A Keras-like summary: each layer's output shape and parameters, and the totals.
            pub fn summary() -> ::std::string::String {
                #p::summary(#name_str, #inputs, <Self as #p::Architecture>::LAYERS)
            }
        }

        impl #p::Trace<#outputs> for #trace {
            fn output_preactivation(&self) -> &#out_vec {
                #p::MatrixStorage::matrix(&self.#last_z)
            }
            fn output(&self) -> &#out_vec {
                #p::MatrixStorage::matrix(&self.#last_a)
            }
        }

        #network_parameters
        #gradient_parameters
        #io

        impl #p::Network<#inputs, #outputs> for #name {
            type Gradients = #gradients;
            type Trace = #trace;
            type OutputActivation = #last_activation;

            #[inline]
            fn forward(&self, input: &#in_vec) -> #out_vec {
                #name::forward(self, input)
            }

            #[inline]
            fn forward_trace(&self, input: &#in_vec) -> #trace {
                #name::forward_trace(self, input)
            }

            #[inline]
            fn output_activation(&self) -> &Self::OutputActivation {
                &self.#last.activation
            }

            fn zero_gradients(&self) -> #gradients {
                #name::zero_gradients(self)
            }

            #[inline]
            fn backward_preactivation(&self, input: &#in_vec, trace: &#trace, delta: &#out_vec, grads: &mut #gradients, input_gradient: ::core::option::Option<&mut #in_vec>) {
                /// The backward pass, run with the best SIMD instruction set of the machine.
                struct __NnetPass<'a>(&'a #name, &'a #in_vec, &'a #trace, &'a #out_vec, &'a mut #gradients, ::core::option::Option<&'a mut #in_vec>);
                impl #p::pulp::WithSimd for __NnetPass<'_> {
                    type Output = ();
                    #[inline(always)]
                    fn with_simd<__NnetV: #p::pulp::Simd>(self, simd: __NnetV) {
                        let __NnetPass(net, input, trace, delta, grads, dx) = self;
                        net.__backward(simd, input, trace, delta, grads, dx)
                    }
                }
                #p::simd::dispatch(__NnetPass(self, input, trace, delta, grads, input_gradient))
            }

            #batch_network
        }
    }
}

/// `::nnet::__private`, the one path generated code reaches its dependencies through.
fn private() -> TokenStream {
    quote!(::nnet::__private)
}

fn lit(n: usize) -> Literal {
    Literal::usize_unsuffixed(n)
}

fn field(layer: &Layer) -> Ident {
    format_ident!("dense{}", layer.index)
}

fn trace_names(layer: &Layer) -> (Ident, Ident) {
    (
        format_ident!("z{}", layer.index),
        format_ident!("a{}", layer.index),
    )
}

fn activation_type(layer: &Layer) -> TokenStream {
    let p = private();
    let ty = format_ident!("{}", layer.activation_type);
    quote!(#p::activation::#ty)
}

/// The activation as a value, with its `alpha` where it has one.
fn activation_value(layer: &Layer) -> TokenStream {
    let ty = activation_type(layer);
    match layer.alpha {
        Some(alpha) => {
            let alpha = Literal::f32_suffixed(alpha);
            quote!(#ty { alpha: #alpha })
        }
        None => ty,
    }
}

/// `SMatrix<f32, OUT, IN>` inline, or `HeapMatrix<OUT, IN>` for boxed layers.
fn storage_type(layer: &Layer) -> TokenStream {
    let p = private();
    let (inputs, units) = (lit(layer.inputs), lit(layer.units));
    if layer.boxed {
        quote!(#p::HeapMatrix<#units, #inputs>)
    } else {
        quote!(#p::nalgebra::SMatrix<::core::primitive::f32, #units, #inputs>)
    }
}

/// `SVector<f32, UNITS>` inline, or `HeapVector<UNITS>` for layers whose vectors live on the
/// heap: the type of the layer's bias, trace entries, bias gradient and deltas.
fn vector_type(layer: &Layer) -> TokenStream {
    let p = private();
    let units = lit(layer.units);
    if layer.heap_vectors {
        quote!(#p::HeapVector<#units>)
    } else {
        quote!(#p::nalgebra::SVector<::core::primitive::f32, #units>)
    }
}

/// A zeroed vector of the layer's [`vector_type`].
fn zeroed_vector(layer: &Layer) -> TokenStream {
    let p = private();
    let ty = vector_type(layer);
    let units = lit(layer.units);
    quote!(<#ty as #p::MatrixStorage<#units, 1>>::zeroed())
}

/// `&SVector` of a value of the layer's [`vector_type`].
fn view(value: TokenStream) -> TokenStream {
    let p = private();
    quote!(#p::MatrixStorage::matrix(#value))
}

/// `&mut SVector` of a value of the layer's [`vector_type`].
fn view_mut(value: TokenStream) -> TokenStream {
    let p = private();
    quote!(#p::MatrixStorage::matrix_mut(#value))
}

fn layer_type(layer: &Layer) -> TokenStream {
    let p = private();
    let (inputs, units) = (lit(layer.inputs), lit(layer.units));
    let activation = activation_type(layer);
    let storage = storage_type(layer);
    let bias = vector_type(layer);
    quote!(#p::Dense<#inputs, #units, #activation, #storage, #bias>)
}

fn gradient_type(layer: &Layer) -> TokenStream {
    let p = private();
    let (inputs, units) = (lit(layer.inputs), lit(layer.units));
    let storage = storage_type(layer);
    let bias = vector_type(layer);
    quote!(#p::DenseGradient<#inputs, #units, #storage, #bias>)
}

/// `let a1 = net.dense1.forward_simd(simd, input); ... net.denseN.forward_simd(simd, &aN-1)`;
/// wide layers write into vectors on the heap instead, and only the network's output is
/// returned by value.
fn forward_body(model: &Model) -> TokenStream {
    let mut previous = quote!(input);
    let mut lets = Vec::new();
    for layer in &model.layers {
        let field = field(layer);
        let a = format_ident!("a{}", layer.index);
        if layer.heap_vectors {
            let zeroed = zeroed_vector(layer);
            let out = view_mut(quote!(&mut #a));
            lets.push(quote_spanned! {layer.span=>
                let mut #a = #zeroed;
                net.#field.forward_simd_into(simd, #previous, #out);
            });
        } else {
            lets.push(
                quote_spanned!(layer.span=> let #a = net.#field.forward_simd(simd, #previous);),
            );
        }
        previous = view(quote!(&#a));
    }
    let last = model.layers.last().map(|l| {
        let a = format_ident!("a{}", l.index);
        if l.heap_vectors {
            quote!(#a.into_inner())
        } else {
            quote!(#a)
        }
    });
    quote! { #(#lets)* #last }
}

/// Each layer's `(z, a)` into the trace struct.
fn trace_body(model: &Model, trace: &Ident) -> TokenStream {
    let mut previous = quote!(input);
    let mut lets = Vec::new();
    let mut names = Vec::new();
    for layer in &model.layers {
        let field = field(layer);
        let (z, a) = trace_names(layer);
        if layer.heap_vectors {
            let zeroed = zeroed_vector(layer);
            let (z_out, a_out) = (view_mut(quote!(&mut #z)), view_mut(quote!(&mut #a)));
            lets.push(quote_spanned! {layer.span=>
                let (mut #z, mut #a) = (#zeroed, #zeroed);
                self.#field.forward_trace_simd_into(simd, #previous, #z_out, #a_out);
            });
        } else {
            lets.push(
                quote_spanned!(layer.span=> let (#z, #a) = self.#field.forward_trace_simd(simd, #previous);),
            );
        }
        previous = view(quote!(&#a));
        names.push(z);
        names.push(a);
    }
    quote! { #(#lets)* #trace { #(#names,)* } }
}

/// From the output layer's `delta` back to the input, layer by layer: each layer writes
/// `∂L/∂a` of the layer below into that layer's delta vector, which the activation's derivative
/// then turns into `∂L/∂z` in place.
fn backward_body(model: &Model) -> TokenStream {
    let mut steps = Vec::new();
    let mut delta = quote!(delta);
    for (position, layer) in model.layers.iter().enumerate().rev() {
        let field = field(layer);
        if position == 0 {
            steps.push(quote_spanned!(layer.span=> self.#field.backward_simd(simd, input, #delta, &mut grads.#field, dx);));
        } else {
            let below = &model.layers[position - 1];
            let below_field = format_ident!("dense{}", below.index);
            let (z, a) = trace_names(below);
            let (z, a) = (view(quote!(&trace.#z)), view(quote!(&trace.#a)));
            let next_delta = format_ident!("delta{}", below.index);
            let zeroed = zeroed_vector(below);
            let next = view_mut(quote!(&mut #next_delta));
            steps.push(quote_spanned! {layer.span=>
                let mut #next_delta = #zeroed;
                self.#field.backward_simd(simd, #a, #delta, &mut grads.#field, ::core::option::Option::Some(#next));
                self.#below_field.activation_backward_in_place(#z, #a, #next);
            });
            delta = view(quote!(&#next_delta));
        }
    }
    quote! { #(#steps)* }
}
