//! The `#[scalar = f64]` attribute: the number type every generated item uses, `f32` unless
//! the declaration says otherwise.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{Attribute, Expr, ExprLit, ExprPath, Lit, Meta};

use crate::diagnostics::push_error;

const FORM: &str = "write `#[scalar = f64]` (or `#[scalar = f32]`, the default)";

/// The scalar of a network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum ScalarKind {
    /// `f32`, the default.
    #[default]
    F32,
    /// `f64`, from `#[scalar = f64]`.
    F64,
}

impl ScalarKind {
    /// The type, as an absolute path: `::core::primitive::f32`.
    pub(crate) fn tokens(self) -> TokenStream {
        match self {
            ScalarKind::F32 => quote!(::core::primitive::f32),
            ScalarKind::F64 => quote!(::core::primitive::f64),
        }
    }

    /// Bytes of one value.
    pub(crate) fn bytes(self) -> usize {
        match self {
            ScalarKind::F32 => 4,
            ScalarKind::F64 => 8,
        }
    }

    /// The type's name, `f32` or `f64`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            ScalarKind::F32 => "f32",
            ScalarKind::F64 => "f64",
        }
    }
}

/// Takes the `#[scalar = …]` attributes out of `attrs` (they are the macro's, not the
/// struct's) and returns the scalar they name, `f32` without one. Malformed attributes, other
/// types and a second attribute are errors in `errors`, each on the token at fault.
pub(crate) fn take_attribute(
    attrs: &mut Vec<Attribute>,
    errors: &mut Option<syn::Error>,
) -> ScalarKind {
    let mut chosen: Option<(ScalarKind, Span)> = None;
    let mut rest = Vec::with_capacity(attrs.len());
    for attr in attrs.drain(..) {
        if !attr.path().is_ident("scalar") {
            rest.push(attr);
            continue;
        }
        let Some((scalar, span)) = parse(&attr, errors) else {
            continue;
        };
        if let Some((_, first)) = chosen {
            let mut error = syn::Error::new(
                span,
                "a second `#[scalar]` attribute: a network has one scalar; remove one",
            );
            error.combine(syn::Error::new(first, "the first is here"));
            push_error(errors, error);
            continue;
        }
        chosen = Some((scalar, span));
    }
    *attrs = rest;
    chosen.map_or(ScalarKind::F32, |(scalar, _)| scalar)
}

/// The scalar one `#[scalar …]` attribute names, or `None` after reporting what is wrong.
fn parse(attr: &Attribute, errors: &mut Option<syn::Error>) -> Option<(ScalarKind, Span)> {
    let value = match &attr.meta {
        Meta::NameValue(nv) => &nv.value,
        Meta::Path(path) => {
            let message = format!("`#[scalar]` needs a type: {FORM}");
            push_error(errors, syn::Error::new_spanned(path, message));
            return None;
        }
        Meta::List(list) => {
            let message = format!("malformed `scalar` attribute: {FORM}");
            push_error(errors, syn::Error::new_spanned(list, message));
            return None;
        }
    };
    match value {
        Expr::Path(ExprPath {
            path, qself: None, ..
        }) if path.get_ident().is_some() => {
            let ident = path.get_ident()?;
            match ident.to_string().as_str() {
                "f32" => Some((ScalarKind::F32, ident.span())),
                "f64" => Some((ScalarKind::F64, ident.span())),
                other => {
                    let message = format!(
                        "`{other}` is not a scalar nnet computes in: a network computes in \
                         `f32` or `f64`; {FORM}"
                    );
                    push_error(errors, syn::Error::new(ident.span(), message));
                    None
                }
            }
        }
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => {
            let message = match s.value().as_str() {
                name @ ("f32" | "f64") => format!(
                    "the scalar is a type, not a string: write `#[scalar = {name}]`, without quotes"
                ),
                _ => format!("the scalar is a type, not a string: {FORM}"),
            };
            push_error(errors, syn::Error::new(s.span(), message));
            None
        }
        other => {
            let message = format!("malformed `scalar` attribute: {FORM}");
            push_error(errors, syn::Error::new_spanned(other, message));
            None
        }
    }
}
