//! What `fit` prints, by verbosity.

use std::io::{self, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use super::history::epoch_line;
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
            bar.set_prefix(format!("Epoch {epoch}/{}", self.epochs));
            self.bar = Some(bar);
        }
    }

    /// After each batch, with the mean loss so far in the epoch.
    pub(crate) fn batch(&self, batch: usize, mean_loss: f64) {
        if let Some(bar) = &self.bar {
            bar.set_position(batch as u64);
            // Formatting costs more than a small batch: refresh the text now and then.
            if batch % 16 == 1 {
                bar.set_message(format!("loss: {mean_loss:.4}"));
            }
        }
    }

    pub(crate) fn end_epoch(&mut self, logs: &EpochLogs, time: Duration) {
        match self.verbosity {
            Verbosity::Silent => {}
            Verbosity::ProgressBar => {
                if let Some(bar) = self.bar.take() {
                    finish_bar(&bar, Some(logs.line()), &mut io::stderr());
                }
            }
            Verbosity::LinePerEpoch => {
                println!("{}", epoch_line(logs, Some(self.epochs), Some(time)));
            }
        }
    }
}

impl Drop for Progress {
    /// An epoch that ended in an error leaves its bar where it stopped, on a line of its own.
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            finish_bar(&bar, None, &mut io::stderr());
        }
    }
}

/// Finishes `bar` (with `message`, or where it stands when there is none) and ends its line on
/// `terminal`, the stream the bar draws to.
///
/// indicatif leaves the cursor at the end of a finished bar's line, so without the newline the
/// next line printed would join it. A hidden bar (when stderr is not a terminal) drew nothing
/// and gets no newline. The bar is decoration: failing to write it never fails training.
fn finish_bar(bar: &ProgressBar, message: Option<String>, terminal: &mut dyn Write) {
    match message {
        Some(message) => bar.finish_with_message(message),
        None => bar.abandon(),
    }
    if !bar.is_hidden() {
        let _ = terminal.write_all(b"\n").and_then(|()| terminal.flush());
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use indicatif::{ProgressDrawTarget, TermLike};

    use super::*;

    /// A terminal in memory: what the bar wrote.
    #[derive(Debug, Clone, Default)]
    struct Screen(Arc<Mutex<String>>);

    impl Screen {
        fn text(&self) -> String {
            self.0.lock().map(|s| s.clone()).unwrap_or_default()
        }
    }

    impl TermLike for Screen {
        fn width(&self) -> u16 {
            100
        }
        fn move_cursor_up(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> io::Result<()> {
            self.write_str(&format!("{s}\n"))
        }
        fn write_str(&self, s: &str) -> io::Result<()> {
            self.0
                .lock()
                .map_err(|_| io::Error::other("poisoned"))?
                .push_str(s);
            Ok(())
        }
        fn clear_line(&self) -> io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_finished_bar_ends_its_line() {
        let screen = Screen::default();
        let bar = ProgressBar::with_draw_target(
            Some(3),
            ProgressDrawTarget::term_like(Box::new(screen.clone())),
        );
        bar.set_style(ProgressStyle::with_template("{pos}/{len} {msg}").unwrap());
        bar.set_position(3);
        let mut terminal = Vec::new();
        finish_bar(&bar, Some("loss: 0.1234".to_owned()), &mut terminal);
        assert!(
            screen.text().trim_end().ends_with("3/3 loss: 0.1234"),
            "{:?}",
            screen.text()
        );
        assert!(
            !screen.text().ends_with('\n'),
            "indicatif itself leaves the line open"
        );
        assert_eq!(terminal, b"\n");
    }

    #[test]
    fn a_hidden_bar_prints_nothing() {
        let mut terminal = Vec::new();
        finish_bar(&ProgressBar::hidden(), None, &mut terminal);
        assert!(terminal.is_empty());
    }
}
