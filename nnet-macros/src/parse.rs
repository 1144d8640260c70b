//! Parsing: tokens to [`NetworkDef`], going on past mistakes in the layer list so that every one
//! of them is reported at once.

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use syn::parse::{Parse, ParseStream, Parser};
use syn::{Attribute, Ident, Lit, LitStr, Token, Visibility};

use crate::ast::{
    AxesLit, InputSize, LayerOption, LayerStmt, NetworkDef, OptionValue, ResidualStmt, SizeLit,
    Statement,
};
use crate::diagnostics::{closest, did_you_mean, one_of, push_error, word_list};
use crate::kw;
use nnet_kinds::{MAX_UNITS, Number};

use crate::model::lines::{activation_or, dense_line, size_text};
use crate::model::{KindWord, KindWords, kind_words};

const EXAMPLE: &str = "`pub struct Name { input 2; dense 1 sigmoid; }`";

impl Parse for NetworkDef {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut attrs = input.call(Attribute::parse_outer)?;
        let mut errors = None;
        let weights = crate::weights_attribute::take_attribute(&mut attrs, &mut errors);
        let scalar = crate::scalar::take_attribute(&mut attrs, &mut errors);
        let vis: Visibility = input.parse()?;
        parse_struct_keyword(input)?;
        let name: Ident = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected the network's name after `struct`, e.g. `struct Classifier { ... }`",
            )
        })?;

        // From here on the name is known, so every mistake is collected rather than returned:
        // the macro then still emits the stub of the struct, and code using the network sees
        // these errors and no "cannot find type".
        let (body, body_span) = layer_list(input, &mut errors);
        if !input.is_empty() {
            if body_span.is_some() {
                push_error(
                    &mut errors,
                    input.error(
                        "unexpected tokens after the layer list: `network!` declares one network; remove them or write another `network!`",
                    ),
                );
            }
            input.parse::<TokenStream>()?;
        }

        let mut def = NetworkDef {
            attrs,
            vis,
            body_span: body_span.unwrap_or_else(|| name.span()),
            name,
            statements: Vec::new(),
            weights,
            scalar,
            errors,
        };
        for chunk in split_statements(body, &mut def.errors) {
            match parse_statement.parse2(chunk.clone()) {
                Ok(statement) => def.statements.push(statement),
                Err(error) => {
                    push_error(&mut def.errors, error);
                    def.statements.extend(recovered_input(chunk));
                }
            }
        }
        Ok(def)
    }
}

/// `struct`, with a pointed message when it is missing before the name.
fn parse_struct_keyword(input: ParseStream) -> syn::Result<()> {
    if input.peek(Token![struct]) {
        input.parse::<Token![struct]>()?;
        return Ok(());
    }
    if input.peek(Ident) {
        let name: Ident = input.fork().parse()?;
        return Err(syn::Error::new(
            name.span(),
            format!("missing `struct` before the name: write `struct {name} {{ ... }}`"),
        ));
    }
    Err(input.error(format!("expected `struct`: write {EXAMPLE}")))
}

/// The layer list in `{ }` or `< >` and the span to report list-wide errors at; `None` when
/// there is no list (the error is recorded).
fn layer_list(input: ParseStream, errors: &mut Option<syn::Error>) -> (TokenStream, Option<Span>) {
    if input.peek(syn::token::Brace)
        && let Ok(TokenTree::Group(group)) = input.parse::<TokenTree>()
    {
        return (group.stream(), Some(group.span()));
    } else if input.peek(Token![<]) {
        return angle_body(input, errors);
    }
    push_error(
        errors,
        input.error(format!(
            "expected the layer list in `{{ }}` or `< >` after the name: write {EXAMPLE}"
        )),
    );
    (TokenStream::new(), None)
}

