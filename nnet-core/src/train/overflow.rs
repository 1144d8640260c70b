//! Telling data that overflow `f32` from a training run that diverges, when a batch's loss or
//! gradients are not finite.

use nalgebra::SVector;

use crate::loss::{Loss, Target};
use crate::{Error, Network, Parameters, Scalar};

/// Why the batch of the samples `chunk` gave a non-finite loss (or gradients): the data when
/// one of its samples has a non-finite output or loss at the weights training started from,
/// when no update has been made yet, or when a row of the training data is an outlier
/// ([`outlier`]); else divergence.
pub(crate) fn non_finite<N, L, T: Scalar, const IN: usize, const OUT: usize>(
    initial: &N,
    (inputs, targets): (&[SVector<T, IN>], &[L::Target]),
    loss: &L,
    chunk: &[usize],
    (epoch, batch): (usize, usize),
    value: f32,
) -> Error
where
    N: Network<IN, OUT, T>,
    L: Loss<OUT, T>,
{
    let scalar = T::NAME;
    let overflow = |row: Option<usize>, reason: String| Error::DataOverflow {
        epoch,
        batch,
        row,
        reason,
    };
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
        let (column, largest) = largest_magnitude(input);
        let input_overflows = |what: String| {
            overflow(
                Some(row),
                format!(
                    "input row {row} of the training data (largest magnitude {largest:e}, at \
                     column {column}) makes {what} before any update: inputs this large \
                     overflow {scalar}; standardize the inputs (e.g. with datasets::Standardizer) \
                     to mean 0 and standard deviation 1"
                ),
            )
        };
        if !output[0].iter().all(|v| v.is_finite()) {
            return input_overflows(format!("the network's output {:?}", output[0].as_slice()));
        }
        if !sample_loss.is_finite() {
            return overflow(
                Some(row),
                format!(
                    "row {row} of the training data gives a loss of {sample_loss} before any \
                     update (output {:?}, target {:?}, largest input magnitude {largest:e} \
                     at column {column}): values this large overflow {scalar} in the loss; \
                     standardize the inputs and scale the targets",
                    output[0].as_slice(),
                    targets[row].to_vector().as_slice()
                ),
            );
        }
        if !grads.all_finite() {
            return input_overflows("the gradients infinite or NaN".to_owned());
        }
    }
    if epoch == 1 && batch == 1 {
        // No update has been made: whatever overflowed, the learning rate played no part.
        let (row, column, largest) = chunk
            .iter()
            .map(|&row| {
                let (column, largest) = largest_magnitude(&inputs[row]);
                (row, column, largest)
            })
            .fold(
                (0, 0, 0.0_f32),
                |best, next| {
                    if next.2 > best.2 { next } else { best }
                },
            );
        return overflow(
            None,
            format!(
                "the loss or the gradients of the first batch are not finite ({value}) before \
                 any update; its largest input magnitude is {largest:e} (row {row}, column \
                 {column}): standardize the inputs (e.g. with datasets::Standardizer) and \
                 scale the targets"
            ),
        );
    }
    outlier(inputs, (epoch, batch)).unwrap_or(Error::Diverged {
        epoch,
        batch,
        loss: value,
    })
}

/// Why the update from a batch made the weights non-finite: the data when a row of the
/// training data is an outlier ([`outlier`]), else divergence.
pub(crate) fn non_finite_update<T: Scalar, const IN: usize>(
    inputs: &[SVector<T, IN>],
    (epoch, batch): (usize, usize),
) -> Error {
    outlier(inputs, (epoch, batch)).unwrap_or(Error::Diverged {
        epoch,
        batch,
        loss: f32::INFINITY,
    })
}

/// How many times larger than the median row's inputs the largest row's must be for the data to
/// be blamed rather than the learning rate. A diverging run's weights grow until rows of
/// ordinary size overflow; a row a thousand times larger than the median is not of ordinary
/// size, and its gradients, finite but huge, are what overflows first.
const OUTLIER_RATIO: f32 = 1e3;

/// A [`Error::DataOverflow`] naming the row of `inputs` with the largest magnitude, when it is
/// [`OUTLIER_RATIO`] times larger than the median row's (or than 1, for data near zero).
fn outlier<T: Scalar, const IN: usize>(
    inputs: &[SVector<T, IN>],
    (epoch, batch): (usize, usize),
) -> Option<Error> {
    let scalar = T::NAME;
    let mut magnitudes: Vec<(f32, usize, usize)> = inputs
        .iter()
        .enumerate()
        .map(|(row, x)| {
            let (column, largest) = largest_magnitude(x);
            (largest, row, column)
        })
        .collect();
    magnitudes.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let median = magnitudes.get(magnitudes.len() / 2)?.0;
    let &(largest, row, column) = magnitudes.last()?;
    let scale = median.max(1.0);
    (largest > OUTLIER_RATIO * scale).then(|| Error::DataOverflow {
        epoch,
        batch,
        row: Some(row),
        reason: format!(
            "the loss or the weights overflowed {scalar}; input row {row} of the training data has \
             a magnitude of {largest:e} (column {column}), while the median row's largest is \
             {median:.2e}: standardize the inputs (e.g. with datasets::Standardizer) to mean 0 \
             and standard deviation 1"
        ),
    })
}

/// The column and magnitude of the largest `|x_i|`.
fn largest_magnitude<T: Scalar, const IN: usize>(x: &SVector<T, IN>) -> (usize, f32) {
    x.iter()
        .map(|v| v.abs().as_f32())
        .enumerate()
        .fold(
            (0, 0.0),
            |best, (i, v)| if v > best.1 { (i, v) } else { best },
        )
}
