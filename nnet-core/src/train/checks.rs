//! Checks of the data before any training starts, so that bad input is an error naming the row,
//! never a NaN network.

use nalgebra::SVector;

use crate::loss::Loss;
use crate::{DataRole, Error, Result, Scalar};

/// Inputs and targets are non-empty, of one length, finite, and acceptable to the loss; errors
/// name `data` as the data at fault.
pub(crate) fn check_data<T: Scalar, L: Loss<OUT, T>, const IN: usize, const OUT: usize>(
    data: DataRole,
    inputs: &[SVector<T, IN>],
    targets: &[L::Target],
    loss: &L,
) -> Result<()> {
    if inputs.is_empty() && targets.is_empty() {
        return Err(Error::EmptyData { data });
    }
    if inputs.len() != targets.len() {
        return Err(Error::LengthMismatch {
            data,
            inputs: inputs.len(),
            targets: targets.len(),
        });
    }
    for (row, x) in inputs.iter().enumerate() {
        if let Some((column, &value)) = x.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(Error::NonFiniteInput {
                data,
                row,
                column,
                value: value.as_f32(),
            });
        }
    }
    for (row, y) in targets.iter().enumerate() {
        loss.check_target(y)
            .map_err(|reason| Error::InvalidTarget { data, row, reason })?;
    }
    Ok(())
}

/// A learning rate is finite and positive.
pub(crate) fn check_learning_rate(rate: f64) -> Result<()> {
    if rate.is_finite() && rate > 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidHyperparameter {
            name: "learning_rate",
            value: rate,
            expected: "a finite number greater than 0, e.g. 0.001",
        })
    }
}

/// Where the validation split cuts the data: the index of the first validation sample.
pub(crate) fn split_point(len: usize, split: f64) -> Result<usize> {
    if !(0.0..1.0).contains(&split) {
        return Err(Error::InvalidValidationSplit { split });
    }
    // As Keras: the training part is the first int(len * (1 - split)) samples.
    let at = (len as f64 * (1.0 - split)).floor() as usize;
    // A split above 0 too small to hold out one sample would validate on nothing.
    if at == 0 || (split > 0.0 && at >= len) {
        return Err(Error::InvalidValidationSplit { split });
    }
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_points() {
        assert_eq!(split_point(100, 0.0).unwrap(), 100);
        assert_eq!(split_point(100, 0.2).unwrap(), 80);
        assert_eq!(split_point(10, 0.25).unwrap(), 7);
        assert!(split_point(1, 0.5).is_err());
        assert!(split_point(10, 1.0).is_err());
        assert!(split_point(10, -0.1).is_err());
        assert!(split_point(10, f64::NAN).is_err());
        assert_eq!(split_point(3, 0.1).unwrap(), 2);
        assert!(split_point(10, 1e-20).is_err(), "no validation sample");
    }
}
