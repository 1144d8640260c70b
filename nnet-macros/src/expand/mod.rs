//! Expansion: the validated model to the network struct, its gradients, its trace and their
//! trait implementations, one small function per generated item. Only wiring and unrolling:
//! every computation is a call into `nnet_core` through `::nnet::__private`, and every layer is
//! reached through the `Layer` trait; only [`layers`] knows the kinds.

pub(crate) mod bake;
mod batch;
mod docs;
mod fold;
mod io;
mod layers;
mod params;
mod passes;
mod sequence;

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use crate::model::{Layer, Model};

use layers::{const_fields, layer_expr_type, tensor_fields};

/// Everything the macro generates for a valid network.
pub(crate) fn expand(model: &Model) -> TokenStream {
    if model.sequence {
        return sequence::expand(model);
    }
    let mut tokens = structs(model);
    tokens.extend(inherent(model));
    tokens.extend(trace_impl(model));
    tokens.extend(params::expand(model));
    tokens.extend(io::expand(model));
    tokens.extend(network_impl(model));
    tokens.extend(fold::expand(model));
    tokens
}

/// The names of the generated types.
pub(crate) struct Names {
    pub name: Ident,
    pub gradients: Ident,
    pub trace: Ident,
}

pub(crate) fn names(model: &Model) -> Names {
    let name = model.def.name.clone();
    Names {
        gradients: format_ident!("{}Gradients", name),
        trace: format_ident!("{}Trace", name),
        name,
    }
}

