//! The trainer: Keras's `compile` (optimizer, loss, metrics), `fit` and `evaluate`.

use core::fmt;

use nalgebra::SVector;
use rand::SeedableRng;
use rand::seq::SliceRandom;

use crate::batch;
use crate::loss::{Loss, Target};
use crate::metrics::Metric;
use crate::optim::Optimizer;
use crate::storage::zeroed_vectors_of;
use crate::{DataRole, Error, Network, Result, Scalar};

use super::batch_groups::BatchGroups;
use super::checks::{check_data, check_learning_rate, split_point};
use super::epoch::{Pass, chunk, run_epochs};
use super::groups::Kept;
use super::overflow::{Largest, non_finite};
use super::{Callback, FitConfig, History};

/// Loss and metrics of a network on a data set, from [`Trainer::evaluate`].
///
/// Its `Display` is one line as Keras prints them: `loss: 0.4300 - accuracy: 0.8125`. Values
/// are `f64`: an `f32` network's are its `f32` values exactly, an `f64` network's keep their
/// range and precision.
///
/// # Examples
///
/// ```
/// use nnet_core::train::Evaluation;
///
/// let evaluation = Evaluation { loss: 0.43, metrics: vec![("accuracy", 0.8125)] };
/// assert_eq!(evaluation.to_string(), "loss: 0.4300 - accuracy: 0.8125");
/// assert_eq!(evaluation.get("accuracy"), Some(0.8125));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Mean loss over the samples.
    pub loss: f64,
    /// Each metric, `(name, value)`.
    pub metrics: Vec<(&'static str, f64)>,
}

impl Evaluation {
    /// `loss` or a metric by its Keras name.
    pub fn get(&self, name: &str) -> Option<f64> {
        if name == "loss" {
            return Some(self.loss);
        }
        self.metrics
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }
}

impl fmt::Display for Evaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "loss: {:.4}", self.loss)?;
        for (name, value) in &self.metrics {
            write!(f, " - {name}: {value:.4}")?;
        }
        Ok(())
    }
}

/// Validation data for [`Trainer::fit_with`]: inputs and targets.
pub type Validation<'a, const IN: usize, Y, S = f32> = (&'a [SVector<S, IN>], &'a [Y]);

/// An optimizer, a loss and metrics: what Keras's `model.compile(...)` sets, ready to `fit` and
/// `evaluate` networks.
///
/// The optimizer keeps its state (e.g. Adam's moments) between `fit` calls, as in Keras.
/// The trainer also keeps the buffers of [`fit_sequences`](Self::fit_sequences) and
/// [`fit_stateful`](Self::fit_stateful) for its next call (the groups' workspaces, sized for
/// the largest batch it has trained and reused by any network of the same layers, and a
/// vector of outputs and one of targets as long as the largest training set), so that calling
/// them epoch by epoch does not allocate and page in the buffers again; they never change a
/// result, and a clone starts without them.
///
/// # Examples
///
/// ```
/// use nnet_core::train::Trainer;
/// use nnet_core::{loss::MeanSquaredError, metrics::Metric, optim::Sgd};
///
/// // Keras: model.compile(optimizer='sgd', loss='mse', metrics=['mae'])
/// let trainer = Trainer::new(Sgd::default(), MeanSquaredError).with_metrics([Metric::MeanAbsoluteError]);
/// assert_eq!(trainer.metrics.len(), 1);
/// assert_eq!(trainer.optimizer.config.learning_rate, 0.01);
/// ```
#[derive(Debug, Clone)]
pub struct Trainer<O, L> {
    /// The optimizer.
    pub optimizer: O,
    /// The loss.
    pub loss: L,
    /// Metrics computed each epoch, on training and validation data.
    pub metrics: Vec<Metric>,
    /// The buffers of `fit_sequences` and `fit_stateful`, kept from one call to the next.
    pub(super) kept: Kept,
}

