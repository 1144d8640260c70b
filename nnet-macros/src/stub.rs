//! What the macro emits beside its errors: a stub of the struct, so that code using the network
//! sees the real error and not a cascade of "cannot find type".

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast::NetworkDef;

/// A unit struct with the network's name and the fixed constructors and constants.
pub(crate) fn stub(def: &NetworkDef) -> TokenStream {
    let attrs = def.attrs.iter().filter(|a| a.path().is_ident("doc"));
    let vis = &def.vis;
    let name = &def.name;
    let baked = def.weights.as_ref().map(|_| {
        quote! {
            /// Stub: the network definition has errors.
            pub const TRAINED: Self = Self;
            /// Stub: the network definition has errors.
            pub fn trained() -> Self { Self }
        }
    });
    quote! {
        #(#attrs)*
        #[derive(::core::clone::Clone, ::core::fmt::Debug, ::core::cmp::PartialEq)]
        #vis struct #name;

        #[allow(dead_code, unused_variables, clippy::all)]
        impl #name {
            /// Stub: the network definition has errors.
            pub const INPUTS: ::core::primitive::usize = 0;
            /// Stub: the network definition has errors.
            pub const OUTPUTS: ::core::primitive::usize = 0;
            /// Stub: the network definition has errors.
            pub const INPUT_SHAPE: ::nnet::__private::Shape = ::nnet::__private::Shape::Vector(0);
            /// Stub: the network definition has errors.
            pub const OUTPUT_SHAPE: ::nnet::__private::Shape = ::nnet::__private::Shape::Vector(0);
            /// Stub: the network definition has errors.
            pub const PARAMS: ::core::primitive::usize = 0;
            /// Stub: the network definition has errors.
            pub const MACS: ::core::primitive::usize = 0;
            /// Stub: the network definition has errors.
            pub fn seeded(seed: ::core::primitive::u64) -> Self { Self }
            /// Stub: the network definition has errors.
            pub fn from_rng<__NnetR: ?::core::marker::Sized>(rng: &mut __NnetR) -> Self { Self }
            /// Stub: the network definition has errors.
            pub fn zeroed() -> Self { Self }
            /// Stub: the network definition has errors.
            pub fn forward<__NnetI, __NnetO>(&self, input: __NnetI) -> __NnetO { ::core::unreachable!() }
            /// Stub: the network definition has errors.
            pub fn summary() -> ::std::string::String { ::std::string::String::new() }
            #baked
        }
    }
}
