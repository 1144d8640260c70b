//! Metrics: what training reports besides the loss, with Keras's names and definitions.
//!
//! A [`Metric`] is evaluated over a whole set of predictions at once with
//! [`Metric::evaluate`]. Targets are dense vectors; turn class indices into one-hot vectors with
//! [`Target::to_vector`](crate::loss::Target::to_vector) first.
//!
//! Two conventions hold for every metric:
//!
//! - **Empty input gives NaN**: with no sample (or no output unit) there is nothing to measure,
//!   and NaN says so rather than posing as a perfect or a worthless score. Training rejects
//!   empty data before it computes any metric.
//! - **A ratio with nothing to count gives 0**, as Keras's `divide_no_nan`: precision when
//!   nothing is predicted positive, recall when no target is positive, AUC when the targets
//!   hold only one class.
//!
//! Predictions and targets are paired up to the shorter of the two slices, as in
//! [`Network::accumulate_batch`](crate::Network::accumulate_batch); training checks that they
//! have the same length.
//!
//! A unit is *predicted positive* when its prediction is `> 0.5` and *actually positive* when
//! its target is `> 0.5` (so smoothed labels such as 0.9 count as positive).

use nalgebra::SVector;

use crate::Scalar;

#[cfg(test)]
mod tests;

/// A metric, with Keras's name and definition.
///
/// | metric | name | value |
/// | --- | --- | --- |
/// | [`Accuracy`](Metric::Accuracy) | `accuracy` | binary accuracy if `N = 1`, else categorical |
/// | [`BinaryAccuracy`](Metric::BinaryAccuracy) | `binary_accuracy` | fraction of units with `p > 0.5` ⇔ `y > 0.5` |
/// | [`CategoricalAccuracy`](Metric::CategoricalAccuracy) | `categorical_accuracy` | fraction of samples with `argmax p = argmax y` |
/// | [`Precision`](Metric::Precision) | `precision` | `TP / (TP + FP)` |
/// | [`Recall`](Metric::Recall) | `recall` | `TP / (TP + FN)` |
/// | [`Auc`](Metric::Auc) | `auc` | area under the ROC curve, exact |
/// | [`MeanSquaredError`](Metric::MeanSquaredError) | `mse` | mean of `(p - y)²` |
/// | [`MeanAbsoluteError`](Metric::MeanAbsoluteError) | `mae` | mean of the absolute error |
///
/// # Examples
///
/// ```
/// use nalgebra::vector;
/// use nnet_core::Metric;
///
/// let predictions = [vector![0.9], vector![0.2], vector![0.7]];
/// let targets = [vector![1.0], vector![0.0], vector![0.0]];
/// assert_eq!(Metric::Accuracy.name(), "accuracy");
/// assert_eq!(Metric::Accuracy.evaluate(&predictions, &targets), 2.0 / 3.0);
/// assert_eq!(Metric::Recall.evaluate(&predictions, &targets), 1.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Metric {
    /// Keras's `accuracy`, chosen by the number of outputs `N`: with one output, binary accuracy
    /// (a sigmoid classifier); with more, categorical accuracy (a softmax classifier). For
    /// several independent yes/no outputs (multi-label) use
    /// [`BinaryAccuracy`](Metric::BinaryAccuracy).
    Accuracy,
    /// The fraction of output units whose prediction is on the right side of 0.5: `p > 0.5`
    /// exactly when `y > 0.5`.
    BinaryAccuracy,
    /// The fraction of samples whose largest prediction is at the target's largest entry (the
    /// class of a one-hot target). Ties go to the first index.
    CategoricalAccuracy,
    /// Of the units predicted positive (`p > 0.5`), the fraction actually positive (`y > 0.5`):
    /// `TP / (TP + FP)`, over all units of all samples; 0 if nothing is predicted positive.
    Precision,
    /// Of the units actually positive (`y > 0.5`), the fraction predicted positive (`p > 0.5`):
    /// `TP / (TP + FN)`, over all units of all samples; 0 if no target is positive.
    Recall,
    /// The area under the ROC curve: the probability that a random positive unit (`y > 0.5`) is
    /// scored above a random negative one, ties counting one half, over all units of all
    /// samples; 0 if the targets hold only one class.
    ///
    /// Computed exactly by sorting the predictions (the Mann–Whitney statistic, as
    /// scikit-learn's `roc_auc_score`), which takes one allocation of `samples × N` pairs.
    /// Keras's `AUC` approximates the same area with 200 evenly spaced thresholds and the
    /// trapezoidal rule, so its figure can differ slightly from this exact one.
    Auc,
    /// Keras's `mse`: the mean of `(p - y)²` over all units of all samples.
    MeanSquaredError,
    /// Keras's `mae`: the mean of `|p - y|` over all units of all samples.
    MeanAbsoluteError,
}

