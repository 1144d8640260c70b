//! The gradient of a batch of sequences over rayon's threads, with the same bits on any number
//! of threads: the batch is cut into at most [`GROUPS`] groups of consecutive sequences (a
//! partition that depends on the batch alone), each group's gradient is computed into a buffer
//! of its own, and the buffers are then summed in the order of the groups on one thread.
//! Without the `parallel` feature the groups run one after another, with the same partition and
//! the same sum.

use core::any::Any;
use core::fmt;
use core::ops::Range;

use nalgebra::SVector;

use crate::sequence::{SequenceNetwork, SequenceWorkspace};
use crate::storage::zeroed_vectors_of;
use crate::{Parameters, Result, Scalar};

/// The most groups a batch is cut into. A constant, not the number of threads, so that the
/// partition, and therefore the sum, is the same on any number of threads; enough to keep 8
/// threads busy, few enough that summing the groups' gradients costs little next to the pass.
pub(super) const GROUPS: usize = 8;

/// What a [`Trainer`](super::Trainer) keeps from one `fit_sequences` or `fit_stateful` call to
/// the next: the groups' workspaces of the last call and its vectors of outputs and targets
/// (of any scalar type and width, hence `Any`), so that the next call on a network with the
/// same layers finds them allocated, sized and already paged in, instead of allocating them
/// (several 100 kB each for long sequences) and faulting their pages in again. They stay as
/// large as the largest batch and data trained; a clone of the trainer starts without them.
#[derive(Default)]
pub(crate) struct Kept {
    workspaces: Option<Box<dyn Any + Send + Sync>>,
    vectors: Option<Box<dyn Any + Send + Sync>>,
}

impl Kept {
    /// The workspaces kept for scalar `S`, leaving none (none if the last call was of another
    /// scalar).
    pub(super) fn take<S: Scalar>(&mut self) -> Vec<SequenceWorkspace<S>> {
        self.workspaces
            .take()
            .and_then(|kept| kept.downcast::<Vec<SequenceWorkspace<S>>>().ok())
            .map_or_else(Vec::new, |kept| *kept)
    }

    /// Keeps `workspaces` for the next call.
    pub(super) fn keep<S: Scalar>(&mut self, workspaces: Vec<SequenceWorkspace<S>>) {
        self.workspaces = Some(Box::new(workspaces));
    }

    /// Two vectors of `len` zero vectors (a call's outputs and targets), the kept ones where
    /// they are long enough.
    pub(super) fn take_vectors<S: Scalar, const OUT: usize>(
        &mut self,
        len: usize,
    ) -> [Vec<SVector<S, OUT>>; 2] {
        let kept = self
            .vectors
            .take()
            .and_then(|kept| kept.downcast::<[Vec<SVector<S, OUT>>; 2]>().ok());
        let mut vectors = kept.map_or_else(|| [Vec::new(), Vec::new()], |kept| *kept);
        for v in &mut vectors {
            if v.len() >= len {
                v.truncate(len);
                // In place: no wide vector through the stack.
                bytemuck::fill_zeroes(v.as_mut_slice());
            } else {
                *v = zeroed_vectors_of(len);
            }
        }
        vectors
    }

    /// Keeps a call's vectors of outputs and targets for the next call.
    pub(super) fn keep_vectors<S: Scalar, const OUT: usize>(
        &mut self,
        vectors: [Vec<SVector<S, OUT>>; 2],
    ) {
        self.vectors = Some(Box::new(vectors));
    }
}

impl Clone for Kept {
    /// Buffers are not state: a clone starts without them.
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl fmt::Debug for Kept {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Kept")
            .field("workspaces", &self.workspaces.is_some())
            .field("vectors", &self.vectors.is_some())
            .finish()
    }
}

/// One group of a batch: its buffers, which sequences of the batch and which of the batch's
/// outputs (targets) it holds, and what its pass gave.
struct Group<G, S: Scalar> {
    workspace: SequenceWorkspace<S>,
    grads: G,
    sequences: Range<usize>,
    outputs: Range<usize>,
    loss: S,
    error: Option<crate::Error>,
}

impl<G: Clone, S: Scalar> Group<G, S> {
    /// Buffers of the same sizes, for another group.
    fn fresh(&self) -> Self {
        Self {
            workspace: self.workspace.clone(),
            grads: self.grads.clone(),
            sequences: 0..0,
            outputs: 0..0,
            loss: S::zero(),
            error: None,
        }
    }
}

