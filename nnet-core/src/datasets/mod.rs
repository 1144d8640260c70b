//! Small classification data sets and their preparation, as scikit-learn's `datasets` and
//! `preprocessing` and Keras's `to_categorical`.
//!
//! - [`make_moons`]: scikit-learn's two interleaving half circles, from a seed;
//! - [`load_csv`], [`parse_csv`], [`CsvOptions`]: numeric CSV files, with an sklearn-style
//!   header (as nnet's examples), column names or no header (as NumPy's `savetxt` writes them),
//!   as labelled data sets or as inputs and targets;
//! - [`Dataset::split`]: a shuffled train/test split from a seed;
//! - [`Standardizer`]: mean 0 and standard deviation 1 per feature, from training data only;
//! - [`Dataset::binary_targets`], [`Dataset::one_hot`]: class labels as the targets of
//!   binary and categorical cross-entropy.
//!
//! Inputs are static vectors, so a data set of 4 features cannot be fed to a network of 2
//! inputs; reading a file whose width differs from the one asked for is an error.
//!
//! ```
//! use nnet_core::datasets::{Standardizer, make_moons};
//!
//! let data = make_moons(100, 0.1, 7)?;
//! let (train, test) = data.split(0.2, 1)?;
//! let scaler = Standardizer::fit(&train.inputs)?;
//! let x_train = scaler.transform_all(&train.inputs);
//! let y_train = train.binary_targets()?;
//! assert_eq!((x_train.len(), y_train.len(), test.len()), (80, 80, 20));
//! # Ok::<(), nnet_core::Error>(())
//! ```

mod csv;
mod moons;
mod standardize;
#[cfg(test)]
mod tests;

pub use self::csv::{CsvOptions, Delimiter, Header, TargetColumns, Xy, load_csv, parse_csv};
pub use moons::make_moons;
pub use standardize::Standardizer;

use std::collections::BTreeMap;

use nalgebra::SVector;
use rand::SeedableRng;
use rand::seq::SliceRandom;

use crate::{DataRole, Error, Result, Scalar};

/// A classification data set: samples of `F` features, each with a class label.
///
/// `inputs[i]` has the label `labels[i]`, a class index from 0; `class_names[k]` names class
/// `k` when the source names them (it may be empty).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dataset<const F: usize, T: Scalar = f32> {
    /// The samples' features.
    pub inputs: Vec<SVector<T, F>>,
    /// Each sample's class, from 0.
    pub labels: Vec<usize>,
    /// The classes' names, in class order; empty when unnamed.
    pub class_names: Vec<String>,
}

impl<const F: usize, T: Scalar> Dataset<F, T> {
    /// The number of samples.
    pub fn len(&self) -> usize {
        self.inputs.len()
    }

    /// Whether there is no sample.
    pub fn is_empty(&self) -> bool {
        self.inputs.is_empty()
    }

    /// How many samples each class has: `(class, count)` for every label present, by class.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::datasets::make_moons;
    ///
    /// let counts = make_moons(11, 0.0, 0)?.class_counts();
    /// assert_eq!(counts.into_iter().collect::<Vec<_>>(), vec![(0, 5), (1, 6)]);
    /// # Ok::<(), nnet_core::Error>(())
    /// ```
    pub fn class_counts(&self) -> BTreeMap<usize, usize> {
        let mut counts = BTreeMap::new();
        for &label in &self.labels {
            *counts.entry(label).or_insert(0) += 1;
        }
        counts
    }

    /// Shuffles the samples with a seeded generator and splits them into a training and a test
    /// set, as scikit-learn's `train_test_split`: the test set takes `ceil(test_fraction × n)`
    /// samples, the training set the rest. Same seed, same split, on every machine.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if `inputs` and `labels` differ in length, and
    /// [`Error::InvalidHyperparameter`] if `test_fraction` is not in (0, 1) or leaves either
    /// part empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::datasets::make_moons;
    ///
    /// let data = make_moons(10, 0.1, 0)?;
    /// let (train, test) = data.split(0.25, 3)?;
    /// assert_eq!((train.len(), test.len()), (7, 3));
    /// assert!(data.split(1.0, 3).is_err());
    /// # Ok::<(), nnet_core::Error>(())
    /// ```
    pub fn split(&self, test_fraction: f64, seed: u64) -> Result<(Self, Self)> {
        if self.inputs.len() != self.labels.len() {
            return Err(Error::LengthMismatch {
                data: DataRole::Dataset,
                inputs: self.inputs.len(),
                targets: self.labels.len(),
            });
        }
        let n = self.len();
        let test_len = (test_fraction * n as f64).ceil();
        if !(test_fraction > 0.0 && test_fraction < 1.0) || test_len < 1.0 || test_len >= n as f64 {
            return Err(Error::InvalidHyperparameter {
                name: "test_fraction",
                value: test_fraction,
                expected: "a fraction in (0, 1) that leaves at least one sample in each part, e.g. 0.2",
            });
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(seed));
        let (test, train) = order.split_at(test_len as usize);
        Ok((self.select(train), self.select(test)))
    }

