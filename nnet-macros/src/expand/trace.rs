//! `impl Trace` for a vector network's trace: where its output and pre-activation are.

use proc_macro2::TokenStream;
use quote::quote;

use super::tokens::{Names, lit, names, out_vec, private, scalar, trace_names};
use crate::model::Model;

/// `impl Trace`: the output layer's `z` (its own output for layers without an activation) and
/// output.
pub(super) fn trace_impl(model: &Model) -> TokenStream {
    let p = private();
    let scalar = scalar(model);
    let Names { trace, .. } = names(model);
    let last = model.layers.len() - 1;
    let (z, a) = trace_names(last);
    let has_activation = model.layers[last].activation().is_some();
    let z = if has_activation { z } else { a.clone() };
    // A network that ends with a block's sum outputs the sum, which has no activation.
    let (z, a) = match model.entries().last() {
        Some(crate::model::Entry::Sum(b)) => {
            let r = super::passes::sum_name(&model.blocks[*b]);
            (r.clone(), r)
        }
        _ => (z, a),
    };
    let (outputs, out_vec) = (lit(model.outputs()), out_vec(model));
    quote! {
        impl #p::Trace<#outputs, #scalar> for #trace {
            fn output_preactivation(&self) -> &#out_vec {
                #p::MatrixStorage::matrix(&self.#z)
            }
            fn output(&self) -> &#out_vec {
                #p::MatrixStorage::matrix(&self.#a)
            }
        }
    }
}
