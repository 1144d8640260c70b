//! The validated network: every name resolved into a typed value and every shape known. The
//! words of the grammar are in [`words`], the lines messages suggest in [`lines`].

use nnet_kinds::{
    Activation as Takes, AxesDefault, BATCHED_WEIGHTS, Counts, Number, OptionType, Shape,
    TensorDecl,
};
use proc_macro2::{Ident, Span};
use quote::format_ident;

use crate::ast::NetworkDef;
use crate::scalar::ScalarKind;

mod blocks;
mod decimal;
pub(crate) mod lines;
pub(crate) mod window;
mod words;

pub(crate) use blocks::{Block, Entry, Event};
pub(crate) use decimal::Decimal;
pub(crate) use window::{Conv, Pool};
pub(crate) use words::{Act, Init, KindWord, KindWords, kind_words};

/// An activation with its `alpha` where it has one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Activation {
    pub act: Act,
    pub alpha: Option<Decimal>,
}

/// What a line declares, with every option resolved to its value or Keras's default.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Dense {
        activation: Activation,
        init: Init,
        bias_init: Init,
        use_bias: bool,
        l1: Decimal,
        l2: Decimal,
    },
    Activation(Activation),
    Dropout {
        rate: Decimal,
    },
    BatchNorm {
        momentum: Decimal,
        epsilon: Decimal,
    },
    LayerNorm {
        epsilon: Decimal,
    },
    /// `simple_rnn`, `gru` or `lstm` (`word`), with the activation of a kind that takes one.
    Recurrent {
        word: KindWord,
        activation: Option<Activation>,
        init: Init,
        recurrent_init: Init,
        bias_init: Init,
        return_sequences: bool,
    },
    /// A fixed shape to the vector of its values.
    Flatten,
    /// `conv1d`, `conv2d` or `depthwise_conv2d`.
    Conv(Conv),
    /// `max_pool1d`, `avg_pool1d`, `max_pool2d` or `avg_pool2d`.
    Pool(Pool),
    /// `global_avg_pool` or `global_max_pool` (`word`): every position of a fixed shape to the
    /// vector of its channels.
    GlobalPool {
        word: KindWord,
    },
}

/// The value of an option that saved files record: `true`, `0.01` (a number as an `f32` reads
/// it, so that the text is what it was when settings were `f32`).
#[derive(Debug, Clone, PartialEq)]
enum Recorded {
    Bool(bool),
    Float(f32),
    /// A value per axis and the kind's axes: `2`, `(2, 1)`.
    Axes(window::Axes2, usize),
    Count(usize),
    Word(&'static str),
}

impl std::fmt::Display for Recorded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Recorded::Bool(value) => write!(f, "{value}"),
            Recorded::Float(value) => write!(f, "{value:?}"),
            Recorded::Axes(values, axes) => f.write_str(&window::axes_text(*values, *axes)),
            Recorded::Count(value) => write!(f, "{value}"),
            Recorded::Word(word) => f.write_str(word),
        }
    }
}

/// One validated layer.
#[derive(Clone)]
pub(crate) struct Layer {
    /// The kind, whose declaration says what its tensors are.
    pub word: KindWord,
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
    /// `Some(k)` for the projection of the residual block `k`: its field is `residual{k}`.
    pub residual: Option<usize>,
}

impl Layer {
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

    /// `IN` and `OUT` of the layer inside `Positionwise` (one position's channels); a
    /// convolution's `K` and `F` (the values one filter reads, and the filters: its kernel is
    /// `F × K`); else the flat lengths.
    pub(crate) fn inner_dims(&self) -> (usize, usize) {
        if self.is_positionwise() {
            (self.input.channels(), self.output.channels())
        } else if let (Kind::Conv(conv), Some(window)) = (&self.kind, self.window()) {
            (conv.taps_per_filter(&window), self.output.channels())
        } else if let (Kind::Conv(conv), true) = (&self.kind, self.is_streamed_conv()) {
            (
                conv.causal_taps_per_filter(self.input.channels()),
                self.units,
            )
        } else {
            (self.inputs, self.units)
        }
    }

    /// The window a convolution or pooling layer slides over the shape it reads (one window
    /// over every position for a global pooling); `None` for the other kinds.
    pub(crate) fn window(&self) -> Option<nnet_kinds::Window> {
        match &self.kind {
            Kind::Conv(conv) => conv.window(self.input),
            Kind::Pool(pool) => pool.window(self.input),
            Kind::GlobalPool { .. } => window::global_window(self.input),
            _ => None,
        }
    }

