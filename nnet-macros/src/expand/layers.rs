//! The one place that knows the kinds: each layer's `nnet_core` type, gradient type and
//! constructors. The rest of the expansion composes layers through the `Layer` trait only.
//!
//! On a fixed shape, a layer on the last axis (dense, batch and layer normalization, softmax) is
//! its layer of one position's channels inside `Positionwise`: the *inner* type, built by the
//! same code as on a vector, with one position's dimensions.

use proc_macro2::TokenStream;
use quote::quote;

use super::tokens::{layer_trait, lit, private};
use crate::model::{Activation, Conv, Decimal, Kind, KindWord, KindWords, Layer};
use crate::scalar::ScalarKind;

/// The layer's `nnet_core` type, with its const shapes and storage.
pub(super) fn layer_type(layer: &Layer) -> TokenStream {
    layer_path(layer, quote!())
}

/// [`layer_type`] as an expression path, `Dense::<..>`, for struct expressions.
pub(super) fn layer_expr_type(layer: &Layer) -> TokenStream {
    layer_path(layer, quote!(::))
}

/// The type of the layer inside `Positionwise` (the layer's own type when it is not
/// position-wise), as an expression path.
pub(super) fn inner_expr_type(layer: &Layer) -> TokenStream {
    inner_path(layer, quote!(::))
}

