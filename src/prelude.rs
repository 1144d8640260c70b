//! What a training program uses, in one `use`: the traits that give generated networks their
//! methods, the losses, optimizers, metrics, the trainer and its callbacks, and the vector
//! macros.
//!
//! `Error` and `Result` are left out so that they do not shadow the standard library's; write
//! `nnet::Result` and `nnet::Error`.
//!
//! # Examples
//!
//! The Keras program of the README, line for line:
//!
//! ```
//! use nnet::prelude::*;
//!
//! nnet::network! {
//!     struct Classifier {
//!         input 2;
//!         dense 10 relu (init = uniform);
//!         dense 20 relu (init = uniform);
//!         dense 1 sigmoid (init = uniform);
//!     }
//! }
//!
//! # fn main() -> nnet::Result<()> {
//! let x = [vector![0.0, 0.0], vector![0.0, 1.0], vector![1.0, 0.0], vector![1.0, 1.0]];
//! let y = [vector![0.0], vector![1.0], vector![1.0], vector![0.0]];
//! let mut model = Classifier::seeded(0);
//! let mut trainer = Trainer::new(Adam::default(), BinaryCrossentropy).with_metrics([Metric::Accuracy]);
//! let config = FitConfig { batch_size: 4, epochs: 3, verbosity: Verbosity::Silent, ..FitConfig::default() };
//! let history = trainer.fit(&mut model, &x, &y, &config)?;
//! assert_eq!(history.epochs.len(), 3);
//! let evaluation = trainer.evaluate(&model, &x, &y)?;
//! assert!(evaluation.loss.is_finite());
//! let predictions = model.predict(&x); // `predict` is a method of the `Network` trait
//! assert_eq!(predictions.len(), 4);
//! # Ok(())
//! # }
//! ```

#[cfg(feature = "std")]
pub use crate::loss::{
    BinaryCrossentropy, CategoricalCrossentropy, Huber, MeanAbsoluteError, MeanSquaredError,
    SparseCategoricalCrossentropy,
};
#[cfg(feature = "train")]
pub use crate::metrics::Metric;
#[cfg(feature = "train")]
pub use crate::optim::{
    Adagrad, AdagradConfig, Adam, AdamConfig, AdamW, AdamWConfig, Clip, Optimizer, RmsProp,
    RmsPropConfig, Schedule, Sgd, SgdConfig,
};
#[cfg(feature = "train")]
pub use crate::train::{
    Callback, Control, EachEpoch, EarlyStopping, Evaluation, FitConfig, History,
    LearningRateScheduler, Trainer, Verbosity,
};
pub use crate::{Architecture, Parameters, SMatrix, SVector, Scalar, matrix, network, vector};
#[cfg(feature = "std")]
pub use crate::{Network, SequenceNetwork, Sequences, Streams};