/// `< layers >`: the tokens up to the last `>`. Without a `>`, the error is recorded and the
/// tokens after `<` are still checked as the layer list.
fn angle_body(input: ParseStream, errors: &mut Option<syn::Error>) -> (TokenStream, Option<Span>) {
    let mut tokens: Vec<TokenTree> = Vec::new();
    while let Ok(token) = input.parse::<TokenTree>() {
        tokens.push(token);
    }
    // The first token is the `<` that `layer_list` peeked.
    let open = tokens.first().map_or_else(Span::call_site, TokenTree::span);
    let close = tokens
        .iter()
        .rposition(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == '>'))
        .filter(|&i| i > 0);
    let Some(close) = close else {
        push_error(
            errors,
            syn::Error::new(
                open,
                "this `<` is never closed: end the layer list with `>`",
            ),
        );
        return (tokens.into_iter().skip(1).collect(), Some(open));
    };
    if let Some(extra) = tokens.get(close + 1) {
        push_error(
            errors,
            syn::Error::new(
                extra.span(),
                "unexpected tokens after the layer list: `network!` declares one network; remove them or write another `network!`",
            ),
        );
    }
    let body = tokens[1..close].iter().cloned().collect();
    (body, Some(open))
}

/// Splits the layer list into statements at each `;`. A layer or `input` keyword in the middle
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
    let tokens: Vec<TokenTree> = body.into_iter().collect();
    // Set right after the `}` of a `residual` block, which ends its line: one `;` after it is
    // allowed.
    let mut after_block = false;
    for (i, token) in tokens.iter().enumerate() {
        // `activation = relu` inside a line is a misplaced option, not a new line.
        let before_equals =
            matches!(tokens.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == '=');
        let closed_block = std::mem::take(&mut after_block);
        match token {
            TokenTree::Punct(p) if p.as_char() == ';' && closed_block && current.is_empty() => {}
            TokenTree::Group(group)
                if group.delimiter() == Delimiter::Brace && starts_residual(&current) =>
            {
                current.push(token.clone());
                statements.push(current.drain(..).collect());
                after_block = true;
            }
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
                if !current.is_empty()
                    && !only_attributes(&current)
                    && !before_equals
                    && (ident == "input"
                        || ident == "residual"
                        || KindWord::from_word(&ident.to_string()).is_some()) =>
            {
                if let Some(last) = current.last() {
                    push_error(errors, missing_semicolon(last));
                }
                statements.push(current.drain(..).collect());
                current.push(token.clone());
            }
            _ => current.push(token.clone()),
        }
    }
    if let Some(first) = current.first()
        && only_attributes(&current)
    {
        push_error(
            errors,
            syn::Error::new(
                first.span(),
                "this doc comment documents no line: put it before a layer line, or write it as a `//` comment",
            ),
        );
    } else if let Some(last) = current.last() {
        push_error(errors, missing_semicolon(last));
        statements.push(current.into_iter().collect());
    }
    statements
}

/// Whether the line so far is `residual` or `residual (...)`, after any doc comments: a brace
/// group next holds the block's lines and ends the line.
fn starts_residual(tokens: &[TokenTree]) -> bool {
    let mut rest = tokens;
    while let [TokenTree::Punct(hash), TokenTree::Group(_), tail @ ..] = rest
        && hash.as_char() == '#'
    {
        rest = tail;
    }
    match rest {
        [TokenTree::Ident(keyword)] => keyword == "residual",
        [TokenTree::Ident(keyword), TokenTree::Group(group)] => {
            keyword == "residual" && group.delimiter() == Delimiter::Parenthesis
        }
        _ => false,
    }
}

/// Whether `tokens` are only attributes, `#[...]` each: the doc comments before a line, which
/// a keyword after them does not end.
fn only_attributes(tokens: &[TokenTree]) -> bool {
    tokens.chunks(2).all(|pair| {
        matches!(pair, [TokenTree::Punct(hash), TokenTree::Group(group)]
            if hash.as_char() == '#' && group.delimiter() == Delimiter::Bracket)
    })
}

/// An `input` line that failed to parse still declares the input, so that its one error is not
/// followed by "missing `input`" or, after a misspelt `sequence`, by "needs a sequence input".
/// The stand-in size is never used: the network has an error already.
fn recovered_input(chunk: TokenStream) -> Option<Statement> {
    let mut tokens = chunk.into_iter().peekable();
    // The doc comments before the line, `#` and `[...]` each.
    while matches!(tokens.peek(), Some(TokenTree::Punct(p)) if p.as_char() == '#') {
        tokens.next();
        tokens.next();
    }
    let Some(TokenTree::Ident(keyword)) = tokens.next() else {
        return None;
    };
    if keyword != "input" {
        return None;
    }
    // Taken as a sequence input whatever was written, so that recurrent layers raise no
    // error until the line is fixed.
    let sequence = match tokens.next() {
        Some(TokenTree::Ident(word)) => word,
        _ => keyword.clone(),
    };
    Some(Statement::Input {
        keyword: kw::input(keyword.span()),
        sequence: Some(sequence),
        size: InputSize::Length(SizeLit {
            lit: Lit::Int(syn::LitInt::new("1", keyword.span())),
            negative: false,
        }),
        recovered: true,
    })
}

