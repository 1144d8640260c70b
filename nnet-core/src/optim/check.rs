//! Range checks shared by every optimizer's and schedule's `validate`.

use crate::optim::Clip;
use crate::{Error, Result};

fn invalid(name: &'static str, value: f64, expected: &'static str) -> Error {
    Error::InvalidHyperparameter {
        name,
        value,
        expected,
    }
}

/// A learning rate must be positive and finite.
pub(crate) fn learning_rate(value: f64) -> Result<()> {
    positive(
        "learning_rate",
        value,
        "use a positive, finite learning rate such as 0.001",
    )
}

/// What every optimizer has: a positive, finite learning rate and, if any, a valid clipping.
pub(crate) fn learning_rate_and_clip(rate: f64, clip: Option<Clip>) -> Result<()> {
    learning_rate(rate)?;
    clip.map_or(Ok(()), Clip::validate)
}

/// `value > 0` and finite; `expected` says what to write instead.
pub(crate) fn positive(name: &'static str, value: f64, expected: &'static str) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(invalid(name, value, expected))
    }
}

/// `value >= 0` and finite.
pub(crate) fn non_negative(name: &'static str, value: f64, expected: &'static str) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(invalid(name, value, expected))
    }
}

/// `0 <= value < 1`: a decay rate of a moving average.
pub(crate) fn unit_half_open(name: &'static str, value: f64, expected: &'static str) -> Result<()> {
    if (0.0..1.0).contains(&value) {
        Ok(())
    } else {
        Err(invalid(name, value, expected))
    }
}

/// `0 <= value <= 1`.
pub(crate) fn unit_closed(name: &'static str, value: f64, expected: &'static str) -> Result<()> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(invalid(name, value, expected))
    }
}

/// A count of epochs or steps that must be at least 1.
pub(crate) fn nonzero(name: &'static str, value: usize, expected: &'static str) -> Result<()> {
    if value > 0 {
        Ok(())
    } else {
        Err(Error::InvalidHyperparameter {
            name,
            value: 0.0,
            expected,
        })
    }
}
