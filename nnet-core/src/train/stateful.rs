//! `fit` and `evaluate` for sequence networks on long signals ([`Streams`]), Keras's
//! `stateful=True`: each signal cut into consecutive windows, each window starting from the
//! state the previous window of the same signal ended in, the gradient stopping at the window's
//! start (truncated backpropagation through time).

use nalgebra::SVector;

use crate::loss::{Loss, Target};
use crate::optim::Optimizer;
use crate::sequence::{SequenceNetwork, Streams};
use crate::storage::zeroed_vectors_of;
use crate::{DataRole, Error, Parameters, Result, Scalar};

use super::epoch::{Pass, run_epochs};
use super::groups::{Grouped, Kept};
use super::overflow::{Largest, data_or_divergence};
use super::{Callback, Evaluation, FitConfig, History, Trainer};

/// Validation data for [`Trainer::fit_stateful_with`]: streams and their targets (laid out as
/// for [`Trainer::fit_stateful`]).
pub type StreamValidation<'a, const F: usize, Y, S = f32> = (&'a Streams<F, S>, &'a [Y]);

impl<O: Optimizer, L> Trainer<O, L> {
    /// Trains the sequence network `network` on the long signals `streams` window by window,
    /// carrying each signal's state from one window to the next: Keras's `stateful=True` with
    /// truncated backpropagation through time.
    ///
    /// Each epoch starts every stream from the zero state and goes through the windows in
    /// order: a batch holds window `k` of `batch_size` streams (streams `0..batch_size`, then
    /// the next `batch_size`, …; a `batch_size` above the number of streams takes them all),
    /// and after its update each stream's state after the window is where its window `k + 1`
    /// starts. The values of the state cross the windows' boundaries, the gradients do not:
    /// each update is the gradient of its batch's loss with the states it started from held
    /// fixed. So a network learns from signals far longer than one window what follows a
    /// window's first steps, at the cost of backpropagating through one window at a time.
    ///
    /// `targets` hold, stream after stream, one target per step (a network whose last
    /// recurrent layer returns sequences) or one per window (one that returns its last output),
    /// as [`Streams`] says. The loss is the mean over a batch's outputs; the epoch's loss and
    /// metrics in the [`History`] are over all its outputs, as in
    /// [`fit_sequences`](Self::fit_sequences). `config.shuffle` is ignored: the windows of a
    /// stream must come in order.
    ///
    /// With one window per stream (a window as long as the streams) this is
    /// [`fit_sequences`](Self::fit_sequences) without shuffling, bit for bit. Like it, it
    /// computes a batch's gradient in groups of streams on rayon's threads and sums them in
    /// order: the same bits on any number of threads.
    ///
    /// # Errors
    ///
    /// As [`fit_sequences`](Self::fit_sequences), checked before the first update: a NaN or
    /// infinity in a step (naming the stream, the step and the feature), the wrong number of
    /// targets, targets the loss does not accept, a zero batch size, invalid hyperparameters;
    /// and [`Error::InvalidStreams`] for a validation split (streams are not split: give
    /// validation streams to [`fit_stateful_with`](Self::fit_stateful_with)). A loss or update
    /// that becomes non-finite stops training with [`Error::DataOverflow`] or
    /// [`Error::Diverged`], the network keeping its last finite weights.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::nalgebra::vector;
    /// use nnet_core::{loss::MeanSquaredError, optim::Adam, train::{FitConfig, Trainer}, Streams};
    /// # fn demo<N: nnet_core::SequenceNetwork<1, 1>>(mut net: N) -> nnet_core::Result<()> {
    /// // Two signals of 1,000 steps in windows of 100; a target per step (a network with
    /// // `return_sequences`): the signal delayed by 150 steps, further back than a window.
    /// let signal = |phase: f32| -> Vec<_> { (0..1000).map(|t| vector![(t as f32 * 0.05 + phase).sin()]).collect() };
    /// let (a, b) = (signal(0.0), signal(1.0));
    /// let targets: Vec<_> = [&a, &b]
    ///     .iter()
    ///     .flat_map(|s| (0..1000).map(move |t| if t >= 150 { s[t - 150] } else { vector![0.0] }))
    ///     .collect();
    /// let streams = Streams::new(&[a, b], 100)?;
    /// let mut trainer = Trainer::new(Adam::default(), MeanSquaredError);
    /// let config = FitConfig { batch_size: 2, epochs: 3, ..FitConfig::default() };
    /// let history = trainer.fit_stateful(&mut net, &streams, &targets, &config)?;
    /// # Ok(()) }
    /// ```
    pub fn fit_stateful<N, T: Scalar, const F: usize, const OUT: usize>(
        &mut self,
        network: &mut N,
        streams: &Streams<F, T>,
        targets: &[L::Target],
        config: &FitConfig,
    ) -> Result<History>
    where
        N: SequenceNetwork<F, OUT, T>,
        L: Loss<OUT, T>,
    {
        self.fit_stateful_with(network, streams, targets, config, None, &mut [])
    }

