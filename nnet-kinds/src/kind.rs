//! [`Kind`]: the kinds of layer `network!` knows, each with its declaration.

use crate::decl::KindDecl;
use crate::kinds;

/// Declares [`Kind`] from one line per kind: its variant and its declaration.
macro_rules! kinds {
    ($($(#[$doc:meta])* $variant:ident => $decl:path,)*) => {
        /// The kinds of layer `network!` knows, in the order messages list them; each has one
        /// declaration ([`Kind::decl`]) that every crate of nnet reads.
        ///
        /// # Examples
        ///
        /// ```
        /// use nnet_kinds::Kind;
        ///
        /// assert_eq!(Kind::BatchNorm.name(), "batch_norm");
        /// assert_eq!(Kind::BatchNorm.keras_name(), "BatchNormalization");
        /// assert_eq!(Kind::from_word("lstm"), Some(Kind::Lstm));
        /// assert!(Kind::Dropout.trains_differently() && Kind::Gru.is_recurrent());
        /// assert_eq!(Kind::Lstm.gates(), 4);
        /// assert_eq!(Kind::ALL.len(), 18);
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Kind {
            $($(#[$doc])* $variant,)*
        }

        impl Kind {
            /// Every kind, in the order of the grammar's documentation.
            pub const ALL: &'static [Kind] = &[$(Kind::$variant,)*];

            /// Everything nnet knows about the kind.
            pub const fn decl(self) -> &'static KindDecl {
                match self {
                    $(Kind::$variant => &$decl,)*
                }
            }
        }
    };
}

kinds! {
    /// `dense N [activation] [(options)]`: `act(W x + b)`.
    Dense => kinds::dense::DENSE,
    /// `activation ACT`: an activation on its own.
    Activation => kinds::activation::ACTIVATION,
    /// `dropout RATE`: inverted dropout in training, the identity at inference.
    Dropout => kinds::dropout::DROPOUT,
    /// `batch_norm [(options)]`: batch normalization.
    BatchNorm => kinds::batch_norm::BATCH_NORM,
    /// `layer_norm [(options)]`: layer normalization.
    LayerNorm => kinds::layer_norm::LAYER_NORM,
    /// `simple_rnn N [activation] [(options)]`: a fully connected recurrent layer.
    SimpleRnn => kinds::simple_rnn::SIMPLE_RNN,
    /// `gru N [(options)]`: a gated recurrent unit layer (Keras's, `reset_after = true`).
    Gru => kinds::gru::GRU,
    /// `lstm N [(options)]`: a long short-term memory layer.
    Lstm => kinds::lstm::LSTM,
    /// `flatten`: a fixed shape to a vector of its values, in the channels-last order.
    Flatten => kinds::flatten::FLATTEN,
    /// `conv1d FILTERS KERNEL [activation] [(options)]`: a 1-D convolution.
    Conv1d => kinds::conv::CONV1D,
    /// `conv2d FILTERS KERNEL [activation] [(options)]`: a 2-D convolution.
    Conv2d => kinds::conv::CONV2D,
    /// `depthwise_conv2d KERNEL [activation] [(options)]`: a 2-D convolution per channel.
    DepthwiseConv2d => kinds::conv::DEPTHWISE_CONV2D,
    /// `max_pool1d SIZE [(options)]`: the maximum over a window of steps.
    MaxPool1d => kinds::pool::MAX_POOL1D,
    /// `avg_pool1d SIZE [(options)]`: the mean over a window of steps.
    AvgPool1d => kinds::pool::AVG_POOL1D,
    /// `max_pool2d SIZE [(options)]`: the maximum over a window of pixels.
    MaxPool2d => kinds::pool::MAX_POOL2D,
    /// `avg_pool2d SIZE [(options)]`: the mean over a window of pixels.
    AvgPool2d => kinds::pool::AVG_POOL2D,
    /// `global_avg_pool`: the mean of each channel over every position.
    GlobalAvgPool => kinds::pool::GLOBAL_AVG_POOL,
    /// `global_max_pool`: the maximum of each channel over every position.
    GlobalMaxPool => kinds::pool::GLOBAL_MAX_POOL,
}

impl Kind {
    /// The word of the grammar, which also names the layer's fields (`dense1`, `batch_norm1`).
    pub const fn name(self) -> &'static str {
        self.decl().word
    }

    /// The kind whose word is `word`.
    pub fn from_word(word: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.name() == word)
    }

    /// The kinds that take the option `name`, for messages (`alpha` is an option of `dense`,
    /// `activation` and `simple_rnn`).
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_kinds::Kind;
    ///
    /// let owners: Vec<&str> = Kind::owners_of("alpha").map(Kind::name).collect();
    /// assert_eq!(owners[..3], ["dense", "activation", "simple_rnn"]);
    /// assert_eq!(Kind::owners_of("depth_multiplier").count(), 1);
    /// ```
    pub fn owners_of(name: &str) -> impl Iterator<Item = Kind> + '_ {
        Kind::ALL
            .iter()
            .copied()
            .filter(move |k| k.decl().option(name).is_some())
    }

    /// The class of the same layer in Keras, as `summary()` shows it.
    pub const fn keras_name(self) -> &'static str {
        self.decl().keras_class
    }

    /// Whether the layer carries a state from one step of a sequence to the next
    /// (`simple_rnn`, `gru`, `lstm`).
    pub const fn is_recurrent(self) -> bool {
        self.decl().is_recurrent()
    }

    /// Whether the layer computes something else in training than at inference (dropout,
    /// batch normalization): networks with such a layer train through the batched pass.
    pub const fn trains_differently(self) -> bool {
        self.decl().trains_differently
    }

    /// Gates side by side in the kernels: 3 for `gru`, 4 for `lstm`, 1 for the others.
    pub const fn gates(self) -> usize {
        self.decl().gate_count()
    }

    /// Whether the kind has tensors (activation and dropout layers have none).
    pub const fn has_tensors(self) -> bool {
        self.decl().has_tensors()
    }
}

#[cfg(test)]
mod tests {
    use super::Kind;

    #[test]
    fn words_are_unique_and_found() {
        for (i, kind) in Kind::ALL.iter().enumerate() {
            assert_eq!(Kind::from_word(kind.name()), Some(*kind));
            assert!(Kind::ALL[..i].iter().all(|k| k.name() != kind.name()));
        }
        assert_eq!(Kind::from_word("conv"), None);
    }

    #[test]
    fn options_and_tensors_are_unique_within_a_kind() {
        for kind in Kind::ALL {
            let decl = kind.decl();
            for (i, option) in decl.options.iter().enumerate() {
                assert!(decl.options[..i].iter().all(|o| o.name != option.name));
            }
            for (i, tensor) in decl.tensors.iter().enumerate() {
                assert!(decl.tensors[..i].iter().all(|t| t.name != tensor.name));
                // A tensor present only with an option names a bool option of the kind.
                if let Some(option) = tensor.only_with {
                    assert!(decl.option(option).is_some(), "{kind:?} {option}");
                }
            }
            if let Some(recurrence) = decl.recurrence {
                assert_eq!(
                    recurrence.gates.len(),
                    recurrence.pytorch_gates.len(),
                    "{kind:?}"
                );
            }
        }
    }
}