fn derive() -> TokenStream {
    quote!(#[derive(::core::clone::Clone, ::core::fmt::Debug, ::core::cmp::PartialEq)])
}

/// The network, its gradients and its trace.
fn structs(model: &Model) -> TokenStream {
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

/// The constants and constructors every network has (`INPUTS`, `OUTPUTS`, `PARAMS`, `seeded`,
/// `from_rng`, `zeroed`), as items of its inherent `impl`; `inputs_doc` says what `INPUTS`
/// counts.
fn constructors(model: &Model, inputs_doc: &str) -> TokenStream {
    let p = private();
    let usize = quote!(::core::primitive::usize);
    let (inputs, outputs, params) = (lit(model.inputs), lit(model.outputs()), lit(model.params()));
    let inits = model.layers.iter().map(|l| {
        let (field, value) = (l.field(), layers::constructor(l, true));
        quote_spanned!(l.span=> #field: #value)
    });
    let zero_layers = model.layers.iter().map(|l| {
        let (field, value) = (l.field(), layers::constructor(l, false));
        quote!(#field: #value)
    });
    quote! {
        #[doc = #inputs_doc]
        pub const INPUTS: #usize = #inputs;
        /// Number of outputs.
        pub const OUTPUTS: #usize = #outputs;
        /// Total number of trainable parameters.
        pub const PARAMS: #usize = #params;

        /// A network initialized from a seed, with each layer's initializers: the same seed
        /// gives the same weights on every machine (ChaCha8 random numbers).
        pub fn seeded(seed: ::core::primitive::u64) -> Self {
            let mut rng = <#p::rand_chacha::ChaCha8Rng as #p::rand::SeedableRng>::seed_from_u64(seed);
            Self::from_rng(&mut rng)
        }

        /// A network initialized from any random number generator, layer by layer, weights
        /// before biases (a recurrent layer's kernel, recurrent kernel and bias, in that
        /// order).
        pub fn from_rng<__NnetR: #p::rand::Rng + ?::core::marker::Sized>(rng: &mut __NnetR) -> Self {
            Self { #(#inits,)* }
        }

        /// A network whose weights and biases are all zero (normalization layers at their
        /// initial values), e.g. to load weights into.
        pub fn zeroed() -> Self {
            Self { #(#zero_layers,)* }
        }
    }
}

/// The fields of a zero gradient: `field: LayerGradient::zeroed()` for every layer.
fn zero_gradient_fields(model: &Model) -> Vec<TokenStream> {
    let p = private();
    let scalar = scalar(model);
    model
        .layers
        .iter()
        .map(|l| {
            let field = l.field();
            quote!(#field: #p::layer::LayerGradient::<#scalar>::zeroed())
        })
        .collect()
}

/// Constants, constructors, the passes and their public wrappers.
fn inherent(model: &Model) -> TokenStream {
    let p = private();
    let scalar = scalar(model);
    let Names {
        name,
        gradients,
        trace,
    } = names(model);
    let (inputs, usize) = (lit(model.inputs), quote!(::core::primitive::usize));
    let (in_vec, out_vec) = (in_vec(model), out_vec(model));
    let constructors = constructors(model, "Number of inputs.");
    let zero_gradients = zero_gradient_fields(model);
    let forward = passes::forward_body(model, &model.layers.iter().collect::<Vec<_>>());
    let forward_doc = if model.layers.iter().any(|l| l.heap_vectors) {
        "The network's output for one input, in inference mode. Allocation-free but for the outputs of the layers of more than 1,024 units, which live on the heap."
    } else {
        "The network's output for one input, in inference mode (dropout off, batch normalization with its moving statistics). Allocation-free."
    };
    let trace_body = passes::trace_body(model, &trace);
    let backward = passes::backward_body(model);
    let batch_inherent = batch::inherent(model);
    let name_str = name.to_string();
    let dispatch = passes::dispatch(
        quote!(&'a #name, &'a #in_vec),
        quote!(#out_vec),
        quote!(self, input),
        quote! { let __NnetPass(net, input) = self; #forward },
    );
    let dispatch_trace = passes::dispatch(
        quote!(&'a #name, &'a #in_vec),
        quote!(#trace),
        quote!(self, input),
        quote!(self.0.__trace(simd, self.1)),
    );
    quote! {
        impl #name {
            #constructors

            #[doc = #forward_doc]
            #[inline]
            pub fn forward(&self, input: &#in_vec) -> #out_vec {
                #dispatch
            }

            /// [`forward`](Self::forward) with the SIMD instruction set `simd`.
            #[doc(hidden)]
            #[inline(always)]
            fn __forward<__NnetV: #p::pulp::Simd>(&self, simd: __NnetV, input: &#in_vec) -> #out_vec {
                let net = self;
                #forward
            }

            /// The forward pass in inference mode, keeping every layer's `z` and outputs for
            /// [`backward`](Self::backward).
            #[inline]
            pub fn forward_trace(&self, input: &#in_vec) -> #trace {
                #dispatch_trace
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

            #p::if_std! {
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
            pub fn forward_batch_with(&self, workspace: &mut #p::batch::Workspace<#scalar>, inputs: &[#in_vec], outputs: &mut [#out_vec]) {
                #p::Network::forward_batch_with(self, workspace, inputs, outputs)
            }

            /// Buffers for batched passes of up to `capacity` samples.
            pub fn workspace(&self, capacity: #usize) -> #p::batch::Workspace<#scalar> {
                #p::Network::workspace(self, capacity)
            }

            #batch_inherent

            /// The backward pass (of the inference function) from `∂L/∂output`, given the
            /// trace of the forward pass of `input`: adds the gradient of every trainable
            /// tensor to `grads` and returns `∂L/∂input`.
            pub fn backward(&self, input: &#in_vec, trace: &#trace, output_gradient: &#out_vec, grads: &mut #gradients) -> #in_vec {
                #p::Network::backward(self, input, trace, output_gradient, grads)
            }
            }

            /// Gradients of zero, ready for [`backward`](Self::backward) to add to.
            pub fn zero_gradients(&self) -> #gradients {
                #gradients { #(#zero_gradients,)* }
            }

            #p::if_std! {
                /// A Keras-like summary: each layer's output shape and parameters, and the totals (with
                /// nnet's `std` feature, as every method that returns a `String` or a `Vec`).
                pub fn summary() -> #p::String {
                    #p::summary(#name_str, #inputs, <Self as #p::Architecture>::LAYERS)
                }
            }
        }
    }
}

/// `impl Trace`: the output layer's `z` (its own output for layers without an activation) and
/// output.
fn trace_impl(model: &Model) -> TokenStream {
    let p = private();
    let scalar = scalar(model);
    let Names { trace, .. } = names(model);
    let last = model.layers.len() - 1;
    let (z, a) = trace_names(last);
    let has_activation = model.layers[last].activation().is_some();
    let z = if has_activation { z } else { a.clone() };
    let (outputs, out_vec) = (lit(model.outputs()), out_vec(model));
    quote! {
        impl #p::Trace<#outputs, #scalar> for #trace {
            fn output_preactivation(&self) -> &#out_vec {
                #p::MatrixStorage::matrix(&self.#z)
            }
            fn output(&self) -> &#out_vec {
                #p::MatrixStorage::matrix(&self.#a)
            }
        }
    }
}

/// `impl Network`.
fn network_impl(model: &Model) -> TokenStream {
    let p = private();
    let scalar = scalar(model);
    let Names {
        name,
        gradients,
        trace,
    } = names(model);
    let (inputs, outputs) = (lit(model.inputs), lit(model.outputs()));
    let (in_vec, out_vec) = (in_vec(model), out_vec(model));
    let last = model.layers.last().expect("validation requires a layer");
    let (last_field, last_trait) = (last.field(), layer_trait(last));
    let last_type = layers::layer_type(last);
    let batch_network = batch::network(model);
    let training = training_hooks(model);
    let dispatch = passes::dispatch(
        quote!(&'a #name, &'a #in_vec, &'a #trace, &'a #out_vec, &'a mut #gradients, ::core::option::Option<&'a mut #in_vec>),
        quote!(()),
        quote!(self, input, trace, delta, grads, input_gradient),
        quote! {
            let __NnetPass(net, input, trace, delta, grads, dx) = self;
            net.__backward(simd, input, trace, delta, grads, dx)
        },
    );
    quote! {
        #p::if_std! {
        impl #p::Network<#inputs, #outputs, #scalar> for #name {
            type Gradients = #gradients;
            type Trace = #trace;
            type OutputActivation = <#last_type as #p::Layer<#last_trait>>::Activation;

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
                #p::Layer::<#last_trait>::activation(&self.#last_field)
            }

            fn zero_gradients(&self) -> #gradients {
                #name::zero_gradients(self)
            }

            #[inline]
            fn backward_preactivation(&self, input: &#in_vec, trace: &#trace, delta: &#out_vec, grads: &mut #gradients, input_gradient: ::core::option::Option<&mut #in_vec>) {
                #dispatch
            }

            #training
            #batch_network
        }
        }
    }
}

