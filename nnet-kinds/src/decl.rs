//! The shape of a kind's declaration: what its line takes, its options, its tensors and its
//! names in Keras and PyTorch. Each kind fills one [`KindDecl`] in its own file of `kinds/`.

/// Everything nnet knows about one kind of layer, in one place.
///
/// The macro reads the line's grammar and options from it, the weight loader and the importers
/// the tensors and their foreign names, `summary()` and the docs the Keras names. Reach a kind's
/// declaration through [`Kind::decl`](crate::Kind::decl).
///
/// # Examples
///
/// ```
/// use nnet_kinds::{Activation, Kind, Number};
///
/// let gru = Kind::Gru.decl();
/// assert_eq!((gru.word, gru.keras_class, gru.keras_cell()), ("gru", "GRU", Some("gru_cell")));
/// assert_eq!(gru.number, Number::Units);
/// assert!(matches!(gru.activation, Activation::Fixed(_)));
/// assert_eq!(gru.tensors.len(), 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KindDecl {
    /// The word of `network!`'s grammar, which also names the layer's fields (`dense1`) and
    /// its tensors in nnet's files (`dense1.weight`).
    pub word: &'static str,
    /// The line's form in the grammar: `dense N [activation] [(options)]`.
    pub form: &'static str,
    /// A line of the kind that compiles, for messages: `dense 10 relu;`.
    pub example: &'static str,
    /// What one line computes, in a sentence.
    pub summary: &'static str,
    /// The number after the word: none, the units, or a rate.
    pub number: Number,
    /// Whether the line takes an activation.
    pub activation: Activation,
    /// The options in parentheses, each with its type and Keras's default.
    pub options: &'static [OptionDecl],
    /// The tensors, in the order of the layer type's `tensor_info` and of nnet's files.
    pub tensors: &'static [TensorDecl],
    /// The class of the same layer in Keras, as `summary()` shows it: `BatchNormalization`.
    pub keras_class: &'static str,
    /// The base of Keras's default layer names: `batch_normalization`, then
    /// `batch_normalization_1`, …
    pub keras_layer_name: &'static str,
    /// The PyTorch module nnet imports the kind from (`nn.BatchNorm1d`), if it has tensors.
    pub pytorch_class: Option<&'static str>,
    /// Parameters of the PyTorch module that the import skips, whatever their dtype and shape
    /// (`num_batches_tracked`, a 0-d I64 in real files).
    pub pytorch_skipped: &'static [&'static str],
    /// What a recurrent kind (one that carries a state from one step of a sequence to the
    /// next) adds: its cell and gates. `None` for the others.
    pub recurrence: Option<Recurrence>,
    /// Whether the layer computes something else in training than at inference (dropout,
    /// batch normalization): networks with such a layer train through the batched pass.
    pub trains_differently: bool,
}

/// What a recurrent kind adds to its declaration.
///
/// # Examples
///
/// ```
/// use nnet_kinds::Kind;
///
/// let lstm = Kind::Lstm.decl().recurrence.unwrap();
/// assert_eq!((lstm.keras_cell, lstm.gates.len(), lstm.bias_rows), ("lstm_cell", 4, 1));
/// assert!(Kind::Dense.decl().recurrence.is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recurrence {
    /// The name of the cell that holds a Keras recurrent layer's variables: `lstm_cell`.
    pub keras_cell: &'static str,
    /// The gates side by side in the kernels, in Keras's (and nnet's) order:
    /// `["i", "f", "c", "o"]` for an LSTM.
    pub gates: &'static [&'static str],
    /// The same gates in PyTorch's order (`["r", "z", "n"]` for a GRU): where it differs from
    /// Keras's, the import reorders the blocks of rows.
    pub pytorch_gates: &'static [&'static str],
    /// Rows of the bias in Keras (2 for a GRU with `reset_after = true`: the input and the
    /// recurrent bias), else 1.
    pub bias_rows: usize,
}