impl<O: Optimizer, L> Trainer<O, L> {
    /// A trainer with an optimizer and a loss and no metrics.
    pub fn new(optimizer: O, loss: L) -> Self {
        Self {
            optimizer,
            loss,
            metrics: Vec::new(),
            kept: Kept::default(),
        }
    }

    /// Sets the metrics, as Keras's `metrics=[...]`.
    pub fn with_metrics(mut self, metrics: impl IntoIterator<Item = Metric>) -> Self {
        self.metrics = metrics.into_iter().collect();
        self
    }

    /// Trains `network` on `inputs` and `targets`, as Keras's `fit`.
    ///
    /// # Errors
    ///
    /// Everything is checked before the first update: empty data, inputs and targets of
    /// different lengths, a zero batch size, a bad validation split, invalid hyperparameters,
    /// non-finite inputs and targets the loss does not accept (naming the row). During
    /// training, a loss or update that becomes non-finite stops training, the network keeping
    /// its last finite weights: with [`Error::DataOverflow`] when the data are at fault (a
    /// sample whose loss is not finite even at the weights training started from, a first
    /// batch whose gradients overflow, or an input row over 1,000 times larger than the median
    /// row), else with [`Error::Diverged`].
    pub fn fit<N, T: Scalar, const IN: usize, const OUT: usize>(
        &mut self,
        network: &mut N,
        inputs: &[SVector<T, IN>],
        targets: &[L::Target],
        config: &FitConfig,
    ) -> Result<History>
    where
        N: Network<IN, OUT, T>,
        L: Loss<OUT, T>,
    {
        self.fit_with(network, inputs, targets, config, None, &mut [])
    }

    /// [`fit`](Self::fit) with explicit validation data (which replace
    /// `config.validation_split`) and callbacks.
    ///
    /// # Errors
    ///
    /// As [`fit`](Self::fit), plus invalid validation data and errors returned by callbacks
    /// (an invalid learning-rate schedule among them, before the first update).
    pub fn fit_with<N, T: Scalar, const IN: usize, const OUT: usize>(
        &mut self,
        network: &mut N,
        inputs: &[SVector<T, IN>],
        targets: &[L::Target],
        config: &FitConfig,
        validation: Option<Validation<'_, IN, L::Target, T>>,
        callbacks: &mut [&mut dyn Callback<N>],
    ) -> Result<History>
    where
        N: Network<IN, OUT, T>,
        L: Loss<OUT, T>,
    {
        self.check_settings(config)?;
        check_data(DataRole::Training, inputs, targets, &self.loss)?;
        let (train_x, train_y, val) = match validation {
            Some((vx, vy)) => {
                check_data(DataRole::Validation, vx, vy, &self.loss)?;
                (inputs, targets, Some((vx, vy)))
            }
            None if config.validation_split > 0.0 => {
                let at = split_point(inputs.len(), config.validation_split)?;
                (
                    &inputs[..at],
                    &targets[..at],
                    Some((&inputs[at..], &targets[at..])),
                )
            }
            None => {
                split_point(inputs.len(), config.validation_split)?;
                (inputs, targets, None)
            }
        };

        let mut run = Run::new(network, train_x, train_y, config);
        // Batched networks train on the thread pool, so that their matrix products split
        // between threads without handing work to the pool at every batch.
        let in_pool = batch::prefers_batches(N::LAYERS);
        run_epochs(
            self,
            network,
            config,
            callbacks,
            &mut run,
            in_pool,
            // Checked once before training; no need to scan them again every epoch.
            |trainer, network| val.map(|(vx, vy)| trainer.measure(network, vx, vy)),
        )
    }

    /// A batch size of at least 1, valid optimizer settings and learning rate: what `fit` and
    /// `fit_sequences` check before anything else.
    pub(super) fn check_settings(&self, config: &FitConfig) -> Result<()> {
        if config.batch_size == 0 {
            return Err(Error::ZeroBatchSize);
        }
        self.optimizer.validate()?;
        check_learning_rate(self.optimizer.learning_rate())
    }

