//! The `residual` line: `residual [(project)] { lines }`, its lines parsed as the network's are.

use proc_macro2::TokenTree;
use syn::parse::{ParseStream, Parser};
use syn::{Attribute, Ident};

use super::{parse_statement, split_statements, unexpected};
use crate::ast::{ResidualStmt, Statement};
use crate::diagnostics::{closest, push_error};

/// The forms of a `residual` line.
const RESIDUAL_FORM: &str = "a residual block is `residual { layer; layer; ... }` (output = input + block(input)) or `residual (project) { ... }` (the input through a trainable projection to the block's output shape)";

/// `residual [(project)] { lines }`, each line of the block parsed as the network's are (an
/// `input` line is refused), its errors collected.
pub(super) fn parse_residual(
    input: ParseStream,
    docs: Vec<Attribute>,
) -> syn::Result<ResidualStmt> {
    let keyword: Ident = input.parse()?;
    let project = if input.peek(syn::token::Paren) {
        let content;
        let parens = syn::parenthesized!(content in input);
        let word: Ident = content.parse().map_err(|_| {
            syn::Error::new(
                parens.span.join(),
                format!("expected `project` in the parentheses: {RESIDUAL_FORM}"),
            )
        })?;
        if word != "project" {
            let hint = if closest(&word.to_string(), &["project"]).is_some() {
                "; did you mean `project`? write `residual (project) { ... }`".to_owned()
            } else {
                format!(": the only word here is `project`; {RESIDUAL_FORM}")
            };
            return Err(syn::Error::new(
                word.span(),
                format!("unknown word `{word}` after `residual`{hint}"),
            ));
        }
        if !content.is_empty() {
            return Err(unexpected(&content, RESIDUAL_FORM));
        }
        Some(word)
    } else {
        None
    };
    if project.is_none()
        && let Some(doc) = docs.first()
    {
        return Err(syn::Error::new_spanned(
            doc,
            "a doc comment on a `residual` block without projection has no field to document (only `residual (project)` has one, its projection): document the layers inside, or write it as a `//` comment",
        ));
    }
    if !input.peek(syn::token::Brace) {
        if input.is_empty() {
            return Err(syn::Error::new(
                keyword.span(),
                format!("expected the block's lines in `{{ }}` after `residual`: {RESIDUAL_FORM}"),
            ));
        }
        return Err(unexpected(input, RESIDUAL_FORM));
    }
    let Ok(TokenTree::Group(group)) = input.parse::<TokenTree>() else {
        return Err(input.error(RESIDUAL_FORM));
    };
    let mut errors = None;
    let mut body = Vec::new();
    for chunk in split_statements(group.stream(), &mut errors) {
        match parse_statement.parse2(chunk) {
            Ok(Statement::Input { keyword, .. }) => push_error(
                &mut errors,
                syn::Error::new(
                    keyword.span,
                    "an `input` line cannot go inside a residual block: the block reads what the line before it outputs; put `input` first in the network",
                ),
            ),
            Ok(statement) => body.push(statement),
            Err(error) => push_error(&mut errors, error),
        }
    }
    if let Some(errors) = errors {
        return Err(errors);
    }
    Ok(ResidualStmt {
        docs,
        keyword,
        project,
        braces: group.span(),
        body,
    })
}