    /// [`fit_stateful`](Self::fit_stateful) with validation streams, measured after each epoch
    /// as [`evaluate_stateful`](Self::evaluate_stateful) measures them, and callbacks.
    ///
    /// # Errors
    ///
    /// As [`fit_stateful`](Self::fit_stateful), plus invalid validation data and errors
    /// returned by callbacks.
    pub fn fit_stateful_with<N, T: Scalar, const F: usize, const OUT: usize>(
        &mut self,
        network: &mut N,
        streams: &Streams<F, T>,
        targets: &[L::Target],
        config: &FitConfig,
        validation: Option<StreamValidation<'_, F, L::Target, T>>,
        callbacks: &mut [&mut dyn Callback<N>],
    ) -> Result<History>
    where
        N: SequenceNetwork<F, OUT, T>,
        L: Loss<OUT, T>,
    {
        self.check_settings(config)?;
        if config.validation_split != 0.0 {
            return Err(Error::InvalidStreams {
                reason: format!(
                    "a validation split ({}) would cut the streams; pass validation streams to `fit_stateful_with` instead, with `validation_split` 0",
                    config.validation_split
                ),
            });
        }
        check_streams::<N, _, _, F, OUT>(DataRole::Training, streams, targets, &self.loss)?;
        if let Some((vx, vy)) = validation {
            check_streams::<N, _, _, F, OUT>(DataRole::Validation, vx, vy, &self.loss)?;
        }
        let mut run = StatefulRun::new(network, streams, targets, config, &mut self.kept);
        let history = run_epochs(
            self,
            network,
            config,
            callbacks,
            &mut run,
            true,
            |trainer, network| validation.map(|(vx, vy)| trainer.measure_stateful(network, vx, vy)),
        );
        run.keep(&mut self.kept);
        history
    }

    /// The mean loss and the metrics of the sequence network `network` on the long signals
    /// `streams` and their `targets` (laid out as for [`fit_stateful`](Self::fit_stateful)):
    /// each stream run from the zero state through all its steps, as a stateful network carries
    /// its state through the windows (and as [`step`](SequenceNetwork::step) streams it).
    ///
    /// # Errors
    ///
    /// Non-finite steps, the wrong number of targets, targets the loss does not accept.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::nalgebra::vector;
    /// use nnet_core::{loss::MeanSquaredError, optim::Adam, train::Trainer, Streams};
    /// # fn demo<N: nnet_core::SequenceNetwork<1, 1>>(net: N) -> nnet_core::Result<()> {
    /// let streams = Streams::new(&[vec![vector![1.0_f32]; 8]], 4)?;
    /// let targets = vec![vector![0.5]; 8]; // one per step
    /// let trainer = Trainer::new(Adam::default(), MeanSquaredError);
    /// let evaluation = trainer.evaluate_stateful(&net, &streams, &targets)?;
    /// assert!(evaluation.loss >= 0.0);
    /// # Ok(()) }
    /// ```
    pub fn evaluate_stateful<N, T: Scalar, const F: usize, const OUT: usize>(
        &self,
        network: &N,
        streams: &Streams<F, T>,
        targets: &[L::Target],
    ) -> Result<Evaluation>
    where
        N: SequenceNetwork<F, OUT, T>,
        L: Loss<OUT, T>,
    {
        check_streams::<N, _, _, F, OUT>(DataRole::Evaluation, streams, targets, &self.loss)?;
        Ok(self.measure_stateful(network, streams, targets))
    }

    /// [`evaluate_stateful`](Self::evaluate_stateful) on data already checked.
    fn measure_stateful<N, T: Scalar, const F: usize, const OUT: usize>(
        &self,
        network: &N,
        streams: &Streams<F, T>,
        targets: &[L::Target],
    ) -> Evaluation
    where
        N: SequenceNetwork<F, OUT, T>,
        L: Loss<OUT, T>,
    {
        let outputs = predict_stateful(network, streams);
        let loss = outputs
            .iter()
            .zip(targets)
            .map(|(p, y)| self.loss.value(p, y).as_f64())
            .sum::<f64>()
            / outputs.len().max(1) as f64;
        let mut dense = zeroed_vectors_of::<OUT, T>(targets.len());
        for (slot, target) in dense.iter_mut().zip(targets) {
            target.write_vector(slot);
        }
        Evaluation {
            loss: (T::of_f64(loss) + network.regularization(None)).as_f64(),
            metrics: self.metric_values(&outputs, &dense),
        }
    }
}