/// A word after `input` that is not `sequence`: a misspelling of it, or a stray word.
fn not_sequence(input: ParseStream, word: &Ident) -> syn::Error {
    let fork = input.fork();
    let _ = fork.parse::<Ident>();
    let size = match fork.parse::<Lit>() {
        Ok(Lit::Int(int)) => int.base10_digits().to_owned(),
        _ => "2".to_owned(),
    };
    let message = if closest(&word.to_string(), &["sequence"]).is_some() {
        format!(
            "unknown word `{word}` after `input`; did you mean `sequence`? write `input sequence {size};`"
        )
    } else {
        format!(
            "unexpected `{word}`: the input line is `input N;` (one vector of N per sample) or `input sequence N;` (a sequence of them), e.g. `input sequence {size};`"
        )
    };
    syn::Error::new(word.span(), message)
}

/// The forms of the input line, before those of the kinds in [`layer_forms`].
const INPUT_FORMS: [&str; 4] = [
    "input N",
    "input sequence N",
    "input (steps, channels)",
    "input (height, width, channels)",
];

/// "a line is `input N;`, …, `dense N [activation] [(options)];`, … or `flatten;`": the input
/// line's forms and every kind's, as declared.
fn layer_forms() -> String {
    let forms: Vec<String> = INPUT_FORMS
        .iter()
        .copied()
        .chain(KindWord::ALL.iter().map(|k| k.decl().form))
        .map(|form| format!("{form};"))
        .collect();
    let forms: Vec<&str> = forms.iter().map(String::as_str).collect();
    format!("a line is {}", one_of(&forms))
}

const DENSE_FORM: &str =
    "a dense layer is `dense UNITS [activation] [(option = value, ...)];`, e.g. `dense 10 relu;`";

fn parse_statement(input: ParseStream) -> syn::Result<Statement> {
    let docs = line_docs(input)?;
    let statement = if input.peek(kw::input) {
        if let Some(doc) = docs.first() {
            return Err(syn::Error::new_spanned(
                doc,
                "a doc comment on the `input` line has no field to document: put it above `struct` to document the network, or write it as a `//` comment",
            ));
        }
        let keyword: kw::input = input.parse()?;
        let sequence = if input.peek(Ident) {
            let word: Ident = input.fork().parse()?;
            if word != "sequence" {
                return Err(not_sequence(input, &word));
            }
            Some(input.parse::<Ident>()?)
        } else {
            None
        };
        let size = match &sequence {
            Some(word) if input.peek(syn::token::Paren) => return Err(sequence_shape(input, word)),
            Some(word) => InputSize::Length(parse_size(input, word.span(), "input sequence")?),
            None if input.peek(syn::token::Paren) => parse_axes(input)?,
            None => InputSize::Length(parse_size(input, keyword.span, "input")?),
        };
        Statement::Input {
            keyword,
            sequence,
            size,
            recovered: false,
        }
    } else if input.peek(Ident) && input.fork().parse::<Ident>()? == "residual" {
        Statement::Residual(parse_residual(input, docs)?)
    } else if input.peek(Ident) {
        let ident: Ident = input.fork().parse()?;
        let word = ident.to_string();
        if KindWord::from_word(&word).is_none() {
            return Err(unknown_kind(&ident));
        }
        let mut line: LayerStmt = input.parse()?;
        line.docs = docs;
        Statement::Layer(line)
    } else {
        return Err(unexpected(
            input,
            &format!("expected a layer: {}", layer_forms()),
        ));
    };
    if !input.is_empty() {
        return Err(unexpected(input, &layer_forms()));
    }
    Ok(statement)
}

/// The `///` doc comments before a line (`#[doc = "..."]` to the macro); any other attribute
/// is refused, as a layer line has nothing for it to act on.
fn line_docs(input: ParseStream) -> syn::Result<Vec<Attribute>> {
    let attrs = input.call(Attribute::parse_outer)?;
    if let Some(other) = attrs.iter().find(|a| !a.path().is_ident("doc")) {
        return Err(syn::Error::new_spanned(
            other,
            "only doc comments (`///`) can go before a layer line: attributes go above `struct`, on the network",
        ));
    }
    Ok(attrs)
}

