//! What `fit` records: loss, metrics and wall time per epoch.

use core::fmt;
use std::time::Duration;

/// Loss and metrics of one epoch.
///
/// Values are `f64` whatever the network's scalar: an `f32` network's are its `f32` values
/// exactly (so they print as they always did), an `f64` network's keep their range and
/// precision (a loss of 1e40 or 3.2e-51 is reported as such, not as `inf` or 0).
#[derive(Debug, Clone, PartialEq)]
pub struct EpochLogs {
    /// Epoch number, from 1.
    pub epoch: usize,
    /// Mean training loss over the epoch's samples.
    pub loss: f64,
    /// Training metrics, `(name, value)`, over the epoch's predictions.
    pub metrics: Vec<(&'static str, f64)>,
    /// Validation loss, when there are validation data.
    pub val_loss: Option<f64>,
    /// Validation metrics, `(name, value)`, when there are validation data.
    pub val_metrics: Vec<(&'static str, f64)>,
    /// Learning rate used in the epoch.
    pub learning_rate: f64,
}

impl EpochLogs {
    /// A logged value by its Keras name: `loss`, `val_loss`, a metric such as `accuracy`, or
    /// `val_` and a metric, such as `val_accuracy`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::train::EpochLogs;
    ///
    /// let logs = EpochLogs {
    ///     epoch: 1,
    ///     loss: 0.5,
    ///     metrics: vec![("accuracy", 0.75)],
    ///     val_loss: Some(0.6),
    ///     val_metrics: vec![("accuracy", 0.7)],
    ///     learning_rate: 0.001,
    /// };
    /// assert_eq!(logs.get("val_accuracy"), Some(0.7));
    /// assert_eq!(logs.get("loss"), Some(0.5));
    /// assert_eq!(logs.get("auc"), None);
    /// ```
    pub fn get(&self, name: &str) -> Option<f64> {
        match name {
            "loss" => Some(self.loss),
            "val_loss" => self.val_loss,
            _ => match name.strip_prefix("val_") {
                Some(metric) => find(&self.val_metrics, metric),
                None => find(&self.metrics, name),
            },
        }
    }

    /// The logs as one line: `loss: 0.1234 - accuracy: 0.9500 - val_loss: ...`, as their
    /// `Display`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::train::EpochLogs;
    ///
    /// let logs = EpochLogs {
    ///     epoch: 1,
    ///     loss: 0.5,
    ///     metrics: vec![("accuracy", 0.75)],
    ///     val_loss: Some(0.625),
    ///     val_metrics: vec![("accuracy", 0.5)],
    ///     learning_rate: 0.001,
    /// };
    /// assert_eq!(
    ///     logs.line(),
    ///     "loss: 0.5000 - accuracy: 0.7500 - val_loss: 0.6250 - val_accuracy: 0.5000"
    /// );
    /// assert_eq!(logs.to_string(), logs.line());
    /// ```
    pub fn line(&self) -> String {
        let mut line = format!("loss: {:.4}", self.loss);
        for (name, value) in &self.metrics {
            line.push_str(&format!(" - {name}: {value:.4}"));
        }
        if let Some(val_loss) = self.val_loss {
            line.push_str(&format!(" - val_loss: {val_loss:.4}"));
        }
        for (name, value) in &self.val_metrics {
            line.push_str(&format!(" - val_{name}: {value:.4}"));
        }
        line
    }
}

impl fmt::Display for EpochLogs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.line())
    }
}

/// One epoch as Keras prints it: `Epoch 3/30 - 12ms - loss: 0.4312 - accuracy: 0.8125`, without
/// the total when it is unknown and without the time when it was not measured.
pub(crate) fn epoch_line(
    logs: &EpochLogs,
    planned: Option<usize>,
    time: Option<Duration>,
) -> String {
    let mut line = format!("Epoch {}", logs.epoch);
    if let Some(planned) = planned {
        line.push_str(&format!("/{planned}"));
    }
    if let Some(time) = time {
        line.push_str(&format!(" - {}", format_duration(time)));
    }
    line.push_str(&format!(" - {}", logs.line()));
    line
}

/// A wall time as Keras prints it: `1.25s` from a second, `12ms` from a millisecond, else
/// `340µs`.
pub(crate) fn format_duration(time: Duration) -> String {
    if time >= Duration::from_secs(1) {
        format!("{:.2}s", time.as_secs_f64())
    } else if time >= Duration::from_millis(1) {
        format!("{}ms", time.as_millis())
    } else {
        format!("{}µs", time.as_micros())
    }
}

