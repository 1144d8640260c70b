//! Training: Keras's `compile`, `fit` and `evaluate`, with callbacks and a history.
//!
//! A [`Trainer`] holds what Keras's `compile` sets: an optimizer, a loss and metrics. Its
//! [`fit`](Trainer::fit) trains any generated network on slices of static vectors, so a target
//! of the wrong width does not compile. Sequence networks train on batches of whole sequences
//! ([`fit_sequences`](Trainer::fit_sequences)) or on long signals window by window, the state
//! carried from each window to the next ([`fit_stateful`](Trainer::fit_stateful)).

mod batch_groups;
mod callbacks;
mod checks;
mod config;
mod epoch;
mod groups;
mod history;
mod overflow;
mod progress;
mod sequence;
mod stateful;
mod trainer;

pub use callbacks::{Callback, Control, EachEpoch, EarlyStopping, LearningRateScheduler};
pub use config::{FitConfig, Verbosity};
pub use history::{EpochLogs, History};
pub use sequence::SequenceValidation;
pub use stateful::StreamValidation;
pub use trainer::{Evaluation, Trainer, Validation};
