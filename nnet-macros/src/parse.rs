//! Parsing: tokens to [`NetworkDef`], going on past mistakes in the layer list so that every one
//! of them is reported at once.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::parse::{Parse, ParseStream, Parser};
use syn::{Attribute, Ident, Lit, Token, Visibility, braced};

use crate::ast::{DenseStmt, LayerOption, NetworkDef, OptionValue, SizeLit, Statement};
use crate::kw;

impl Parse for NetworkDef {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        input.parse::<Token![struct]>().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected `struct`: write `pub struct Name { input 2; dense 1 sigmoid; }`",
            )
        })?;
        let name: Ident = input
            .parse()
            .map_err(|e| syn::Error::new(e.span(), "expected the network's name after `struct`"))?;

        let (body, body_span) = if input.peek(syn::token::Brace) {
            let content;
            let brace = braced!(content in input);
            (content.parse::<TokenStream>()?, brace.span.join())
        } else if input.peek(Token![<]) {
            angle_body(input)?
        } else {
            return Err(input.error(
                "expected the layer list in `{ }` or `< >` after the name, e.g. `{ input 2; dense 1 sigmoid; }`",
            ));
        };
        if !input.is_empty() {
            return Err(input
                .error("unexpected tokens after the layer list: `network!` declares one network"));
        }

        let mut def = NetworkDef {
            attrs,
            vis,
            name,
            body_span,
            statements: Vec::new(),
            errors: None,
        };
        for chunk in split_statements(body, &mut def.errors) {
            match parse_statement.parse2(chunk) {
                Ok(statement) => def.statements.push(statement),
                Err(error) => push_error(&mut def.errors, error),
            }
        }
        Ok(def)
    }
}

/// `< layers >`: the tokens up to the last `>`.
fn angle_body(input: ParseStream) -> syn::Result<(TokenStream, Span)> {
    let open: Token![<] = input.parse()?;
    let mut tokens: Vec<TokenTree> = Vec::new();
    while !input.is_empty() {
        tokens.push(input.parse()?);
    }
    match tokens.pop() {
        Some(TokenTree::Punct(p)) if p.as_char() == '>' => {
            let span = open.span.join(p.span()).unwrap_or(open.span);
            Ok((tokens.into_iter().collect(), span))
        }
        _ => Err(syn::Error::new(
            open.span,
            "this `<` is never closed: end the layer list with `>`",
        )),
    }
}

pub(crate) fn push_error(errors: &mut Option<syn::Error>, error: syn::Error) {
    match errors {
        Some(existing) => existing.combine(error),
        None => *errors = Some(error),
    }
}

/// Splits the layer list into statements at each `;`. A `dense` or `input` keyword in the middle
/// of a statement starts a new one, with a "missing `;`" error, so that both lines are checked.
fn split_statements(body: TokenStream, errors: &mut Option<syn::Error>) -> Vec<TokenStream> {
    let mut statements = Vec::new();
    let mut current: Vec<TokenTree> = Vec::new();
    let missing_semicolon = |last: &TokenTree| {
        syn::Error::new(
            last.span(),
            "missing `;` after this: end every line of the layer list with `;`",
        )
    };
    for token in body {
        match &token {
            TokenTree::Punct(p) if p.as_char() == ';' => {
                if current.is_empty() {
                    push_error(
                        errors,
                        syn::Error::new(p.span(), "unexpected `;`: remove this empty line"),
                    );
                } else {
                    statements.push(current.drain(..).collect());
                }
            }
            TokenTree::Ident(ident)
                if !current.is_empty() && (ident == "dense" || ident == "input") =>
            {
                if let Some(last) = current.last() {
                    push_error(errors, missing_semicolon(last));
                }
                statements.push(current.drain(..).collect());
                current.push(token);
            }
            _ => current.push(token),
        }
    }
    if let Some(last) = current.last() {
        push_error(errors, missing_semicolon(last));
        statements.push(current.into_iter().collect());
    }
    statements
}

const LAYER_FORMS: &str = "a line is `input N;` or `dense N [activation] [(options)];`";

fn parse_statement(input: ParseStream) -> syn::Result<Statement> {
    let statement = if input.peek(kw::input) {
        Statement::Input {
            keyword: input.parse()?,
            size: parse_size(input, "input")?,
        }
    } else if input.peek(kw::dense) {
        Statement::Dense(input.parse()?)
    } else if input.peek(Ident) {
        let ident: Ident = input.parse()?;
        let hint = crate::suggest::did_you_mean(&ident.to_string(), &["dense", "input"]);
        return Err(syn::Error::new(
            ident.span(),
            format!(
                "unknown layer kind `{ident}`: the layer kinds are `dense` (after one `input` line){hint}"
            ),
        ));
    } else {
        return Err(input.error(format!("expected a layer: {LAYER_FORMS}")));
    };
    if !input.is_empty() {
        return Err(input.error(format!("unexpected token: {LAYER_FORMS}")));
    }
    Ok(statement)
}

impl Parse for DenseStmt {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let keyword: kw::dense = input.parse()?;
        let size = parse_size(input, "dense")?;
        let activation = if input.peek(Ident) {
            Some(input.parse()?)
        } else {
            None
        };
        let options = if input.peek(syn::token::Paren) {
            let content;
            syn::parenthesized!(content in input);
            content
                .parse_terminated(LayerOption::parse, Token![,])?
                .into_iter()
                .collect()
        } else {
            Vec::new()
        };
        if !input.is_empty() {
            return Err(input.error(
                "unexpected token: a dense layer is `dense UNITS [activation] [(option = value, ...)];`",
            ));
        }
        Ok(DenseStmt {
            keyword,
            size,
            activation,
            options,
        })
    }
}

impl Parse for LayerOption {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let name: Ident = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected an option: `init = ...`, `bias_init = ...` or `alpha = ...`",
            )
        })?;
        input.parse::<Token![=]>().map_err(|e| {
            syn::Error::new(
                e.span(),
                format!("expected `=` after `{name}`, e.g. `{name} = ...`"),
            )
        })?;
        let value = if input.peek(Ident) {
            OptionValue::Ident(input.parse()?)
        } else {
            let negative = input.parse::<Option<Token![-]>>()?.is_some();
            let lit: Lit = input
                .parse()
                .map_err(|e| syn::Error::new(e.span(), format!("expected a value for `{name}`")))?;
            OptionValue::Number { lit, negative }
        };
        Ok(LayerOption { name, value })
    }
}

/// The literal after `input` or `dense`; its value is checked in validation.
fn parse_size(input: ParseStream, keyword: &str) -> syn::Result<SizeLit> {
    let negative = input.parse::<Option<Token![-]>>()?.is_some();
    if input.peek(Lit) {
        return Ok(SizeLit {
            lit: input.parse()?,
            negative,
        });
    }
    let what = if keyword == "input" {
        "the number of inputs, e.g. `input 2;`"
    } else {
        "the number of units, e.g. `dense 10 relu;`"
    };
    Err(input.error(format!("expected {what}")))
}
