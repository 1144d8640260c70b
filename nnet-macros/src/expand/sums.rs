//! The sums of residual blocks in the per-sample passes: the vector types and names of their
//! values, and the code of one sum (the block's input, or its projection, plus its output).

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use super::passes::view_mut;
use super::tokens::{layer_trait, private};
use crate::model::{Block, Model};
use nnet_kinds::INLINE_UNITS;

/// The vector type of a block's sum (and of anything of its output's length).
pub(super) fn sum_type(model: &Model, block: &Block) -> TokenStream {
    let _ = model;
    let scalar = block.output.len();
    vector_of(scalar, model.def.scalar)
}

/// The vector type of `len` values: on the heap past [`INLINE_UNITS`], as a layer's.
pub(super) fn vector_of(len: usize, scalar: crate::scalar::ScalarKind) -> TokenStream {
    let p = private();
    let n = super::tokens::lit(len);
    let tokens = scalar.tokens();
    if len <= INLINE_UNITS {
        quote!(#p::nalgebra::SVector<#tokens, #n>)
    } else if scalar == crate::scalar::ScalarKind::F32 {
        quote!(#p::HeapVector<#n>)
    } else {
        quote!(#p::HeapVector<#n, #tokens>)
    }
}

/// A zeroed value of `ty`, `len` values long.
pub(super) fn zeroed_of(ty: &TokenStream, len: usize) -> TokenStream {
    let p = private();
    let n = super::tokens::lit(len);
    quote!(<#ty as #p::MatrixStorage<#n, 1>>::zeroed())
}

/// The name of the value holding block `k`'s sum (a local, or a field of the trace).
pub(super) fn sum_name(block: &Block) -> Ident {
    format_ident!("residual{}", block.ordinal)
}

/// The name of the trace's field holding block `k`'s projection before the sum (its `z`).
pub(super) fn projection_z_name(block: &Block) -> Ident {
    format_ident!("residual{}_z", block.ordinal)
}

/// `let residual{k} = …;`: block `b`'s sum of `output` (the block's last value) and `skip` (its
/// input), through its projection if it has one; with `trace`, the projection's `z` is kept.
pub(super) fn block_sum(
    model: &Model,
    block: &Block,
    skip: &TokenStream,
    output: &TokenStream,
    trace: bool,
    net: &TokenStream,
) -> TokenStream {
    let p = private();
    let r = sum_name(block);
    let ty = sum_type(model, block);
    let units = block.output.len();
    let inline = units <= INLINE_UNITS;
    let r_mut = view_mut(quote!(&mut #r));
    let start = match &block.projection {
        Some(projection) => {
            let (field, shape) = (projection.field(), layer_trait(projection));
            if trace {
                let z = projection_z_name(block);
                if inline {
                    quote! {
                        let (#z, mut #r) = #p::Layer::<#shape>::forward_trace_simd(&#net.#field, simd, #skip);
                    }
                } else {
                    let zeroed = zeroed_of(&ty, units);
                    let z_mut = view_mut(quote!(&mut #z));
                    quote! {
                        let (mut #z, mut #r) = (#zeroed, #zeroed);
                        #p::Layer::<#shape>::forward_trace_simd_into(&#net.#field, simd, #skip, #z_mut, #r_mut);
                    }
                }
            } else if inline {
                quote!(let mut #r = #p::Layer::<#shape>::forward_simd(&#net.#field, simd, #skip);)
            } else {
                let zeroed = zeroed_of(&ty, units);
                quote! {
                    let mut #r = #zeroed;
                    #p::Layer::<#shape>::forward_simd_into(&#net.#field, simd, #skip, #r_mut);
                }
            }
        }
        None if inline => quote!(let mut #r = *#skip;),
        None => {
            let zeroed = zeroed_of(&ty, units);
            quote! {
                let mut #r = #zeroed;
                #r_mut.copy_from(#skip);
            }
        }
    };
    quote_spanned! {block.span=>
        #start
        #p::add_assign(#r_mut, #output);
    }
}