    /// The samples at `indices`, in that order.
    /// The same data set with its features converted to the scalar `U` (`f32` data for an
    /// `f64` network: every `f32` is exactly an `f64`).
    ///
    /// # Examples
    ///
    /// ```
    /// let moons = nnet_core::datasets::make_moons(10, 0.1, 0)?;
    /// let wide = moons.convert::<f64>();
    /// assert_eq!(wide.inputs[3][0], f64::from(moons.inputs[3][0]));
    /// # Ok::<(), nnet_core::Error>(())
    /// ```
    pub fn convert<U: Scalar>(&self) -> Dataset<F, U> {
        Dataset {
            inputs: self
                .inputs
                .iter()
                .map(|x| x.map(|v| U::of_f64(v.as_f64())))
                .collect(),
            labels: self.labels.clone(),
            class_names: self.class_names.clone(),
        }
    }

    fn select(&self, indices: &[usize]) -> Self {
        Self {
            inputs: indices.iter().map(|&i| self.inputs[i]).collect(),
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
            class_names: self.class_names.clone(),
        }
    }

    /// The labels as the one-unit targets of a sigmoid output and binary cross-entropy:
    /// class 0 is `[0.0]`, class 1 is `[1.0]`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidTarget`] naming the first row whose label is neither 0 nor 1.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::datasets::Dataset;
    /// use nalgebra::vector;
    ///
    /// let data = Dataset { inputs: vec![vector![0.5]; 2], labels: vec![1, 0], class_names: vec![] };
    /// assert_eq!(data.binary_targets()?, vec![vector![1.0], vector![0.0]]);
    /// # Ok::<(), nnet_core::Error>(())
    /// ```
    pub fn binary_targets(&self) -> Result<Vec<SVector<T, 1>>> {
        self.labels
            .iter()
            .enumerate()
            .map(|(row, &label)| match label {
                0 | 1 => Ok(SVector::from([T::of_f64(label as f64)])),
                _ => Err(Error::InvalidTarget {
                    data: DataRole::Dataset,
                    row,
                    reason: format!(
                        "class {label} in binary data: binary targets are classes 0 and 1; \
                         for more classes use one_hot with a softmax output"
                    ),
                }),
            })
            .collect()
    }

    /// The labels one-hot encoded over `K` classes, as Keras's `to_categorical`: the targets
    /// of a softmax output and categorical cross-entropy.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidTarget`] naming the first row whose label is `K` or more.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::datasets::Dataset;
    /// use nalgebra::vector;
    ///
    /// let data = Dataset { inputs: vec![vector![0.5]; 2], labels: vec![2, 0], class_names: vec![] };
    /// assert_eq!(data.one_hot::<3>()?, vec![vector![0.0, 0.0, 1.0], vector![1.0, 0.0, 0.0]]);
    /// assert!(data.one_hot::<2>().is_err());
    /// # Ok::<(), nnet_core::Error>(())
    /// ```
    pub fn one_hot<const K: usize>(&self) -> Result<Vec<SVector<T, K>>> {
        self.labels
            .iter()
            .enumerate()
            .map(|(row, &label)| {
                if label < K {
                    let mut target = SVector::zeros();
                    target[label] = T::one();
                    Ok(target)
                } else {
                    Err(Error::InvalidTarget {
                        data: DataRole::Dataset,
                        row,
                        reason: format!(
                            "class {label} does not fit a one-hot target of {K} classes: \
                             give the network one output per class"
                        ),
                    })
                }
            })
            .collect()
    }
}