/// The number that follows a kind's word.
///
/// # Examples
///
/// ```
/// use nnet_kinds::{Kind, Number};
///
/// assert_eq!(Kind::Dense.decl().number, Number::Units);
/// assert_eq!(Kind::BatchNorm.decl().number, Number::None);
/// let Number::Rate(range) = Kind::Dropout.decl().number else { unreachable!() };
/// assert!(range.contains(0.5) && !range.contains(1.0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// No number: the layer's output follows from the shape it reads (the previous layer's
    /// width, or for `flatten` the vector of all its values).
    None,
    /// The number of units, a whole number from 1 to [`MAX_UNITS`](crate::MAX_UNITS).
    Units,
    /// A rate within the range (dropout's fraction of units dropped); the width is the
    /// previous layer's.
    Rate(Range),
    /// The number of filters, then the kernel: `conv2d 64 (10, 4)`. The kernel is one whole
    /// number per axis of the window (`axes`: 1 for `conv1d`, 2 for `conv2d`), written as one
    /// number for every axis or a tuple of `axes` numbers. The layer's units are its filters.
    Filters {
        /// Axes of the kernel: 1 or 2.
        axes: usize,
    },
    /// The kernel (or pool size) alone, one number for every axis or a tuple of `axes`:
    /// `depthwise_conv2d 3`, `max_pool2d (2, 2)`.
    Kernel {
        /// Axes of the window: 1 or 2.
        axes: usize,
    },
}

impl Number {
    /// The axes of the window the line's kernel describes: 0 for kinds without a kernel.
    pub const fn kernel_axes(self) -> usize {
        match self {
            Number::Filters { axes } | Number::Kernel { axes } => axes,
            _ => 0,
        }
    }
}

/// Whether a kind's line takes an activation after its number.
///
/// # Examples
///
/// ```
/// use nnet_kinds::{Activation, Kind};
///
/// assert_eq!(Kind::Dense.decl().activation, Activation::Optional { default: "linear" });
/// assert_eq!(Kind::SimpleRnn.decl().activation, Activation::Optional { default: "tanh" });
/// assert_eq!(Kind::Activation.decl().activation, Activation::Required);
/// assert_eq!(Kind::LayerNorm.decl().activation, Activation::None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// None: an activation goes on its own line.
    None,
    /// Optional, with the activation of the kind when none is written (Keras's default).
    Optional {
        /// The activation's word: `linear`, `tanh`.
        default: &'static str,
    },
    /// Required: the line is the activation.
    Required,
    /// Fixed as in Keras; the text says which (`sigmoid on the gates, tanh on the candidate
    /// state`).
    Fixed(&'static str),
}

/// One option of a kind: `name = value` in the line's parentheses.
///
/// # Examples
///
/// ```
/// use nnet_kinds::{Kind, OptionType};
///
/// let momentum = Kind::BatchNorm.decl().option("momentum").unwrap();
/// let OptionType::Float { default, range } = momentum.ty else { unreachable!() };
/// assert_eq!(default, 0.99);
/// assert!(range.contains(1.0) && !range.contains(1.5));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OptionDecl {
    /// The option's name: `init`, `use_bias`, `momentum`.
    pub name: &'static str,
    /// Its values and its default.
    pub ty: OptionType,
    /// What it sets, in a sentence.
    pub doc: &'static str,
}

/// The values an option takes, with Keras's default.
///
/// # Examples
///
/// ```
/// use nnet_kinds::{Kind, OptionType};
///
/// let init = Kind::Lstm.decl().option("recurrent_init").unwrap();
/// assert_eq!(init.ty, OptionType::Initializer { default: "orthogonal" });
/// assert_eq!(Kind::Dense.decl().option("use_bias").unwrap().ty, OptionType::Bool { default: true });
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OptionType {
    /// An initializer's name (`glorot_uniform`, `zeros`, …).
    Initializer {
        /// Keras's default.
        default: &'static str,
    },
    /// `true` or `false`.
    Bool {
        /// Keras's default.
        default: bool,
    },
    /// A number within the range.
    Float {
        /// Keras's default.
        default: f32,
        /// The values allowed.
        range: Range,
    },
    /// The parameter of the activation (`alpha`): its default is the activation's (0.3 for
    /// `leaky_relu`, 1.0 for `elu`), and it applies only to activations that take one.
    ActivationParameter,
    /// A whole number of at least 1 for every axis of the window, written as one number for
    /// all axes or a tuple of one per axis: `strides = 2`, `dilation = (1, 2)`.
    Axes {
        /// The value when the option is not written.
        default: AxesDefault,
    },
    /// A whole number of at least 1: `groups`, `depth_multiplier`.
    Count {
        /// Keras's default.
        default: usize,
    },
    /// One of a few words: `padding = same`.
    Word {
        /// Keras's default.
        default: &'static str,
        /// The words the kind accepts, in the order messages list them.
        words: &'static [&'static str],
    },
}

