//! The epoch driver of `fit`, `fit_sequences` and `fit_stateful`: callbacks, learning-rate
//! changes, progress, validation and the history around each epoch, and in each epoch the
//! update after every batch (mean gradient, regularization, the optimizer's step, undoing a
//! step that overflowed and telling why). What differs between the three, how a batch is laid
//! out and its gradients computed and how a non-finite batch is diagnosed, is a [`Pass`].

use std::time::Instant;

use nalgebra::SVector;

use crate::loss::Loss;
use crate::optim::Optimizer;
use crate::{Error, Parameters, Result, Scalar};

use super::checks::check_learning_rate;
use super::overflow::{Largest, non_finite_update};
use super::progress::Progress;
use super::trainer::reported;
use super::{Callback, Control, EpochLogs, Evaluation, FitConfig, History, Trainer};

/// One `fit` call's training data and buffers, as the epoch driver sees them: rows
/// (`fit`), whole sequences (`fit_sequences`) or windows of streams (`fit_stateful`).
pub(super) trait Pass<S: Scalar, L, const OUT: usize>: Send {
    /// The network trained.
    type Network: Parameters<S> + Send;
    /// Its gradients.
    type Gradients: Parameters<S>;

    /// Starts an epoch (the order shuffled, the targets laid out in it, the states reset) and
    /// returns its number of batches.
    fn begin_epoch(&mut self) -> usize;

    /// Sets the gradients to the gradient of batch `b`'s mean loss at `network` (the loss
    /// summed over the batch's outputs, divided by their number), writing the batch's outputs;
    /// returns the loss summed over the batch's outputs and how many outputs it has.
    ///
    /// # Errors
    ///
    /// What computing the gradient returns (a state of the wrong length, for streams).
    fn accumulate(&mut self, network: &Self::Network, loss: &L, b: usize) -> Result<(S, usize)>;

    /// Whether the gradients [`accumulate`](Self::accumulate) set are all finite, if it found
    /// out while computing them (`None`: not checked, the driver checks them).
    fn gradients_finite(&self) -> Option<bool> {
        None
    }

    /// The gradients, and the buffer the weights are saved into before each step.
    fn update_buffers(&mut self) -> (&mut Self::Gradients, &mut Self::Network);

    /// `network`'s regularization penalty, its gradient added to `grads`.
    fn penalty(network: &Self::Network, grads: &mut Self::Gradients) -> S;

    /// Updates `network`'s non-trainable state (batch normalization's moving statistics)
    /// after a step.
    fn update_state(network: &mut Self::Network, grads: &Self::Gradients);

    /// Why batch `b`'s loss or gradients were not finite (`value`: the loss, or NaN when only
    /// the gradients were not), `at` its epoch and batch number: overflowing data or
    /// divergence.
    fn non_finite(&self, loss: &L, b: usize, at: (usize, usize), value: f64) -> Error;

    /// The largest input magnitude of each training sample (row, sequence or stream).
    fn largest_inputs(&self) -> impl Iterator<Item = Largest> + '_;

    /// Each training output of the last epoch, in the epoch's order, and the targets in the
    /// same order as vectors, for the metrics.
    fn outputs(&self) -> (&[SVector<S, OUT>], &[SVector<S, OUT>]);
}

/// Batch `b` of `order` cut into batches of `size`: the indices it holds.
pub(super) fn chunk(order: &[usize], size: usize, b: usize) -> &[usize] {
    order.chunks(size).nth(b).unwrap_or(&[])
}