    /// Multiply-accumulates of one sample's inference (of one step, in a sequence): a dense
    /// layer's `IN · OUT` at each position, a convolution's `F · K` at each output position, a
    /// recurrent layer's kernels (`gates · units · (inputs + units)`); none for the layers
    /// that only compare, add or scale (pooling, normalization, activations, dropout,
    /// `flatten`).
    pub(crate) fn macs(&self) -> usize {
        let (inputs, units) = self.inner_dims();
        match &self.kind {
            Kind::Dense { .. } => self.positions() * inputs * units,
            // A streamed convolution computes one output position per step.
            Kind::Conv(_) if self.is_streamed_conv() => inputs * units,
            Kind::Conv(_) => self
                .window()
                .map_or(0, |window| window.positions() * inputs * units),
            Kind::Recurrent { word, .. } => {
                word.gates() * self.units * (self.input.channels() + self.units)
            }
            _ => 0,
        }
    }

    /// Whether the layer is recurrent.
    pub(crate) fn is_recurrent(&self) -> bool {
        matches!(self.kind, Kind::Recurrent { .. })
    }

    /// Whether the layer is a recurrent layer of more than `INLINE_UNITS` units, whose state
    /// (and the buffers of a step) live on the heap: its state is not `Copy`.
    pub(crate) fn has_heap_state(&self) -> bool {
        self.is_recurrent() && self.heap_vectors
    }

    /// Whether the layer is a `conv1d` reading a sequence step by step: `nnet_core`'s
    /// `CausalConv1d`, whose past inputs live in the network's state (in a valid network it is
    /// causal with stride 1, see `validate::window`).
    pub(crate) fn is_streamed_conv(&self) -> bool {
        matches!(self.kind, Kind::Conv(_)) && matches!(self.input, Shape::Sequence(_))
    }

    /// Whether the layer carries a state from one step to the next, a recurrent layer or a
    /// streamed convolution: the generated code steps it through `nnet_core`'s `Recurrent`, and
    /// the network's `{Name}State` holds its state.
    pub(crate) fn is_stepped(&self) -> bool {
        self.is_recurrent() || self.is_streamed_conv()
    }

    /// Whether the layer is stepped and returns every step's output: a recurrent layer with
    /// `return_sequences`, or a streamed convolution (an output at every step).
    pub(crate) fn returns_sequences(&self) -> bool {
        self.is_streamed_conv()
            || matches!(
                self.kind,
                Kind::Recurrent {
                    return_sequences: true,
                    ..
                }
            )
    }

    /// The past inputs a streamed convolution keeps (per channel): `dilation · (kernel − 1)`,
    /// the zeros of Keras's causal padding; 0 for the other layers.
    pub(crate) fn history(&self) -> usize {
        match &self.kind {
            Kind::Conv(conv) if self.is_streamed_conv() => conv.history(),
            _ => 0,
        }
    }

    /// The field, `dense1`, `batch_norm2`, … (`residual3` for the projection of block 3).
    pub(crate) fn field(&self) -> Ident {
        match self.residual {
            Some(k) => format_ident!("residual{}", k),
            None => format_ident!("{}{}", self.word.name(), self.ordinal),
        }
    }

    /// The activation that ends the layer, if it has one.
    pub(crate) fn activation(&self) -> Option<Activation> {
        match self.kind {
            Kind::Dense { activation, .. } | Kind::Activation(activation) => Some(activation),
            Kind::Conv(Conv { activation, .. }) => Some(activation),
            Kind::Recurrent { activation, .. } => activation,
            _ => None,
        }
    }

    /// The value of the option `name`, if the kind takes such an option and it is one that
    /// saved files record (a bool or a float, [`OptionType::recorded`]).
    fn recorded_value(&self, name: &str) -> Option<Recorded> {
        Some(match (&self.kind, name) {
            (Kind::Dense { use_bias, .. }, "use_bias") => Recorded::Bool(*use_bias),
            (Kind::Dense { l1, .. }, "l1") => Recorded::Float(l1.single),
            (Kind::Dense { l2, .. }, "l2") => Recorded::Float(l2.single),
            (Kind::BatchNorm { momentum, .. }, "momentum") => Recorded::Float(momentum.single),
            (Kind::BatchNorm { epsilon, .. } | Kind::LayerNorm { epsilon }, "epsilon") => {
                Recorded::Float(epsilon.single)
            }
            (
                Kind::Recurrent {
                    return_sequences, ..
                },
                "return_sequences",
            ) => Recorded::Bool(*return_sequences),
            (Kind::Conv(conv), _) => return conv_value(conv, name),
            (Kind::Pool(pool), _) => {
                let axes = self.word.decl().number.kernel_axes();
                match name {
                    "strides" => Recorded::Axes(pool.strides, axes),
                    "padding" => Recorded::Word(pool.padding.word()),
                    _ => return None,
                }
            }
            _ => return None,
        })
    }