/// The buffers of the grouped training pass, allocated once for the largest batch.
pub(super) struct Grouped<G, S: Scalar> {
    groups: Vec<Group<G, S>>,
    /// At most this many groups per batch: [`GROUPS`], or one for a network whose training
    /// pass ties the sequences of a batch together (batch normalization's statistics over the
    /// batch, kept in its gradients' non-trainable tensors).
    most: usize,
}

impl<G: Parameters<S> + Clone + Send, S: Scalar> Grouped<G, S> {
    /// Buffers for `network`'s batches of up to `batch` sequences, `most_steps(n)` being the
    /// most steps `n` sequences of a batch can hold. The groups' workspaces are taken from
    /// `kept` (those of an earlier call, [`into_workspaces`](Self::into_workspaces)) where
    /// they fit `network`'s layers, and only grow: a second call on the same data allocates
    /// no workspace and touches no memory it has not touched before.
    pub(super) fn new<N, const F: usize, const OUT: usize>(
        network: &N,
        batch: usize,
        most_steps: impl Fn(usize) -> usize,
        kept: Vec<SequenceWorkspace<S>>,
    ) -> Self
    where
        N: SequenceNetwork<F, OUT, S, Gradients = G>,
    {
        let coupled = (0..G::TENSORS).any(|i| G::tensor_info(i).is_some_and(|t| !t.trainable));
        let most = if coupled { 1 } else { GROUPS };
        let groups = batch.clamp(1, most);
        let per_group = batch.div_ceil(groups);
        let grads = network.zero_gradients();
        let template = network.sequence_workspace();
        let mut workspaces: Vec<SequenceWorkspace<S>> = kept
            .into_iter()
            .filter(|w| w.same_layout(&template))
            .collect();
        while workspaces.len() < groups {
            workspaces.push(template.clone());
        }
        let steps = most_steps(per_group);
        Self {
            groups: workspaces
                .into_iter()
                .enumerate()
                .map(|(g, mut workspace)| {
                    if g < groups {
                        workspace.reserve(per_group, steps);
                    }
                    Group {
                        workspace,
                        grads: grads.clone(),
                        sequences: 0..0,
                        outputs: 0..0,
                        loss: S::zero(),
                        error: None,
                    }
                })
                .collect(),
            most,
        }
    }

    /// The groups' workspaces, for [`Kept`] and the next call's [`new`](Self::new).
    pub(super) fn into_workspaces(self) -> Vec<SequenceWorkspace<S>> {
        self.groups.into_iter().map(|g| g.workspace).collect()
    }

    /// Cuts a batch of `count` sequences, sequence `i` of `length(i)` steps, into groups:
    /// `min(count, GROUPS)` groups of consecutive sequences, as even in number as they can be.
    /// Returns the groups used.
    fn partition(
        &mut self,
        count: usize,
        length: impl Fn(usize) -> usize,
        per_step: bool,
    ) -> usize {
        let groups = count.clamp(1, self.most);
        while self.groups.len() < groups {
            // Never for the batches `new` was sized for, which fit.
            let spare = self.groups[0].fresh();
            self.groups.push(spare);
        }
        let mut output = 0;
        for (g, group) in self.groups[..groups].iter_mut().enumerate() {
            let sequences = g * count / groups..(g + 1) * count / groups;
            let columns = if per_step {
                sequences.clone().map(&length).sum()
            } else {
                sequences.len()
            };
            group.outputs = output..output + columns;
            group.sequences = sequences;
            output += columns;
        }
        groups
    }

