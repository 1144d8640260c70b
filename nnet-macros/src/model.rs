//! The validated network: every name resolved and every size known.

use proc_macro2::Span;

use crate::ast::NetworkDef;

/// The largest number of units (or inputs) of one layer.
pub(crate) const MAX_UNITS: u64 = 65_536;

/// Layers are kept inline in the network struct until their parameters add up to this many
/// floats (64 KiB); later layers keep their weights on the heap, so that a network never needs
/// megabytes of stack to be built, moved or cloned.
pub(crate) const INLINE_PARAMS: usize = 16_384;

/// Layers of more than this many units keep their bias, trace, gradient and deltas on the heap
/// (and their weights too), so that no function frame holds a vector of up to 256 KiB: the
/// value of `nnet_core::storage::INLINE_UNITS`.
pub(crate) const INLINE_UNITS: usize = 1024;

/// Activation names of the grammar, their `nnet_core::activation` types and default `alpha`.
pub(crate) const ACTIVATIONS: &[(&str, &str, Option<f32>)] = &[
    ("linear", "Linear", None),
    ("relu", "Relu", None),
    ("sigmoid", "Sigmoid", None),
    ("tanh", "Tanh", None),
    ("softmax", "Softmax", None),
    ("step", "Step", None),
    ("leaky_relu", "LeakyRelu", Some(0.3)),
    ("elu", "Elu", Some(1.0)),
    ("selu", "Selu", None),
    ("gelu", "Gelu", None),
    ("silu", "Silu", None),
    ("softplus", "Softplus", None),
    ("softsign", "Softsign", None),
    ("hard_sigmoid", "HardSigmoid", None),
    ("exponential", "Exponential", None),
];

/// Initializer names of the grammar and their `nnet_core::Initializer` variants.
pub(crate) const INITIALIZERS: &[(&str, &str)] = &[
    ("zeros", "Zeros"),
    ("ones", "Ones"),
    ("uniform", "Uniform"),
    ("normal", "Normal"),
    ("glorot_uniform", "GlorotUniform"),
    ("glorot_normal", "GlorotNormal"),
    ("he_uniform", "HeUniform"),
    ("he_normal", "HeNormal"),
    ("lecun_uniform", "LecunUniform"),
    ("lecun_normal", "LecunNormal"),
];

/// Option names a layer accepts.
pub(crate) const OPTIONS: &[&str] = &["init", "bias_init", "alpha"];

/// A network whose layer list passed validation.
pub(crate) struct Model<'a> {
    pub def: &'a NetworkDef,
    pub inputs: usize,
    pub layers: Vec<Layer>,
}

/// One validated dense layer.
pub(crate) struct Layer {
    /// 1-based position: the layer is the field `dense{index}`.
    pub index: usize,
    pub inputs: usize,
    pub units: usize,
    /// Grammar name of the activation, e.g. `leaky_relu`.
    pub activation: &'static str,
    /// `nnet_core::activation` type name, e.g. `LeakyRelu`.
    pub activation_type: &'static str,
    /// `alpha` of `leaky_relu` and `elu`.
    pub alpha: Option<f32>,
    /// `nnet_core::Initializer` variant of the weights.
    pub init: &'static str,
    /// `nnet_core::Initializer` variant of the bias.
    pub bias_init: &'static str,
    /// Whether the weights live on the heap.
    pub boxed: bool,
    /// Whether the vectors of the layer (bias, trace, gradient, deltas) live on the heap; such
    /// layers are boxed too.
    pub heap_vectors: bool,
    /// Span of the layer's `dense` keyword, given to the code generated for it.
    pub span: Span,
}

impl Layer {
    pub(crate) fn params(&self) -> usize {
        self.units * self.inputs + self.units
    }
}

impl Model<'_> {
    pub(crate) fn outputs(&self) -> usize {
        self.layers.last().map_or(0, |l| l.units)
    }

    pub(crate) fn params(&self) -> usize {
        self.layers.iter().map(Layer::params).sum()
    }
}