    /// The value of the bool option `name` (its default for an option the line left out).
    fn enabled(&self, name: &str) -> bool {
        match self.recorded_value(name) {
            Some(Recorded::Bool(value)) => value,
            _ => self.word.decl().bool_default(name),
        }
    }

    /// The layer's tensors, as its declaration lists them, given its bool options.
    pub(crate) fn declared_tensors(&self) -> impl Iterator<Item = &'static TensorDecl> + '_ {
        self.word.decl().tensors_with(|option| self.enabled(option))
    }

    /// The layer's tensors and values, as its declaration counts them: on a fixed shape, those
    /// of one position, which every position shares.
    fn counts(&self) -> Counts {
        let (inputs, units) = self.inner_dims();
        self.word
            .decl()
            .counts(inputs, units, |option| self.enabled(option))
    }

    /// Trainable parameters.
    pub(crate) fn params(&self) -> usize {
        self.counts().trainable
    }

    /// Non-trainable values.
    pub(crate) fn non_trainable(&self) -> usize {
        self.counts().non_trainable
    }

    /// Number of tensors, in the order of the layer type's `tensor_info`.
    pub(crate) fn tensors(&self) -> usize {
        self.counts().tensors
    }

    /// Whether training computes something else than inference (dropout, batch
    /// normalization).
    pub(crate) fn trains_differently(&self) -> bool {
        self.word.trains_differently()
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
        let decl = self.word.decl();
        let mut text = decl.word.to_owned();
        let axes = decl.number.kernel_axes();
        match (decl.number, &self.kind) {
            (Number::Units, _) => text.push_str(&format!(" {}", self.output.channels())),
            (Number::Rate(_), Kind::Dropout { rate }) => {
                text.push_str(&format!(" {:?}", rate.single))
            }
            (Number::Filters { .. }, Kind::Conv(conv)) => text.push_str(&format!(
                " {} {}",
                conv.filters,
                window::axes_text(conv.kernel, axes)
            )),
            (
                Number::Kernel { .. },
                Kind::Conv(Conv { kernel, .. }) | Kind::Pool(Pool { kernel, .. }),
            ) => text.push_str(&format!(" {}", window::axes_text(*kernel, axes))),
            _ => {}
        }
        if matches!(decl.activation, Takes::Optional { .. } | Takes::Required)
            && let Some(activation) = self.activation()
        {
            text.push_str(&format!(" {}", activation.act.word()));
        }
        let set: Vec<String> = decl
            .options
            .iter()
            .filter(|o| o.ty.recorded())
            .filter_map(|o| {
                let value = self.recorded_value(o.name)?;
                let default = match o.ty {
                    OptionType::Bool { default } => Recorded::Bool(default),
                    OptionType::Float { default, .. } => Recorded::Float(default),
                    OptionType::Axes { default } => {
                        Recorded::Axes(self.default_axes(default), axes)
                    }
                    OptionType::Count { default } => Recorded::Count(default),
                    OptionType::Word { default, .. } => Recorded::Word(default),
                    _ => return None,
                };
                (value != default).then(|| format!("{} = {value}", o.name))
            })
            .collect();
        if !set.is_empty() {
            text.push_str(&format!(" ({})", set.join(", ")));
        }
        text
    }
}

impl Layer {
    /// The value of an axes option left at its default: 1 on every axis (of a 1-D kind, on its
    /// one axis of steps), or the pool size.
    fn default_axes(&self, default: AxesDefault) -> window::Axes2 {
        match (default, &self.kind) {
            (AxesDefault::PoolSize, Kind::Pool(pool)) => pool.kernel,
            _ => [1, 1],
        }
    }
}

/// The value of a convolution's option `name` that saved files record.
fn conv_value(conv: &Conv, name: &str) -> Option<Recorded> {
    let axes = conv.word.decl().number.kernel_axes();
    Some(match name {
        "strides" => Recorded::Axes(conv.strides, axes),
        "dilation" => Recorded::Axes(conv.dilation, axes),
        "padding" => Recorded::Word(conv.padding.word()),
        "groups" => Recorded::Count(conv.groups),
        "depth_multiplier" => Recorded::Count(conv.depth_multiplier),
        "use_bias" => Recorded::Bool(conv.use_bias),
        "l1" => Recorded::Float(conv.l1.single),
        "l2" => Recorded::Float(conv.l2.single),
        _ => return None,
    })
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
    /// The residual blocks, in the order of their ordinals.
    pub blocks: Vec<Block>,
}

