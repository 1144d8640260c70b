//! Standardization: each feature to mean 0 and standard deviation 1.

use nalgebra::SVector;

use crate::{DataRole, Error, Result};

/// Scales each feature to mean 0 and standard deviation 1, as scikit-learn's `StandardScaler`:
/// `x' = (x - mean) / std`, with the mean and the (population) standard deviation of each
/// feature measured on the data given to [`fit`](Standardizer::fit).
///
/// Fit it on the training data only and apply it to training and test data alike, so that
/// nothing about the test data leaks into training. A feature that is constant in the training
/// data keeps a scale of 1, as scikit-learn does, instead of dividing by zero.
///
/// # Examples
///
/// ```
/// use nalgebra::vector;
/// use nnet_core::datasets::Standardizer;
///
/// let train = [vector![1.0, 10.0], vector![3.0, 10.0]];
/// let scaler = Standardizer::fit(&train)?;
/// assert_eq!(scaler.mean, vector![2.0, 10.0]);
/// assert_eq!(scaler.std, vector![1.0, 1.0]); // the constant feature keeps a scale of 1
/// assert_eq!(scaler.transform(&vector![4.0, 12.0]), vector![2.0, 2.0]);
/// # Ok::<(), nnet_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Standardizer<const F: usize> {
    /// Each feature's mean on the fitted data.
    pub mean: SVector<f32, F>,
    /// Each feature's standard deviation on the fitted data; 1 where that was 0.
    pub std: SVector<f32, F>,
}

impl<const F: usize> Standardizer<F> {
    /// Measures each feature's mean and standard deviation on `inputs` (accumulated in `f64`).
    ///
    /// # Errors
    ///
    /// [`Error::EmptyData`] if `inputs` is empty and [`Error::NonFiniteInput`] naming the first
    /// NaN or infinite value.
    pub fn fit(inputs: &[SVector<f32, F>]) -> Result<Self> {
        if inputs.is_empty() {
            return Err(Error::EmptyData {
                data: DataRole::Training,
            });
        }
        for (row, x) in inputs.iter().enumerate() {
            if let Some((column, &value)) = x.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(Error::NonFiniteInput {
                    data: DataRole::Training,
                    row,
                    column,
                    value,
                });
            }
        }
        let n = inputs.len() as f64;
        let mut mean = SVector::<f32, F>::zeros();
        let mut std = SVector::<f32, F>::zeros();
        for j in 0..F {
            let mu = inputs.iter().map(|x| f64::from(x[j])).sum::<f64>() / n;
            let variance = inputs
                .iter()
                .map(|x| (f64::from(x[j]) - mu).powi(2))
                .sum::<f64>()
                / n;
            let sigma = variance.sqrt() as f32;
            mean[j] = mu as f32;
            std[j] = if sigma > 0.0 { sigma } else { 1.0 };
        }
        Ok(Self { mean, std })
    }

    /// One sample standardized: `(x - mean) / std`, feature by feature.
    pub fn transform(&self, x: &SVector<f32, F>) -> SVector<f32, F> {
        (x - self.mean).component_div(&self.std)
    }

    /// Every sample standardized, in a new vector.
    pub fn transform_all(&self, inputs: &[SVector<f32, F>]) -> Vec<SVector<f32, F>> {
        inputs.iter().map(|x| self.transform(x)).collect()
    }
}
