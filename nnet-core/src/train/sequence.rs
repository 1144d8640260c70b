//! `fit` and `evaluate` for sequence networks: batches of whole sequences, backpropagation
//! through time.

use nalgebra::SVector;
use rand::SeedableRng;
use rand::seq::SliceRandom;

use crate::loss::{Loss, Target};
use crate::optim::Optimizer;
use crate::sequence::{SequenceNetwork, Sequences};
use crate::storage::zeroed_vectors_of;
use crate::{DataRole, Error, Parameters, Result, Scalar};

use super::checks::split_point;
use super::epoch::{Pass, chunk, run_epochs};
use super::groups::{Grouped, Kept};
use super::overflow::{Largest, Sample, data_or_divergence};
use super::{Callback, Evaluation, FitConfig, History, Trainer};

/// Validation data for [`Trainer::fit_sequences_with`]: sequences and their targets.
pub type SequenceValidation<'a, const F: usize, Y, S = f32> = (&'a Sequences<F, S>, &'a [Y]);

impl<O: Optimizer, L> Trainer<O, L> {
    /// Trains the sequence network `network` on `data` and `targets`, as Keras's `fit`: one
    /// target per sequence, or, for a network whose last recurrent layer returns sequences,
    /// one per step in the order of [`Sequences::steps`]. Each batch holds `batch_size` whole
    /// sequences (of any lengths); the loss is the mean over the batch's outputs, and its
    /// gradient flows back through every step of every sequence.
    ///
    /// The batch's sequences are cut into at most 8 groups of consecutive sequences, whose
    /// gradients are computed side by side on rayon's threads (the `parallel` feature; one
    /// after another without it) into buffers of their own and then summed in the order of the
    /// groups: the partition depends on the batch alone, so the same seed gives the same
    /// weights, bit for bit, on any number of threads. A network with batch normalization, whose
    /// statistics tie the batch's sequences together, runs each batch as one group.
    ///
    /// # Errors
    ///
    /// Everything is checked before the first update: empty data, an empty sequence, a NaN or
    /// infinity in a step (naming the sequence, the step and the feature), the wrong number of
    /// targets, targets the loss does not accept, a zero batch size, a bad validation split,
    /// invalid hyperparameters. A loss or update that becomes non-finite stops training, the
    /// network keeping its last finite weights: with [`Error::DataOverflow`] when the data are at
    /// fault (a sequence whose loss, output or gradients are not finite even at the weights
    /// training started from, a first batch that overflows before any update, or a sequence
    /// whose largest input is over 1,000 times the median sequence's), else with
    /// [`Error::Diverged`], as [`fit`](Self::fit).
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::nalgebra::vector;
    /// use nnet_core::{loss::MeanSquaredError, optim::Adam, train::{FitConfig, Trainer}, Sequences};
    /// # fn demo<N: nnet_core::SequenceNetwork<1, 1>>(mut net: N) -> nnet_core::Result<()> {
    /// let data: Sequences<1> = vec![vec![vector![1.0], vector![2.0]], vec![vector![3.0]]].into();
    /// let targets = [vector![3.0], vector![3.0]];
    /// let mut trainer = Trainer::new(Adam::default(), MeanSquaredError);
    /// let history = trainer.fit_sequences(&mut net, &data, &targets, &FitConfig::default())?;
    /// # Ok(()) }
    /// ```
    pub fn fit_sequences<N, T: Scalar, const F: usize, const OUT: usize>(
        &mut self,
        network: &mut N,
        data: &Sequences<F, T>,
        targets: &[L::Target],
        config: &FitConfig,
    ) -> Result<History>
    where
        N: SequenceNetwork<F, OUT, T>,
        L: Loss<OUT, T>,
    {
        self.fit_sequences_with(network, data, targets, config, None, &mut [])
    }

