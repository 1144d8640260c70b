//! The `#[weights = "file.safetensors"]` attribute: taken off the struct while parsing, its
//! path kept for `weights_file` to read once the layers are validated.

use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, Lit, LitStr, Meta};

use crate::diagnostics::push_error;

const FORM: &str = "write `#[weights = \"path/to/weights.safetensors\"]`, with the path relative to the directory of the crate's Cargo.toml";

/// Takes the `#[weights = "..."]` attributes out of `attrs` (they are the macro's, not the
/// struct's) and returns the path of the one there may be.
pub(crate) fn take_attribute(
    attrs: &mut Vec<Attribute>,
    errors: &mut Option<syn::Error>,
) -> Option<LitStr> {
    let mut path: Option<LitStr> = None;
    let mut rest = Vec::with_capacity(attrs.len());
    for attr in attrs.drain(..) {
        if !attr.path().is_ident("weights") {
            rest.push(attr);
            continue;
        }
        let literal = match &attr.meta {
            Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(s), ..
                }) => Some(s.clone()),
                _ => None,
            },
            _ => None,
        };
        let Some(literal) = literal else {
            push_error(
                errors,
                syn::Error::new_spanned(&attr, format!("malformed `weights` attribute: {FORM}")),
            );
            // Still a baked network: the stub then has `TRAINED`, and the error stands alone.
            // The recorded error keeps this placeholder from ever being read.
            path.get_or_insert_with(|| LitStr::new("", attr.span()));
            continue;
        };
        if let Some(first) = &path {
            let mut error = syn::Error::new(
                literal.span(),
                "a second `#[weights]` attribute: a network is baked from one file; remove one",
            );
            error.combine(syn::Error::new(first.span(), "the first is here"));
            push_error(errors, error);
            continue;
        }
        path = Some(literal);
    }
    *attrs = rest;
    path
}
