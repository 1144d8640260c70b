//! The validated network: every name resolved into a typed value and every shape known. The
//! words of the grammar are in [`words`], the lines messages suggest in [`lines`].

use nnet_kinds::Shape;
use proc_macro2::{Ident, Span};
use quote::format_ident;

use crate::ast::NetworkDef;
use crate::scalar::ScalarKind;

pub(crate) mod lines;
mod words;

pub(crate) use words::{Act, Init, KindWord};

/// The largest number of units (or inputs) of one layer.
pub(crate) const MAX_UNITS: u64 = 65_536;

/// Layers are kept inline in the network struct until their parameters add up to this many
/// floats (64 KiB); later layers keep their weights on the heap, so that a network never needs
/// megabytes of stack to be built, moved or cloned.
pub(crate) const INLINE_PARAMS: usize = 16_384;

/// Layers of more than this many units keep their vectors (bias, normalization parameters,
/// trace, gradient and deltas) on the heap, so that no function frame holds a vector of up to
/// 256 KiB: the value of `nnet_core::storage::INLINE_UNITS`.
pub(crate) const INLINE_UNITS: usize = 1024;

/// Dense layers with at least this many weights (64 × 64) run batches through matrix–matrix
/// products: the rule of `nnet_core::batch::prefers_batches`.
pub(crate) const BATCHED_WEIGHTS: usize = 4096;

/// The largest number of weights of one recurrent layer (256 KiB): the layer is built whole
/// before it moves to the heap, so that bound keeps construction within a 2 MiB stack in debug
/// builds. A network's first 64 KiB of weights stay inline, so that `step` reads them without
/// an indirection and a small network can be a `const`.
pub(crate) const MAX_RECURRENT_WEIGHTS: usize = 65_536;

/// The cell of a recurrent layer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Cell {
    SimpleRnn(Activation),
    Gru,
    Lstm,
}

impl Cell {
    /// Gates side by side in the kernels.
    pub(crate) fn gates(self) -> usize {
        match self {
            Cell::SimpleRnn(_) => 1,
            Cell::Gru => 3,
            Cell::Lstm => 4,
        }
    }

    /// Rows of the bias: a GRU has an input and a recurrent bias.
    pub(crate) fn biases(self) -> usize {
        match self {
            Cell::Gru => 2,
            _ => 1,
        }
    }

    pub(crate) fn word(self) -> KindWord {
        match self {
            Cell::SimpleRnn(_) => KindWord::SimpleRnn,
            Cell::Gru => KindWord::Gru,
            Cell::Lstm => KindWord::Lstm,
        }
    }
}

/// An activation with its `alpha` where it has one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Activation {
    pub act: Act,
    pub alpha: Option<f32>,
}

/// What a line declares, with every option resolved to its value or Keras's default.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Dense {
        activation: Activation,
        init: Init,
        bias_init: Init,
        use_bias: bool,
        l1: f32,
        l2: f32,
    },
    Activation(Activation),
    Dropout {
        rate: f32,
    },
    BatchNorm {
        momentum: f32,
        epsilon: f32,
    },
    LayerNorm {
        epsilon: f32,
    },
    Recurrent {
        cell: Cell,
        init: Init,
        recurrent_init: Init,
        bias_init: Init,
        return_sequences: bool,
    },
    /// A fixed shape to the vector of its values.
    Flatten,
}

/// One validated layer.
#[derive(Clone)]
pub(crate) struct Layer {
    pub kind: Kind,
    /// 1-based count among the layers of its kind: the layer is the field `{word}{ordinal}`.
    pub ordinal: usize,
    /// The shape the layer reads (one step's, in a sequence).
    pub input: Shape,
    /// The shape the layer outputs.
    pub output: Shape,
    /// Values in and out per sample (per step): the flat lengths of `input` and `output`, the
    /// `IN` and `OUT` of the layer's `Layer<IN, OUT>`.
    pub inputs: usize,
    pub units: usize,
    /// Whether the weights live on the heap.
    pub boxed: bool,
    /// Whether the layer's flat vectors (its trace, outputs and deltas, `units` long) live on
    /// the heap.
    pub heap_vectors: bool,
    /// Whether the layer's own vectors (bias, normalization parameters: one per output channel)
    /// live on the heap; such layers are boxed too. The same as `heap_vectors` but on a fixed
    /// shape, whose layers keep one set of parameters for every position.
    pub heap_layer_vectors: bool,
    /// Span of the layer's keyword, given to the code generated for it.
    pub span: Span,
    /// The network's scalar, which every tensor of the layer holds.
    pub scalar: ScalarKind,
}

