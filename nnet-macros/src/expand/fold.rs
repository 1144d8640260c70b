//! The inference form of a network with dropout or batch normalization: `{Name}Inference`,
//! whose chain drops the dropout layers and folds each `batch_norm` that follows a dense layer
//! without activation into that layer's weights, so that normalization costs nothing at
//! inference.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{derive, in_vec, layers, names, out_vec, passes};
use crate::model::{Act, Kind, Layer, Model};

pub(super) fn expand(model: &Model) -> TokenStream {
    if !model.layers.iter().any(Layer::trains_differently) {
        return TokenStream::new();
    }
    let name = names(model).name;
    let inference = format_ident!("{}Inference", name);
    let vis = &model.def.vis;
    let derive = derive();
    let (in_vec, out_vec) = (in_vec(model), out_vec(model));

    // The kept layers, with how each is built from the network's.
    let mut chain: Vec<(Layer, TokenStream, bool)> = Vec::new();
    for layer in &model.layers {
        let field = layer.field();
        match &layer.kind {
            Kind::Dropout { .. } => continue,
            Kind::BatchNorm { .. } => {
                if let Some((previous, value, folded)) = chain.last_mut()
                    && matches!(previous.kind, Kind::Dense { activation, .. } if activation.act == Act::Linear)
                    && !*folded
                {
                    let below = previous.field();
                    *value = quote!(self.#below.folded(&self.#field));
                    *folded = true;
                    if let Kind::Dense { use_bias, .. } = &mut previous.kind {
                        *use_bias = true;
                    }
                    continue;
                }
            }
            _ => {}
        }
        chain.push((
            layer.clone(),
            quote!(::core::clone::Clone::clone(&self.#field)),
            false,
        ));
    }
    let fields = chain.iter().map(|(l, _, _)| {
        let (field, ty) = (l.field(), layers::layer_type(l));
        let doc = format!("`{field}` of the network (with the batch normalization after it folded in, if there was one).");
        quote!(#[doc = #doc] pub #field: #ty)
    });
    let values = chain.iter().map(|(l, value, _)| {
        let field = l.field();
        quote!(#field: #value)
    });
    let kept: Vec<&Layer> = chain.iter().map(|(l, _, _)| l).collect();
    let forward = passes::forward_body(model, &kept);
    let doc = format!(
        "[`{name}`] for inference only, from [`{name}::inference`]: dropout removed, and each `batch_norm` that follows a dense layer without activation folded into that layer's weights."
    );
    let forward_doc = format!(
        "The output for one input, as [`{name}::forward`] gives it (up to rounding). Allocation-free."
    );
    let dispatch = passes::dispatch(
        quote!(&'a #inference, &'a #in_vec),
        quote!(#out_vec),
        quote!(self, input),
        quote! { let __NnetPass(net, input) = self; #forward },
    );
    quote! {
        #[doc = #doc]
        #derive
        #vis struct #inference { #(#fields,)* }

        impl #name {
            /// The network for inference, with dropout removed and batch normalization folded
            /// into the dense layer before it where there is one: the same outputs as
            /// [`forward`](Self::forward) up to rounding, at the cost of the dense layers alone.
            /// Build it once after training.
            pub fn inference(&self) -> #inference {
                #inference { #(#values,)* }
            }
        }

        impl #inference {
            #[doc = #forward_doc]
            #[inline]
            pub fn forward(&self, input: &#in_vec) -> #out_vec {
                #dispatch
            }
        }

    }
}
