//! The syntax tree of a `network!` invocation, as written, before any meaning is checked.

use proc_macro2::Span;
use syn::{Attribute, Ident, Lit, LitStr, Visibility};

use crate::kw;

/// `#[attrs] vis struct Name { statements }`.
pub(crate) struct NetworkDef {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub name: Ident,
    /// Span of the layer list's delimiters, for "missing `input`" and "no layers".
    pub body_span: Span,
    pub statements: Vec<Statement>,
    /// The path of `#[weights = "..."]`: a safetensors file to bake into the code.
    pub weights: Option<LitStr>,
    /// The scalar of `#[scalar = …]`, `f32` without one.
    pub scalar: crate::scalar::ScalarKind,
    /// Syntax errors found in the layer list; parsing went on past them.
    pub errors: Option<syn::Error>,
}

/// One `;`-terminated line of the layer list.
pub(crate) enum Statement {
    /// `input N;`, `input (a, ...);` or `input sequence N;`
    Input {
        keyword: kw::input,
        /// The `sequence` of `input sequence N;`.
        sequence: Option<Ident>,
        size: InputSize,
        /// Set on the stand-in for an `input` line that failed to parse: its kind of shape is a
        /// guess, so the rules about the kind of shape a layer reads stay silent.
        recovered: bool,
    },
    /// `KIND [number] [activation] [(options)];`: `dense 10 relu;`, `dropout 0.5;`, …
    Layer(LayerStmt),
    /// `residual [(project)] { lines }`: output = input + block(input).
    Residual(ResidualStmt),
}

/// `residual { … }` or `residual (project) { … }`, its lines parsed as the network's are.
pub(crate) struct ResidualStmt {
    /// The `///` doc comments before the line, which document the projection's field.
    pub docs: Vec<Attribute>,
    /// The `residual` keyword, where errors about the block as a whole point.
    pub keyword: Ident,
    /// The `project` of `residual (project)`.
    pub project: Option<Ident>,
    /// The braces around the block's lines.
    pub braces: Span,
    pub body: Vec<Statement>,
}

impl Statement {
    /// The layer lines of `statements` in source order, those inside `residual` blocks included.
    pub(crate) fn layer_lines(statements: &[Statement]) -> Vec<&LayerStmt> {
        let mut lines = Vec::new();
        for statement in statements {
            match statement {
                Statement::Layer(line) => lines.push(line),
                Statement::Residual(block) => lines.extend(Statement::layer_lines(&block.body)),
                Statement::Input { .. } => {}
            }
        }
        lines
    }

    /// The `residual` lines of `statements` in the source order of their keywords (the order
    /// of their ordinals), nested ones included.
    pub(crate) fn residual_lines(statements: &[Statement]) -> Vec<&ResidualStmt> {
        let mut lines = Vec::new();
        for statement in statements {
            if let Statement::Residual(block) = statement {
                lines.push(block);
                lines.extend(Statement::residual_lines(&block.body));
            }
        }
        lines
    }
}

/// `KIND [number] [activation] [(options)];`; which parts a kind needs is checked later.
pub(crate) struct LayerStmt {
    /// The `///` doc comments before the line, which document the layer's field.
    pub docs: Vec<Attribute>,
    /// The kind's word, one of [`KindWord`](crate::model::KindWord)'s.
    pub keyword: Ident,
    /// The number after the keyword: units of `dense`, rate of `dropout`, filters of `conv2d`.
    pub size: Option<SizeLit>,
    /// The kernel (or pool size) of a convolution or pooling line: `3`, `(10, 4)`.
    pub kernel: Option<AxesLit>,
    pub activation: Option<Ident>,
    pub options: Vec<LayerOption>,
}

impl LayerStmt {
    /// The span of the line's number, or of its keyword when it has none: where an error about
    /// the layer's size points.
    pub(crate) fn size_span(&self) -> Span {
        self.size
            .as_ref()
            .map_or(self.keyword.span(), |s| s.lit.span())
    }

    /// The span of the line's activation, or of its keyword when it has none.
    pub(crate) fn activation_span(&self) -> Span {
        self.activation
            .as_ref()
            .map_or(self.keyword.span(), Ident::span)
    }
}

/// What follows `input` (and `sequence`).
pub(crate) enum InputSize {
    /// `N` of `input N;` and `input sequence N;`.
    Length(SizeLit),
    /// `(a, b, c)`: one to three axes, channels last (the parser refuses none or more).
    Axes {
        /// The parentheses, for errors about the shape as a whole.
        parens: Span,
        axes: Vec<SizeLit>,
    },
}

/// One number for every axis of a window, or a tuple of one per axis: the kernel `3` or
/// `(10, 4)` of `conv2d 64 (10, 4)`, the value of `strides = (2, 1)`. Whether the numbers are
/// valid, and as many as the kind's axes, is checked later.
pub(crate) struct AxesLit {
    /// The numbers as written: one, or the tuple's.
    pub items: Vec<SizeLit>,
    /// The parentheses of a tuple; `None` for one number.
    pub parens: Option<Span>,
}

impl AxesLit {
    /// The tuple's parentheses, or the one number: where an error about the whole points.
    pub(crate) fn span(&self) -> Span {
        match (self.parens, self.items.first()) {
            (Some(parens), _) => parens,
            (None, Some(first)) => first.lit.span(),
            (None, None) => Span::call_site(),
        }
    }
}

/// The literal where a size belongs; whether it is a valid size is checked later.
pub(crate) struct SizeLit {
    pub lit: Lit,
    /// Set when the literal was written with a leading `-`.
    pub negative: bool,
}

/// `name = value` inside a layer's parentheses.
pub(crate) struct LayerOption {
    pub name: Ident,
    pub value: OptionValue,
}

/// The right-hand side of an option.
pub(crate) enum OptionValue {
    /// An initializer name, e.g. `uniform`.
    Ident(Ident),
    /// A number, e.g. `0.2` or `-1`.
    Number { lit: Lit, negative: bool },
    /// A tuple of numbers, one per axis: `(2, 1)`.
    Tuple(AxesLit),
}

impl OptionValue {
    pub(crate) fn span(&self) -> Span {
        match self {
            OptionValue::Ident(ident) => ident.span(),
            OptionValue::Number { lit, .. } => lit.span(),
            OptionValue::Tuple(axes) => axes.span(),
        }
    }
}