    /// The mean loss and the metrics of `network` on `inputs` and `targets`, as Keras's
    /// `evaluate`.
    ///
    /// # Errors
    ///
    /// Empty data, a length mismatch, non-finite inputs or targets the loss does not accept.
    pub fn evaluate<N, T: Scalar, const IN: usize, const OUT: usize>(
        &self,
        network: &N,
        inputs: &[SVector<T, IN>],
        targets: &[L::Target],
    ) -> Result<Evaluation>
    where
        N: Network<IN, OUT, T>,
        L: Loss<OUT, T>,
    {
        check_data(DataRole::Evaluation, inputs, targets, &self.loss)?;
        Ok(self.measure(network, inputs, targets))
    }

    /// [`evaluate`](Self::evaluate) on data already checked: non-empty, of one length, valid.
    fn measure<N, T: Scalar, const IN: usize, const OUT: usize>(
        &self,
        network: &N,
        inputs: &[SVector<T, IN>],
        targets: &[L::Target],
    ) -> Evaluation
    where
        N: Network<IN, OUT, T>,
        L: Loss<OUT, T>,
    {
        let outputs = network.predict(inputs);
        let loss = outputs
            .iter()
            .zip(targets)
            .map(|(p, y)| self.loss.value(p, y))
            .sum::<T>()
            / T::of_f64(inputs.len() as f64)
            + network.regularization(None);
        let mut dense = zeroed_vectors_of::<OUT, T>(targets.len());
        for (slot, target) in dense.iter_mut().zip(targets) {
            target.write_vector(slot);
        }
        Evaluation {
            loss: loss.as_f64(),
            metrics: self.metric_values(&outputs, &dense),
        }
    }

    /// Each metric of `outputs` against `targets`, in the network's precision (see
    /// [`reported`]).
    pub(super) fn metric_values<T: Scalar, const OUT: usize>(
        &self,
        outputs: &[SVector<T, OUT>],
        targets: &[SVector<T, OUT>],
    ) -> Vec<(&'static str, f64)> {
        self.metrics
            .iter()
            .map(|m| (m.name(), reported::<T>(m.evaluate(outputs, targets))))
            .collect()
    }
}

/// The buffers of one `fit` call, allocated once so that batches allocate nothing.
struct Run<'a, N: Network<IN, OUT, S>, T, S: Scalar, const IN: usize, const OUT: usize> {
    inputs: &'a [SVector<S, IN>],
    targets: &'a [T],
    config: FitConfig,
    order: Vec<usize>,
    rng: rand_chacha::ChaCha8Rng,
    /// The inputs of the current batch, copied in place (a wide input never passes through the
    /// stack).
    batch_x: Vec<SVector<S, IN>>,
    batch_y: Vec<T>,
    /// The groups each batch is cut into, their buffers and the batch's gradients.
    groups: BatchGroups<N::Gradients, S>,
    /// Batches trained so far, across epochs: the step dropout's masks derive from.
    step: u64,
    last_good: N,
    /// The weights training started from, to tell data that overflow from divergence.
    initial: N,
    /// Each training sample's output in the last epoch, in the epoch's order.
    outputs: Vec<SVector<S, OUT>>,
    /// The targets in the same order, as vectors, for the metrics.
    dense_targets: Vec<SVector<S, OUT>>,
}

