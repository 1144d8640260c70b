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

use super::groups::{GROUPS, fork};
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
    /// Whether `grads` may hold anything but zeros (a pass added to them since the summing
    /// pass, which zeroes them as it reads them, or since they were allocated).
    dirty: bool,
}

/// The buffers of the grouped training pass, allocated once for `fit`'s batches.
pub(super) struct BatchGroups<G, S: Scalar> {
    /// Group 0's gradients are the batch's once the others are added to them.
    parts: Vec<Part<G, S>>,
    /// At most this many groups per batch: [`GROUPS`], or one (see the module's text).
    most: usize,
    /// Whether the last batch's gradients are all finite, when its summing pass found out
    /// (batches of more than one group).
    finite: Option<bool>,
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
                    dirty: false,
                })
                .collect(),
            most,
            finite: None,
        }
    }

    /// The gradients of the last batch (summed over its samples).
    pub(super) fn grads(&mut self) -> &mut G {
        &mut self.parts[0].grads
    }

    /// Whether the last batch's gradients are all finite, if [`accumulate`](Self::accumulate)
    /// found out in its summing pass (batches cut into more than one group); `None` when
    /// they were not checked.
    pub(super) fn finite(&self) -> Option<bool> {
        self.finite
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
            if part.dirty {
                part.grads.set_zero();
            }
            part.dirty = true;
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
        self.finite = None;
        if groups == 1 {
            // The whole batch, its products split between threads as they see fit.
            let first = &mut self.parts[0];
            work(0, first, 0..samples, outputs);
            first.grads.scale(scale);
            return first.loss;
        }
        let parts = &mut self.parts[..groups];
        let partition = (groups, samples);
        fork(
            parts,
            0,
            outputs,
            &|_, _, (left, right), outputs| {
                let at = group_range(right, partition).start - group_range(left, partition).start;
                let at = at.min(outputs.len());
                outputs.split_at_mut(at)
            },
            &|g, part, outputs| {
                let range = group_range(g, partition);
                crate::dense::gemm::on_this_thread(|| work(g, part, range, outputs));
            },
        );
        // The reduction: in the order of the groups, then scaled, in one pass that leaves the
        // gradients of the groups after the first zero for the next batch.
        let total = parts.iter().skip(1).fold(parts[0].loss, |t, p| t + p.loss);
        let mut finite = true;
        for i in 0..G::TENSORS {
            let trainable = G::tensor_info(i).is_some_and(|t| t.trainable);
            let factor = if trainable { scale } else { S::one() };
            let mut tensors: [&mut [S]; GROUPS] = Default::default();
            for (tensor, part) in tensors.iter_mut().zip(&mut *parts) {
                *tensor = part.grads.tensor_mut(i);
            }
            if let Some((first, rest)) = tensors[..groups].split_first_mut() {
                finite &= sum_scaled(first, rest, factor);
            }
        }
        for part in &mut parts[1..] {
            part.dirty = false;
        }
        self.finite = Some(finite);
        total
    }
}

/// Tensors of at least this many values are summed by two threads, half each.
#[cfg(feature = "parallel")]
const PARALLEL_MIN: usize = 1 << 14;

/// `sum = (sum + the tensors of `others` added in order) · factor`, value by value, each
/// tensor of `others` set to zero as it is read: the bits of adding the tensors one after
/// another and scaling the sum. In the widest registers of this machine (each value computed
/// alone, by the same additions and multiplication: the same bits at every level), and in two
/// halves on two threads for large tensors. Each tensor of `others` is as long as `sum`.
/// Returns whether the values of `sum` are then all finite.
fn sum_scaled<S: Scalar>(sum: &mut [S], others: &mut [&mut [S]], factor: S) -> bool {
    #[cfg(feature = "parallel")]
    if sum.len() >= PARALLEL_MIN {
        // A multiple of 64 values: whole registers at every level, on cache lines apart.
        let half = (sum.len() / 2).div_ceil(64) * 64;
        let (low, high) = sum.split_at_mut(half);
        let mut lows: [&mut [S]; GROUPS] = Default::default();
        let mut highs: [&mut [S]; GROUPS] = Default::default();
        for ((tensor, low), high) in others.iter_mut().zip(&mut lows).zip(&mut highs) {
            (*low, *high) = core::mem::take(tensor).split_at_mut(half);
        }
        let n = others.len();
        let (low, high) = rayon::join(
            || sum_scaled_here(low, &mut lows[..n], factor),
            || sum_scaled_here(high, &mut highs[..n], factor),
        );
        return low && high;
    }
    sum_scaled_here(sum, others, factor)
}

/// [`sum_scaled`] on this thread: a pass per tensor of `others`, the last also scaling and
/// checking that the sums are finite.
fn sum_scaled_here<S: Scalar>(sum: &mut [S], others: &mut [&mut [S]], factor: S) -> bool {
    let count = others.len();
    if count == 0 {
        for s in sum.iter_mut() {
            *s *= factor;
        }
        return crate::params::all_finite(sum);
    }
    let mut finite = true;
    for (k, next) in others.iter_mut().enumerate() {
        let factor = (k + 1 == count).then_some(factor);
        finite = crate::simd::dispatch_wide(SumPass { sum, next, factor });
    }
    finite
}

/// One pass of [`sum_scaled`]: `sum = sum + next`, then `· factor` if given, value by value;
/// `next` set to zero. With `factor`, returns whether the values of `sum` are then all finite
/// (else `true`).
struct SumPass<'a, 'b, S> {
    sum: &'a mut [S],
    next: &'b mut [S],
    factor: Option<S>,
}