    /// [`fit_sequences`](Self::fit_sequences) with explicit validation data (which replace
    /// `config.validation_split`) and callbacks.
    ///
    /// # Errors
    ///
    /// As [`fit_sequences`](Self::fit_sequences), plus invalid validation data and errors
    /// returned by callbacks.
    pub fn fit_sequences_with<N, T: Scalar, const F: usize, const OUT: usize>(
        &mut self,
        network: &mut N,
        data: &Sequences<F, T>,
        targets: &[L::Target],
        config: &FitConfig,
        validation: Option<SequenceValidation<'_, F, L::Target, T>>,
        callbacks: &mut [&mut dyn Callback<N>],
    ) -> Result<History>
    where
        N: SequenceNetwork<F, OUT, T>,
        L: Loss<OUT, T>,
    {
        self.check_settings(config)?;
        let per_step = N::RETURN_SEQUENCES;
        check_sequences(DataRole::Training, data, targets, &self.loss, per_step)?;
        // A validation split copies the two parts once.
        let split;
        let (train, train_y, val) = match validation {
            Some((vx, vy)) => {
                check_sequences(DataRole::Validation, vx, vy, &self.loss, per_step)?;
                (data, targets, Some((vx, vy)))
            }
            None if config.validation_split > 0.0 => {
                let at = split_point(data.len(), config.validation_split)?;
                let cut = if per_step {
                    data.step_range(at).map_or(data.total_steps(), |r| r.start)
                } else {
                    at
                };
                split = data.split_at(at);
                (&split.0, &targets[..cut], Some((&split.1, &targets[cut..])))
            }
            None => {
                split_point(data.len(), config.validation_split)?;
                (data, targets, None)
            }
        };

        let mut run = SequenceRun::new(network, train, train_y, config, &mut self.kept);
        let history = run_epochs(
            self,
            network,
            config,
            callbacks,
            &mut run,
            true,
            |trainer, network| val.map(|(vx, vy)| trainer.measure_sequences(network, vx, vy)),
        );
        run.keep(&mut self.kept);
        history
    }

    /// The mean loss and the metrics of the sequence network `network` on `data` and
    /// `targets` (one per sequence, or one per step), as Keras's `evaluate`.
    ///
    /// # Errors
    ///
    /// Empty data, an empty sequence, non-finite steps, the wrong number of targets, targets
    /// the loss does not accept.
    pub fn evaluate_sequences<N, T: Scalar, const F: usize, const OUT: usize>(
        &self,
        network: &N,
        data: &Sequences<F, T>,
        targets: &[L::Target],
    ) -> Result<Evaluation>
    where
        N: SequenceNetwork<F, OUT, T>,
        L: Loss<OUT, T>,
    {
        check_sequences(
            DataRole::Evaluation,
            data,
            targets,
            &self.loss,
            N::RETURN_SEQUENCES,
        )?;
        Ok(self.measure_sequences(network, data, targets))
    }

    /// [`evaluate_sequences`](Self::evaluate_sequences) on data already checked.
    fn measure_sequences<N, T: Scalar, const F: usize, const OUT: usize>(
        &self,
        network: &N,
        data: &Sequences<F, T>,
        targets: &[L::Target],
    ) -> Evaluation
    where
        N: SequenceNetwork<F, OUT, T>,
        L: Loss<OUT, T>,
    {
        let outputs = network.predict_sequences(data);
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
        // The mean in the network's scalar, then the penalty added in it, as `evaluate` does.
        Evaluation {
            loss: (T::of_f64(loss) + network.regularization(None)).as_f64(),
            metrics: self.metric_values(&outputs, &dense),
        }
    }
}

