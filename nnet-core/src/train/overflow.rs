//! Telling data that overflow the network's scalar from a training run that diverges, when a
//! batch's loss or gradients are not finite: for `fit` (rows of vectors) and `fit_sequences`
//! (sequences of steps) alike.

use core::fmt::Write as _;

use nalgebra::SVector;

use crate::loss::{Loss, Target};
use crate::{Error, Network, Parameters, Scalar};

/// Why the batch of the samples `chunk` gave a non-finite loss (or gradients), `value`: the data
/// when one of its samples has a non-finite output or loss at the weights training started from,
/// when no update has been made yet, or when a row of the training data is an outlier
/// ([`outlier`]); else divergence.
pub(crate) fn non_finite<N, L, T: Scalar, const IN: usize, const OUT: usize>(
    initial: &N,
    (inputs, targets): (&[SVector<T, IN>], &[L::Target]),
    loss: &L,
    chunk: &[usize],
    at: (usize, usize),
    value: f64,
) -> Error
where
    N: Network<IN, OUT, T>,
    L: Loss<OUT, T>,
{
    let mut grads = initial.zero_gradients();
    for &row in chunk {
        let input = &inputs[row];
        let mut output = [SVector::zeros()];
        grads.set_zero();
        let sample_loss = crate::network::accumulate_each(
            initial,
            core::slice::from_ref(input),
            core::slice::from_ref(&targets[row]),
            loss,
            &mut grads,
            &mut output,
        );
        let target = || format!("{:?}", targets[row].to_vector().as_slice());
        let sample = Sample {
            largest: Largest::of_row(row, input),
            outputs: &output,
            loss: sample_loss,
            grads_finite: grads.all_finite(),
        };
        if let Some(error) = sample.overflow(target, at) {
            return error;
        }
    }
    let rows = chunk.iter().map(|&row| Largest::of_row(row, &inputs[row]));
    data_or_divergence::<T, _>(
        rows,
        || {
            inputs
                .iter()
                .enumerate()
                .map(|(row, x)| Largest::of_row(row, x))
        },
        at,
        value,
    )
}

/// Why the update from a batch made the weights non-finite: the data when a sample of the
/// training data is an outlier ([`outlier`]), else divergence. `samples` gives the largest
/// input magnitude of each.
pub(crate) fn non_finite_update<T: Scalar>(
    samples: impl Iterator<Item = Largest>,
    at: (usize, usize),
) -> Error {
    outlier::<T>(samples, at).unwrap_or_else(|| diverged(at, f64::INFINITY))
}

/// What one sample (a row, or a sequence) gave at the weights training started from.
pub(crate) struct Sample<'a, T: Scalar, const OUT: usize> {
    /// Where its inputs are largest.
    pub(crate) largest: Largest,
    /// Its outputs: one for a row or a sequence, one per step for a network returning
    /// sequences.
    pub(crate) outputs: &'a [SVector<T, OUT>],
    /// Its loss (summed over its outputs).
    pub(crate) loss: T,
    /// Whether its gradients are finite.
    pub(crate) grads_finite: bool,
}

impl<T: Scalar, const OUT: usize> Sample<'_, T, OUT> {
    /// A [`Error::DataOverflow`] naming this sample if its output, loss or gradients are not
    /// finite: before any update, only the data can be at fault. `target` describes its
    /// target(s), for the message.
    pub(crate) fn overflow(
        &self,
        target: impl FnOnce() -> String,
        (epoch, batch): (usize, usize),
    ) -> Option<Error> {
        let scalar = T::NAME;
        let largest = &self.largest;
        let (sample, place, magnitude) = (largest.sample(), largest.place(), largest.magnitude);
        let overflow = |reason: String| Error::DataOverflow {
            epoch,
            batch,
            row: Some(largest.index),
            reason,
        };
        let input_overflows = |what: String| {
            overflow(format!(
                "{sample} of the training data (largest magnitude {magnitude:e}, at {place}) \
                 makes {what} before any update: inputs this large overflow {scalar}; \
                 standardize the inputs (e.g. with datasets::Standardizer) to mean 0 and \
                 standard deviation 1"
            ))
        };
        if let Some(output) = self
            .outputs
            .iter()
            .find(|o| !o.iter().all(|v| v.is_finite()))
        {
            return Some(input_overflows(format!(
                "the network's output {:?}",
                output.as_slice()
            )));
        }
        if !self.loss.is_finite() {
            let index = largest.index;
            let outputs = match self.outputs {
                [one] => format!("{:?}", one.as_slice()),
                many => format!("{} outputs", many.len()),
            };
            return Some(overflow(format!(
                "{} {index} of the training data gives a loss of {} before any update \
                 (output {outputs}, target {}, largest input magnitude {magnitude:e} at \
                 {place}): values this large overflow {scalar} in the loss; standardize the \
                 inputs and scale the targets",
                largest.noun(),
                self.loss,
                target(),
            )));
        }
        if !self.grads_finite {
            return Some(input_overflows("the gradients infinite or NaN".to_owned()));
        }
        None
    }
}

/// Where a sample's inputs are largest in magnitude.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Largest {
    /// The largest `|x|`, in `f64` (an `f64` input beyond `f32`'s range keeps its value).
    pub(crate) magnitude: f64,
    /// The row, or the sequence.
    pub(crate) index: usize,
    /// The step, for a sequence.
    pub(crate) step: Option<usize>,
    /// The column (feature) within the row or step.
    pub(crate) column: usize,
}

