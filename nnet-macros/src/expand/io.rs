//! Expansion for weight I/O: the `Architecture` implementation that saving and loading work
//! through, and `serde` support, which `nnet` switches on or off with its own feature.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{KindWords, Model};

use super::tokens::{lit, private, shape};

/// `impl Architecture for Name` and the `serde` implementations (empty when `nnet` is built
/// without its `serde` feature).
pub(crate) fn expand(model: &Model) -> TokenStream {
    let p = private();
    let scalar = super::tokens::scalar(model);
    let name = &model.def.name;
    let inputs = lit(model.inputs);
    let specs = model.layers.iter().map(|l| {
        let output = shape(l.output);
        let field = l.field().to_string();
        let kind = l.word.ident();
        let (layer_inputs, units) = (lit(l.inputs), lit(l.units));
        let activation = l.activation().map_or(crate::model::Act::Linear, |a| a.act).ident();
        let (trainable, non_trainable) = (lit(l.params()), lit(l.non_trainable()));
        let text = l.text();
        quote! {
            #p::LayerSpec { name: #field, kind: #p::LayerKind::#kind, inputs: #layer_inputs, units: #units, output: #output, activation: #p::ActivationKind::#activation, trainable: #trainable, non_trainable: #non_trainable, text: #text }
        }
    });
    // Recorded in saved files, with the input as written: only networks whose input is not a
    // vector differ from `describe`'s text.
    let architecture = (!matches!(model.input, nnet_kinds::Shape::Vector(_))).then(|| {
        let text = model.architecture();
        quote! {
            #p::if_std! {
                fn architecture() -> #p::String {
                    #p::String::from(#text)
                }
            }
        }
    });
    quote! {
        impl #p::Architecture for #name {
            type Scalar = #scalar;
            const INPUTS: ::core::primitive::usize = #inputs;
            const LAYERS: &'static [#p::LayerSpec] = &[#(#specs,)*];

            fn zeroed() -> Self {
                #name::zeroed()
            }

            #architecture
        }

        #p::serde_network!(#name);
    }
}
