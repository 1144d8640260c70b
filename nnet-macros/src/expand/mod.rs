//! Expansion: the validated model to the network struct, its gradients, its trace and their
//! trait implementations (and, with `#[weights]`, the baked weights of [`baked`]), one small
//! function per generated item, and a constant assertion ([`self_check`]) that the macro's
//! counts are the core types'. Only wiring and unrolling:
//! every computation is a call into `nnet_core` through `::nnet::__private`, and every layer is
//! reached through the `Layer` trait; only [`layers`] knows the kinds. This file only
//! dispatches: the shared pieces are in [`tokens`], each generated item in the file named for
//! it.

mod backward;
mod baked;
mod batch;
mod docs;
mod fold;
mod inherent;
mod io;
mod layers;
mod network;
mod params;
mod passes;
mod self_check;
mod sequence;
mod streaming;
mod structs;
mod sums;
mod tokens;
mod trace;

use proc_macro2::TokenStream;

use crate::model::Model;
use crate::weights_file;

/// Everything the macro generates for a valid network, and its baked weights if it has a
/// `#[weights]` file.
pub(crate) fn expand(model: &Model) -> TokenStream {
    let mut tokens = if model.sequence {
        sequence::expand(model)
    } else {
        vector(model)
    };
    tokens.extend(self_check::counts(model));
    if let Some(baked) = weights_file::read(model) {
        tokens.extend(baked::expand(model, baked));
    }
    tokens
}

/// Everything generated for a vector network (`input N;`).
fn vector(model: &Model) -> TokenStream {
    let mut tokens = structs::structs(model);
    tokens.extend(inherent::inherent(model));
    tokens.extend(trace::trace_impl(model));
    tokens.extend(params::expand(model));
    tokens.extend(io::expand(model));
    tokens.extend(network::network_impl(model));
    tokens.extend(fold::expand(model));
    tokens
}
