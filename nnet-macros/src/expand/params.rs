//! `impl Parameters` for the network and its gradients: every layer's tensors, one after the
//! other, in the order of each layer type's `tensor_info`.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::{layer_trait, layers, lit, names, private};
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
    let f32 = quote!(::core::primitive::f32);
    let (mut info, mut get, mut get_mut) = (Vec::new(), Vec::new(), Vec::new());
    let mut index = 0;
    for layer in &model.layers {
        let (field, shape, layer_ty) =
            (layer.field(), layer_trait(layer), layers::layer_type(layer));
        let field_str = field.to_string();
        let access = if gradient {
            quote!(#p::layer::LayerGradient)
        } else {
            quote!(#p::Layer::<#shape>)
        };
        for t in 0..layer.tensors() {
            let (i, t) = (lit(index), lit(t));
            info.push(quote!(#i => <#layer_ty as #p::Layer<#shape>>::tensor_info(#t).map(|t| t.in_layer(#field_str))));
            get.push(quote!(#i => #access::tensor(&self.#field, #t)));
            get_mut.push(quote!(#i => #access::tensor_mut(&mut self.#field, #t)));
            index += 1;
        }
    }
    let tensors = lit(index);
    quote! {
        impl #p::Parameters for #ty {
            const TENSORS: #usize = #tensors;

            fn tensor_info(index: #usize) -> ::core::option::Option<#p::TensorInfo> {
                match index {
                    #(#info,)*
                    _ => ::core::option::Option::None,
                }
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