/// The default of an [`OptionType::Axes`] option.
///
/// # Examples
///
/// ```
/// use nnet_kinds::{AxesDefault, Kind, OptionType};
///
/// let strides = Kind::MaxPool2d.decl().option("strides").unwrap();
/// assert_eq!(strides.ty, OptionType::Axes { default: AxesDefault::PoolSize });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AxesDefault {
    /// 1 on every axis.
    One,
    /// The kernel (pool size) of the same line, as Keras's pooling `strides = None`.
    PoolSize,
}

impl OptionType {
    /// Whether the architecture that saved files record (`nnet.architecture`) writes the option
    /// when its value differs from the default: bools, floats, axes, counts and words do;
    /// initializers, which only
    /// choose the starting weights, do not, nor does `alpha`, which files saved before other
    /// kinds existed never recorded.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_kinds::Kind;
    ///
    /// let dense = Kind::Dense.decl();
    /// let recorded: Vec<&str> =
    ///     dense.options.iter().filter(|o| o.ty.recorded()).map(|o| o.name).collect();
    /// assert_eq!(recorded, ["use_bias", "l1", "l2"]);
    /// ```
    pub const fn recorded(&self) -> bool {
        matches!(
            self,
            OptionType::Bool { .. }
                | OptionType::Float { .. }
                | OptionType::Axes { .. }
                | OptionType::Count { .. }
                | OptionType::Word { .. }
        )
    }
}

/// A range of `f32`: from `min` to `max`, each end in or out. NaN is in no range, and an
/// infinite end that is out keeps every value finite.
///
/// # Examples
///
/// ```
/// use nnet_kinds::Range;
///
/// let positive = Range { min: 0.0, min_inclusive: false, max: f32::INFINITY, max_inclusive: false };
/// assert!(positive.contains(1e-3) && !positive.contains(0.0));
/// assert!(!positive.contains(f32::INFINITY) && !positive.contains(f32::NAN));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// The lower end.
    pub min: f32,
    /// Whether `min` itself is in.
    pub min_inclusive: bool,
    /// The upper end.
    pub max: f32,
    /// Whether `max` itself is in.
    pub max_inclusive: bool,
}

impl Range {
    /// `[0, ∞)`, finite: a factor of 0 or more.
    pub const NON_NEGATIVE: Range = Range {
        min: 0.0,
        min_inclusive: true,
        max: f32::INFINITY,
        max_inclusive: false,
    };
    /// `(0, ∞)`, finite: a number above 0.
    pub const POSITIVE: Range = Range {
        min: 0.0,
        min_inclusive: false,
        max: f32::INFINITY,
        max_inclusive: false,
    };
    /// `[0, 1]`.
    pub const UNIT: Range = Range {
        min: 0.0,
        min_inclusive: true,
        max: 1.0,
        max_inclusive: true,
    };
    /// `[0, 1)`.
    pub const FRACTION: Range = Range {
        min: 0.0,
        min_inclusive: true,
        max: 1.0,
        max_inclusive: false,
    };

    /// Whether `value` is in the range.
    pub fn contains(&self, value: f32) -> bool {
        let above = if self.min_inclusive {
            value >= self.min
        } else {
            value > self.min
        };
        let below = if self.max_inclusive {
            value <= self.max
        } else {
            value < self.max
        };
        above && below
    }
}