/// "unknown layer kind", with a "did you mean" and, for the recurrent kinds, what they need.
fn unknown_kind(ident: &Ident) -> syn::Error {
    let word = ident.to_string();
    let mut words = kind_words();
    words.push("input");
    words.push("residual");
    let hint = did_you_mean(&word, &words);
    syn::Error::new(
        ident.span(),
        format!("unknown layer kind `{word}`{hint}\n{}", layer_forms()),
    )
}

impl Parse for LayerStmt {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let keyword: Ident = input.parse()?;
        let dense = keyword == "dense";
        let kind = KindWord::from_word(&keyword.to_string());
        let recurrent = kind.is_some_and(KindWord::is_recurrent);
        let number = kind.map(|k| k.decl().number);
        let windowed = number.is_some_and(|n| n.kernel_axes() > 0);
        let size = match number {
            Some(Number::Units | Number::Filters { .. }) => {
                Some(parse_size(input, keyword.span(), &keyword.to_string())?)
            }
            Some(Number::Kernel { .. }) => None,
            _ if input.peek(Lit) || input.peek(Token![-]) => Some(parse_number(input)?),
            _ => None,
        };
        let kernel = if windowed {
            Some(parse_kernel(input, &keyword, size.as_ref())?)
        } else {
            None
        };
        if dense && let Some(size) = &size {
            unparenthesized_option(input, size, None)?;
        }
        if input.peek(LitStr) {
            let quoted: LitStr = input.parse()?;
            return Err(syn::Error::new(
                quoted.span(),
                format!(
                    "write the activation as a name, without quotes: `{}`",
                    quoted.value()
                ),
            ));
        }
        let activation: Option<Ident> = if input.peek(Ident) && !input.peek2(Token![=]) {
            Some(input.parse()?)
        } else {
            None
        };
        if dense && let Some(size) = &size {
            unparenthesized_option(input, size, activation.as_ref())?;
        }
        if recurrent && let Some(size) = &size {
            recurrent_unparenthesized_option(input, &keyword, size, activation.as_ref())?;
        }
        if let Some(kernel) = &kernel {
            kernel_unparenthesized_option(input, &keyword, size.as_ref(), kernel, &activation)?;
        }
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
            let form = match kind {
                _ if dense => DENSE_FORM.to_owned(),
                Some(kind) if windowed => format!(
                    "a `{}` line is `{};`, e.g. `{}`",
                    kind.name(),
                    kind.decl().form,
                    kind.decl().example
                ),
                _ => layer_forms(),
            };
            return Err(unexpected(input, &form));
        }
        Ok(LayerStmt {
            docs: Vec::new(),
            keyword,
            size,
            kernel,
            activation,
            options,
        })
    }
}

/// A number as written, with its sign: a negative one carries the span of its `-` (see
/// [`parse_size`]).
fn parse_number(input: ParseStream) -> syn::Result<SizeLit> {
    let minus = input.parse::<Option<Token![-]>>()?;
    let mut lit: Lit = input.parse()?;
    if let Some(minus) = &minus {
        lit.set_span(minus.span);
    }
    Ok(SizeLit {
        lit,
        negative: minus.is_some(),
    })
}

/// The kernel (or pool size) of a convolution or pooling line, after its filters: one number
/// for every axis, or a tuple of one per axis, `(10, 4)`. Parentheses that hold options rather
/// than numbers are no kernel: the kernel is then missing.
fn parse_kernel(
    input: ParseStream,
    keyword: &Ident,
    filters: Option<&SizeLit>,
) -> syn::Result<AxesLit> {
    if input.peek(Lit) || input.peek(Token![-]) {
        let item = parse_number(input)?;
        return Ok(AxesLit {
            items: vec![item],
            parens: None,
        });
    }
    if input.peek(syn::token::Paren) && holds_numbers(input) {
        return parse_tuple(input);
    }
    let kind = KindWord::from_word(&keyword.to_string());
    let example = kind.map_or("", |k| k.decl().example);
    let pooling = kind.is_some_and(|k| k.decl().tensors.is_empty());
    let what = if pooling {
        "the pool size"
    } else {
        "the kernel size"
    };
    let after = match filters {
        Some(filters) => format!("`{keyword} {}`", size_text(filters)),
        None => format!("`{keyword}`"),
    };
    let axes = kind.map_or(1, |k| k.decl().number.kernel_axes());
    let form = if axes == 2 {
        " (one number for both axes, or `(rows, columns)`)"
    } else {
        ""
    };
    let message = format!("expected {what} after {after}{form}, e.g. `{example}`");
    if input.is_empty() {
        return Err(syn::Error::new(keyword.span(), message));
    }
    Err(unexpected(input, &message))
}

