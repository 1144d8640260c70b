//! The inference form of a network with dropout or batch normalization: `{Name}Inference`,
//! whose chain drops the dropout layers and folds each `batch_norm` into a dense layer's or a
//! convolution's weights, so that normalization costs nothing at inference: into the outputs
//! of the dense layer or convolution before it when that has no activation (`W' = diag(s) W`,
//! per filter for a convolution), else into the inputs of the dense layer after it
//! (`W' = W diag(s)`, `b' = b + W t`). A residual block's boundary (where it opens or sums)
//! stops folding across it: the skip sees the values there. Projections are kept as they are.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::tokens::{derive, in_vec, names, out_vec};
use super::{layers, passes};
use crate::model::{Act, Entry, Kind, Layer, Model};

/// Whether a batch normalization right after `layer` folds into its outputs: a dense layer or
/// a convolution without activation.
fn linear_with_weights(layer: &Layer) -> bool {
    match &layer.kind {
        Kind::Dense { activation, .. } => activation.act == Act::Linear,
        Kind::Conv(conv) => conv.activation.act == Act::Linear,
        _ => false,
    }
}

pub(super) fn expand(model: &Model) -> TokenStream {
    if !model.layers.iter().any(Layer::trains_differently) {
        return TokenStream::new();
    }
    let name = names(model).name;
    let inference = format_ident!("{}Inference", name);
    let vis = &model.def.vis;
    let derive = derive();
    let (in_vec, out_vec) = (in_vec(model), out_vec(model));

    // The kept layers, with how each is built from the network's, and whether a batch
    // normalization after it was folded in already.
    let mut chain: Vec<(Layer, TokenStream, bool)> = Vec::new();
    // The model's index of each kept layer.
    let mut indices: Vec<usize> = Vec::new();
    // A batch normalization waiting to fold into the next dense layer.
    let mut pending: Option<proc_macro2::Ident> = None;
    for (position, layer) in model.layers.iter().enumerate() {
        let field = layer.field();
        let mut value = quote!(::core::clone::Clone::clone(&self.#field));
        let mut kept = layer.clone();
        match &layer.kind {
            Kind::Dropout { .. } => continue,
            Kind::BatchNorm { .. } => {
                // After a dense layer without activation: into its outputs.
                if let Some((previous, value, folded)) = chain.last_mut()
                    && linear_with_weights(previous)
                    && !*folded
                    && indices
                        .last()
                        .is_some_and(|&before| model.no_boundary(before, position))
                {
                    // A convolution folds the normalization of one position's filters, which
                    // every position shares.
                    *value = if matches!(previous.kind, Kind::Conv(_)) {
                        quote!(#value.folded(&self.#field.layer))
                    } else {
                        quote!(#value.folded(&self.#field))
                    };
                    *folded = true;
                    match &mut previous.kind {
                        Kind::Dense { use_bias, .. } => *use_bias = true,
                        Kind::Conv(conv) => conv.use_bias = true,
                        _ => {}
                    }
                    continue;
                }
                // Before a dense layer (dropout between is the identity): into its inputs.
                let next = (position + 1..model.layers.len())
                    .find(|&j| !matches!(model.layers[j].kind, Kind::Dropout { .. }));
                if pending.is_none()
                    && next.is_some_and(|j| {
                        matches!(model.layers[j].kind, Kind::Dense { .. })
                            && model.no_boundary(position, j)
                    })
                {
                    pending = Some(field);
                    continue;
                }
            }
            Kind::Dense { .. } => {
                if let Some(norm) = pending.take() {
                    value = quote!(self.#field.folded_after(&self.#norm));
                    // The shift becomes a bias, even for a layer declared without one.
                    if let Kind::Dense { use_bias, .. } = &mut kept.kind {
                        *use_bias = true;
                    }
                }
            }
            _ => {}
        }
        chain.push((kept, value, false));
        indices.push(position);
    }
    // Each block's projection, as it is, right after the block's last kept layer.
    let mut fields_in_order: Vec<(Layer, TokenStream)> = Vec::new();
    let mut kept_at: Vec<Option<Layer>> = vec![None; model.layers.len()];
    for ((layer, value, _), &index) in chain.iter().zip(&indices) {
        kept_at[index] = Some(layer.clone());
        let _ = value;
    }
    let mut values_at: Vec<Option<TokenStream>> = vec![None; model.layers.len()];
    for ((_, value, _), &index) in chain.iter().zip(&indices) {
        values_at[index] = Some(value.clone());
    }
    for entry in model.entries() {
        match entry {
            Entry::Layer(i) => {
                if let (Some(layer), Some(value)) = (&kept_at[i], &values_at[i]) {
                    fields_in_order.push((layer.clone(), value.clone()));
                }
            }
            Entry::Sum(b) => {
                if let Some(projection) = &model.blocks[b].projection {
                    let field = projection.field();
                    fields_in_order.push((
                        projection.clone(),
                        quote!(::core::clone::Clone::clone(&self.#field)),
                    ));
                }
            }
        }
    }
    let fields = fields_in_order.iter().map(|(l, _)| {
        let (field, ty) = (l.field(), layers::layer_type(l));
        let doc =
            format!("`{field}` of the network, with any batch normalization next to it folded in.");
        quote!(#[doc = #doc] pub #field: #ty)
    });
    let values = fields_in_order.iter().map(|(l, value)| {
        let field = l.field();
        quote!(#field: #value)
    });
    let forward =
        passes::forward_events(model, &|i| kept_at.get(i).and_then(Option::as_ref), false);
    let doc = format!(
        "[`{name}`] for inference only, from [`{name}::inference`]: dropout removed, and each `batch_norm` folded into the weights of a dense layer next to it (the one before it if that has no activation, else the one after it), where there is one."
    );
    let forward_doc = format!(
        "The output for one input, as [`{name}::forward`] gives it (up to rounding). Allocation-free."
    );
    let dispatch = passes::dispatch_for(
        model,
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
            /// into a dense layer next to it where there is one: the same outputs as
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