/// `regularization` and `update_state`, for networks whose layers have them.
fn training_hooks(model: &Model) -> TokenStream {
    let p = private();
    let scalar = scalar(model);
    let Names { gradients, .. } = names(model);
    let mut tokens = TokenStream::new();
    let regularized: Vec<&Layer> = model
        .layers
        .iter()
        .filter(|l| matches!(l.kind, crate::model::Kind::Dense { l1, l2, .. } if l1 != 0.0 || l2 != 0.0))
        .collect();
    if !regularized.is_empty() {
        let with = regularized.iter().map(|l| {
            let (field, shape) = (l.field(), layer_trait(l));
            quote!(#p::Layer::<#shape>::regularization(&self.#field, ::core::option::Option::Some(&mut grads.#field)))
        });
        let without = regularized.iter().map(|l| {
            let (field, shape) = (l.field(), layer_trait(l));
            quote!(#p::Layer::<#shape>::regularization(&self.#field, ::core::option::Option::None))
        });
        tokens.extend(quote! {
            fn regularization(&self, grads: ::core::option::Option<&mut #gradients>) -> #scalar {
                match grads {
                    ::core::option::Option::Some(grads) => 0.0 #(+ #with)*,
                    ::core::option::Option::None => 0.0 #(+ #without)*,
                }
            }
        });
    }
    let stateful: Vec<&Layer> = model
        .layers
        .iter()
        .filter(|l| l.non_trainable() > 0)
        .collect();
    if !stateful.is_empty() {
        let updates = stateful.iter().map(|l| {
            let (field, shape) = (l.field(), layer_trait(l));
            quote!(#p::Layer::<#shape>::update_state(&mut self.#field, &grads.#field);)
        });
        tokens.extend(quote! {
            fn update_state(&mut self, grads: &#gradients) {
                #(#updates)*
            }
        });
    }
    tokens
}

/// `::nnet::__private`, the one path generated code reaches its dependencies through.
fn private() -> TokenStream {
    quote!(::nnet::__private)
}

fn lit(n: usize) -> Literal {
    Literal::usize_unsuffixed(n)
}

/// `IN, OUT` of the layer's `Layer<IN, OUT>` implementation.
fn layer_trait(layer: &Layer) -> TokenStream {
    let (inputs, units, scalar) = (lit(layer.inputs), lit(layer.units), layer.scalar.tokens());
    quote!(#inputs, #units, #scalar)
}

/// `IN, OUT` of a layer, for the const arguments of a generic function.
fn layer_dims(layer: &Layer) -> TokenStream {
    let (inputs, units) = (lit(layer.inputs), lit(layer.units));
    quote!(#inputs, #units)
}

/// The network's scalar type, `::core::primitive::f32` unless `#[scalar = f64]`.
fn scalar(model: &Model) -> TokenStream {
    model.def.scalar.tokens()
}

/// `<Type as Layer<IN, OUT>>::Gradient` (`Recurrent` for a recurrent layer).
fn gradient_type(layer: &Layer) -> TokenStream {
    let p = private();
    let (ty, shape) = (layers::layer_type(layer), layer_trait(layer));
    if layer.is_recurrent() {
        quote!(<#ty as #p::layer::Recurrent<#shape>>::Gradient)
    } else {
        quote!(<#ty as #p::Layer<#shape>>::Gradient)
    }
}

/// The trace's `z{k}` and `a{k}` of the layer at `position` (from 0).
fn trace_names(position: usize) -> (Ident, Ident) {
    (
        format_ident!("z{}", position + 1),
        format_ident!("a{}", position + 1),
    )
}

fn in_vec(model: &Model) -> TokenStream {
    let p = private();
    let inputs = lit(model.inputs);
    let scalar = scalar(model);
    quote!(#p::nalgebra::SVector<#scalar, #inputs>)
}

fn out_vec(model: &Model) -> TokenStream {
    let p = private();
    let outputs = lit(model.outputs());
    let scalar = scalar(model);
    quote!(#p::nalgebra::SVector<#scalar, #outputs>)
}
