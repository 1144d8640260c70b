//! The error type of everything in nnet that can fail at run time.

use thiserror::Error;

/// Everything that can go wrong at run time in nnet.
///
/// Each message says what was wrong and how to fix it. Shape mistakes never reach this type:
/// an input, target or weight tensor of the wrong width is a compile error.
///
/// # Examples
///
/// ```
/// use nnet_core::Error;
///
/// let error = Error::EmptyData;
/// assert!(error.to_string().contains("no training samples"));
/// ```
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum Error {
    /// The training or evaluation data holds no samples.
    #[error("there are no training samples: pass at least one input and one target")]
    EmptyData,

    /// Inputs and targets are not of the same length.
    #[error("{inputs} inputs but {targets} targets: give exactly one target per input")]
    LengthMismatch {
        /// Number of inputs given.
        inputs: usize,
        /// Number of targets given.
        targets: usize,
    },

    /// The batch size is zero.
    #[error("the batch size is 0: use a batch size of at least 1 (Keras uses 32)")]
    ZeroBatchSize,

    /// A hyperparameter is out of its valid range.
    #[error("invalid hyperparameter `{name}` = {value}: {expected}")]
    InvalidHyperparameter {
        /// Name of the hyperparameter, e.g. `learning_rate`.
        name: &'static str,
        /// The value that was given.
        value: f64,
        /// What a valid value looks like.
        expected: &'static str,
    },

    /// An input sample contains NaN or infinity.
    #[error(
        "input row {row} contains a non-finite value ({value}) at column {column}: clean or impute the data before training"
    )]
    NonFiniteInput {
        /// Index of the offending sample.
        row: usize,
        /// Index of the offending feature.
        column: usize,
        /// The offending value.
        value: f32,
    },

    /// A target contains NaN or infinity, or a value the loss cannot accept.
    #[error("target row {row} is invalid: {reason}")]
    InvalidTarget {
        /// Index of the offending sample.
        row: usize,
        /// What is wrong with it and what the loss expects.
        reason: String,
    },

    /// The validation split is outside `[0, 1)` or leaves no training data.
    #[error(
        "validation split {split} is invalid: use a fraction in [0, 1) that leaves at least one training sample"
    )]
    InvalidValidationSplit {
        /// The split that was given.
        split: f64,
    },

    /// The loss became NaN or infinite during training.
    #[error(
        "training diverged at epoch {epoch}, batch {batch}: the loss became {loss}; lower the learning rate or clip gradients (the weights were left at their last finite values)"
    )]
    Diverged {
        /// Epoch (1-based) in which the loss became non-finite.
        epoch: usize,
        /// Batch (1-based) within the epoch.
        batch: usize,
        /// The non-finite loss value.
        loss: f32,
    },

    /// A training callback asked for an error to be raised.
    #[error("callback error: {0}")]
    Callback(String),

    /// Reading or writing weights failed.
    #[error("weights: {0}")]
    Weights(String),

    /// A CSV data file is malformed (see [`datasets::load_csv`](crate::datasets::load_csv)).
    #[error("{file}, line {line}: {reason}")]
    Csv {
        /// The file (or `"CSV text"` for data parsed from a string).
        file: String,
        /// The line at fault, from 1.
        line: usize,
        /// What is wrong with it and what was expected.
        reason: String,
    },

    /// An I/O error, e.g. when reading a weight file.
    #[error("i/o error: {0}")]
    Io(String),
}

impl From<std::io::Error> for Error {
    fn from(error: std::io::Error) -> Self {
        Error::Io(error.to_string())
    }
}

/// A `Result` whose error is [`Error`](enum@Error).
pub type Result<T, E = Error> = core::result::Result<T, E>;