/// `Positionwise<Inner, POSITIONS, CIN, COUT, IN, OUT>` around the inner type of a position-wise
/// layer; the inner type alone otherwise.
fn layer_path(layer: &Layer, sep: TokenStream) -> TokenStream {
    if !layer.is_positionwise() {
        return inner_path(layer, sep);
    }
    let p = private();
    let inner = inner_path(layer, quote!());
    let (channels_in, channels_out) = layer.inner_dims();
    let (positions, channels_in, channels_out) =
        (lit(layer.positions()), lit(channels_in), lit(channels_out));
    let (inputs, units) = (lit(layer.inputs), lit(layer.units));
    quote!(#p::layer::Positionwise #sep <#inner, #positions, #channels_in, #channels_out, #inputs, #units>)
}

/// The layer's type on one position's channels (on the flat values when it is not
/// position-wise).
fn inner_path(layer: &Layer, sep: TokenStream) -> TokenStream {
    let p = private();
    let (inputs, units) = layer.inner_dims();
    let (inputs, units) = (lit(inputs), lit(units));
    let vector = inner_vector_type(layer);
    match &layer.kind {
        Kind::Dense {
            activation,
            use_bias,
            ..
        } => {
            let activation = activation_type(*activation, layer.scalar);
            let storage = storage_type(layer);
            let explicit =
                layer.boxed || layer.heap_layer_vectors || layer.scalar != ScalarKind::F32;
            match (*use_bias, explicit) {
                // The default storage: inline matrix and vector.
                (true, false) => quote!(#p::Dense #sep <#inputs, #units, #activation>),
                (true, true) => {
                    quote!(#p::Dense #sep <#inputs, #units, #activation, #storage, #vector>)
                }
                (false, _) => {
                    quote!(#p::Dense #sep <#inputs, #units, #activation, #storage, #vector, false>)
                }
            }
        }
        Kind::Activation(activation) => {
            let activation = activation_type(*activation, layer.scalar);
            quote!(#p::layer::ActivationLayer #sep <#units, #activation>)
        }
        Kind::Dropout { .. } => quote!(#p::layer::Dropout #sep <#units>),
        Kind::BatchNorm { .. } if !layer.heap_layer_vectors && layer.scalar == ScalarKind::F32 => {
            quote!(#p::layer::BatchNorm #sep <#units>)
        }
        Kind::BatchNorm { .. } => quote!(#p::layer::BatchNorm #sep <#units, #vector>),
        Kind::LayerNorm { .. } if !layer.heap_layer_vectors && layer.scalar == ScalarKind::F32 => {
            quote!(#p::layer::LayerNorm #sep <#units>)
        }
        Kind::LayerNorm { .. } => quote!(#p::layer::LayerNorm #sep <#units, #vector>),
        Kind::Recurrent {
            word, activation, ..
        } => {
            // Past the network's inline budget, the weights live on the heap.
            let (gates, biases) = (lit(word.gates()), lit(word.decl().bias_rows()));
            let scalar = layer.scalar.tokens();
            // Past `INLINE_UNITS` units, the state and a step's buffers too (`LargeRecurrentWeights`
            // selects the layers that keep them on the heap).
            let storage = if layer.heap_vectors && layer.scalar == ScalarKind::F32 {
                Some(quote!(, #p::layer::LargeRecurrentWeights<#inputs, #units, #gates, #biases>))
            } else if layer.heap_vectors {
                Some(
                    quote!(, #p::layer::LargeRecurrentWeights<#inputs, #units, #gates, #biases, #scalar>),
                )
            } else if layer.boxed && layer.scalar == ScalarKind::F32 {
                Some(quote!(, #p::layer::HeapRecurrentWeights<#inputs, #units, #gates, #biases>))
            } else if layer.boxed {
                Some(
                    quote!(, #p::layer::HeapRecurrentWeights<#inputs, #units, #gates, #biases, #scalar>),
                )
            } else if layer.scalar != ScalarKind::F32 {
                Some(
                    quote!(, #p::layer::RecurrentWeights<#inputs, #units, #gates, #biases, #scalar>),
                )
            } else {
                None
            };
            // The `nnet_core::layer` type of the kind's name, with the activation of a kind
            // that takes one (`SimpleRnn<IN, UNITS, Tanh>`).
            let ty = word.ident();
            let activation = activation.map(|activation| {
                let activation = activation_type(activation, layer.scalar);
                quote!(, #activation)
            });
            quote!(#p::layer::#ty #sep <#inputs, #units #activation #storage>)
        }
        Kind::Flatten => quote!(#p::layer::Flatten #sep <#units>),
        Kind::Conv(conv) if layer.is_streamed_conv() => {
            // `CausalConv1d<C, F, K, HIST, ..>`: `inputs` and `units` are its `K` and `F`.
            let (channels, history) = (lit(layer.input.channels()), lit(layer.history()));
            let activation = activation_type(conv.activation, layer.scalar);
            let (storage, bias) = (storage_type(layer), conv.use_bias);
            quote!(#p::layer::CausalConv1d #sep <#channels, #units, #inputs, #history, #activation, #storage, #vector, #bias>)
        }
        Kind::Conv(conv) => {
            let (flat_in, flat_out) = (lit(layer.inputs), lit(layer.units));
            let activation = activation_type(conv.activation, layer.scalar);
            let (storage, bias) = (storage_type(layer), conv.use_bias);
            let kind = mode_type(layer);
            quote!(#p::layer::Conv #sep <#flat_in, #flat_out, #units, #inputs, #activation, #kind, #storage, #vector, #bias>)
        }
        Kind::Pool(_) | Kind::GlobalPool { .. } => {
            let kind = mode_type(layer);
            quote!(#p::layer::Pool #sep <#inputs, #units, #kind>)
        }
    }
}

/// The marker type of a convolution's or pooling's kind: `nnet_core::layer::Conv2dKind`,
/// `MaxPool1dKind`, … (the kind's name and `Kind`).
fn mode_type(layer: &Layer) -> TokenStream {
    let p = private();
    let kind = quote::format_ident!("{}Kind", layer.word.ident());
    quote!(#p::layer::#kind)
}

/// The window a convolution or pooling slides, as a const expression of
/// `nnet_core::layer::Window`.
pub(super) fn window_value(layer: &Layer) -> TokenStream {
    let p = private();
    // Every such layer of a valid model reads a fixed shape (see `validate::window`).
    let window = layer.window().unwrap_or(nnet_kinds::Window::steps(
        nnet_kinds::Axis::POINT,
        layer.input.channels(),
    ));
    let axis = |axis: nnet_kinds::Axis| {
        let (input, kernel, stride, dilation) = (
            lit(axis.input),
            lit(axis.kernel),
            lit(axis.stride),
            lit(axis.dilation),
        );
        let padding = quote::format_ident!("{}", format!("{:?}", axis.padding));
        quote!(#p::layer::Axis { input: #input, kernel: #kernel, stride: #stride, dilation: #dilation, padding: #p::layer::Padding::#padding })
    };
    let (rows, cols, channels) = (axis(window.rows), axis(window.cols), lit(window.channels));
    quote!(#p::layer::Window { rows: #rows, cols: #cols, channels: #channels })
}

/// The groups of a convolution's input channels, as a literal.
pub(super) fn groups_value(layer: &Layer) -> TokenStream {
    match &layer.kind {
        Kind::Conv(conv) => {
            let groups = lit(conv.groups(layer.input.channels()));
            quote!(#groups)
        }
        _ => quote!(1),
    }
}

/// The layer's value from `rng` (`rng: None`: zero weights, e.g. to load weights into).
pub(super) fn constructor(layer: &Layer, rng: bool) -> TokenStream {
    let inner = inner_constructor(layer, rng);
    if layer.is_positionwise() {
        let p = private();
        quote!(#p::layer::Positionwise::new(#inner))
    } else {
        inner
    }
}

/// The value of the layer's inner type (see [`inner_expr_type`]).
fn inner_constructor(layer: &Layer, rng: bool) -> TokenStream {
    let p = private();
    let ty = inner_path(layer, quote!());
    match &layer.kind {
        Kind::Dense {
            activation,
            init,
            bias_init,
            l1,
            l2,
            ..
        } => {
            let activation = activation_value(*activation, layer.scalar);
            let base = if rng {
                let (init, bias_init) = (init.ident(), bias_init.ident());
                quote!(<#ty>::initialized(#activation, #p::Initializer::#init, #p::Initializer::#bias_init, rng))
            } else {
                quote!(<#ty>::new(#activation))
            };
            if l1.is_zero() && l2.is_zero() {
                base
            } else {
                let (l1, l2) = (setting(*l1, layer), setting(*l2, layer));
                quote!(#base.with_regularizer(#p::Regularizer { l1: #l1, l2: #l2 }))
            }
        }
        Kind::Activation(activation) => {
            let activation = activation_value(*activation, layer.scalar);
            quote!(<#ty>::new(#activation))
        }
        Kind::Dropout { rate } => {
            let rate = setting(*rate, layer);
            quote!(<#ty>::new(#rate))
        }
        Kind::BatchNorm { momentum, epsilon } => {
            let (momentum, epsilon) = (setting(*momentum, layer), setting(*epsilon, layer));
            quote!(<#ty>::new(#momentum, #epsilon))
        }
        Kind::LayerNorm { epsilon } => {
            let epsilon = setting(*epsilon, layer);
            quote!(<#ty>::new(#epsilon))
        }
        Kind::Recurrent {
            activation,
            init,
            recurrent_init,
            bias_init,
            ..
        } => {
            let activation = activation.map(|activation| {
                let value = activation_value(activation, layer.scalar);
                quote!(#value,)
            });
            if rng {
                let (init, recurrent_init, bias_init) =
                    (init.ident(), recurrent_init.ident(), bias_init.ident());
                quote!(<#ty>::initialized(#activation #p::Initializer::#init, #p::Initializer::#recurrent_init, #p::Initializer::#bias_init, rng))
            } else {
                quote!(<#ty>::zeroed(#activation))
            }
        }
        Kind::Flatten => inner_expr_type(layer),
        Kind::Conv(conv) if layer.is_streamed_conv() => {
            let activation = activation_value(conv.activation, layer.scalar);
            let (kernel_size, dilation, groups) = causal_counts(layer, conv);
            let base = if rng {
                let (init, bias_init) = (conv.init.ident(), conv.bias_init.ident());
                quote!(<#ty>::initialized(#activation, #kernel_size, #dilation, #groups, #p::Initializer::#init, #p::Initializer::#bias_init, rng))
            } else {
                quote!(<#ty>::zeroed(#activation, #kernel_size, #dilation, #groups))
            };
            regularized(base, conv, layer)
        }
        Kind::Conv(conv) => {
            let activation = activation_value(conv.activation, layer.scalar);
            let (window, groups) = (window_value(layer), groups_value(layer));
            let base = if rng {
                let (init, bias_init) = (conv.init.ident(), conv.bias_init.ident());
                quote!(<#ty>::initialized(#window, #groups, #activation, #p::Initializer::#init, #p::Initializer::#bias_init, rng))
            } else {
                quote!(<#ty>::new(#window, #groups, #activation))
            };
            regularized(base, conv, layer)
        }
        Kind::Pool(_) | Kind::GlobalPool { .. } => {
            let window = window_value(layer);
            quote!(<#ty>::new(#window))
        }
    }
}

/// A convolution's value `base` with its kernel regularization, if it has one.
fn regularized(base: TokenStream, conv: &Conv, layer: &Layer) -> TokenStream {
    let p = private();
    if conv.l1.is_zero() && conv.l2.is_zero() {
        base
    } else {
        let (l1, l2) = (setting(conv.l1, layer), setting(conv.l2, layer));
        quote!(#base.with_regularizer(#p::Regularizer { l1: #l1, l2: #l2 }))
    }
}

/// A streamed convolution's `kernel_size`, `dilation` and `groups`, as literals.
pub(super) fn causal_counts(layer: &Layer, conv: &Conv) -> (TokenStream, TokenStream, TokenStream) {
    let (kernel_size, dilation) = (lit(conv.kernel[1]), lit(conv.dilation[1]));
    let groups = groups_value(layer);
    (quote!(#kernel_size), quote!(#dilation), groups)
}

/// The fields of the layer's value other than its tensors, for a `const` struct expression:
/// `(name, value)`.
pub(super) fn const_fields(layer: &Layer) -> Vec<(&'static str, TokenStream)> {
    let p = private();
    match &layer.kind {
        Kind::Dense {
            activation, l1, l2, ..
        } => {
            let (l1, l2) = (setting(*l1, layer), setting(*l2, layer));
            vec![
                ("activation", activation_value(*activation, layer.scalar)),
                ("regularizer", quote!(#p::Regularizer { l1: #l1, l2: #l2 })),
            ]
        }
        Kind::Activation(activation) => {
            vec![("activation", activation_value(*activation, layer.scalar))]
        }
        Kind::Dropout { rate } => vec![("rate", setting(*rate, layer))],
        Kind::BatchNorm { momentum, epsilon } => vec![
            ("momentum", setting(*momentum, layer)),
            ("epsilon", setting(*epsilon, layer)),
        ],
        Kind::LayerNorm { epsilon } => vec![("epsilon", setting(*epsilon, layer))],
        Kind::Recurrent {
            activation: Some(activation),
            ..
        } => vec![("activation", activation_value(*activation, layer.scalar))],
        Kind::Recurrent { .. } | Kind::Flatten => Vec::new(),
        // `CausalConv1d`'s fields, all public: a struct expression.
        Kind::Conv(conv) if layer.is_streamed_conv() => {
            let (l1, l2) = (setting(conv.l1, layer), setting(conv.l2, layer));
            let (kernel_size, dilation, groups) = causal_counts(layer, conv);
            vec![
                (
                    "activation",
                    activation_value(conv.activation, layer.scalar),
                ),
                ("regularizer", quote!(#p::Regularizer { l1: #l1, l2: #l2 })),
                ("kernel_size", kernel_size),
                ("dilation", dilation),
                ("groups", groups),
            ]
        }
        Kind::Conv(conv) => {
            let (l1, l2) = (setting(conv.l1, layer), setting(conv.l2, layer));
            vec![
                (
                    "activation",
                    activation_value(conv.activation, layer.scalar),
                ),
                ("regularizer", quote!(#p::Regularizer { l1: #l1, l2: #l2 })),
                ("window", window_value(layer)),
                ("groups", groups_value(layer)),
            ]
        }
        Kind::Pool(_) | Kind::GlobalPool { .. } => vec![("window", window_value(layer))],
    }
}

/// The fields of the layer's tensors in its `nnet_core` struct, in the order of its
/// `tensor_info`, with whether each is a matrix: the tensors its declaration lists (a recurrent
/// layer's are inside its `weights`, see `expand::baked`).
pub(super) fn tensor_fields(layer: &Layer) -> Vec<(&'static str, bool)> {
    layer
        .declared_tensors()
        .map(|tensor| {
            // `Dense` holds its `weight` tensor in the field `weights`.
            let field = match (layer.word, tensor.name) {
                (KindWord::Dense, "weight") => "weights",
                (_, name) => name,
            };
            (field, tensor.cols.is_some())
        })
        .collect()
}

/// `nnet_core::activation::{Type}`, with the scalar of an activation that holds a number
/// (`LeakyRelu<f64>`).
pub(super) fn activation_type(activation: Activation, scalar: ScalarKind) -> TokenStream {
    let p = private();
    let ty = activation.act.ident();
    if activation.alpha.is_some() {
        let scalar = scalar.tokens();
        quote!(#p::activation::#ty<#scalar>)
    } else {
        quote!(#p::activation::#ty)
    }
}

/// The activation as a value, with its `alpha` (in the network's scalar) where it has one.
pub(super) fn activation_value(activation: Activation, scalar: ScalarKind) -> TokenStream {
    let p = private();
    let ty = activation.act.ident();
    match activation.alpha {
        Some(alpha) => {
            let alpha = alpha.scalar_literal(scalar);
            quote!(#p::activation::#ty { alpha: #alpha })
        }
        None => quote!(#p::activation::#ty),
    }
}

/// The `f64` literal of a setting that `nnet_core` holds in `f64` (`epsilon`, `momentum`, a
/// dropout rate, `l1`): as written for an `f64` network, and for an `f32` network one that
/// rounds to the `f32` the setting always was (see [`Decimal::setting_literal`]).
fn setting(value: Decimal, layer: &Layer) -> TokenStream {
    value.setting_literal(layer.scalar)
}

/// `SMatrix<f32, OUT, IN>` inline, or `HeapMatrix<OUT, IN>` for boxed dense layers (one
/// position's `IN` and `OUT` on a fixed shape; a convolution's `F × K` kernel).
fn storage_type(layer: &Layer) -> TokenStream {
    let p = private();
    let (inputs, units) = layer.inner_dims();
    let (inputs, units) = (lit(inputs), lit(units));
    let scalar = layer.scalar.tokens();
    if layer.boxed && layer.scalar == ScalarKind::F32 {
        quote!(#p::HeapMatrix<#units, #inputs>)
    } else if layer.boxed {
        quote!(#p::HeapMatrix<#units, #inputs, #scalar>)
    } else {
        quote!(#p::nalgebra::SMatrix<#scalar, #units, #inputs>)
    }
}

/// `SVector<f32, UNITS>` inline, or `HeapVector<UNITS>` for layers whose flat vectors live on
/// the heap: the type of the layer's trace entries and deltas, `units` long.
pub(super) fn vector_type(layer: &Layer) -> TokenStream {
    heap_or_inline(layer.units, layer.heap_vectors, layer.scalar)
}

/// The type of the layer's own vectors (bias, normalization parameters), one value per output
/// channel: [`vector_type`] but on a fixed shape.
fn inner_vector_type(layer: &Layer) -> TokenStream {
    heap_or_inline(layer.inner_dims().1, layer.heap_layer_vectors, layer.scalar)
}

/// `HeapVector<LEN>` on the heap, else `SVector<scalar, LEN>`.
fn heap_or_inline(len: usize, heap: bool, scalar: ScalarKind) -> TokenStream {
    let p = private();
    let len = lit(len);
    let tokens = scalar.tokens();
    if heap && scalar == ScalarKind::F32 {
        quote!(#p::HeapVector<#len>)
    } else if heap {
        quote!(#p::HeapVector<#len, #tokens>)
    } else {
        quote!(#p::nalgebra::SVector<#tokens, #len>)
    }
}

/// `<Type as Layer<IN, OUT>>::Gradient` (`Recurrent` for a stepped layer).
pub(super) fn gradient_type(layer: &Layer) -> TokenStream {
    let p = private();
    let (ty, shape) = (layer_type(layer), layer_trait(layer));
    if layer.is_stepped() {
        quote!(<#ty as #p::layer::Recurrent<#shape>>::Gradient)
    } else {
        quote!(<#ty as #p::Layer<#shape>>::Gradient)
    }
}
