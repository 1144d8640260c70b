//! The error type of everything in nnet that can fail at run time.

use core::fmt;

/// Everything that can go wrong at run time in nnet.
///
/// Each message says what was wrong and how to fix it. Shape mistakes never reach this type:
/// an input, target or weight tensor of the wrong width is a compile error. Errors about data
/// name which data ([`DataRole`]): training, validation or evaluation data, or a data set.
///
/// # Examples
///
/// ```
/// use nnet_core::{DataRole, Error};
///
/// let error = Error::EmptyData { data: DataRole::Validation };
/// assert!(error.to_string().contains("no samples in the validation data"));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// The training, validation or evaluation data hold no samples.
    EmptyData {
        /// Which data are empty.
        data: DataRole,
    },

    /// Inputs and targets are not of the same length.
    LengthMismatch {
        /// Which data.
        data: DataRole,
        /// Number of inputs given.
        inputs: usize,
        /// Number of targets given.
        targets: usize,
    },

    /// The batch size is zero.
    ZeroBatchSize,

    /// A hyperparameter is out of its valid range.
    InvalidHyperparameter {
        /// Name of the hyperparameter, e.g. `learning_rate`.
        name: &'static str,
        /// The value that was given.
        value: f64,
        /// What a valid value looks like.
        expected: &'static str,
    },

    /// An input sample contains NaN or infinity.
    NonFiniteInput {
        /// Which data.
        data: DataRole,
        /// Index of the offending sample.
        row: usize,
        /// Index of the offending feature.
        column: usize,
        /// The offending value.
        value: f32,
    },

    /// A sequence of a sequence data set has no steps.
    EmptySequence {
        /// Which data.
        data: DataRole,
        /// Index of the empty sequence.
        sequence: usize,
    },

    /// A step of a sequence contains NaN or infinity.
    NonFiniteStep {
        /// Which data.
        data: DataRole,
        /// Index of the sequence.
        sequence: usize,
        /// Index of the step within the sequence.
        step: usize,
        /// Index of the offending feature.
        feature: usize,
        /// The offending value.
        value: f32,
    },

    /// A sequence data set has the wrong number of targets for the network: one per sequence,
    /// or one per step for a network whose last recurrent layer returns sequences.
    TargetCount {
        /// Which data.
        data: DataRole,
        /// Number of targets given.
        targets: usize,
        /// Number of sequences.
        sequences: usize,
        /// Number of steps of all sequences.
        steps: usize,
        /// `"sequence"` or `"step"`.
        per: &'static str,
        /// Number of targets needed.
        expected: usize,
    },

    /// `forward_sequence` was given another number of output slots than steps.
    SequenceOutputs {
        /// Steps of the sequence.
        steps: usize,
        /// Output slots given.
        outputs: usize,
    },

    /// Long signals for stateful training ([`Streams`](crate::Streams)) that cannot be cut
    /// into windows or trained on: a window length of 0, no streams, streams of different
    /// lengths or shorter than one window, a validation split.
    InvalidStreams {
        /// What is wrong and what to do instead.
        reason: String,
    },

    /// `accumulate_sequences_from` was given another number of states than the batch has
    /// sequences.
    StateCount {
        /// States given.
        states: usize,
        /// Sequences in the batch.
        sequences: usize,
    },

    /// A target contains NaN or infinity, or a value the loss cannot accept.
    InvalidTarget {
        /// Which data.
        data: DataRole,
        /// Index of the offending sample.
        row: usize,
        /// What is wrong with it and what the loss expects.
        reason: String,
    },

    /// The validation split is outside `[0, 1)`, leaves no training data, or is above 0 but
    /// holds out no validation sample.
    InvalidValidationSplit {
        /// The split that was given.
        split: f64,
    },

    /// The loss became NaN or infinite during training.
    Diverged {
        /// Epoch (1-based) in which the loss became non-finite.
        epoch: usize,
        /// Batch (1-based) within the epoch.
        batch: usize,
        /// The non-finite loss value.
        loss: f32,
    },

    /// The loss, the gradients or the weights became non-finite because of the data: a sample
    /// whose loss is already infinite or NaN at the weights training started from, a first
    /// batch whose gradients overflow before any update, or training data with a row whose
    /// inputs are over 1,000 times larger than the median row's (such an outlier's huge
    /// gradients are what overflows). No learning rate would help; the data must be scaled.
    DataOverflow {
        /// Epoch (1-based) in which the loss became non-finite.
        epoch: usize,
        /// Batch (1-based) within the epoch.
        batch: usize,
        /// The training row (0-based) at fault, when one sample is.
        row: Option<usize>,
        /// What overflows and how to scale the data.
        reason: String,
    },

    /// A training callback asked for an error to be raised.
    Callback(String),

    /// Reading or writing weights failed.
    Weights(String),

    /// A CSV data file is malformed (see [`datasets::CsvOptions`](crate::datasets::CsvOptions)).
    Csv {
        /// The file (or `"CSV text"` for data parsed from a string).
        file: String,
        /// The line at fault, from 1.
        line: usize,
        /// The column at fault, from 1, when one field is.
        column: Option<usize>,
        /// What is wrong with it and what was expected.
        reason: String,
    },

    /// An I/O error, e.g. when reading a weight file.
    Io(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::EmptyData { data } => write!(
                f,
                "there are no samples in the {data}: pass at least one input and one target"
            ),
            Error::LengthMismatch {
                data,
                inputs,
                targets,
            } => write!(
                f,
                "{inputs} inputs but {targets} targets in the {data}: give exactly one target per input"
            ),
            Error::ZeroBatchSize => write!(
                f,
                "the batch size is 0: use a batch size of at least 1 (Keras uses 32)"
            ),
            Error::InvalidHyperparameter {
                name,
                value,
                expected,
            } => write!(f, "invalid hyperparameter `{name}` = {value}: {expected}"),
            Error::NonFiniteInput {
                data,
                row,
                column,
                value,
            } => write!(
                f,
                "input row {row} of the {data} contains a non-finite value ({value}) at column {column}: clean or impute the data"
            ),
            Error::EmptySequence { data, sequence } => write!(
                f,
                "sequence {sequence} of the {data} has no steps: every sequence needs at least one step"
            ),
            Error::NonFiniteStep {
                data,
                sequence,
                step,
                feature,
                value,
            } => write!(
                f,
                "step {step} of sequence {sequence} of the {data} contains a non-finite value ({value}) at feature {feature}: clean or impute the data"
            ),
            Error::TargetCount {
                data,
                targets,
                sequences,
                steps,
                per,
                expected,
            } => write!(
                f,
                "{targets} targets for {sequences} sequences of {steps} steps in all in the {data}: the network needs one target per {per}, {expected} in all"
            ),
            Error::SequenceOutputs { steps, outputs } => write!(
                f,
                "a sequence of {steps} steps but {outputs} output slots: give one output slot per step"
            ),
            Error::InvalidStreams { reason } => write!(f, "invalid streams: {reason}"),
            Error::StateCount { states, sequences } => write!(
                f,
                "{states} states for a batch of {sequences} sequences: give one state per sequence, the state its window starts from"
            ),
            Error::InvalidTarget { data, row, reason } => {
                write!(f, "target row {row} of the {data} is invalid: {reason}")
            }
            Error::InvalidValidationSplit { split } => write!(
                f,
                "validation split {split} is invalid: use a fraction in [0, 1) that leaves at least one training sample and, above 0, holds out at least one validation sample"
            ),
            Error::Diverged { epoch, batch, loss } => write!(
                f,
                "training diverged at epoch {epoch}, batch {batch}: the loss became {loss}; lower the learning rate or clip gradients (the weights were left at their last finite values)"
            ),
            Error::DataOverflow {
                epoch,
                batch,
                reason,
                ..
            } => write!(
                f,
                "training stopped at epoch {epoch}, batch {batch} because of the data, not the learning rate: {reason}"
            ),
            Error::Callback(message) => write!(f, "callback error: {message}"),
            Error::Weights(message) => write!(f, "weights: {message}"),
            Error::Csv {
                file,
                line,
                column,
                reason,
            } => {
                let suffix = column_suffix(*column);
                write!(f, "{file}, line {line}{suffix}: {reason}")
            }
            Error::Io(message) => write!(f, "i/o error: {message}"),
        }
    }
}