    /// The training pass over a batch of `count` sequences, sequence `i` of the batch being
    /// `sequence(i)`, a target per step (`per_step`) or per sequence: adds the gradients of the
    /// loss summed over the batch's outputs to `grads` (which the caller zeroes), writes the
    /// outputs to `outputs` (one per output of the batch) and returns the summed loss, as
    /// `pass` over the whole batch would, up to the order of the sums. `pass(workspace, states,
    /// targets, grads, outputs)` is one group's pass over the sequences loaded in `workspace`:
    /// [`SequenceNetwork::accumulate_sequences`], or with `states` (sequence `i` of the batch
    /// starting from `states[i]`, which ends where it ends)
    /// [`SequenceNetwork::accumulate_sequences_from`]. A closure, so that `fit_sequences`
    /// compiles only the pass from the zero state (which the compiler then specializes for
    /// it, as before the groups). Dropout draws from `seed` and `step`, each group from a
    /// stream of its own.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn accumulate<'d, St: Send, Y: Sync, const F: usize, const OUT: usize>(
        &mut self,
        count: usize,
        sequence: &(impl Fn(usize) -> &'d [SVector<S, F>] + Sync),
        per_step: bool,
        states: Option<&mut [St]>,
        targets: &[Y],
        grads: &mut G,
        outputs: &mut [SVector<S, OUT>],
        (seed, step): (u64, u64),
        pass: &(
             impl Fn(
            &mut SequenceWorkspace<S>,
            Option<&mut [St]>,
            &[Y],
            &mut G,
            &mut [SVector<S, OUT>],
        ) -> Result<S>
             + Sync
         ),
    ) -> Result<S>
    where
        S: 'd,
        G: Sync,
    {
        let groups = self.partition(count, |i| sequence(i).len(), per_step);
        let work = |g: usize,
                    group: &mut Group<G, S>,
                    outputs: &mut [SVector<S, OUT>],
                    states: Option<&mut [St]>| {
            let workspace = &mut group.workspace;
            workspace.load_slices(group.sequences.clone().map(sequence));
            // Group 0 draws as the whole batch did before it was cut into groups.
            workspace.set_training_step(seed, step.wrapping_add((g as u64) << 40));
            group.grads.set_zero();
            let targets = &targets[group.outputs.clone()];
            match pass(workspace, states, targets, &mut group.grads, outputs) {
                Ok(value) => (group.loss, group.error) = (value, None),
                Err(error) => (group.loss, group.error) = (S::zero(), Some(error)),
            }
        };
        let split = |left: &[Group<G, S>], right: &[Group<G, S>], _, (outputs, states)| {
            let outputs_at = right[0].outputs.start - left[0].outputs.start;
            let states_at = right[0].sequences.start - left[0].sequences.start;
            let (left_outputs, right_outputs) = <[_]>::split_at_mut(outputs, outputs_at);
            let (left_states, right_states) = match states {
                Some(states) => {
                    let (l, r) = <[St]>::split_at_mut(states, states_at);
                    (Some(l), Some(r))
                }
                None => (None, None),
            };
            ((left_outputs, left_states), (right_outputs, right_states))
        };
        fork(
            &mut self.groups[..groups],
            0,
            (outputs, states),
            &split,
            &|g, group, (outputs, states)| work(g, group, outputs, states),
        );
        // The reduction: in the order of the groups, on this thread.
        let mut total = S::zero();
        for group in &mut self.groups[..groups] {
            if let Some(error) = group.error.take() {
                return Err(error);
            }
            total += group.loss;
            for i in 0..G::TENSORS {
                crate::generated::add_assign_slice(grads.tensor_mut(i), group.grads.tensor(i));
            }
        }
        Ok(total)
    }
}

/// Runs `work(g, part, share)` on each of `parts` (the first being group `first` of the
/// batch), each with its share of `payload` (outputs, states): halves of the parts in parallel
/// on rayon's threads (the `parallel` feature), else one after another. `split(left, right,
/// (first, first of right), payload)` cuts a payload between two halves of the parts. The group
/// runner of `fit` ([`BatchGroups`](super::batch_groups)) and of `fit_sequences` and
/// `fit_stateful`.
pub(super) fn fork<P: Send, X: Send>(
    parts: &mut [P],
    first: usize,
    payload: X,
    split: &(impl Fn(&[P], &[P], (usize, usize), X) -> (X, X) + Sync),
    work: &(impl Fn(usize, &mut P, X) + Sync),
) {
    match parts {
        [] => {}
        [part] => work(first, part, payload),
        _ => {
            let mid = parts.len() / 2;
            let (left, right) = parts.split_at_mut(mid);
            let (left_share, right_share) = split(left, right, (first, first + mid), payload);
            #[cfg(feature = "parallel")]
            rayon::join(
                || fork(left, first, left_share, split, work),
                || fork(right, first + mid, right_share, split, work),
            );
            #[cfg(not(feature = "parallel"))]
            {
                fork(left, first, left_share, split, work);
                fork(right, first + mid, right_share, split, work);
            }
        }
    }
}
