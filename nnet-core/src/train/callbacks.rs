//! Callbacks: code run by `fit` around each epoch, like Keras's.

use crate::optim::Schedule;
use crate::{Architecture, Error, Result};

use super::EpochLogs;

/// Whether training goes on after an epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Go on with the next epoch.
    Continue,
    /// Stop training now.
    Stop,
}

/// Code that `fit` runs around each epoch of training network `N`.
///
/// Every method has a default that does nothing.
pub trait Callback<N> {
    /// Before the first epoch, once the data and the optimizer are checked.
    ///
    /// # Errors
    ///
    /// An error stops `fit` before any update and is returned by it.
    fn on_train_begin(&mut self) -> Result<()> {
        Ok(())
    }

    /// Before epoch `epoch` (from 1), with the current learning rate; return a new learning rate
    /// to change it.
    fn on_epoch_begin(&mut self, _epoch: usize, _learning_rate: f64) -> Option<f64> {
        None
    }

    /// After each epoch, with its logs and the network.
    ///
    /// # Errors
    ///
    /// An error stops training and is returned by `fit`.
    fn on_epoch_end(&mut self, _logs: &EpochLogs, _network: &mut N) -> Result<Control> {
        Ok(Control::Continue)
    }

    /// When training ends, normally or early (not on error).
    fn on_train_end(&mut self, _network: &mut N) {}
}

/// A closure run after each epoch, which may stop training.
///
/// # Examples
///
/// ```
/// use nnet_core::train::{Control, EachEpoch, Callback};
///
/// let mut losses = Vec::new();
/// let mut callback = EachEpoch::new(|logs| {
///     losses.push(logs.loss);
///     if logs.loss < 0.1 { Control::Stop } else { Control::Continue }
/// });
/// # let logs = nnet_core::train::EpochLogs { epoch: 1, loss: 0.05, metrics: vec![], val_loss: None, val_metrics: vec![], learning_rate: 0.1 };
/// # assert_eq!(Callback::<()>::on_epoch_end(&mut callback, &logs, &mut ()).unwrap(), Control::Stop);
/// ```
pub struct EachEpoch<F>(F);

impl<F: FnMut(&EpochLogs) -> Control> EachEpoch<F> {
    /// A callback that runs `f` after each epoch and stops training when it returns
    /// [`Control::Stop`].
    ///
    /// Written as `EachEpoch::new(|logs| ...)`, the closure's argument needs no type: the bound
    /// here tells the compiler it is `&EpochLogs` for any lifetime.
    pub fn new(f: F) -> Self {
        Self(f)
    }
}

impl<N, F: FnMut(&EpochLogs) -> Control> Callback<N> for EachEpoch<F> {
    fn on_epoch_end(&mut self, logs: &EpochLogs, _network: &mut N) -> Result<Control> {
        Ok((self.0)(logs))
    }
}

/// Sets the learning rate before each epoch, like Keras's `LearningRateScheduler`: from a
/// [`Schedule`], or from a closure `|epoch, rate| new_rate`.
///
/// With a [`Schedule`], checked before training, epoch `e` (counted from 1) trains at
/// `schedule.learning_rate(e − 1)`, replacing the optimizer's own rate. A closure gets the epoch
/// (counted from 1) and the current rate, and returns the rate of that epoch.
///
/// # Examples
///
/// ```
/// use nnet_core::optim::Schedule;
/// use nnet_core::train::{Callback, LearningRateScheduler};
///
/// // Keras: ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True)
/// let mut decay = LearningRateScheduler(Schedule::ExponentialDecay {
///     initial_learning_rate: 0.1,
///     decay_steps: 10,
///     decay_rate: 0.5,
///     staircase: true,
/// });
/// // Epochs 1 and 11 train at the rates of epochs 0 and 10 of the schedule.
/// assert_eq!(decay.0.learning_rate(0), 0.1);
/// assert_eq!(decay.0.learning_rate(10), 0.05);
///
/// // The same with a closure: halve the rate every 10 epochs.
/// let mut halve = LearningRateScheduler(|epoch: usize, rate: f64| {
///     if epoch > 1 && (epoch - 1) % 10 == 0 { rate * 0.5 } else { rate }
/// });
/// assert_eq!(Callback::<()>::on_epoch_begin(&mut halve, 11, 0.1), Some(0.05));
/// ```
#[derive(Debug, Clone)]
pub struct LearningRateScheduler<S>(pub S);