/// Whether the parentheses next in `input` hold numbers (a tuple of them, or nothing), not
/// options.
fn holds_numbers(input: ParseStream) -> bool {
    let Ok(TokenTree::Group(group)) = input.fork().parse::<TokenTree>() else {
        return false;
    };
    match group.stream().into_iter().next() {
        None | Some(TokenTree::Literal(_)) => true,
        Some(TokenTree::Punct(p)) => p.as_char() == '-',
        _ => false,
    }
}

/// `(a, b)`: numbers, one per axis, their values and count checked in validation.
fn parse_tuple(input: ParseStream) -> syn::Result<AxesLit> {
    let content;
    let parens = syn::parenthesized!(content in input);
    let mut items = Vec::new();
    while !content.is_empty() {
        if !(content.peek(Lit) || content.peek(Token![-])) {
            return Err(unexpected(
                &content,
                "expected whole numbers, one per axis, e.g. `(3, 3)`",
            ));
        }
        items.push(parse_number(&content)?);
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>().map_err(|e| {
            syn::Error::new(e.span(), "expected `,` between the axes, e.g. `(3, 3)`")
        })?;
    }
    if items.is_empty() {
        return Err(syn::Error::new(
            parens.span.join(),
            "`()` holds no numbers: write one per axis, e.g. `(3, 3)`, or one for every axis, `3`",
        ));
    }
    Ok(AxesLit {
        items,
        parens: Some(parens.span.join()),
    })
}

/// `conv2d 64 3 relu strides = 2;`: options written without their parentheses after the
/// kernel (and activation) of a convolution or pooling line.
fn kernel_unparenthesized_option(
    input: ParseStream,
    keyword: &Ident,
    filters: Option<&SizeLit>,
    kernel: &AxesLit,
    activation: &Option<Ident>,
) -> syn::Result<()> {
    if !(input.peek(Ident) && input.peek2(Token![=])) {
        return Ok(());
    }
    let name: Ident = input.fork().parse()?;
    let fork = input.fork();
    fork.parse::<Ident>()?;
    fork.parse::<Token![=]>()?;
    let value = value_text(&fork);
    let filters = filters
        .map(|f| format!(" {}", size_text(f)))
        .unwrap_or_default();
    let activation = activation
        .as_ref()
        .map(|a| format!(" {a}"))
        .unwrap_or_default();
    Err(syn::Error::new(
        name.span(),
        format!(
            "options go in parentheses after the kernel: write `{keyword}{filters} {}{activation} ({name} = {value});`",
            axes_text(kernel)
        ),
    ))
}

/// A kernel or tuple as written: `3`, `(10, 4)`.
pub(crate) fn axes_text(axes: &AxesLit) -> String {
    let items: Vec<String> = axes
        .items
        .iter()
        .map(|item| {
            let minus = if item.negative { "-" } else { "" };
            format!("{minus}{}", quote::ToTokens::to_token_stream(&item.lit))
        })
        .collect();
    match axes.parens {
        Some(_) => format!("({})", items.join(", ")),
        None => items.join(", "),
    }
}

/// `dense 10 relu init = uniform;`: options written without their parentheses, and Keras's
/// `activation = relu`, which is no option here. The message shows the whole line as it should
/// be written, with the user's size, activation and value.
fn unparenthesized_option(
    input: ParseStream,
    size: &SizeLit,
    activation: Option<&Ident>,
) -> syn::Result<()> {
    if !(input.peek(Ident) && input.peek2(Token![=])) {
        return Ok(());
    }
    let fork = input.fork();
    let name: Ident = fork.parse()?;
    fork.parse::<Token![=]>()?;
    let value = value_text(&fork);
    let size = size_text(size);
    let message = if name == "activation" {
        let activation = activation_or(&value, "relu");
        format!(
            "the activation is written after the size, without `activation =`: write `dense {size} {activation};`"
        )
    } else {
        let line = dense_line(&size, activation, &name.to_string(), &value);
        if KindWord::Dense.takes_option(&name.to_string()) {
            format!("options go in parentheses after the activation: write `{line}`")
        } else {
            format!(
                "unknown option `{name}`; options go in parentheses after the activation, e.g. `{line}`\nthe options of `dense` are {}",
                word_list(&KindWord::Dense.option_names())
            )
        }
    };
    Err(syn::Error::new(name.span(), message))
}

