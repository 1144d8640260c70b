//! `impl Network` for a vector network, and the training hooks (`regularization`,
//! `update_state`) vector and sequence networks share.

use proc_macro2::TokenStream;
use quote::quote;

use super::tokens::{Names, in_vec, layer_trait, lit, names, out_vec, private, scalar};
use super::{batch, layers, passes};
use crate::model::{Kind, Layer, Model};

/// `impl Network`.
pub(super) fn network_impl(model: &Model) -> TokenStream {
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
    // A network that ends with a block's sum has no output activation.
    let (output_activation_type, output_activation) = if model.ends_with_sum() {
        (
            quote!(#p::activation::Linear),
            quote!(&#p::activation::Linear),
        )
    } else {
        (
            quote!(<#last_type as #p::Layer<#last_trait>>::Activation),
            quote!(#p::Layer::<#last_trait>::activation(&self.#last_field)),
        )
    };
    let batch_network = batch::network(model);
    let training = training_hooks(model);
    let dispatch = passes::dispatch_for(
        model,
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
            type OutputActivation = #output_activation_type;

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
                #output_activation
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
pub(super) fn training_hooks(model: &Model) -> TokenStream {
    let p = private();
    let scalar = scalar(model);
    let Names { gradients, .. } = names(model);
    let mut tokens = TokenStream::new();
    let regularized: Vec<&Layer> = model
        .layers
        .iter()
        .filter(|l| match &l.kind {
            Kind::Dense { l1, l2, .. } => !l1.is_zero() || !l2.is_zero(),
            Kind::Conv(conv) => !conv.l1.is_zero() || !conv.l2.is_zero(),
            _ => false,
        })
        .collect();
    if !regularized.is_empty() {
        // A stepped layer (a streamed convolution) has its regularization in `Recurrent`.
        let access = |l: &Layer| {
            let shape = layer_trait(l);
            if l.is_stepped() {
                quote!(#p::layer::Recurrent::<#shape>)
            } else {
                quote!(#p::Layer::<#shape>)
            }
        };
        let with = regularized.iter().map(|l| {
            let (field, access) = (l.field(), access(l));
            quote!(#access::regularization(&self.#field, ::core::option::Option::Some(&mut grads.#field)))
        });
        let without = regularized.iter().map(|l| {
            let (field, access) = (l.field(), access(l));
            quote!(#access::regularization(&self.#field, ::core::option::Option::None))
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
