//! The inherent `impl` of a vector network: its constants and constructors, the passes and
//! their public wrappers, zero gradients and the summary.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use super::tokens::{Names, in_vec, lit, names, out_vec, private, scalar, shape};
use super::{batch, layers, passes};
use crate::diagnostics::thousands;
use crate::model::Model;
use nnet_kinds::INLINE_UNITS;

/// The constants and constructors every network has (`INPUTS`, `OUTPUTS`, `PARAMS`, `seeded`,
/// `from_rng`, `zeroed`), as items of its inherent `impl`; `inputs_doc` says what `INPUTS`
/// counts.
pub(super) fn constructors(model: &Model, inputs_doc: &str) -> TokenStream {
    let p = private();
    let usize = quote!(::core::primitive::usize);
    let (inputs, outputs, params) = (lit(model.inputs), lit(model.outputs()), lit(model.params()));
    let (input_shape, output_shape) = (shape(model.input), shape(model.output()));
    let macs = lit(model.macs());
    let per = if model.sequence { "step" } else { "sample" };
    let macs_doc = format!(
        "Multiply-accumulates of one {per}'s inference: each dense layer's inputs × units (at each position of a fixed shape), each convolution's filters × the values one filter reads × its output positions, each recurrent layer's gates × units × (inputs + units), each residual block's projection as the dense layer or 1×1 convolution it is; pooling, normalization, activations, dropout, `flatten` and the sums of residual blocks (additions, not multiply-accumulates) count none."
    );
    let inits = model.fields().into_iter().map(|l| {
        let (field, value) = (l.field(), layers::constructor(l, true));
        quote_spanned!(l.span=> #field: #value)
    });
    let zero_layers = model.fields().into_iter().map(|l| {
        let (field, value) = (l.field(), layers::constructor(l, false));
        quote!(#field: #value)
    });
    quote! {
        #[doc = #inputs_doc]
        pub const INPUTS: #usize = #inputs;
        /// Number of outputs.
        pub const OUTPUTS: #usize = #outputs;
        /// The shape of one input sample (of one step, for a sequence): a vector of
        /// [`INPUTS`](Self::INPUTS) values, a sequence of them, or a fixed shape with channels
        /// last whose `INPUTS` values an input vector holds in row-major order (Keras's memory
        /// order).
        pub const INPUT_SHAPE: #p::Shape = #input_shape;
        /// The shape of one output sample, [`OUTPUTS`](Self::OUTPUTS) values (of each step, for
        /// a sequence output).
        pub const OUTPUT_SHAPE: #p::Shape = #output_shape;
        /// Total number of trainable parameters.
        pub const PARAMS: #usize = #params;
        #[doc = #macs_doc]
        pub const MACS: #usize = #macs;

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

/// `summary()`: the Keras-like table, its totals and what one sample costs (`MACS`, the bytes of
/// the weights and of the largest activation).
pub(super) fn summary(model: &Model) -> TokenStream {
    let p = private();
    let name_str = model.def.name.to_string();
    let input_shape = shape(model.input);
    let scalar = scalar(model);
    let depths = model.depths().into_iter().map(lit);
    let state_bytes = if model.sequence {
        let state = super::sequence::state_name(model);
        // The state's own bytes, and those its large recurrent layers keep on the heap.
        let heap = model.layers.iter().filter(|l| l.is_stepped()).map(|l| {
            let recurrent = super::sequence::recurrent_as(l);
            quote!(+ #recurrent::HEAP_STATE_BYTES)
        });
        quote!(::core::option::Option::Some(::core::mem::size_of::<#state>() #(#heap)*))
    } else {
        quote!(::core::option::Option::None)
    };
    quote! {
        #p::if_std! {
            /// A Keras-like summary: each layer's output shape and parameters (the layers of a
            /// residual block indented, and after them the block's sum, `residual{k} (Add)`,
            /// with the block's output shape and its projection's parameters), the totals, and
            /// what one sample's inference costs: its multiply-accumulates ([`MACS`](Self::MACS)),
            /// the bytes of the weights and of the largest activation, and for a network of
            /// `input sequence` the bytes of the state it keeps between steps (with nnet's `std`
            /// feature, as every method that returns a `String` or a `Vec`).
            pub fn summary() -> #p::String {
                let costs = #p::Costs {
                    macs: Self::MACS,
                    scalar_bytes: ::core::mem::size_of::<#scalar>(),
                    state_bytes: #state_bytes,
                };
                #p::summary_nested(#name_str, #input_shape, <Self as #p::Architecture>::LAYERS, &[#(#depths),*], ::core::option::Option::Some(costs))
            }
        }
    }
}

/// The fields of a zero gradient: `field: LayerGradient::zeroed()` for every layer.
pub(super) fn zero_gradient_fields(model: &Model) -> Vec<TokenStream> {
    let p = private();
    let scalar = scalar(model);
    model
        .fields()
        .into_iter()
        .map(|l| {
            let field = l.field();
            quote!(#field: #p::layer::LayerGradient::<#scalar>::zeroed())
        })
        .collect()
}

/// Constants, constructors, the passes and their public wrappers.
pub(super) fn inherent(model: &Model) -> TokenStream {
    let p = private();
    let scalar = scalar(model);
    let Names {
        name,
        gradients,
        trace,
    } = names(model);
    let usize = quote!(::core::primitive::usize);
    let (in_vec, out_vec) = (in_vec(model), out_vec(model));
    let constructors = constructors(model, "Number of inputs.");
    let zero_gradients = zero_gradient_fields(model);
    let forward = passes::forward_events(model, &|i| model.layers.get(i), false);
    let forward_doc = if model.layers.iter().any(|l| l.heap_vectors) {
        format!(
            "The network's output for one input, in inference mode. Allocation-free but for the outputs of the layers of more than {} units, which live on the heap.",
            thousands(INLINE_UNITS)
        )
    } else {
        "The network's output for one input, in inference mode (dropout off, batch normalization with its moving statistics). Allocation-free.".to_owned()
    };
    let trace_body = passes::trace_body(model, &trace);
    let backward = super::backward::backward_body(model);
    let batch_inherent = batch::inherent(model);
    let summary = summary(model);
    let dispatch = passes::dispatch_for(
        model,
        quote!(&'a #name, &'a #in_vec),
        quote!(#out_vec),
        quote!(self, input),
        quote! { let __NnetPass(net, input) = self; #forward },
    );
    let dispatch_trace = passes::dispatch_for(
        model,
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

            #summary
        }
    }
}