/// `gru 16 return_sequences = true;`: options written without their parentheses after the
/// units (and activation) of a recurrent layer.
fn recurrent_unparenthesized_option(
    input: ParseStream,
    keyword: &Ident,
    size: &SizeLit,
    activation: Option<&Ident>,
) -> syn::Result<()> {
    if !(input.peek(Ident) && input.peek2(Token![=])) {
        return Ok(());
    }
    let name: Ident = input.fork().parse()?;
    let fork = input.fork();
    fork.parse::<Ident>()?;
    fork.parse::<Token![=]>()?;
    let value = value_text(&fork);
    let activation = activation.map(|a| format!(" {a}")).unwrap_or_default();
    Err(syn::Error::new(
        name.span(),
        format!(
            "options go in parentheses after the number of units: write `{keyword} {}{activation} ({name} = {value});`",
            size_text(size)
        ),
    ))
}

/// The tokens left in `input`, as written (`-1.0`, `uniform`), for messages.
fn value_text(input: ParseStream) -> String {
    let mut text = String::new();
    let mut cursor = input.cursor();
    while let Some((token, next)) = cursor.token_tree() {
        text.push_str(&token.to_string());
        cursor = next;
    }
    text
}

/// "unexpected `token`: {what}", spanned on the next token.
fn unexpected(input: ParseStream, what: &str) -> syn::Error {
    let Some((token, _)) = input.cursor().token_tree() else {
        return input.error(what);
    };
    let text = match &token {
        TokenTree::Group(group) => match group.delimiter() {
            Delimiter::Parenthesis => "( ... )".to_owned(),
            Delimiter::Bracket => "[ ... ]".to_owned(),
            Delimiter::Brace => "{ ... }".to_owned(),
            Delimiter::None => group.stream().to_string(),
        },
        other => other.to_string(),
    };
    syn::Error::new(token.span(), format!("unexpected `{text}`: {what}"))
}