impl Layer {
    pub(crate) fn word(&self) -> KindWord {
        match self.kind {
            Kind::Dense { .. } => KindWord::Dense,
            Kind::Activation(_) => KindWord::Activation,
            Kind::Dropout { .. } => KindWord::Dropout,
            Kind::BatchNorm { .. } => KindWord::BatchNorm,
            Kind::LayerNorm { .. } => KindWord::LayerNorm,
            Kind::Recurrent { cell, .. } => cell.word(),
            Kind::Flatten => KindWord::Flatten,
        }
    }

    /// Whether the layer acts on the last axis of a fixed shape, at every position: `nnet_core`'s
    /// `Positionwise` around the layer of the channels. Elementwise layers (dropout, an
    /// activation other than softmax) act on the flat values alike and need no wrapper.
    pub(crate) fn is_positionwise(&self) -> bool {
        self.input.is_fixed()
            && match self.kind {
                Kind::Dense { .. } | Kind::BatchNorm { .. } | Kind::LayerNorm { .. } => true,
                Kind::Activation(activation) => activation.act == Act::Softmax,
                _ => false,
            }
    }

    /// Positions the layer is applied at: 1 unless it is [positionwise](Self::is_positionwise).
    pub(crate) fn positions(&self) -> usize {
        if self.is_positionwise() {
            self.input.positions()
        } else {
            1
        }
    }

    /// `IN` and `OUT` of the layer inside `Positionwise` (one position's channels), else the
    /// flat lengths.
    pub(crate) fn inner_dims(&self) -> (usize, usize) {
        if self.is_positionwise() {
            (self.input.channels(), self.output.channels())
        } else {
            (self.inputs, self.units)
        }
    }

    /// Whether the layer is recurrent.
    pub(crate) fn is_recurrent(&self) -> bool {
        matches!(self.kind, Kind::Recurrent { .. })
    }

    /// Whether the layer is recurrent and returns every step's output.
    pub(crate) fn returns_sequences(&self) -> bool {
        matches!(
            self.kind,
            Kind::Recurrent {
                return_sequences: true,
                ..
            }
        )
    }

    /// The field, `dense1`, `batch_norm2`, …
    pub(crate) fn field(&self) -> Ident {
        format_ident!("{}{}", self.word().word(), self.ordinal)
    }

    /// The activation that ends the layer, if it has one.
    pub(crate) fn activation(&self) -> Option<Activation> {
        match self.kind {
            Kind::Dense { activation, .. } | Kind::Activation(activation) => Some(activation),
            Kind::Recurrent {
                cell: Cell::SimpleRnn(activation),
                ..
            } => Some(activation),
            _ => None,
        }
    }

    /// Trainable parameters: on a fixed shape, those of one position, which every position
    /// shares.
    pub(crate) fn params(&self) -> usize {
        let (inputs, units) = self.inner_dims();
        match self.kind {
            Kind::Dense { use_bias, .. } => units * inputs + if use_bias { units } else { 0 },
            Kind::BatchNorm { .. } | Kind::LayerNorm { .. } => 2 * units,
            Kind::Activation(_) | Kind::Dropout { .. } | Kind::Flatten => 0,
            Kind::Recurrent { cell, .. } => (inputs + units + cell.biases()) * cell.gates() * units,
        }
    }

    /// Non-trainable values.
    pub(crate) fn non_trainable(&self) -> usize {
        match self.kind {
            Kind::BatchNorm { .. } => 2 * self.inner_dims().1,
            _ => 0,
        }
    }

    /// Number of tensors, in the order of the layer type's `tensor_info`.
    pub(crate) fn tensors(&self) -> usize {
        match self.kind {
            Kind::Dense { use_bias, .. } => 1 + usize::from(use_bias),
            Kind::BatchNorm { .. } => 4,
            Kind::LayerNorm { .. } => 2,
            Kind::Recurrent { .. } => 3,
            Kind::Activation(_) | Kind::Dropout { .. } | Kind::Flatten => 0,
        }
    }

    /// Whether training computes something else than inference (dropout, batch
    /// normalization).
    pub(crate) fn trains_differently(&self) -> bool {
        matches!(self.kind, Kind::Dropout { .. } | Kind::BatchNorm { .. })
    }

    /// Whether this dense layer runs batches through matrix–matrix products: decided on its
    /// kernel, which a fixed shape's positions share.
    pub(crate) fn batched(&self) -> bool {
        let (inputs, units) = self.inner_dims();
        matches!(self.kind, Kind::Dense { .. }) && inputs * units >= BATCHED_WEIGHTS
    }

