//! The training pass of a batched network over rayon's threads, with the same bits on any
//! number of threads: each batch is cut into groups of consecutive samples (one per
//! [`GROUP_SAMPLES`] samples, at most [`GROUPS`]: a partition that depends on the batch's size
//! alone), each group's forward and backward pass runs on a thread with its matrix products
//! unsplit, into a gradient buffer of its own, and the buffers are then summed in the order of
//! the groups. One fork and join per batch, where splitting each matrix product between two
//! threads took one per product (three per wide layer, each joining on the slower half).
//! Without the `parallel` feature the groups run one after another, with the same partition
//! and the same sum.
//!
//! Networks that run one sample at a time (small ones, which a fork would cost more than it
//! saves), batches under two groups' worth of samples, and networks whose training pass ties
//! the samples of a batch together (batch normalization's statistics over the batch) keep one
//! group: the pass over the whole batch, as without the groups.

use core::ops::Range;

use nalgebra::SVector;

use super::groups::GROUPS;
use crate::batch::{self, Workspace};
use crate::loss::Loss;
use crate::{Network, Parameters, Scalar};

/// Samples per group: a group's matrix products then have 32 columns, enough for the kernel's
/// register tiles to run near full, and a batch of 64 (Keras's usual 32 and 64 included) makes
/// at most two groups, whose gradients cost one pass over the weights to sum.
const GROUP_SAMPLES: usize = 32;

/// One group's buffers and what its pass gave.
struct Part<G, S: Scalar> {
    workspace: Workspace<S>,
    grads: G,
    loss: S,
}

/// The buffers of the grouped training pass, allocated once for `fit`'s batches.
pub(super) struct BatchGroups<G, S: Scalar> {
    /// Group 0's gradients are the batch's once the others are added to them.
    parts: Vec<Part<G, S>>,
    /// At most this many groups per batch: [`GROUPS`], or one (see the module's text).
    most: usize,
}

impl<G: Parameters<S> + Send + Sync, S: Scalar> BatchGroups<G, S> {
    /// Buffers for `network`'s batches of `batch` samples, and of `samples % batch` (the last
    /// batch of an epoch over `samples` samples).
    pub(super) fn new<N, const IN: usize, const OUT: usize>(
        network: &N,
        batch: usize,
        samples: usize,
    ) -> Self
    where
        N: Network<IN, OUT, S, Gradients = G>,
    {
        let coupled = (0..G::TENSORS).any(|i| G::tensor_info(i).is_some_and(|t| !t.trainable));
        let most = if batch::prefers_batches(N::LAYERS) && !coupled {
            GROUPS
        } else {
            1
        };
        let batch = batch.max(1);
        let count = |n: usize| group_count(n, most);
        let capacity = [batch, samples % batch]
            .map(|n| n.div_ceil(count(n)))
            .into_iter()
            .max()
            .unwrap_or(batch);
        Self {
            parts: (0..count(batch))
                .map(|_| Part {
                    workspace: network.workspace(capacity),
                    grads: network.zero_gradients(),
                    loss: S::zero(),
                })
                .collect(),
            most,
        }
    }

    /// The gradients of the last batch (summed over its samples).
    pub(super) fn grads(&mut self) -> &mut G {
        &mut self.parts[0].grads
    }