impl Parse for LayerOption {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let name: Ident = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected an option, `name = value`: e.g. `init = he_uniform` on `dense`, `momentum = 0.9` on `batch_norm`",
            )
        })?;
        // `return_sequences` alone stands for `return_sequences = true`.
        if name != "return_sequences"
            && !input.peek(Token![=])
            && closest(&name.to_string(), &["return_sequences"]).is_some()
        {
            return Err(syn::Error::new(
                name.span(),
                format!(
                    "unknown option `{name}`; did you mean `return_sequences`? write `(return_sequences)`"
                ),
            ));
        }
        if name == "return_sequences" && !input.peek(Token![=]) {
            let value = OptionValue::Number {
                lit: Lit::Bool(syn::LitBool::new(true, name.span())),
                negative: false,
            };
            return Ok(LayerOption { name, value });
        }
        input.parse::<Token![=]>().map_err(|e| {
            syn::Error::new(
                e.span(),
                format!("expected `=` after `{name}`, e.g. `{name} = ...`"),
            )
        })?;
        let value = if input.peek(Ident) {
            OptionValue::Ident(input.parse()?)
        } else if input.peek(syn::token::Paren) {
            OptionValue::Tuple(parse_tuple(input)?)
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
fn parse_size(input: ParseStream, keyword_span: Span, keyword: &str) -> syn::Result<SizeLit> {
    let minus = input.parse::<Option<Token![-]>>()?;
    if input.peek(Lit) {
        let mut lit: Lit = input.parse()?;
        // A negative size is an error whose offending token is the `-`; the literal is never
        // used past validation, so it carries the `-`'s span for that error.
        if let Some(minus) = &minus {
            lit.set_span(minus.span);
        }
        return Ok(SizeLit {
            lit,
            negative: minus.is_some(),
        });
    }
    let (what, example) = match keyword {
        "input sequence" => (
            "the number of features per step",
            "`input sequence 2;`".to_owned(),
        ),
        "input" => (
            "the number of inputs",
            "`input 2;` or `input sequence 2;`".to_owned(),
        ),
        // A kind's example line, as declared: `dense 10 relu;`, `gru 16;`.
        _ if KindWord::from_word(keyword)
            .is_some_and(|k| matches!(k.decl().number, Number::Filters { .. })) =>
        {
            (
                "the number of filters",
                KindWord::from_word(keyword)
                    .map_or_else(String::new, |k| format!("`{}`", k.decl().example)),
            )
        }
        _ => (
            "the number of units",
            KindWord::from_word(keyword).map_or_else(
                || format!("`{keyword} 16;`"),
                |k| format!("`{}`", k.decl().example),
            ),
        ),
    };
    if input.is_empty() {
        // At the end of the line syn would point at the whole macro call; point at the keyword.
        return Err(syn::Error::new(
            keyword_span,
            format!("expected {what} after `{keyword}`, e.g. {example}"),
        ));
    }
    Err(unexpected(
        input,
        &format!("expected {what}, e.g. {example}"),
    ))
}

/// The most axes a shape has: `(height, width, channels)`.
const MAX_AXES: usize = 3;

/// `(a, b, c)` after `input`: one to three literals, channels last; their values are checked in
/// validation.
fn parse_axes(input: ParseStream) -> syn::Result<InputSize> {
    let content;
    let parens = syn::parenthesized!(content in input);
    let mut axes = Vec::new();
    while !content.is_empty() {
        let minus = content.parse::<Option<Token![-]>>()?;
        if !content.peek(Lit) {
            return Err(unexpected(
                &content,
                "expected the number of values along each axis, channels last, e.g. `input (28, 28, 1);` for an image or `input (10, 3);` for 10 steps of 3 channels",
            ));
        }
        let mut lit: Lit = content.parse()?;
        // As in `parse_size`: a negative axis is reported at its `-`.
        if let Some(minus) = &minus {
            lit.set_span(minus.span);
        }
        if axes.len() == MAX_AXES {
            return Err(syn::Error::new(
                lit.span(),
                "a shape has at most 3 axes, `(height, width, channels)`: write e.g. `input (28, 28, 1);`, with any further axes folded into the others",
            ));
        }
        axes.push(SizeLit {
            lit,
            negative: minus.is_some(),
        });
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected `,` between the axes, e.g. `input (28, 28, 1);`",
            )
        })?;
    }
    if axes.is_empty() {
        return Err(syn::Error::new(
            parens.span.join(),
            "`input ()` has no axes: write the number of values along each axis, channels last, e.g. `input (10, 3);` for 10 steps of 3 channels, or `input 3;` for one vector of 3",
        ));
    }
    Ok(InputSize::Axes {
        parens: parens.span.join(),
        axes,
    })
}

/// `input sequence (…)`: a sequence has any number of steps, so it takes the values of one
/// step, not a shape.
fn sequence_shape(input: ParseStream, sequence: &Ident) -> syn::Error {
    // The last axis written, as the values per step of the suggestion.
    let group = input.fork().parse::<TokenTree>().ok();
    let last = match &group {
        Some(TokenTree::Group(group)) => group
            .stream()
            .into_iter()
            .filter_map(|t| match t {
                TokenTree::Literal(lit) => {
                    let text = lit.to_string();
                    text.parse::<usize>()
                        .ok()
                        .filter(|n| (1..=MAX_UNITS).contains(n))
                        .map(|_| text)
                }
                _ => None,
            })
            .last(),
        _ => None,
    };
    let last = last.unwrap_or_else(|| "3".to_owned());
    let span = group.map_or(sequence.span(), |t| t.span());
    syn::Error::new(
        span,
        format!(
            "a sequence has any number of steps, so `input sequence` takes the values of one step, not a shape: write `input sequence {last};`, or `input (10, {last});` for a fixed number of steps (10 here)"
        ),
    )
}

/// The forms of a `residual` line.
const RESIDUAL_FORM: &str = "a residual block is `residual { layer; layer; ... }` (output = input + block(input)) or `residual (project) { ... }` (the input through a trainable projection to the block's output shape)";

/// `residual [(project)] { lines }`, each line of the block parsed as the network's are (an
/// `input` line is refused), its errors collected.
fn parse_residual(input: ParseStream, docs: Vec<Attribute>) -> syn::Result<ResidualStmt> {
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
