//! The words of the grammar: activations, initializers and layer kinds, each with its
//! `nnet_core` name, and the options and an example line of each kind.

use proc_macro2::Ident;
use quote::format_ident;

/// Defines a fieldless enum of grammar words with its `nnet_core` names.
macro_rules! words {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $word:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum $name { $($variant,)* }

        impl $name {
            pub(crate) const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The word of the grammar.
            pub(crate) fn word(self) -> &'static str {
                match self { $($name::$variant => $word,)* }
            }

            /// The `nnet_core` type or variant of the same name.
            pub(crate) fn ident(self) -> Ident {
                match self { $($name::$variant => format_ident!(stringify!($variant)),)* }
            }

            pub(crate) fn from_word(word: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|w| w.word() == word)
            }

            pub(crate) fn words() -> Vec<&'static str> {
                Self::ALL.iter().map(|w| w.word()).collect()
            }
        }
    };
}

words! {
    /// The activations of the grammar, each the `nnet_core::activation` type of its name.
    Act {
        Linear = "linear",
        Relu = "relu",
        Sigmoid = "sigmoid",
        Tanh = "tanh",
        Softmax = "softmax",
        Step = "step",
        LeakyRelu = "leaky_relu",
        Elu = "elu",
        Selu = "selu",
        Gelu = "gelu",
        Silu = "silu",
        Softplus = "softplus",
        Softsign = "softsign",
        HardSigmoid = "hard_sigmoid",
        Exponential = "exponential",
    }
}

impl Act {
    /// Keras's default `alpha` of the activations that take one.
    pub(crate) fn default_alpha(self) -> Option<f32> {
        match self {
            Act::LeakyRelu => Some(0.3),
            Act::Elu => Some(1.0),
            _ => None,
        }
    }
}

words! {
    /// The initializers of the grammar, each a `nnet_core::Initializer` variant.
    Init {
        Zeros = "zeros",
        Ones = "ones",
        Uniform = "uniform",
        Normal = "normal",
        GlorotUniform = "glorot_uniform",
        GlorotNormal = "glorot_normal",
        HeUniform = "he_uniform",
        HeNormal = "he_normal",
        LecunUniform = "lecun_uniform",
        LecunNormal = "lecun_normal",
        Orthogonal = "orthogonal",
    }
}

words! {
    /// The layer kinds of the grammar, each a `nnet_core::LayerKind` variant.
    KindWord {
        Dense = "dense",
        Activation = "activation",
        Dropout = "dropout",
        BatchNorm = "batch_norm",
        LayerNorm = "layer_norm",
        SimpleRnn = "simple_rnn",
        Gru = "gru",
        Lstm = "lstm",
        Flatten = "flatten",
    }
}

impl KindWord {
    /// Whether the kind is a recurrent layer.
    pub(crate) fn is_recurrent(self) -> bool {
        matches!(self, KindWord::SimpleRnn | KindWord::Gru | KindWord::Lstm)
    }
}

/// Options of `dense`.
const DENSE_OPTIONS: &[&str] = &["init", "bias_init", "alpha", "use_bias", "l1", "l2"];

/// Options of `gru` and `lstm`.
const RECURRENT_OPTIONS: &[&str] = &["return_sequences", "init", "recurrent_init", "bias_init"];

/// Options of `simple_rnn`: the recurrent ones and the `alpha` of its activation.
const SIMPLE_RNN_OPTIONS: &[&str] = &[
    "return_sequences",
    "init",
    "recurrent_init",
    "bias_init",
    "alpha",
];

impl KindWord {
    /// The options the kind takes.
    pub(crate) fn options(self) -> &'static [&'static str] {
        match self {
            KindWord::SimpleRnn => SIMPLE_RNN_OPTIONS,
            KindWord::Gru | KindWord::Lstm => RECURRENT_OPTIONS,
            KindWord::Dense => DENSE_OPTIONS,
            KindWord::Activation => &["alpha"],
            KindWord::Dropout => &[],
            KindWord::BatchNorm => &["momentum", "epsilon"],
            KindWord::LayerNorm => &["epsilon"],
            KindWord::Flatten => &[],
        }
    }

    /// A line of the kind that compiles, for messages.
    pub(crate) fn example(self) -> &'static str {
        match self {
            KindWord::Dense => "dense 10 relu;",
            KindWord::Activation => "activation relu;",
            KindWord::Dropout => "dropout 0.5;",
            KindWord::BatchNorm => "batch_norm;",
            KindWord::LayerNorm => "layer_norm;",
            KindWord::SimpleRnn => "simple_rnn 16;",
            KindWord::Gru => "gru 16;",
            KindWord::Lstm => "lstm 16;",
            KindWord::Flatten => "flatten;",
        }
    }
}