/// The epochs of `fit`: callbacks, learning-rate changes, the progress display and the
/// history around each pass over the training data (on the thread pool when `in_pool`, so
/// that a batch's work splits between threads without handing work to the pool at every
/// batch) and `validate` (the validation loss and metrics, if there are validation data).
pub(super) fn run_epochs<P, S: Scalar, O: Optimizer, L: Loss<OUT, S>, const OUT: usize>(
    trainer: &mut Trainer<O, L>,
    network: &mut P::Network,
    config: &FitConfig,
    callbacks: &mut [&mut dyn Callback<P::Network>],
    pass: &mut P,
    in_pool: bool,
    mut validate: impl FnMut(&Trainer<O, L>, &P::Network) -> Option<Evaluation>,
) -> Result<History>
where
    P: Pass<S, L, OUT>,
{
    for callback in callbacks.iter_mut() {
        callback.on_train_begin()?;
    }
    let mut history = History {
        planned_epochs: Some(config.epochs),
        ..History::default()
    };
    let mut progress = Progress::new(config.verbosity, config.epochs);
    for number in 1..=config.epochs {
        for callback in callbacks.iter_mut() {
            if let Some(rate) = callback.on_epoch_begin(number, trainer.optimizer.learning_rate()) {
                check_learning_rate(rate)?;
                trainer.optimizer.set_learning_rate(rate);
            }
        }
        let started = Instant::now();
        let learning_rate = trainer.optimizer.learning_rate();
        let loss = if in_pool {
            crate::generated::in_pool(|| epoch(pass, network, trainer, number, &mut progress))
        } else {
            epoch(pass, network, trainer, number, &mut progress)
        }?;
        let (outputs, targets) = pass.outputs();
        let metrics = trainer.metric_values(outputs, targets);
        let (val_loss, val_metrics) = match validate(trainer, network) {
            Some(evaluation) => (Some(evaluation.loss), evaluation.metrics),
            None => (None, Vec::new()),
        };
        let logs = EpochLogs {
            epoch: number,
            loss,
            metrics,
            val_loss,
            val_metrics,
            learning_rate,
        };
        let time = started.elapsed();
        progress.end_epoch(&logs, time);
        let mut stop = false;
        for callback in callbacks.iter_mut() {
            stop |= callback.on_epoch_end(&logs, network)? == Control::Stop;
        }
        history.epochs.push(logs);
        history.epoch_times.push(time);
        if stop {
            history.stopped_epoch = Some(number);
            break;
        }
    }
    for callback in callbacks.iter_mut() {
        callback.on_train_end(network);
    }
    Ok(history)
}

/// One pass over the training data, an update after each batch; returns the mean loss over
/// the outputs (the penalty included, weighted by each batch's outputs).
fn epoch<P, S: Scalar, O: Optimizer, L, const OUT: usize>(
    pass: &mut P,
    network: &mut P::Network,
    trainer: &mut Trainer<O, L>,
    epoch: usize,
    progress: &mut Progress,
) -> Result<f64>
where
    P: Pass<S, L, OUT>,
{
    let batches = pass.begin_epoch();
    progress.begin_epoch(epoch, batches);
    let mut total = 0.0_f64;
    let mut done = 0;
    for b in 0..batches {
        let (sum, count) = pass.accumulate(network, &trainer.loss, b)?;
        let known = pass.gradients_finite();
        let (grads, last_good) = pass.update_buffers();
        let mut penalty = S::zero();
        let finite = sum.is_finite() && {
            // Keras's regularization losses: added to the batch's mean loss and gradient.
            penalty = P::penalty(network, grads);
            // Not a pass over the gradients on this thread when `accumulate` checked them and
            // a penalty of zero (no regularizer, or the regularized weights all zero) added
            // nothing but zeros or `±l1` to them: a pass here, between two parallel ones, let
            // rayon's other threads fall asleep and cost waking them (wide `fit` 229–244 ms
            // without it against 273–283 with it, one sitting). Overflow to infinity by such
            // an addition would be caught by the step's check of the weights.
            penalty.is_finite()
                && match known {
                    Some(known) if penalty == S::zero() => known,
                    _ => grads.all_finite(),
                }
        };
        if !finite {
            let value = if sum.is_finite() {
                f64::NAN
            } else {
                sum.as_f64()
            };
            return Err(pass.non_finite(&trainer.loss, b, (epoch, b + 1), value));
        }
        // The weights before the step are saved in its pass over them (Adam's), which also
        // checks the trainable ones after; the state `update_state` changes is checked here.
        let finite = trainer.optimizer.step_saving(network, grads, last_good);
        P::update_state(network, grads);
        let state_finite = (0..<P::Network as Parameters<S>>::TENSORS)
            .filter(|&i| P::Network::tensor_info(i).is_some_and(|t| !t.trainable))
            .all(|i| crate::params::all_finite(Parameters::<S>::tensor(network, i)));
        if !(finite && state_finite) {
            Parameters::<S>::copy_from(network, last_good);
            return Err(non_finite_update::<S>(
                pass.largest_inputs(),
                (epoch, b + 1),
            ));
        }
        done += count;
        total += sum.as_f64() + penalty.as_f64() * count as f64;
        progress.batch(b + 1, reported::<S>(total / done as f64));
    }
    Ok(reported::<S>(total / done.max(1) as f64))
}