/// The outputs of `network` on every stream from the zero state, laid out as the targets: one
/// per step, or one at the end of each window.
fn predict_stateful<N, T: Scalar, const F: usize, const OUT: usize>(
    network: &N,
    streams: &Streams<F, T>,
) -> Vec<SVector<T, OUT>>
where
    N: SequenceNetwork<F, OUT, T>,
{
    let (length, window) = (streams.stream_len(), streams.window());
    if N::RETURN_SEQUENCES {
        let mut outputs = zeroed_vectors_of::<OUT, T>(streams.total_steps());
        for (stream, out) in streams.iter().zip(outputs.chunks_exact_mut(length)) {
            // One slot per step by construction.
            let _ = network.forward_sequence(stream, out);
        }
        outputs
    } else {
        let mut outputs = zeroed_vectors_of::<OUT, T>(streams.len() * streams.windows());
        let mut at = 0;
        for stream in streams.iter() {
            let mut state = N::State::default();
            for (t, x) in stream.iter().enumerate() {
                let y = network.step(&mut state, x);
                if (t + 1) % window == 0 || t + 1 == length {
                    outputs[at] = y;
                    at += 1;
                }
            }
        }
        outputs
    }
}

/// Every step is finite, there is one target per step (or per window) and the loss accepts
/// each.
fn check_streams<N, T: Scalar, L: Loss<OUT, T>, const F: usize, const OUT: usize>(
    data: DataRole,
    streams: &Streams<F, T>,
    targets: &[L::Target],
    loss: &L,
) -> Result<()>
where
    N: SequenceNetwork<F, OUT, T>,
{
    for (index, stream) in streams.iter().enumerate() {
        for (step, x) in stream.iter().enumerate() {
            if let Some((feature, &value)) = x.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(Error::NonFiniteStep {
                    data,
                    sequence: index,
                    step,
                    feature,
                    value: value.as_f32(),
                });
            }
        }
    }
    let (per, expected) = if N::RETURN_SEQUENCES {
        ("step", streams.total_steps())
    } else {
        ("window", streams.len() * streams.windows())
    };
    if targets.len() != expected {
        return Err(Error::TargetCount {
            data,
            targets: targets.len(),
            sequences: streams.len(),
            steps: streams.total_steps(),
            per,
            expected,
        });
    }
    for (row, y) in targets.iter().enumerate() {
        loss.check_target(y)
            .map_err(|reason| Error::InvalidTarget { data, row, reason })?;
    }
    Ok(())
}

/// The buffers of one `fit_stateful` call, allocated once so that batches allocate nothing.
struct StatefulRun<
    'a,
    N: SequenceNetwork<F, OUT, S>,
    T,
    S: Scalar,
    const F: usize,
    const OUT: usize,
> {
    streams: &'a Streams<F, S>,
    targets: &'a [T],
    config: FitConfig,
    /// Streams per batch.
    batch: usize,
    /// Each stream's state: where its next window starts.
    states: Vec<N::State>,
    batch_y: Vec<T>,
    grads: N::Gradients,
    /// The batch's groups, whose gradients are computed in parallel and summed in order.
    groups: Grouped<N::Gradients, S>,
    step: u64,
    /// Outputs of the epoch so far.
    done: usize,
    last_good: N,
    /// Each training output in the last epoch, in the epoch's order (window by window, stream
    /// by stream), and the targets in the same order as vectors, for the metrics.
    outputs: Vec<SVector<S, OUT>>,
    dense_targets: Vec<SVector<S, OUT>>,
}

impl<
    'a,
    N: SequenceNetwork<F, OUT, S>,
    T: Target<OUT, S>,
    S: Scalar,
    const F: usize,
    const OUT: usize,
