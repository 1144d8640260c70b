//! `impl Parameters` for the network and its gradients: every layer's tensors, one after the
//! other, in the order of each layer type's `tensor_info` (a residual block's projection right
//! after the block's last layer).

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::tokens::{layer_trait, lit, names, private};
use crate::model::Model;

pub(super) fn expand(model: &Model) -> TokenStream {
    let names = names(model);
    let mut tokens = parameters_impl(model, &names.name, false);
    tokens.extend(parameters_impl(model, &names.gradients, true));
    tokens
}

fn parameters_impl(model: &Model, ty: &Ident, gradient: bool) -> TokenStream {
    let p = private();
    let usize = quote!(::core::primitive::usize);
    let f32 = super::tokens::scalar(model);
    let (mut info, mut get, mut get_mut) = (Vec::new(), Vec::new(), Vec::new());
    let mut first = 0;
    for layer in model.fields().into_iter().filter(|l| l.tensors() > 0) {
        let (field, shape) = (layer.field(), layer_trait(layer));
        let field_str = field.to_string();
        let (start, end) = (lit(first), lit(first + layer.tensors() - 1));
        let access = if gradient {
            quote!(#p::layer::LayerGradient)
        } else if layer.is_stepped() {
            quote!(#p::layer::Recurrent::<#shape>)
        } else {
            quote!(#p::Layer::<#shape>)
        };
        let info_of = if layer.residual.is_some() {
            // `residual{k}.kernel`, whatever the projection's kind.
            quote!(#p::projection_tensor_info_of)
        } else if layer.is_stepped() {
            quote!(#p::recurrent_tensor_info_of)
        } else {
            quote!(#p::tensor_info_of)
        };
        let local = if first == 0 {
            quote!(index)
        } else {
            quote!(index - #start)
        };
        info.push(quote!(#start..=#end => #info_of::<_, _, #shape>(|n: &Self| &n.#field, #local, #field_str)));
        get.push(quote!(#start..=#end => #access::tensor(&self.#field, #local)));
        get_mut.push(quote!(#start..=#end => #access::tensor_mut(&mut self.#field, #local)));
        first += layer.tensors();
    }
    let tensors = lit(first);
    let name = &model.def.name;
    let tensor_info = if gradient {
        quote!(<#name as #p::Parameters<#f32>>::tensor_info(index))
    } else {
        quote! {
            match index {
                #(#info,)*
                _ => ::core::option::Option::None,
            }
        }
    };
    quote! {
        impl #p::Parameters<#f32> for #ty {
            const TENSORS: #usize = #tensors;

            fn tensor_info(index: #usize) -> ::core::option::Option<#p::TensorInfo> {
                #tensor_info
            }

            #[inline]
            fn tensor(&self, index: #usize) -> &[#f32] {
                match index {
                    #(#get,)*
                    _ => &[],
                }
            }

            #[inline]
            fn tensor_mut(&mut self, index: #usize) -> &mut [#f32] {
                match index {
                    #(#get_mut,)*
                    _ => &mut [],
                }
            }
        }
    }
}
