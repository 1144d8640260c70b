//! The constant assertion every expansion ends with: the counts the macro wrote (`PARAMS`, the
//! tensors of `Parameters`, each layer's trainable and non-trainable values in
//! `Architecture::LAYERS`), which it reads from the kinds' declarations, must equal the
//! constants of the `nnet_core` types it composes, and each convolution's and pooling's sizes
//! must fit the window it slides (their types' `const fn` checks). A disagreement between the declarations and
//! the core is then a compile error in the generated code, never a silent mismatch.

use proc_macro2::TokenStream;
use quote::quote;

use super::layers::{causal_counts, groups_value, inner_expr_type, layer_type, window_value};
use super::tokens::{layer_trait, lit, private, scalar};
use crate::model::{Kind, Layer, Model};

/// `const _: () = { assert!(…); … };` over every layer and the whole network.
pub(super) fn counts(model: &Model) -> TokenStream {
    let p = private();
    let name = &model.def.name;
    let scalar = scalar(model);
    let (mut trainable, mut tensors, mut layers) = (Vec::new(), Vec::new(), Vec::new());
    // A block's sum has an entry in `LAYERS` of its own: its projection's, or none to check.
    let entries = model.entries().into_iter().enumerate();
    let checked = entries.filter_map(|(index, entry)| match entry {
        crate::model::Entry::Layer(i) => Some((index, &model.layers[i])),
        crate::model::Entry::Sum(b) => model.blocks[b].projection.as_ref().map(|l| (index, l)),
    });
    for (index, layer) in checked {
        let (ty, shape) = (layer_type(layer), layer_trait(layer));
        // A stepped layer is reached through `Recurrent`, which has no non-trainable values.
        let (core, non_trainable) = if layer.is_stepped() {
            (quote!(<#ty as #p::layer::Recurrent<#shape>>), quote!(0))
        } else {
            let core = quote!(<#ty as #p::Layer<#shape>>);
            (core.clone(), quote!(#core::NON_TRAINABLE))
        };
        let (index, layer_tensors) = (lit(index), lit(layer.tensors()));
        let message = format!(
            "`nnet::network!` counts the parameters or tensors of `{name}.{}` otherwise than its `nnet_core` type: a bug in nnet, please report it",
            layer.field()
        );
        layers.push(quote! {
            ::core::assert!(
                __nnet_layers[#index].trainable == #core::TRAINABLE
                    && __nnet_layers[#index].non_trainable == #non_trainable
                    && #layer_tensors == #core::TENSORS,
                #message
            );
        });
        layers.extend(window_check(layer, &name.to_string()));
        trainable.push(quote!(#core::TRAINABLE));
        tensors.push(quote!(#core::TENSORS));
    }
    let params_message = format!(
        "`nnet::network!` wrote `{name}::PARAMS` otherwise than the sum of its layers' `TRAINABLE`: a bug in nnet, please report it"
    );
    let tensors_message = format!(
        "`nnet::network!` wrote `{name}`'s `Parameters::TENSORS` otherwise than the sum of its layers' `TENSORS`: a bug in nnet, please report it"
    );
    quote! {
        const _: () = {
            let __nnet_layers = <#name as #p::Architecture>::LAYERS;
            #(#layers)*
            ::core::assert!(#name::PARAMS == 0 #(+ #trainable)*, #params_message);
            ::core::assert!(
                <#name as #p::Parameters<#scalar>>::TENSORS == 0 #(+ #tensors)*,
                #tensors_message
            );
        };
    }
}

/// For a convolution or pooling, the `const fn` check of its `nnet_core` type: its sizes (`IN`,
/// `OUT`, and a convolution's `F` and `K`; a streamed convolution's `C`, `F`, `K` and `HIST`)
/// are those of the window (kernel size and dilation) and groups the macro gives it.
fn window_check(layer: &Layer, name: &str) -> Option<TokenStream> {
    let ty = inner_expr_type(layer);
    let window = window_value(layer);
    let check = match &layer.kind {
        Kind::Conv(conv) if layer.is_streamed_conv() => {
            let (kernel_size, dilation, groups) = causal_counts(layer, conv);
            quote!(<#ty>::fits(#kernel_size, #dilation, #groups))
        }
        Kind::Conv(_) => {
            let groups = groups_value(layer);
            quote!(<#ty>::check(#window, #groups))
        }
        Kind::Pool(_) | Kind::GlobalPool { .. } => quote!(<#ty>::fits(&#window)),
        _ => return None,
    };
    let message = format!(
        "`nnet::network!` gave `{name}.{}` a window its `nnet_core` type does not fit: a bug in nnet, please report it",
        layer.field()
    );
    Some(quote!(::core::assert!(#check, #message);))
}