> StatefulRun<'a, N, T, S, F, OUT>
{
    /// The buffers of a call, its groups' workspaces and its vectors of outputs and
    /// targets taken from `kept` where they fit.
    fn new(
        network: &N,
        streams: &'a Streams<F, S>,
        targets: &'a [T],
        config: &FitConfig,
        kept: &mut Kept,
    ) -> Self {
        let batch = config.batch_size.min(streams.len()).max(1);
        let window = streams.window();
        let groups = Grouped::new(network, batch, |n| n * window, kept.take());
        let [kept_outputs, kept_targets] = kept.take_vectors(targets.len());
        let outputs = if N::RETURN_SEQUENCES {
            batch * streams.window()
        } else {
            batch
        };
        let mut run = Self {
            streams,
            targets,
            config: *config,
            batch,
            states: vec![N::State::default(); streams.len()],
            batch_y: bytemuck::zeroed_vec(outputs),
            grads: network.zero_gradients(),
            groups,
            step: 0,
            done: 0,
            last_good: network.clone(),
            outputs: kept_outputs,
            dense_targets: kept_targets,
        };
        // The epoch's order of the targets is the same every epoch.
        let mut at = 0;
        for k in 0..streams.windows() {
            for s in 0..streams.len() {
                for y in run.targets_of(s, k) {
                    y.write_vector(&mut run.dense_targets[at]);
                    at += 1;
                }
            }
        }
        run
    }

    /// Hands the call's buffers to `kept`, for the trainer's next call.
    fn keep(self, kept: &mut Kept) {
        kept.keep(self.groups.into_workspaces());
        kept.keep_vectors([self.outputs, self.dense_targets]);
    }

    /// The targets of window `k` of stream `s`: one per step, or its one target.
    fn targets_of(&self, s: usize, k: usize) -> &'a [T] {
        let range = if N::RETURN_SEQUENCES {
            let steps = self.streams.window_range(k).unwrap_or(0..0);
            let start = s * self.streams.stream_len();
            start + steps.start..start + steps.end
        } else {
            let at = s * self.streams.windows() + k;
            at..at + 1
        };
        self.targets.get(range).unwrap_or(&[])
    }

    /// The streams of batch `b` (of window `b / groups`, where `groups` batches cover the
    /// streams) and its window's index.
    fn batch_of(&self, b: usize) -> (core::ops::Range<usize>, usize) {
        let groups = self.streams.len().div_ceil(self.batch);
        let (k, g) = (b / groups, b % groups);
        (
            g * self.batch..((g + 1) * self.batch).min(self.streams.len()),
            k,
        )
    }
}

impl<'a, N, T, S, L, const F: usize, const OUT: usize> Pass<S, L, OUT>
    for StatefulRun<'a, N, T, S, F, OUT>
where
    N: SequenceNetwork<F, OUT, S>,
    T: Target<OUT, S>,
    S: Scalar,
    L: Loss<OUT, S, Target = T>,
{
    type Network = N;
    type Gradients = N::Gradients;

    /// Every stream starts from the zero state.
    fn begin_epoch(&mut self) -> usize {
        self.states.fill(N::State::default());
        self.done = 0;
        self.streams.windows() * self.streams.len().div_ceil(self.batch)
    }

    fn accumulate(&mut self, network: &N, loss: &L, b: usize) -> Result<(S, usize)> {
        let streams = self.streams;
        let (group, k) = self.batch_of(b);
        let window = |s: usize| streams.window_of(s, k).unwrap_or(&[]);
        let count = if N::RETURN_SEQUENCES {
            group.clone().map(|s| window(s).len()).sum()
        } else {
            group.len()
        };
        let mut n = 0;
        for s in group.clone() {
            let ys = self.targets_of(s, k);
            self.batch_y[n..n + ys.len()].copy_from_slice(ys);
            n += ys.len();
        }
        let outputs = &mut self.outputs[self.done..self.done + count];
        self.done += count;

        self.grads.set_zero();
        let step = (self.config.seed, self.step);
        self.step += 1;
        let first = group.start;
        let sum = self.groups.accumulate(
            group.len(),
            &|i: usize| window(first + i),
            N::RETURN_SEQUENCES,
            Some(&mut self.states[group]),
            &self.batch_y[..count],
            &mut self.grads,
            outputs,
            step,
            &|workspace, states, targets, grads, outputs| {
                let states = states.unwrap_or_default();
                network.accumulate_sequences_from(workspace, states, targets, loss, grads, outputs)
            },
        )?;
        self.grads.scale(S::of_f64(1.0 / count as f64));
        Ok((sum, count))
    }

    fn update_buffers(&mut self) -> (&mut N::Gradients, &mut N) {
        (&mut self.grads, &mut self.last_good)
    }

    fn penalty(network: &N, grads: &mut N::Gradients) -> S {
        network.regularization(Some(grads))
    }

    fn update_state(network: &mut N, grads: &N::Gradients) {
        network.update_state(grads);
    }

    fn non_finite(&self, _: &L, b: usize, at: (usize, usize), value: f64) -> Error {
        let streams = self.streams;
        let batch =
            (self.batch_of(b).0).filter_map(|s| Some(Largest::of_sequence(s, streams.stream(s)?)));
        data_or_divergence::<S, _>(batch, || Pass::<S, L, OUT>::largest_inputs(self), at, value)
    }

    /// The largest input magnitude of each stream.
    fn largest_inputs(&self) -> impl Iterator<Item = Largest> + '_ {
        (self.streams.iter().enumerate()).map(|(s, steps)| Largest::of_sequence(s, steps))
    }

    fn outputs(&self) -> (&[SVector<S, OUT>], &[SVector<S, OUT>]) {
        (&self.outputs, &self.dense_targets)
    }
}