impl Metric {
    /// Every metric, in the order of the table above.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::Metric;
    ///
    /// assert!(Metric::ALL.iter().all(|m| Metric::from_name(m.name()) == Some(*m)));
    /// ```
    pub const ALL: [Metric; 8] = [
        Self::Accuracy,
        Self::BinaryAccuracy,
        Self::CategoricalAccuracy,
        Self::Precision,
        Self::Recall,
        Self::Auc,
        Self::MeanSquaredError,
        Self::MeanAbsoluteError,
    ];

    /// The Keras name, as it appears in a training history (`"accuracy"`, `"mse"`, …).
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::Metric;
    ///
    /// assert_eq!(Metric::MeanSquaredError.name(), "mse");
    /// assert_eq!(Metric::Auc.name(), "auc");
    /// ```
    pub const fn name(self) -> &'static str {
        match self {
            Self::Accuracy => "accuracy",
            Self::BinaryAccuracy => "binary_accuracy",
            Self::CategoricalAccuracy => "categorical_accuracy",
            Self::Precision => "precision",
            Self::Recall => "recall",
            Self::Auc => "auc",
            Self::MeanSquaredError => "mse",
            Self::MeanAbsoluteError => "mae",
        }
    }

    /// The metric of a Keras name or alias: each [`name`](Metric::name), and `acc`,
    /// `mean_squared_error`, `mean_absolute_error`. `None` for anything else.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::Metric;
    ///
    /// assert_eq!(Metric::from_name("acc"), Some(Metric::Accuracy));
    /// assert_eq!(Metric::from_name("mean_absolute_error"), Some(Metric::MeanAbsoluteError));
    /// assert_eq!(Metric::from_name("f1"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "acc" => Some(Self::Accuracy),
            "mean_squared_error" => Some(Self::MeanSquaredError),
            "mean_absolute_error" => Some(Self::MeanAbsoluteError),
            _ => Self::ALL.into_iter().find(|m| m.name() == name),
        }
    }

    /// Whether a larger value is better: true for the accuracies, precision, recall and AUC,
    /// false for the errors. Early stopping and checkpoints use it to know which way to look.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::Metric;
    ///
    /// assert!(Metric::Auc.higher_is_better());
    /// assert!(!Metric::MeanAbsoluteError.higher_is_better());
    /// ```
    pub const fn higher_is_better(self) -> bool {
        !matches!(self, Self::MeanSquaredError | Self::MeanAbsoluteError)
    }

    /// The metric over a set of samples: `predictions[i]` is the network's output for the
    /// sample whose target is `targets[i]`.
    ///
    /// Returns NaN for empty input (no sample, or `N = 0`); pairs the slices up to the shorter
    /// one. Nothing allocates except [`Auc`](Metric::Auc), which sorts a copy of the
    /// predictions.
    ///
    /// # Examples
    ///
    /// ```
    /// use nalgebra::vector;
    /// use nnet_core::Metric;
    ///
    /// // Two softmax outputs: by arg-max, the first is right and the second wrong.
    /// let predictions = [vector![0.7, 0.2, 0.1], vector![0.3, 0.3, 0.4]];
    /// let targets = [vector![1.0, 0.0, 0.0], vector![0.0, 1.0, 0.0]];
    /// assert_eq!(Metric::Accuracy.evaluate(&predictions, &targets), 0.5);
    /// assert!(Metric::Accuracy.evaluate::<3, f32>(&[], &[]).is_nan());
    /// ```
    pub fn evaluate<const N: usize, T: Scalar>(
        self,
        predictions: &[SVector<T, N>],
        targets: &[SVector<T, N>],
    ) -> f64 {
        let len = predictions.len().min(targets.len());
        if len == 0 || N == 0 {
            return f64::NAN;
        }
        let (predictions, targets) = (&predictions[..len], &targets[..len]);
        match self {
            Self::Accuracy if N == 1 => binary_accuracy(predictions, targets),
            Self::Accuracy | Self::CategoricalAccuracy => {
                categorical_accuracy(predictions, targets)
            }
            Self::BinaryAccuracy => binary_accuracy(predictions, targets),
            Self::Precision => {
                let c = Confusion::count(predictions, targets);
                ratio(c.true_positives, c.true_positives + c.false_positives)
            }
            Self::Recall => {
                let c = Confusion::count(predictions, targets);
                ratio(c.true_positives, c.true_positives + c.false_negatives)
            }
            Self::Auc => roc_auc(predictions, targets),
            Self::MeanSquaredError => mean_over_units(predictions, targets, |e| e * e),
            Self::MeanAbsoluteError => mean_over_units(predictions, targets, f64::abs),
        }
    }
}

