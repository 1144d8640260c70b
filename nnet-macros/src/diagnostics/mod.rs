//! Diagnostics, at the bottom of the crate: collecting errors so that all of them are reported
//! together, "did you mean" suggestions and the wording messages share. Every other module
//! imports these; they import nothing from the crate, only `syn`.

mod did_you_mean;
mod text;

pub(crate) use did_you_mean::{closest, did_you_mean};
pub(crate) use text::{one_of, thousands, word_list};

/// Adds `error` to the errors found so far, so that every one is reported at once
/// (`syn::Error::combine`, as serde_derive's `Ctxt` collects them).
pub(crate) fn push_error(errors: &mut Option<syn::Error>, error: syn::Error) {
    match errors {
        Some(existing) => existing.combine(error),
        None => *errors = Some(error),
    }
}