impl<S: Scalar> pulp::WithSimd for SumPass<'_, '_, S> {
    type Output = bool;

    #[inline(always)]
    fn with_simd<V: pulp::Simd>(self, simd: V) -> bool {
        let Self { sum, next, factor } = self;
        match factor {
            Some(factor) => sum_pass::<S, V, true>(simd, sum, next, factor),
            None => sum_pass::<S, V, false>(simd, sum, next, S::one()),
        }
    }
}

/// `sum = sum + next`, then `· factor` if `SCALE`; zeroes `next`. If `SCALE`, returns whether
/// the values of `sum` are then all finite, by the test of [`crate::params::all_finite`]
/// (`x − x`, zero only for a finite `x`, accumulated); else `true`.
#[inline(always)]
fn sum_pass<S: Scalar, V: pulp::Simd, const SCALE: bool>(
    simd: V,
    sum: &mut [S],
    next: &mut [S],
    factor: S,
) -> bool {
    let len = sum.len().min(next.len());
    let (sum, next) = (&mut sum[..len], &mut next[..len]);
    let zero = S::splat_reg(simd, S::zero());
    let f = S::splat_reg(simd, factor);
    let (sum_regs, sum_tail) = S::as_mut_simd::<V>(sum);
    let (next_regs, next_tail) = S::as_mut_simd::<V>(next);
    let mut check = zero;
    for (s, n) in sum_regs.iter_mut().zip(next_regs) {
        let total = S::add_reg(simd, *s, core::mem::replace(n, zero));
        *s = if SCALE {
            let scaled = S::mul_reg(simd, total, f);
            check = S::add_reg(simd, check, S::sub_reg(simd, scaled, scaled));
            scaled
        } else {
            total
        };
    }
    let mut finite = !SCALE || S::reduce_sum(simd, check) == S::zero();
    for (s, n) in sum_tail.iter_mut().zip(next_tail) {
        let total = *s + core::mem::replace(n, S::zero());
        *s = if SCALE { total * factor } else { total };
        finite &= !SCALE || s.is_finite();
    }
    finite
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The summing pass, in registers and (for long tensors) in two halves on two threads,
    /// gives the bits of adding the groups' values one after another in their order and
    /// scaling the sum, registers and leftover values alike, and leaves the tensor of every
    /// group after the first zero.
    #[test]
    fn sum_scaled_is_bit_identical_to_the_scalar_sum_and_zeroes_the_groups() {
        fn check<T: Scalar>(len: usize, count: usize) {
            let value = |i: usize, g: usize| {
                let k = (i * 7919 + g * 104_729) % 1013;
                T::of_f64(k as f64 / 1013.0 * 3.0 - 1.5) * T::of_f64(1.0 + g as f64 / 7.0)
            };
            let factor = T::of_f64(1.0 / 96.0);
            let mut groups: Vec<Vec<T>> = (0..count)
                .map(|g| (0..len).map(|i| value(i, g)).collect())
                .collect();
            let expected: Vec<T> = (0..len)
                .map(|i| {
                    let mut total = groups[0][i];
                    for group in &groups[1..] {
                        total += group[i];
                    }
                    total * factor
                })
                .collect();
            let (sum, others) = groups.split_first_mut().unwrap();
            let mut tensors: Vec<&mut [T]> = others.iter_mut().map(|g| &mut g[..]).collect();
            assert!(
                sum_scaled(sum, &mut tensors, factor),
                "finite sums reported non-finite"
            );
            let bits = |x: &[T]| x.iter().map(|v| v.as_f64().to_bits()).collect::<Vec<_>>();
            assert_eq!(
                bits(&groups[0]),
                bits(&expected),
                "{len} values, {count} groups"
            );
            assert!(
                groups[1..]
                    .iter()
                    .flatten()
                    .all(|v| v.as_f64().to_bits() == 0),
                "{len} values, {count} groups: not zeroed"
            );
        }
        for len in [0, 1, 7, 17, 100, (1 << 14) + 37] {
            for count in [2, 3, 8] {
                check::<f32>(len, count);
                check::<f64>(len, count);
            }
        }
    }

    /// The summing pass reports a non-finite sum wherever it is (in a register or the
    /// leftover values, in either half of a long tensor) and whichever group brought it.
    #[test]
    fn sum_scaled_finds_every_non_finite_sum() {
        fn check<T: Scalar>(len: usize, at: usize, bad: &[(usize, T)]) {
            let mut groups: Vec<Vec<T>> = (0..3)
                .map(|g| (0..len).map(|i| T::of_f64((i + g) as f64 * 0.01)).collect())
                .collect();
            for &(group, value) in bad {
                groups[group][at] = value;
            }
            let (sum, others) = groups.split_first_mut().unwrap();
            let mut tensors: Vec<&mut [T]> = others.iter_mut().map(|g| &mut g[..]).collect();
            let finite = sum_scaled(sum, &mut tensors, T::of_f64(0.5));
            let bad: Vec<_> = bad.iter().map(|&(g, v)| (g, v.as_f64())).collect();
            assert!(!finite, "{len} values: {bad:?} at {at}");
        }
        for len in [1, 17, 100, (1 << 14) + 37] {
            for at in [0, len / 2, len - 1] {
                for group in 0..3 {
                    check::<f32>(len, at, &[(group, f32::NAN)]);
                    check::<f32>(len, at, &[(group, f32::INFINITY)]);
                    check::<f64>(len, at, &[(group, f64::NEG_INFINITY)]);
                    // Finite values whose sum overflows.
                    let next = (group + 1) % 3;
                    check::<f32>(len, at, &[(group, f32::MAX), (next, f32::MAX)]);
                }
            }
        }
    }
}