/// The threshold above which a prediction or a target counts as positive.
const THRESHOLD: f64 = 0.5;

/// Every unit of every sample as `(prediction, target)`.
fn units<'a, const N: usize, T: Scalar>(
    predictions: &'a [SVector<T, N>],
    targets: &'a [SVector<T, N>],
) -> impl Iterator<Item = (f64, f64)> + 'a {
    predictions.iter().zip(targets).flat_map(|(p, y)| {
        p.iter()
            .map(|p| p.as_f64())
            .zip(y.iter().map(|y| y.as_f64()))
    })
}

/// The mean of `f(p - y)` over all units, accumulated in f64. Inputs are non-empty.
fn mean_over_units<const N: usize, T: Scalar>(
    predictions: &[SVector<T, N>],
    targets: &[SVector<T, N>],
    f: impl Fn(f64) -> f64,
) -> f64 {
    let sum: f64 = units(predictions, targets).map(|(p, y)| f(p - y)).sum();
    sum / (predictions.len() * N) as f64
}

fn binary_accuracy<const N: usize, T: Scalar>(
    predictions: &[SVector<T, N>],
    targets: &[SVector<T, N>],
) -> f64 {
    let right = units(predictions, targets)
        .filter(|&(p, y)| (p > THRESHOLD) == (y > THRESHOLD))
        .count();
    ratio(right as u64, (predictions.len() * N) as u64)
}

fn categorical_accuracy<const N: usize, T: Scalar>(
    predictions: &[SVector<T, N>],
    targets: &[SVector<T, N>],
) -> f64 {
    let right = predictions
        .iter()
        .zip(targets)
        .filter(|(p, y)| arg_max(p) == arg_max(y))
        .count();
    ratio(right as u64, predictions.len() as u64)
}

/// The index of the largest entry; the first on ties. NaN entries are never the largest
/// (unless they come first).
fn arg_max<const N: usize, T: Scalar>(v: &SVector<T, N>) -> usize {
    let mut best = 0;
    for i in 1..N {
        if v[i] > v[best] {
            best = i;
        }
    }
    best
}

/// `numerator / denominator`, or 0 when the denominator is 0 (Keras's `divide_no_nan`).
fn ratio(numerator: u64, denominator: u64) -> f64 {
    if denominator == 0 {
        0.0
    } else {
        numerator as f64 / denominator as f64
    }
}

/// The counts of a binary confusion matrix at threshold 0.5, over all units.
struct Confusion {
    true_positives: u64,
    false_positives: u64,
    false_negatives: u64,
}

impl Confusion {
    fn count<const N: usize, T: Scalar>(
        predictions: &[SVector<T, N>],
        targets: &[SVector<T, N>],
    ) -> Self {
        let mut c = Confusion {
            true_positives: 0,
            false_positives: 0,
            false_negatives: 0,
        };
        for (p, y) in units(predictions, targets) {
            match (p > THRESHOLD, y > THRESHOLD) {
                (true, true) => c.true_positives += 1,
                (true, false) => c.false_positives += 1,
                (false, true) => c.false_negatives += 1,
                (false, false) => {}
            }
        }
        c
    }
}

/// The exact ROC AUC over all units: `Σ over positives of (negatives scored below + ½ negatives
/// scored equal) / (positives × negatives)`, from one sort of the scores.
fn roc_auc<const N: usize, T: Scalar>(
    predictions: &[SVector<T, N>],
    targets: &[SVector<T, N>],
) -> f64 {
    let mut scored: Vec<(f64, bool)> = Vec::with_capacity(predictions.len() * N);
    scored.extend(units(predictions, targets).map(|(p, y)| (p, y > THRESHOLD)));
    // total_cmp orders NaN too, so a NaN prediction cannot break the sort.
    scored.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));

    let (mut area, mut negatives_below, mut positives) = (0.0_f64, 0_u64, 0_u64);
    let mut rest = scored.as_slice();
    while let Some(&(score, _)) = rest.first() {
        // A run of equal scores (the first element always belongs to its own run, even NaN).
        let run = rest
            .iter()
            .take_while(|(s, _)| *s == score || s.total_cmp(&score).is_eq())
            .count();
        let run_positives = rest[..run].iter().filter(|(_, positive)| *positive).count() as u64;
        let run_negatives = run as u64 - run_positives;
        area += run_positives as f64 * (negatives_below as f64 + 0.5 * run_negatives as f64);
        negatives_below += run_negatives;
        positives += run_positives;
        rest = &rest[run..];
    }
    let pairs = positives as f64 * negatives_below as f64;
    if pairs == 0.0 { 0.0 } else { area / pairs }
}