/// One tensor of a kind: its name and shape in nnet, whether it trains, and its names and
/// layouts in PyTorch and Keras.
///
/// # Examples
///
/// ```
/// use nnet_kinds::{Dim, Kind};
///
/// let bias = Kind::Gru.decl().tensor("bias").unwrap();
/// assert_eq!((bias.rows, bias.cols), (Dim::GateUnits, Some(Dim::BiasRows)));
/// assert_eq!(bias.pytorch, ["bias_ih", "bias_hh"]);
/// assert_eq!(Kind::Gru.decl().shape(bias, 5, 4), (12, Some(2)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TensorDecl {
    /// The name within the layer, in nnet's files (`dense1.weight`) and `tensor_info`.
    pub name: &'static str,
    /// Rows: nnet's files store a matrix `[rows, cols]` row-major, a vector `[rows]`; memory
    /// holds it column-major.
    pub rows: Dim,
    /// Columns of a matrix, or `None` for a vector.
    pub cols: Option<Dim>,
    /// Whether optimizers train it (moving statistics do not).
    pub trainable: bool,
    /// The bool option without which the layer has no such tensor (`use_bias`), if any.
    pub only_with: Option<&'static str>,
    /// Its parameters in a PyTorch module, without the `_l{j}` of a recurrent module's layer:
    /// one (`running_mean`), or two whose values nnet combines (`bias_ih`, `bias_hh`: added
    /// into a vector, or the two columns of a matrix).
    pub pytorch: &'static [&'static str],
    /// Its variable in a Keras layer (in its cell, for a recurrent layer).
    pub keras: &'static str,
    /// Whether Keras stores it transposed, `[cols, rows]` (kernels `[inputs, units]`).
    pub keras_transposed: bool,
    /// What it holds, for the docs.
    pub doc: &'static str,
}

/// One axis of a tensor, as a function of the layer's inputs, units and gates.
///
/// # Examples
///
/// ```
/// use nnet_kinds::{Dim, Kind};
///
/// let lstm = Kind::Lstm.decl();
/// assert_eq!(Dim::GateUnits.size(lstm, 3, 5), 20);
/// assert_eq!(Dim::GateUnits.to_string(), "gates·units");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dim {
    /// The values one unit reads: the previous layer's units for dense and recurrent layers.
    Inputs,
    /// The values one filter of a convolution reads at one position: its taps × the input
    /// channels of its group (the same size as [`Dim::Inputs`], named for convolutions).
    Patch,
    /// A convolution's filters (its output channels; the same size as [`Dim::Units`]).
    Filters,
    /// The layer's units.
    Units,
    /// The gates times the units (a recurrent layer's kernels).
    GateUnits,
    /// The rows of a recurrent layer's bias in Keras ([`Recurrence::bias_rows`]).
    BiasRows,
}

impl Dim {
    /// The size of the axis for a layer of `decl` from `inputs` to `units`.
    pub const fn size(self, decl: &KindDecl, inputs: usize, units: usize) -> usize {
        match self {
            Dim::Inputs | Dim::Patch => inputs,
            Dim::Units | Dim::Filters => units,
            Dim::GateUnits => decl.gate_count() * units,
            Dim::BiasRows => decl.bias_rows(),
        }
    }
}

impl core::fmt::Display for Dim {
    /// `inputs`, `units`, `gates·units`, `2`… as the docs write shapes.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Dim::Inputs => "inputs",
            Dim::Patch => "taps·in/groups",
            Dim::Filters => "filters",
            Dim::Units => "units",
            Dim::GateUnits => "gates·units",
            Dim::BiasRows => "bias rows",
        })
    }
}

