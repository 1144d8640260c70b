//! What `fit` prints, by verbosity.

use indicatif::{ProgressBar, ProgressStyle};

use super::{EpochLogs, Verbosity};

/// The reporter of one `fit` call.
pub(crate) struct Progress {
    verbosity: Verbosity,
    epochs: usize,
    bar: Option<ProgressBar>,
}

impl Progress {
    pub(crate) fn new(verbosity: Verbosity, epochs: usize) -> Self {
        Self {
            verbosity,
            epochs,
            bar: None,
        }
    }

    pub(crate) fn begin_epoch(&mut self, epoch: usize, batches: usize) {
        if self.verbosity == Verbosity::ProgressBar {
            let bar = ProgressBar::new(batches as u64);
            let style = ProgressStyle::with_template(
                "{prefix} {bar:30} {pos}/{len} batches [{elapsed_precise}, {per_sec}] {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_prefix(format!("epoch {epoch}/{}", self.epochs));
            self.bar = Some(bar);
        }
    }

    /// After each batch, with the mean loss so far in the epoch.
    pub(crate) fn batch(&self, batch: usize, mean_loss: f32) {
        if let Some(bar) = &self.bar {
            bar.set_position(batch as u64);
            // Formatting costs more than a small batch: refresh the text now and then.
            if batch % 16 == 1 {
                bar.set_message(format!("loss: {mean_loss:.4}"));
            }
        }
    }

    pub(crate) fn end_epoch(&mut self, logs: &EpochLogs, seconds: f64) {
        match self.verbosity {
            Verbosity::Silent => {}
            Verbosity::ProgressBar => {
                if let Some(bar) = self.bar.take() {
                    bar.finish_with_message(logs.line());
                }
            }
            Verbosity::LinePerEpoch => {
                println!(
                    "epoch {}/{} - {seconds:.3}s - {}",
                    logs.epoch,
                    self.epochs,
                    logs.line()
                );
            }
        }
    }
}
