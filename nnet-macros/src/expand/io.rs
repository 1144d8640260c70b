//! Expansion for weight I/O: the `Architecture` implementation that saving and loading work
//! through, and `serde` support, which `nnet` switches on or off with its own feature.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::Model;

use super::{lit, private};

/// `impl Architecture for Name` and the `serde` implementations (empty when `nnet` is built
/// without its `serde` feature).
pub(crate) fn expand(model: &Model, layer_specs: &[TokenStream]) -> TokenStream {
    let p = private();
    let name = &model.def.name;
    let inputs = lit(model.inputs);
    quote! {
        impl #p::Architecture for #name {
            const INPUTS: ::core::primitive::usize = #inputs;
            const LAYERS: &'static [#p::LayerSpec] = &[#(#layer_specs,)*];

            fn zeroed() -> Self {
                #name::zeroed()
            }
        }

        #p::serde_network!(#name);
    }
}