impl std::error::Error for Error {}

/// `, column 3` for a column, nothing without one.
fn column_suffix(column: Option<usize>) -> String {
    column.map(|c| format!(", column {c}")).unwrap_or_default()
}

/// Which data an [`Error`](enum@Error) about data is about.
///
/// Its `Display` is the noun used in messages: "training data", "validation data",
/// "evaluation data", "data set".
///
/// # Examples
///
/// ```
/// use nnet_core::DataRole;
///
/// assert_eq!(DataRole::Validation.to_string(), "validation data");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DataRole {
    /// The inputs and targets given to `fit` (including the part a validation split holds
    /// out: rows are counted in the slices as given), or the data a `Standardizer` is fitted
    /// on.
    Training,
    /// The validation data given to `fit_with`.
    Validation,
    /// The data given to `evaluate`.
    Evaluation,
    /// A [`Dataset`](crate::datasets::Dataset), e.g. one being split or encoded.
    Dataset,
}

impl fmt::Display for DataRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DataRole::Training => "training data",
            DataRole::Validation => "validation data",
            DataRole::Evaluation => "evaluation data",
            DataRole::Dataset => "data set",
        })
    }
}

impl From<std::io::Error> for Error {
    fn from(error: std::io::Error) -> Self {
        Error::Io(error.to_string())
    }
}

/// A `Result` whose error is [`Error`](enum@Error).
pub type Result<T, E = Error> = core::result::Result<T, E>;