/// Sequences and targets are non-empty, every sequence has a step, every step is finite, there
/// is one target per sequence (or per step) and the loss accepts each.
pub(crate) fn check_sequences<T: Scalar, L: Loss<OUT, T>, const F: usize, const OUT: usize>(
    data: DataRole,
    sequences: &Sequences<F, T>,
    targets: &[L::Target],
    loss: &L,
    per_step: bool,
) -> Result<()> {
    if sequences.is_empty() {
        return Err(Error::EmptyData { data });
    }
    for (index, sequence) in sequences.iter().enumerate() {
        if sequence.is_empty() {
            return Err(Error::EmptySequence {
                data,
                sequence: index,
            });
        }
        for (step, x) in sequence.iter().enumerate() {
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
    let (per, expected) = if per_step {
        ("step", sequences.total_steps())
    } else {
        ("sequence", sequences.len())
    };
    if targets.len() != expected {
        return Err(Error::TargetCount {
            data,
            targets: targets.len(),
            sequences: sequences.len(),
            steps: sequences.total_steps(),
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

/// The buffers of one `fit_sequences` call, allocated once so that batches allocate nothing.
struct SequenceRun<
    'a,
    N: SequenceNetwork<F, OUT, S>,
    T,
    S: Scalar,
    const F: usize,
    const OUT: usize,
> {
    data: &'a Sequences<F, S>,
    targets: &'a [T],
    config: FitConfig,
    order: Vec<usize>,
    rng: rand_chacha::ChaCha8Rng,
    batch_y: Vec<T>,
    grads: N::Gradients,
    /// The batch's groups, whose gradients are computed in parallel and summed in order.
    groups: Grouped<N::Gradients, S>,
    step: u64,
    /// Outputs of the epoch so far.
    done: usize,
    last_good: N,
    /// The weights training started from, to tell data that overflow from divergence.
    initial: N,
    /// Each training output in the last epoch (one per sequence or per step), in the epoch's
    /// order, and the targets in the same order as vectors, for the metrics.
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
> SequenceRun<'a, N, T, S, F, OUT>
{
    /// The buffers of a call, its groups' workspaces and its vectors of outputs and
    /// targets taken from `kept` where they fit.
    fn new(
        network: &N,
        data: &'a Sequences<F, S>,
        targets: &'a [T],
        config: &FitConfig,
        kept: &mut Kept,
    ) -> Self {
        let batch = config.batch_size.min(data.len());
        // The most steps a batch can hold: its sequences the longest ones.
        let mut lengths: Vec<usize> = data.lengths().collect();
        lengths.sort_unstable_by(|a, b| b.cmp(a));
        let most_steps: usize = lengths[..batch].iter().sum();
        let groups = Grouped::new(network, batch, |n| lengths[..n].iter().sum(), kept.take());
        let outputs = if N::RETURN_SEQUENCES {
            most_steps
        } else {
            batch
        };
        let [kept_outputs, kept_targets] = kept.take_vectors(targets.len());
        Self {
            data,
            targets,
            config: *config,
            order: (0..data.len()).collect(),
            rng: rand_chacha::ChaCha8Rng::seed_from_u64(config.seed),
            batch_y: bytemuck::zeroed_vec(outputs),
            grads: network.zero_gradients(),
            groups,
            step: 0,
            done: 0,
            last_good: network.clone(),
            initial: network.clone(),
            outputs: kept_outputs,
            dense_targets: kept_targets,
        }
    }

    /// Hands the call's buffers to `kept`, for the trainer's next call.
    fn keep(self, kept: &mut Kept) {
        kept.keep(self.groups.into_workspaces());
        kept.keep_vectors([self.outputs, self.dense_targets]);
    }

    /// The targets of sequence `index`: its one target, or one per step.
    fn targets_of(&self, index: usize) -> &'a [T] {
        let range = if N::RETURN_SEQUENCES {
            self.data.step_range(index).unwrap_or(0..0)
        } else {
            index..index + 1
        };
        &self.targets[range]
    }

    /// Why the batch of the sequences `chunk` gave a non-finite loss or gradients, `value`: the
    /// data when one of its sequences overflows at the weights training started from, or when
    /// no update has been made yet, or when a sequence is an outlier; else divergence (as
    /// `fit` tells them, in `overflow`).
    fn diagnose<L: Loss<OUT, S, Target = T>>(
        &self,
        loss: &L,
        chunk: &[usize],
        at: (usize, usize),
        value: f64,
    ) -> Error {
        let mut workspace = self.initial.sequence_workspace();
        let mut grads = self.initial.zero_gradients();
        for &i in chunk {
            let targets = self.targets_of(i);
            workspace.load(self.data, core::slice::from_ref(&i));
            // Allocated zeroed, so that wide outputs never pass through the stack.
            let mut outputs = zeroed_vectors_of::<OUT, S>(workspace.outputs());
            grads.set_zero();
            let sample_loss = self.initial.accumulate_sequences(
                &mut workspace,
                targets,
                loss,
                &mut grads,
                &mut outputs,
            );
            let steps = self.data.get(i).unwrap_or(&[]);
            let sample = Sample {
                largest: Largest::of_sequence(i, steps),
                outputs: &outputs,
                loss: sample_loss,
                grads_finite: grads.all_finite(),
            };
            let target = || match targets {
                [one] => format!("{:?}", one.to_vector().as_slice()),
                many => {
                    let largest = many
                        .iter()
                        .map(|y| {
                            (y.to_vector().iter()).fold(0.0_f64, |m, v| m.max(v.abs().as_f64()))
                        })
                        .fold(0.0_f64, f64::max);
                    format!(
                        "{} steps' targets, largest magnitude {largest:e}",
                        many.len()
                    )
                }
            };
            if let Some(error) = sample.overflow(target, at) {
                return error;
            }
        }
        let batch = chunk
            .iter()
            .filter_map(|&i| Some(Largest::of_sequence(i, self.data.get(i)?)));
        let all =
            || (self.data.iter().enumerate()).map(|(i, steps)| Largest::of_sequence(i, steps));
        data_or_divergence::<S, _>(batch, all, at, value)
    }
}

impl<'a, N, T, S, L, const F: usize, const OUT: usize> Pass<S, L, OUT>
    for SequenceRun<'a, N, T, S, F, OUT>
where
    N: SequenceNetwork<F, OUT, S>,
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
        let mut at = 0;
        for &i in &self.order {
            for y in self.targets_of(i) {
                y.write_vector(&mut self.dense_targets[at]);
                at += 1;
            }
        }
        self.done = 0;
        self.order.len().div_ceil(self.config.batch_size)
    }

    fn accumulate(&mut self, network: &N, loss: &L, b: usize) -> Result<(S, usize)> {
        let chunk = chunk(&self.order, self.config.batch_size, b);
        let data = self.data;
        let count = if N::RETURN_SEQUENCES {
            chunk
                .iter()
                .filter_map(|&i| data.get(i))
                .map(<[_]>::len)
                .sum()
        } else {
            chunk.len()
        };
        let mut n = 0;
        for &i in chunk {
            let ys = self.targets_of(i);
            self.batch_y[n..n + ys.len()].copy_from_slice(ys);
            n += ys.len();
        }
        let outputs = &mut self.outputs[self.done..self.done + count];
        self.done += count;

        self.grads.set_zero();
        let step = (self.config.seed, self.step);
        self.step += 1;
        // Sequence `i` of the batch; `chunk` holds indices of `data` only.
        let sequence = |i: usize| data.get(chunk[i]).unwrap_or(&[]);
        let sum = self.groups.accumulate(
            chunk.len(),
            &sequence,
            N::RETURN_SEQUENCES,
            None::<&mut [N::State]>,
            &self.batch_y[..count],
            &mut self.grads,
            outputs,
            step,
            &|workspace, _, targets, grads, outputs| {
                Ok(network.accumulate_sequences(workspace, targets, loss, grads, outputs))
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

    fn non_finite(&self, loss: &L, b: usize, at: (usize, usize), value: f64) -> Error {
        self.diagnose(
            loss,
            chunk(&self.order, self.config.batch_size, b),
            at,
            value,
        )
    }

    fn largest_inputs(&self) -> impl Iterator<Item = Largest> + '_ {
        (self.data.iter().enumerate()).map(|(i, steps)| Largest::of_sequence(i, steps))
    }

    fn outputs(&self) -> (&[SVector<S, OUT>], &[SVector<S, OUT>]) {
        (&self.outputs, &self.dense_targets)
    }
}
