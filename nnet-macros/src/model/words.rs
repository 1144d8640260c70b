//! The words of the grammar: activations and initializers, each with its `nnet_core` name, and
//! the layer kinds, whose words, options and example lines the declarations of `nnet_kinds`
//! hold.

use proc_macro2::Ident;
use quote::format_ident;

use super::Decimal;

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
    pub(crate) fn default_alpha(self) -> Option<Decimal> {
        match self {
            Act::LeakyRelu => Some(Decimal::of_f32(0.3)),
            Act::Elu => Some(Decimal::of_f32(1.0)),
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

/// The layer kinds of the grammar: `nnet_kinds`'s, each the `nnet_core::LayerKind` variant of
/// the same name, with its declaration (its word, what its line takes, its options, its
/// tensors) read from there.
pub(crate) use nnet_kinds::Kind as KindWord;

/// What the macro reads of a kind beyond its declaration's fields.
pub(crate) trait KindWords {
    /// The `nnet_core::LayerKind` variant (and, for a recurrent kind, the `nnet_core::layer`
    /// type) of the same name: `Dense`, `BatchNorm`, `Gru`.
    fn ident(self) -> Ident;
    /// The options the kind takes, in the order of its declaration.
    fn option_names(self) -> Vec<&'static str>;
    /// Whether the kind takes the option `name`.
    fn takes_option(self, name: &str) -> bool;
}

impl KindWords for KindWord {
    fn ident(self) -> Ident {
        format_ident!("{}", format!("{self:?}"))
    }

    fn option_names(self) -> Vec<&'static str> {
        self.decl().options.iter().map(|o| o.name).collect()
    }

    fn takes_option(self, name: &str) -> bool {
        self.decl().option(name).is_some()
    }
}

/// Every kind's word, in the declarations' order.
pub(crate) fn kind_words() -> Vec<&'static str> {
    KindWord::ALL.iter().map(|k| k.name()).collect()
}