impl KindDecl {
    /// The option called `name`, if the kind takes it.
    pub fn option(&self, name: &str) -> Option<&'static OptionDecl> {
        self.options.iter().find(|o| o.name == name)
    }

    /// The tensor called `name`, if the kind has it.
    pub fn tensor(&self, name: &str) -> Option<&'static TensorDecl> {
        self.tensors.iter().find(|t| t.name == name)
    }

    /// Whether the layer carries a state from one step of a sequence to the next.
    pub const fn is_recurrent(&self) -> bool {
        self.recurrence.is_some()
    }

    /// The name of the cell of a Keras recurrent layer (`lstm_cell`).
    pub const fn keras_cell(&self) -> Option<&'static str> {
        match self.recurrence {
            Some(r) => Some(r.keras_cell),
            None => None,
        }
    }

    /// The gates in Keras's order (empty for a kind that is not recurrent).
    pub const fn gates(&self) -> &'static [&'static str] {
        match self.recurrence {
            Some(r) => r.gates,
            None => &[],
        }
    }

    /// Gates side by side in the kernels: 1 for every kind but `gru` (3) and `lstm` (4).
    pub const fn gate_count(&self) -> usize {
        match self.recurrence {
            Some(r) => r.gates.len(),
            None => 1,
        }
    }

    /// Rows of a recurrent layer's bias in Keras: 2 for `gru`, 1 for the others.
    pub const fn bias_rows(&self) -> usize {
        match self.recurrence {
            Some(r) => r.bias_rows,
            None => 1,
        }
    }

    /// Whether the kind has tensors at all (activation and dropout layers have none).
    pub const fn has_tensors(&self) -> bool {
        !self.tensors.is_empty()
    }

    /// Whether PyTorch's first two gates are swapped against Keras's (a GRU's `r, z` and
    /// `z, r`): the import then swaps the first two blocks of rows.
    pub fn pytorch_swaps_gates(&self) -> bool {
        matches!(
            self.recurrence,
            Some(Recurrence { gates: [a, b, ..], pytorch_gates: [c, d, ..], .. }) if a == d && b == c
        )
    }

    /// `[rows, cols]` of `tensor` (`cols` `None` for a vector) for a layer from `inputs` to
    /// `units`.
    pub const fn shape(
        &self,
        tensor: &TensorDecl,
        inputs: usize,
        units: usize,
    ) -> (usize, Option<usize>) {
        let rows = tensor.rows.size(self, inputs, units);
        match tensor.cols {
            Some(cols) => (rows, Some(cols.size(self, inputs, units))),
            None => (rows, None),
        }
    }

    /// The tensors a layer has, given the value of each bool option (`use_bias = false`
    /// drops the dense bias).
    pub fn tensors_with<F: Fn(&str) -> bool>(
        &self,
        enabled: F,
    ) -> impl Iterator<Item = &'static TensorDecl> + use<F> {
        let tensors: &'static [TensorDecl] = self.tensors;
        tensors
            .iter()
            .filter(move |t| t.only_with.is_none_or(&enabled))
    }

    /// The default of the bool option `name` (`false` for an option the kind does not take).
    pub fn bool_default(&self, name: &str) -> bool {
        matches!(
            self.option(name),
            Some(OptionDecl {
                ty: OptionType::Bool { default: true },
                ..
            })
        )
    }

    /// Counts of a layer from `inputs` to `units`, given the value of each bool option.
    pub fn counts(&self, inputs: usize, units: usize, enabled: impl Fn(&str) -> bool) -> Counts {
        let mut counts = Counts::default();
        for tensor in self.tensors_with(enabled) {
            let (rows, cols) = self.shape(tensor, inputs, units);
            let values = rows * cols.unwrap_or(1);
            counts.tensors += 1;
            if tensor.trainable {
                counts.trainable += values;
            } else {
                counts.non_trainable += values;
            }
        }
        counts
    }
}

/// How many tensors and values a layer holds: Keras's "Trainable params" and "Non-trainable
/// params" of the layer.
///
/// # Examples
///
/// ```
/// use nnet_kinds::{Counts, Kind};
///
/// let dense = Kind::Dense.decl();
/// assert_eq!(dense.counts(3, 4, |_| true), Counts { tensors: 2, trainable: 16, non_trainable: 0 });
/// assert_eq!(dense.counts(3, 4, |option| option != "use_bias").trainable, 12);
/// assert_eq!(Kind::BatchNorm.decl().counts(5, 5, |_| true).non_trainable, 10);
/// // A GRU of 4 units over 5 inputs: (5 + 4 + 2) · 3 · 4.
/// assert_eq!(Kind::Gru.decl().counts(5, 4, |_| true).trainable, 132);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Tensors, trainable or not.
    pub tensors: usize,
    /// Trainable values.
    pub trainable: usize,
    /// Non-trainable values (moving statistics).
    pub non_trainable: usize,
}
