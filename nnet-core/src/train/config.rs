//! Settings of one call to `fit`.

/// How much `fit` prints, as Keras's `verbose`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Verbosity {
    /// `verbose=0`: nothing.
    Silent,
    /// `verbose=1`: a progress bar per epoch with batch, loss, metrics and rate (on stderr).
    #[default]
    ProgressBar,
    /// `verbose=2`: one line per epoch (on stdout).
    LinePerEpoch,
}

/// Settings of a `fit` call, with Keras's defaults.
///
/// # Examples
///
/// ```
/// use nnet_core::train::{FitConfig, Verbosity};
///
/// let config = FitConfig { batch_size: 64, epochs: 30, ..FitConfig::default() };
/// assert_eq!(config.validation_split, 0.0);
/// assert_eq!(FitConfig::default().verbosity, Verbosity::ProgressBar);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitConfig {
    /// Samples per gradient update. Default 32. The last batch of an epoch holds the remaining
    /// samples, however few.
    pub batch_size: usize,
    /// Passes over the training data. Default 1.
    pub epochs: usize,
    /// Whether to shuffle the training samples before each epoch. Default `true`.
    pub shuffle: bool,
    /// Seed of the shuffling: the same seed, data and network give bit-identical weights.
    /// Default 0.
    pub seed: u64,
    /// Fraction of the data held out for validation, taken from the end before shuffling, as
    /// Keras does. Default 0.0 (none). Ignored when validation data are given.
    pub validation_split: f64,
    /// What to print. Default [`Verbosity::ProgressBar`].
    pub verbosity: Verbosity,
}

impl Default for FitConfig {
    fn default() -> Self {
        Self {
            batch_size: 32,
            epochs: 1,
            shuffle: true,
            seed: 0,
            validation_split: 0.0,
            verbosity: Verbosity::ProgressBar,
        }
    }
}