impl Largest {
    /// The largest `|x_i|` of row `row`.
    pub(crate) fn of_row<T: Scalar, const IN: usize>(row: usize, x: &SVector<T, IN>) -> Self {
        let (column, magnitude) = largest_magnitude(x);
        Self {
            magnitude,
            index: row,
            step: None,
            column,
        }
    }

    /// The largest `|x|` over the steps of sequence `index`.
    pub(crate) fn of_sequence<T: Scalar, const F: usize>(
        index: usize,
        steps: &[SVector<T, F>],
    ) -> Self {
        let mut best = Self {
            magnitude: 0.0,
            index,
            step: Some(0),
            column: 0,
        };
        for (step, x) in steps.iter().enumerate() {
            let (column, magnitude) = largest_magnitude(x);
            if magnitude > best.magnitude {
                best = Self {
                    magnitude,
                    index,
                    step: Some(step),
                    column,
                };
            }
        }
        best
    }

    /// `row` or `sequence`.
    fn noun(&self) -> &'static str {
        if self.step.is_some() {
            "sequence"
        } else {
            "row"
        }
    }

    /// `input row 3` or `sequence 3`.
    fn sample(&self) -> String {
        match self.step {
            None => format!("input row {}", self.index),
            Some(_) => format!("sequence {}", self.index),
        }
    }

    /// `column 2` or `step 5, feature 2`.
    fn place(&self) -> String {
        match self.step {
            None => format!("column {}", self.column),
            Some(step) => format!("step {step}, feature {}", self.column),
        }
    }
}

/// After every sample of the failing batch was finite at the start: the data if no update has
/// been made yet (the first batch; `batch_samples` are its samples' largest inputs) or if a
/// sample of the training data (`all_samples`) is an outlier, else divergence.
pub(crate) fn data_or_divergence<T: Scalar, I: Iterator<Item = Largest>>(
    batch_samples: impl Iterator<Item = Largest>,
    all_samples: impl FnOnce() -> I,
    (epoch, batch): (usize, usize),
    value: f64,
) -> Error {
    if epoch == 1 && batch == 1 {
        // No update has been made: whatever overflowed, the learning rate played no part.
        let largest = batch_samples.fold(None, |best: Option<Largest>, next| match best {
            Some(best) if best.magnitude >= next.magnitude => Some(best),
            _ => Some(next),
        });
        let mut reason = format!(
            "the loss or the gradients of the first batch are not finite ({value}) before any \
             update"
        );
        if let Some(largest) = largest {
            let _ = write!(
                reason,
                "; its largest input magnitude is {:e} ({} {}, {})",
                largest.magnitude,
                largest.noun(),
                largest.index,
                largest.place()
            );
        }
        reason.push_str(
            ": standardize the inputs (e.g. with datasets::Standardizer) and scale the targets",
        );
        return Error::DataOverflow {
            epoch,
            batch,
            row: None,
            reason,
        };
    }
    outlier::<T>(all_samples(), (epoch, batch)).unwrap_or_else(|| diverged((epoch, batch), value))
}

/// [`Error::Diverged`] at `(epoch, batch)` with the non-finite loss `value` (NaN or an
/// infinity, the same in `f32`).
pub(crate) fn diverged((epoch, batch): (usize, usize), value: f64) -> Error {
    Error::Diverged {
        epoch,
        batch,
        loss: value as f32,
    }
}

/// How many times larger than the median sample's inputs the largest sample's must be for the
/// data to be blamed rather than the learning rate. A diverging run's weights grow until
/// samples of ordinary size overflow; a sample a thousand times larger than the median is not of
/// ordinary size, and its gradients, finite but huge, are what overflows first.
const OUTLIER_RATIO: f64 = 1e3;

/// A [`Error::DataOverflow`] naming the sample with the largest input magnitude, when it is
/// [`OUTLIER_RATIO`] times larger than the median sample's (or than 1, for data near zero).
fn outlier<T: Scalar>(
    samples: impl Iterator<Item = Largest>,
    (epoch, batch): (usize, usize),
) -> Option<Error> {
    let scalar = T::NAME;
    let mut magnitudes: Vec<Largest> = samples.collect();
    magnitudes.sort_unstable_by(|a, b| a.magnitude.total_cmp(&b.magnitude));
    let median = magnitudes.get(magnitudes.len() / 2)?.magnitude;
    let largest = *magnitudes.last()?;
    let scale = median.max(1.0);
    let (noun, index) = (largest.noun(), largest.index);
    (largest.magnitude > OUTLIER_RATIO * scale).then(|| Error::DataOverflow {
        epoch,
        batch,
        row: Some(index),
        reason: format!(
            "the loss or the weights overflowed {scalar}; {} of the training data has a \
             magnitude of {:e} ({}), while the median {noun}'s largest is {median:.2e}: \
             standardize the inputs (e.g. with datasets::Standardizer) to mean 0 and standard \
             deviation 1",
            largest.sample(),
            largest.magnitude,
            largest.place(),
        ),
    })
}

/// The column and magnitude of the largest `|x_i|`, in `f64`.
fn largest_magnitude<T: Scalar, const IN: usize>(x: &SVector<T, IN>) -> (usize, f64) {
    x.iter()
        .map(|v| v.abs().as_f64())
        .enumerate()
        .fold(
            (0, 0.0),
            |best, (i, v)| if v > best.1 { (i, v) } else { best },
        )
}