    /// The line with every option that differs from its default, as saved files record it
    /// (without `alpha`, as files saved before other kinds existed record dense layers).
    pub(crate) fn text(&self) -> String {
        let options = |pairs: Vec<(&str, String, bool)>| {
            let set: Vec<String> = pairs
                .into_iter()
                .filter(|(_, _, default)| !default)
                .map(|(name, value, _)| format!("{name} = {value}"))
                .collect();
            if set.is_empty() {
                String::new()
            } else {
                format!(" ({})", set.join(", "))
            }
        };
        match &self.kind {
            Kind::Dense {
                activation,
                use_bias,
                l1,
                l2,
                ..
            } => {
                let extra = options(vec![
                    ("use_bias", "false".to_owned(), *use_bias),
                    ("l1", format!("{l1:?}"), *l1 == 0.0),
                    ("l2", format!("{l2:?}"), *l2 == 0.0),
                ]);
                let units = self.output.channels();
                format!("dense {units} {}{extra}", activation.act.word())
            }
            Kind::Activation(activation) => format!("activation {}", activation.act.word()),
            Kind::Dropout { rate } => format!("dropout {rate:?}"),
            Kind::BatchNorm { momentum, epsilon } => format!(
                "batch_norm{}",
                options(vec![
                    ("momentum", format!("{momentum:?}"), *momentum == 0.99),
                    ("epsilon", format!("{epsilon:?}"), *epsilon == 1e-3),
                ])
            ),
            Kind::LayerNorm { epsilon } => format!(
                "layer_norm{}",
                options(vec![("epsilon", format!("{epsilon:?}"), *epsilon == 1e-3)])
            ),
            Kind::Recurrent {
                cell,
                return_sequences,
                ..
            } => {
                let activation = match cell {
                    Cell::SimpleRnn(a) => format!(" {}", a.act.word()),
                    _ => String::new(),
                };
                let extra = options(vec![(
                    "return_sequences",
                    "true".to_owned(),
                    !*return_sequences,
                )]);
                format!("{} {}{activation}{extra}", cell.word().word(), self.units)
            }
            Kind::Flatten => "flatten".to_owned(),
        }
    }
}

/// A network whose layer list passed validation.
pub(crate) struct Model<'a> {
    pub def: &'a NetworkDef,
    /// The shape of one input sample (of one step, `Sequence(F)`, in a sequence network).
    pub input: Shape,
    /// Values per input sample: `input.len()`.
    pub inputs: usize,
    /// Whether the input is a sequence (`input sequence F;`).
    pub sequence: bool,
    pub layers: Vec<Layer>,
}

impl Model<'_> {
    pub(crate) fn outputs(&self) -> usize {
        self.layers.last().map_or(0, |l| l.units)
    }

    /// The shape of one output sample.
    pub(crate) fn output(&self) -> Shape {
        self.layers.last().map_or(self.input, |l| l.output)
    }

    pub(crate) fn params(&self) -> usize {
        self.layers.iter().map(Layer::params).sum()
    }

    /// Whether `fit` trains through the batched pass: a layer trains differently (it sees the
    /// whole batch, or draws masks per batch), or a dense layer is large.
    pub(crate) fn trains_in_batches(&self) -> bool {
        self.layers
            .iter()
            .any(|l| l.trains_differently() || l.batched())
    }

    /// The index of the last recurrent layer, if there is one.
    pub(crate) fn last_recurrent(&self) -> Option<usize> {
        self.layers.iter().rposition(Layer::is_recurrent)
    }

    /// Whether inference runs batches through matrix–matrix products.
    pub(crate) fn infers_in_batches(&self) -> bool {
        self.layers.iter().any(Layer::batched)
    }

    /// The architecture as saved files record it: `input 2; dense 10 relu; ...`, with the
    /// input as written (`input sequence 3`, `input (8, 8, 3)`).
    pub(crate) fn architecture(&self) -> String {
        let mut text = match self.input {
            Shape::Sequence(n) => format!("input sequence {n}"),
            shape => format!("input {}", shape_text(shape)),
        };
        for layer in &self.layers {
            text.push_str("; ");
            text.push_str(&layer.text());
        }
        text
    }
}

/// A shape as the grammar writes it: `10` for a vector (and for the steps of a sequence),
/// `(49, 10)`, `(8, 8, 3)`.
pub(crate) fn shape_text(shape: Shape) -> String {
    match shape {
        Shape::Vector(n) | Shape::Sequence(n) => n.to_string(),
        Shape::Steps { steps, channels } => format!("({steps}, {channels})"),
        Shape::Image {
            height,
            width,
            channels,
        } => format!("({height}, {width}, {channels})"),
    }
}