impl<'a, N: Network<IN, OUT, S>, T: Target<OUT, S>, S: Scalar, const IN: usize, const OUT: usize>
    Run<'a, N, T, S, IN, OUT>
{
    fn new(
        network: &N,
        inputs: &'a [SVector<S, IN>],
        targets: &'a [T],
        config: &FitConfig,
    ) -> Self {
        let batch = config.batch_size.min(inputs.len());
        Self {
            inputs,
            targets,
            config: *config,
            order: (0..inputs.len()).collect(),
            rng: rand_chacha::ChaCha8Rng::seed_from_u64(config.seed),
            batch_x: zeroed_vectors_of(batch),
            // Allocated zeroed and copied into (never cloned one by one, which in debug builds
            // passes each target through the stack).
            batch_y: bytemuck::zeroed_vec(batch),
            groups: BatchGroups::new(network, batch, inputs.len()),
            step: 0,
            last_good: network.clone(),
            initial: network.clone(),
            outputs: zeroed_vectors_of(inputs.len()),
            dense_targets: zeroed_vectors_of(inputs.len()),
        }
    }
}

impl<'a, N, T, S, L, const IN: usize, const OUT: usize> Pass<S, L, OUT>
    for Run<'a, N, T, S, IN, OUT>
where
    N: Network<IN, OUT, S>,
    T: Target<OUT, S>,
    S: Scalar,
    L: Loss<OUT, S, Target = T>,
{
    type Network = N;
    type Gradients = N::Gradients;

    fn begin_epoch(&mut self) -> usize {
        if self.config.shuffle {
            self.order.shuffle(&mut self.rng);
        }
        for (slot, &i) in self.dense_targets.iter_mut().zip(&self.order) {
            self.targets[i].write_vector(slot);
        }
        self.order.len().div_ceil(self.config.batch_size)
    }

    fn accumulate(&mut self, network: &N, loss: &L, b: usize) -> Result<(S, usize)> {
        let chunk = chunk(&self.order, self.config.batch_size, b);
        let batch_x = &mut self.batch_x[..chunk.len()];
        for (x, &i) in batch_x.iter_mut().zip(chunk) {
            x.copy_from(&self.inputs[i]);
        }
        let batch_y = &mut self.batch_y[..chunk.len()];
        for (y, &i) in batch_y.iter_mut().zip(chunk) {
            core::slice::from_mut(y).copy_from_slice(core::slice::from_ref(&self.targets[i]));
        }
        let start = b * self.config.batch_size;
        let outputs = &mut self.outputs[start..start + chunk.len()];

        // The gradients of the batch's mean loss.
        let sum = self.groups.accumulate(
            network,
            (batch_x, batch_y),
            loss,
            outputs,
            (self.config.seed, self.step),
            S::of_f64(1.0 / chunk.len() as f64),
        );
        self.step += 1;
        Ok((sum, chunk.len()))
    }

    fn gradients_finite(&self) -> Option<bool> {
        self.groups.finite()
    }

    fn update_buffers(&mut self) -> (&mut N::Gradients, &mut N) {
        (self.groups.grads(), &mut self.last_good)
    }

    fn penalty(network: &N, grads: &mut N::Gradients) -> S {
        network.regularization(Some(grads))
    }

    fn update_state(network: &mut N, grads: &N::Gradients) {
        network.update_state(grads);
    }

    fn non_finite(&self, loss: &L, b: usize, at: (usize, usize), value: f64) -> Error {
        non_finite(
            &self.initial,
            (self.inputs, self.targets),
            loss,
            chunk(&self.order, self.config.batch_size, b),
            at,
            value,
        )
    }

    fn largest_inputs(&self) -> impl Iterator<Item = Largest> + '_ {
        let rows = self.inputs.iter().enumerate();
        rows.map(|(row, x)| Largest::of_row(row, x))
    }

    fn outputs(&self) -> (&[SVector<S, OUT>], &[SVector<S, OUT>]) {
        (&self.outputs, &self.dense_targets)
    }
}

/// A statistic accumulated in `f64`, as a network of scalar `T` reports it: rounded to `T`, then
/// widened. An `f32` network reports exactly the `f32` values it always did (and prints the same
/// digits); an `f64` network, the full `f64`.
pub(super) fn reported<T: Scalar>(value: f64) -> f64 {
    T::of_f64(value).as_f64()
}
