//! Expansion for weight I/O: the `Architecture` implementation that saving and loading work
//! through, and `serde` support, which `nnet` switches on or off with its own feature.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Block, Entry, KindWords, Layer, Model};

use super::tokens::{lit, private, shape};

/// `impl Architecture for Name` and the `serde` implementations (empty when `nnet` is built
/// without its `serde` feature).
pub(crate) fn expand(model: &Model) -> TokenStream {
    let p = private();
    let scalar = super::tokens::scalar(model);
    let name = &model.def.name;
    let inputs = lit(model.inputs);
    let specs = model.entries().into_iter().map(|entry| match entry {
        Entry::Layer(i) => layer_spec(&model.layers[i]),
        Entry::Sum(b) => sum_spec(&model.blocks[b]),
    });
    // Recorded in saved files, with the input as written and the blocks around their layers:
    // only networks whose input is not a vector, or that have blocks, differ from `describe`'s
    // text.
    let described = matches!(model.input, nnet_kinds::Shape::Vector(_)) && model.blocks.is_empty();
    let architecture = (!described).then(|| {
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

/// A layer's `LayerSpec`.
fn layer_spec(l: &Layer) -> TokenStream {
    let p = private();
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
}

/// The `LayerSpec` of a block's sum, `residual{k}` (see `LayerSpec::is_residual`): the
/// projection's spec (a dense layer or a 1×1 convolution: its kind, line and counts) under the
/// block's name, or, without one, a linear `activation` of no parameters; `inputs` is the
/// block's input.
fn sum_spec(block: &Block) -> TokenStream {
    let p = private();
    let field = block.field().to_string();
    match &block.projection {
        Some(projection) => layer_spec(projection),
        None => {
            let output = shape(block.output);
            let (inputs, units) = (lit(block.input.len()), lit(block.output.len()));
            quote! {
                #p::LayerSpec { name: #field, kind: #p::LayerKind::Activation, inputs: #inputs, units: #units, output: #output, activation: #p::ActivationKind::Linear, trainable: 0, non_trainable: 0, text: "residual" }
            }
        }
    }
}