fn find(values: &[(&'static str, f64)], name: &str) -> Option<f64> {
    values.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// Per-epoch logs and wall times of a `fit` call, like Keras's `History`.
///
/// Its `Display` is a line per epoch as Keras prints them with `verbose=2`
/// (`Epoch 2/30 - 12ms - loss: 0.4000 - ...`), and a last line when a callback stopped
/// training early.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use nnet_core::train::{EpochLogs, History};
///
/// let mut history = History { planned_epochs: Some(30), ..History::default() };
/// for (epoch, loss) in [(1, 0.7), (2, 0.4)] {
///     history.epochs.push(EpochLogs {
///         epoch, loss, metrics: vec![("accuracy", 0.5)], val_loss: None, val_metrics: vec![],
///         learning_rate: 0.01,
///     });
///     history.epoch_times.push(Duration::from_millis(12));
/// }
/// assert_eq!(history.series("loss"), Some(vec![0.7, 0.4]));
/// assert_eq!(history.series("val_loss"), None);
/// assert_eq!(
///     history.to_string(),
///     "Epoch 1/30 - 12ms - loss: 0.7000 - accuracy: 0.5000\n\
///      Epoch 2/30 - 12ms - loss: 0.4000 - accuracy: 0.5000"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct History {
    /// One entry per epoch that ran.
    pub epochs: Vec<EpochLogs>,
    /// Set when a callback stopped training early: the epoch it stopped after.
    pub stopped_epoch: Option<usize>,
    /// The wall time of each epoch that ran, in the order of `epochs`: its training pass, its
    /// metrics and its validation.
    pub epoch_times: Vec<Duration>,
    /// The epochs `fit` was asked for (`FitConfig::epochs`); `None` when not known.
    pub planned_epochs: Option<usize>,
}

impl History {
    /// A logged value for every epoch (see [`EpochLogs::get`]), or `None` if it was not logged.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::train::History;
    ///
    /// assert_eq!(History::default().series("loss"), Some(vec![]));
    /// ```
    pub fn series(&self, name: &str) -> Option<Vec<f64>> {
        self.epochs.iter().map(|e| e.get(name)).collect()
    }

    /// The last epoch's logs.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::train::History;
    ///
    /// assert!(History::default().last().is_none());
    /// ```
    pub fn last(&self) -> Option<&EpochLogs> {
        self.epochs.last()
    }

    /// The total wall time of the epochs that ran.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use nnet_core::train::History;
    ///
    /// let history = History {
    ///     epoch_times: vec![Duration::from_millis(5), Duration::from_millis(7)],
    ///     ..History::default()
    /// };
    /// assert_eq!(history.total_time(), Duration::from_millis(12));
    /// ```
    pub fn total_time(&self) -> Duration {
        self.epoch_times.iter().sum()
    }
}

impl fmt::Display for History {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, logs) in self.epochs.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            let time = self.epoch_times.get(i).copied();
            f.write_str(&epoch_line(logs, self.planned_epochs, time))?;
        }
        if let Some(epoch) = self.stopped_epoch {
            if !self.epochs.is_empty() {
                f.write_str("\n")?;
            }
            write!(f, "Stopped early after epoch {epoch}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logs(epoch: usize, val: bool) -> EpochLogs {
        EpochLogs {
            epoch,
            loss: 0.25,
            metrics: vec![("accuracy", 0.8125)],
            val_loss: val.then_some(0.5),
            val_metrics: if val {
                vec![("accuracy", 0.75)]
            } else {
                vec![]
            },
            learning_rate: 0.001,
        }
    }

    #[test]
    fn durations_print_as_keras_does() {
        assert_eq!(format_duration(Duration::from_millis(1250)), "1.25s");
        assert_eq!(format_duration(Duration::from_secs(61)), "61.00s");
        assert_eq!(format_duration(Duration::from_micros(12_345)), "12ms");
        assert_eq!(format_duration(Duration::from_micros(340)), "340µs");
        assert_eq!(format_duration(Duration::ZERO), "0µs");
    }

    #[test]
    fn history_prints_a_line_per_epoch_and_the_early_stop() {
        let history = History {
            epochs: vec![logs(1, true), logs(2, true)],
            stopped_epoch: Some(2),
            epoch_times: vec![Duration::from_millis(120), Duration::from_secs(2)],
            planned_epochs: Some(30),
        };
        assert_eq!(
            history.to_string(),
            "Epoch 1/30 - 120ms - loss: 0.2500 - accuracy: 0.8125 - val_loss: 0.5000 - val_accuracy: 0.7500\n\
             Epoch 2/30 - 2.00s - loss: 0.2500 - accuracy: 0.8125 - val_loss: 0.5000 - val_accuracy: 0.7500\n\
             Stopped early after epoch 2"
        );
    }

    #[test]
    fn history_without_times_or_total_omits_them() {
        let history = History {
            epochs: vec![logs(1, false)],
            ..History::default()
        };
        assert_eq!(
            history.to_string(),
            "Epoch 1 - loss: 0.2500 - accuracy: 0.8125"
        );
        assert_eq!(History::default().to_string(), "");
    }
}