    /// The training pass over a batch: sets [`grads`](Self::grads) to the gradients of the
    /// loss summed over the batch, its trainable tensors then multiplied by `scale` (the
    /// bits of [`Parameters::scale`] after the sum), writes each sample's output to `outputs`
    /// (as far as it reaches) and returns the summed loss, as [`Network::accumulate_batch`]
    /// over the whole batch would, up to the order of the sums. Dropout draws from `seed` and
    /// `step`, each group from a stream of its own (group 0 as the whole batch would).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn accumulate<N, L, const IN: usize, const OUT: usize>(
        &mut self,
        network: &N,
        (inputs, targets): (&[SVector<S, IN>], &[L::Target]),
        loss: &L,
        outputs: &mut [SVector<S, OUT>],
        (seed, step): (u64, u64),
        scale: S,
    ) -> S
    where
        N: Network<IN, OUT, S, Gradients = G>,
        L: Loss<OUT, S>,
    {
        let samples = inputs.len().min(targets.len());
        let groups = group_count(samples, self.most).min(self.parts.len());
        let work = |g: usize, part: &mut Part<G, S>, range: Range<usize>, outputs: &mut [_]| {
            part.grads.set_zero();
            part.workspace
                .set_training_step(seed, step.wrapping_add((g as u64) << 40));
            part.loss = network.accumulate_batch(
                &mut part.workspace,
                &inputs[range.clone()],
                &targets[range],
                loss,
                &mut part.grads,
                outputs,
            );
        };
        if groups == 1 {
            // The whole batch, its products split between threads as they see fit.
            let first = &mut self.parts[0];
            work(0, first, 0..samples, outputs);
            first.grads.scale(scale);
            return first.loss;
        }
        let parts = &mut self.parts[..groups];
        run(
            parts,
            0,
            (groups, samples),
            outputs,
            &|g, part, range, outputs| {
                crate::dense::gemm::on_this_thread(|| work(g, part, range, outputs));
            },
        );
        // The reduction: in the order of the groups, then scaled, in one pass.
        let (first, rest) = parts.split_at_mut(1);
        let first = &mut first[0];
        let mut total = first.loss;
        for part in &*rest {
            total += part.loss;
        }
        for i in 0..G::TENSORS {
            let trainable = G::tensor_info(i).is_some_and(|t| t.trainable);
            let factor = if trainable { scale } else { S::one() };
            sum_scaled(first.grads.tensor_mut(i), 0, rest, i, factor);
        }
        total
    }
}

/// Tensors of at least this many values are summed by two threads, half each.
#[cfg(feature = "parallel")]
const PARALLEL_MIN: usize = 1 << 14;

/// `sum = (sum + tensor i of each of others' gradients, in order) · factor` for the values
/// `start..start + sum.len()` of the tensor, value by value: the bits of adding the tensors
/// one after another and scaling the sum. In two halves on two threads for large tensors
/// (each value computed alone: the same bits).
fn sum_scaled<G: Parameters<S> + Send + Sync, S: Scalar>(
    sum: &mut [S],
    start: usize,
    others: &[Part<G, S>],
    i: usize,
    factor: S,
) {
    #[cfg(feature = "parallel")]
    if sum.len() >= PARALLEL_MIN && start == 0 {
        // A multiple of 64 values: on cache lines apart.
        let half = (sum.len() / 2).div_ceil(64) * 64;
        let (low, high) = sum.split_at_mut(half);
        rayon::join(
            || sum_scaled(low, 0, others, i, factor),
            || sum_scaled(high, half, others, i, factor),
        );
        return;
    }
    let end = start + sum.len();
    if let [other] = others {
        for (s, &o) in sum.iter_mut().zip(&other.grads.tensor(i)[start..end]) {
            *s = (*s + o) * factor;
        }
        return;
    }
    for (j, s) in sum.iter_mut().enumerate() {
        let mut total = *s;
        for other in others {
            total += other.grads.tensor(i)[start + j];
        }
        *s = total * factor;
    }
}

/// Groups of a batch of `samples`: one per [`GROUP_SAMPLES`], at least one, at most `most`.
fn group_count(samples: usize, most: usize) -> usize {
    (samples / GROUP_SAMPLES).clamp(1, most)
}

/// The samples of group `g` of `groups` in a batch of `samples`: consecutive, as even in number
/// as they can be.
fn group_range(g: usize, (groups, samples): (usize, usize)) -> Range<usize> {
    g * samples / groups..(g + 1) * samples / groups
}

/// Runs `work(g, part, samples, outputs)` on each of `parts` (the first being group `first`),
/// handing each its outputs (from `outputs`, which start at the first group's): halves of the
/// groups in parallel on rayon's threads (the `parallel` feature), else one after another.
fn run<P: Send, V: Send>(
    parts: &mut [P],
    first: usize,
    partition: (usize, usize),
    outputs: &mut [V],
    work: &(impl Fn(usize, &mut P, Range<usize>, &mut [V]) + Sync),
) {
    match parts {
        [] => {}
        [part] => work(first, part, group_range(first, partition), outputs),
        _ => {
            let mid = parts.len() / 2;
            let (left, right) = parts.split_at_mut(mid);
            let at =
                group_range(first + mid, partition).start - group_range(first, partition).start;
            let (left_outputs, right_outputs) = outputs.split_at_mut(at.min(outputs.len()));
            #[cfg(feature = "parallel")]
            rayon::join(
                || run(left, first, partition, left_outputs, work),
                || run(right, first + mid, partition, right_outputs, work),
            );
            #[cfg(not(feature = "parallel"))]
            {
                run(left, first, partition, left_outputs, work);
                run(right, first + mid, partition, right_outputs, work);
            }
        }
    }
}
