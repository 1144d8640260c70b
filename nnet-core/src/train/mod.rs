//! Training: Keras's `compile`, `fit` and `evaluate`, with callbacks and a history.
//!
//! A [`Trainer`] holds what Keras's `compile` sets: an optimizer, a loss and metrics. Its
//! [`fit`](Trainer::fit) trains any generated network on slices of static vectors, so a target
//! of the wrong width does not compile.

mod callbacks;
mod checks;
mod config;
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