/// The rate of a [`Schedule`] for the network's scalar ([`Schedule::learning_rate_for`]): an
/// `f32` network trains at the rates of `f32` settings, bit for bit.
impl<N: Architecture> Callback<N> for LearningRateScheduler<Schedule> {
    fn on_train_begin(&mut self) -> Result<()> {
        self.0.validate()
    }

    fn on_epoch_begin(&mut self, epoch: usize, _learning_rate: f64) -> Option<f64> {
        Some(
            self.0
                .learning_rate_for::<N::Scalar>(epoch.saturating_sub(1)),
        )
    }
}

impl<N, F: FnMut(usize, f64) -> f64> Callback<N> for LearningRateScheduler<F> {
    fn on_epoch_begin(&mut self, epoch: usize, learning_rate: f64) -> Option<f64> {
        Some((self.0)(epoch, learning_rate))
    }
}

/// Stops training when a monitored value stops improving, like Keras's `EarlyStopping`.
///
/// The monitored value is any name [`EpochLogs::get`] knows, e.g. `val_loss`. Accuracy, AUC,
/// precision and recall (and their `val_` forms) improve upwards, losses and errors downwards.
/// With `restore_best_weights`, the network gets back the weights of the best epoch when
/// training stops early.
///
/// # Examples
///
/// ```
/// use nnet_core::train::EarlyStopping;
///
/// let stopper = EarlyStopping::<()>::new("val_loss").patience(5).restore_best_weights(true);
/// assert_eq!(stopper.best(), None);
/// ```
#[derive(Debug, Clone)]
pub struct EarlyStopping<N> {
    monitor: String,
    min_delta: f64,
    patience: usize,
    restore_best_weights: bool,
    best: Option<f64>,
    best_weights: Option<N>,
    wait: usize,
}

impl<N> EarlyStopping<N> {
    /// Monitors `monitor` with patience 0, `min_delta` 0 and no weight restore (Keras's
    /// defaults).
    pub fn new(monitor: &str) -> Self {
        Self {
            monitor: monitor.to_owned(),
            min_delta: 0.0,
            patience: 0,
            restore_best_weights: false,
            best: None,
            best_weights: None,
            wait: 0,
        }
    }

    /// Epochs without improvement to wait before stopping. Default 0.
    pub fn patience(mut self, patience: usize) -> Self {
        self.patience = patience;
        self
    }

    /// Smallest change that counts as an improvement. Default 0.
    pub fn min_delta(mut self, min_delta: f64) -> Self {
        self.min_delta = min_delta.abs();
        self
    }

    /// Whether to restore the best epoch's weights when stopping early. Default `false`.
    pub fn restore_best_weights(mut self, restore: bool) -> Self {
        self.restore_best_weights = restore;
        self
    }

    /// The best monitored value so far.
    pub fn best(&self) -> Option<f64> {
        self.best
    }

    fn higher_is_better(&self) -> bool {
        let name = self.monitor.strip_prefix("val_").unwrap_or(&self.monitor);
        crate::metrics::Metric::from_name(name).is_some_and(|m| m.higher_is_better())
    }
}

// Any `Clone` network, of either scalar: the best weights are a copy of the network.
impl<N: Clone> Callback<N> for EarlyStopping<N> {
    fn on_epoch_end(&mut self, logs: &EpochLogs, network: &mut N) -> Result<Control> {
        let Some(value) = logs.get(&self.monitor) else {
            return Err(Error::Callback(format!(
                "early stopping monitors `{}`, which this training does not log: use `loss`, a metric name, or their `val_` forms with validation data",
                self.monitor
            )));
        };
        let improved = match self.best {
            None => true,
            Some(best) if self.higher_is_better() => value > best + self.min_delta,
            Some(best) => value < best - self.min_delta,
        };
        if improved {
            self.best = Some(value);
            self.wait = 0;
            if self.restore_best_weights {
                match &mut self.best_weights {
                    Some(best) => best.clone_from(network),
                    None => self.best_weights = Some(network.clone()),
                }
            }
            return Ok(Control::Continue);
        }
        self.wait += 1;
        if self.wait >= self.patience.max(1) {
            if let Some(best) = &self.best_weights {
                network.clone_from(best);
            }
            return Ok(Control::Stop);
        }
        Ok(Control::Continue)
    }
}
