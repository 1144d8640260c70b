//! What `fit` records: loss and metrics per epoch.

/// Loss and metrics of one epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochLogs {
    /// Epoch number, from 1.
    pub epoch: usize,
    /// Mean training loss over the epoch's samples.
    pub loss: f32,
    /// Training metrics, `(name, value)`, over the epoch's predictions.
    pub metrics: Vec<(&'static str, f32)>,
    /// Validation loss, when there are validation data.
    pub val_loss: Option<f32>,
    /// Validation metrics, `(name, value)`, when there are validation data.
    pub val_metrics: Vec<(&'static str, f32)>,
    /// Learning rate used in the epoch.
    pub learning_rate: f32,
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
    pub fn get(&self, name: &str) -> Option<f32> {
        match name {
            "loss" => Some(self.loss),
            "val_loss" => self.val_loss,
            _ => match name.strip_prefix("val_") {
                Some(metric) => find(&self.val_metrics, metric),
                None => find(&self.metrics, name),
            },
        }
    }

    /// The logs as one line: `loss: 0.1234 - accuracy: 0.9500 - val_loss: ...`.
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

fn find(values: &[(&'static str, f32)], name: &str) -> Option<f32> {
    values.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// Per-epoch logs of a `fit` call, like Keras's `History`.
///
/// # Examples
///
/// ```
/// use nnet_core::train::{EpochLogs, History};
///
/// let mut history = History::default();
/// for (epoch, loss) in [(1, 0.7), (2, 0.4)] {
///     history.epochs.push(EpochLogs {
///         epoch, loss, metrics: vec![], val_loss: None, val_metrics: vec![], learning_rate: 0.01,
///     });
/// }
/// assert_eq!(history.series("loss"), Some(vec![0.7, 0.4]));
/// assert_eq!(history.series("val_loss"), None);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct History {
    /// One entry per epoch that ran.
    pub epochs: Vec<EpochLogs>,
    /// Set when a callback stopped training early: the epoch it stopped after.
    pub stopped_epoch: Option<usize>,
}

impl History {
    /// A logged value for every epoch (see [`EpochLogs::get`]), or `None` if it was not logged.
    pub fn series(&self, name: &str) -> Option<Vec<f32>> {
        self.epochs.iter().map(|e| e.get(name)).collect()
    }

    /// The last epoch's logs.
    pub fn last(&self) -> Option<&EpochLogs> {
        self.epochs.last()
    }
}
