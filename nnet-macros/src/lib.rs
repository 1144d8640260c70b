//! The `network!` procedural macro of [nnet](https://docs.rs/nnet).
//!
//! Use it through the `nnet` crate, which documents the grammar and the generated items. This
//! crate only parses the layer list, validates it and writes out the unrolled network; the
//! mathematics lives in `nnet-core`.

mod ast;
mod diagnostics;
mod expand;
mod kw;
mod model;
mod parse;
mod scalar;
mod stub;
mod validate;
mod weights_attribute;
mod weights_file;

/// Generates a statically sized neural network from a Keras-like layer list.
///
/// See the `nnet` crate for the grammar and the generated items.
#[proc_macro]
pub fn network(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    pipeline(input.into()).into()
}

/// Parse, validate, expand; on any error, the errors and a stub of the struct.
fn pipeline(input: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let def = match syn::parse2::<ast::NetworkDef>(input) {
        Ok(def) => def,
        Err(error) => return error.to_compile_error(),
    };
    match validate::validate(&def) {
        Ok(model) => expand::expand(&model),
        Err(error) => {
            let mut tokens = error.to_compile_error();
            tokens.extend(stub::stub(&def));
            tokens
        }
    }
}

#[cfg(test)]
mod tests;
