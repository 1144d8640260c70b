//! The pieces every part of the expansion writes: the path to `nnet_core`, literals, the
//! generated types' names, the scalar and the input and output vectors, a layer's `Layer<..>`
//! arguments.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use nnet_kinds::Shape;

use crate::model::{Layer, Model};

/// `::nnet::__private`, the one path generated code reaches its dependencies through.
pub(super) fn private() -> TokenStream {
    quote!(::nnet::__private)
}

pub(super) fn lit(n: usize) -> Literal {
    Literal::usize_unsuffixed(n)
}

/// The names of the generated types.
pub(super) struct Names {
    pub name: Ident,
    pub gradients: Ident,
    pub trace: Ident,
}

pub(super) fn names(model: &Model) -> Names {
    let name = model.def.name.clone();
    Names {
        gradients: format_ident!("{}Gradients", name),
        trace: format_ident!("{}Trace", name),
        name,
    }
}

/// `#[derive(Clone, Debug, PartialEq)]`, as absolute paths.
pub(super) fn derive() -> TokenStream {
    quote!(#[derive(::core::clone::Clone, ::core::fmt::Debug, ::core::cmp::PartialEq)])
}

/// `IN, OUT` of the layer's `Layer<IN, OUT>` implementation.
pub(super) fn layer_trait(layer: &Layer) -> TokenStream {
    let (inputs, units, scalar) = (lit(layer.inputs), lit(layer.units), layer.scalar.tokens());
    quote!(#inputs, #units, #scalar)
}

/// `IN, OUT` of a layer, for the const arguments of a generic function.
pub(super) fn layer_dims(layer: &Layer) -> TokenStream {
    let (inputs, units) = (lit(layer.inputs), lit(layer.units));
    quote!(#inputs, #units)
}

/// The network's scalar type, `::core::primitive::f32` unless `#[scalar = f64]`.
pub(super) fn scalar(model: &Model) -> TokenStream {
    model.def.scalar.tokens()
}

/// The trace's `z{k}` and `a{k}` of the layer at `position` (from 0).
pub(super) fn trace_names(position: usize) -> (Ident, Ident) {
    (
        format_ident!("z{}", position + 1),
        format_ident!("a{}", position + 1),
    )
}

/// `Shape::Vector(10)`, `Shape::Image { height: 8, width: 8, channels: 3 }`, … as a const
/// expression of `nnet::Shape`.
pub(super) fn shape(shape: Shape) -> TokenStream {
    let p = private();
    match shape {
        Shape::Vector(n) => {
            let n = lit(n);
            quote!(#p::Shape::Vector(#n))
        }
        Shape::Sequence(n) => {
            let n = lit(n);
            quote!(#p::Shape::Sequence(#n))
        }
        Shape::Steps { steps, channels } => {
            let (steps, channels) = (lit(steps), lit(channels));
            quote!(#p::Shape::Steps { steps: #steps, channels: #channels })
        }
        Shape::Image {
            height,
            width,
            channels,
        } => {
            let (height, width, channels) = (lit(height), lit(width), lit(channels));
            quote!(#p::Shape::Image { height: #height, width: #width, channels: #channels })
        }
    }
}

/// The input vector, `SVector<scalar, INPUTS>`.
pub(super) fn in_vec(model: &Model) -> TokenStream {
    let p = private();
    let inputs = lit(model.inputs);
    let scalar = scalar(model);
    quote!(#p::nalgebra::SVector<#scalar, #inputs>)
}

/// The output vector, `SVector<scalar, OUTPUTS>`.
pub(super) fn out_vec(model: &Model) -> TokenStream {
    let p = private();
    let outputs = lit(model.outputs());
    let scalar = scalar(model);
    quote!(#p::nalgebra::SVector<#scalar, #outputs>)
}