impl Model<'_> {
    pub(crate) fn outputs(&self) -> usize {
        self.output().len()
    }

    /// The shape of one output sample.
    pub(crate) fn output(&self) -> Shape {
        self.layers.last().map_or(self.input, |l| l.output)
    }

    pub(crate) fn params(&self) -> usize {
        self.layers.iter().map(Layer::params).sum::<usize>()
            + self.blocks.iter().map(Block::params).sum::<usize>()
    }

    /// Multiply-accumulates of one sample's inference (of one step, in a sequence network):
    /// the sum of the layers' ([`Layer::macs`]) and the projections'.
    pub(crate) fn macs(&self) -> usize {
        self.layers.iter().map(Layer::macs).sum::<usize>()
            + self.blocks.iter().map(Block::macs).sum::<usize>()
    }

    /// Whether `fit` trains through the batched pass: a layer trains differently (it sees the
    /// whole batch, or draws masks per batch), or a dense layer is large.
    pub(crate) fn trains_in_batches(&self) -> bool {
        self.layers
            .iter()
            .any(|l| l.trains_differently() || l.batched())
    }

    /// The index of the last stepped layer (recurrent, or a streamed convolution), if there
    /// is one.
    pub(crate) fn last_stepped(&self) -> Option<usize> {
        self.layers.iter().rposition(Layer::is_stepped)
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
        if self.blocks.is_empty() {
            for layer in &self.layers {
                text.push_str("; ");
                text.push_str(&layer.text());
            }
            return text;
        }
        // With blocks, every line ends with its `;` and a block with its `}`:
        // `input 4; residual { dense 4 relu; dense 4; } dense 1;`.
        text.push(';');
        for event in self.events() {
            text.push(' ');
            match event {
                Event::Open(b) => {
                    text.push_str(self.blocks[b].text());
                    text.push_str(" {");
                }
                Event::Layer(i) => {
                    text.push_str(&self.layers[i].text());
                    text.push(';');
                }
                Event::Close(_) => text.push('}'),
            }
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

#[cfg(test)]
mod tests {
    use nnet_kinds::Kind;

    use crate::ast::NetworkDef;

    /// Every option that saved files record, of every kind, has its value in the model, and a
    /// line at its defaults records none of them: the model and the declarations name the same
    /// options.
    #[test]
    fn the_model_holds_every_recorded_option() {
        for kind in Kind::ALL {
            let decl = kind.decl();
            let source = crate::tests::example_network(*kind);
            let def: NetworkDef = syn::parse_str(&source).expect("parses");
            let Ok(model) = crate::validate::validate(&def) else {
                panic!("{source} is valid");
            };
            let layer = &model.layers[0];
            for option in decl.options.iter().filter(|o| o.ty.recorded()) {
                assert!(
                    layer.recorded_value(option.name).is_some(),
                    "{kind:?} {}",
                    option.name
                );
            }
            assert!(!layer.text().contains('('), "{}", layer.text());
            let (inputs, units) = layer.inner_dims();
            assert_eq!(layer.counts(), decl.counts(inputs, units, |_| true));
        }
    }

    /// The architecture that saved files record writes each setting as its `f32` always
    /// printed, for either scalar: settings held in `f64` leave existing files matching.
    #[test]
    fn recorded_settings_print_as_their_f32() {
        for scalar in ["", "#[scalar = f64]"] {
            let source = format!(
                "{scalar} struct Net {{ input 3; dense 4 (l1 = 0.1, l2 = 2.5e-4); \
                 batch_norm (momentum = 0.9, epsilon = 1e-5); dropout 0.3; \
                 layer_norm (epsilon = 0.001); batch_norm (momentum = 0.99, epsilon = 0.3); }}"
            );
            let def: NetworkDef = syn::parse_str(&source).expect("parses");
            let Ok(model) = crate::validate::validate(&def) else {
                panic!("{source} is valid");
            };
            assert_eq!(
                model.architecture(),
                "input 3; dense 4 linear (l1 = 0.1, l2 = 0.00025); \
                 batch_norm (momentum = 0.9, epsilon = 1e-5); dropout 0.3; layer_norm; \
                 batch_norm (epsilon = 0.3)",
                "{scalar}"
            );
        }
    }
}
