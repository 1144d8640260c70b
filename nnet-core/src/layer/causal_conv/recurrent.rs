//! [`CausalConv1d`] as a [`Recurrent`] layer: a step from the ring buffer of past inputs, and
//! the training passes over whole sequences, starting from zeros (Keras's causal padding) or
//! from the past inputs a previous window of the same signal left.
//!
//! Backward, from `δ_t = ∂L/∂z_t` (the activation's derivative applied to `∂L/∂y_t`), for
//! every tap reading step `s` of the sequence:
//!
//! ```text
//! ∂kernel[f, tap · C/groups + c] += δ_t[f] · x_s[g · C/groups + c]
//! ∂b += δ_t
//! ∂x_s[g · C/groups + c]         += Σ_{f in group g} kernel[f, tap · C/groups + c] · δ_t[f]
//! ```

use nalgebra::SVector;

use super::super::recurrent::spans;
use super::super::{LayerKind, Recurrent};
use super::kernel::dispatch;
use super::one_group::{Sequences, Step};
use super::{CausalConv1d, CausalConvState};
use crate::activation::Activation;
use crate::storage::MatrixStorage;
use crate::{DenseGradient, Scalar, TensorInfo};

/// `kernel` `[F, K]` and, with a bias, `bias` `[F]`.
const fn tensor_info(filters: usize, k: usize, bias: bool, index: usize) -> Option<TensorInfo> {
    match index {
        0 => Some(TensorInfo::matrix("", "kernel", filters, k)),
        1 if bias => Some(TensorInfo::vector("", "bias", filters)),
        _ => None,
    }
}

/// The gradient is a [`DenseGradient`] of the kernel's shape: slot 0 `∂kernel`, slot 1 `∂b`.
/// The trace of a step is its pre-activation `z` (`F` values).
impl<
    const C: usize,
    const F: usize,
    const K: usize,
    const HIST: usize,
    T: Scalar,
    A: Activation<T>,
    S: MatrixStorage<F, K, Scalar = T>,
    B: MatrixStorage<F, 1, Scalar = T>,
    const BIAS: bool,
> Recurrent<C, F, T> for CausalConv1d<C, F, K, HIST, A, S, B, BIAS>
{
    const KIND: LayerKind = LayerKind::Conv1d;
    const TENSORS: usize = if BIAS { 2 } else { 1 };
    const TRAINABLE: usize = Self::PARAMS;
    const TRACE: usize = F;
    type State = CausalConvState<C, F, HIST, T>;
    type Gradient = DenseGradient<K, F, S, B>;

    fn tensor_info(index: usize) -> Option<TensorInfo> {
        tensor_info(F, K, BIAS, index)
    }
    fn tensor(&self, index: usize) -> &[T] {
        match index {
            0 => self.kernel.matrix().as_slice(),
            1 if BIAS => self.bias.matrix().as_slice(),
            _ => &[],
        }
    }
    fn tensor_mut(&mut self, index: usize) -> &mut [T] {
        match index {
            0 => self.kernel.matrix_mut().as_mut_slice(),
            1 if BIAS => self.bias.matrix_mut().as_mut_slice(),
            _ => &mut [],
        }
    }

    #[inline(always)]
    fn output(state: &Self::State) -> &SVector<T, F> {
        &state.output
    }

    /// The window of a step is its `HIST` past inputs then `x`: tap `tap` reads position
    /// `tap · dilation` of it.
    #[inline(always)]
    fn step(&self, state: &mut Self::State, x: &SVector<T, C>) {
        if self.one_group() {
            return dispatch::<T, F, _>(Step {
                layer: self,
                state,
                x,
            });
        }
        self.step_groups(state, x);
    }

    fn forward_sequences(&self, x: &[T], lengths: &[usize], trace: &mut [T], h: &mut [T]) {
        if self.one_group() {
            return dispatch::<T, F, _>(Sequences {
                layer: self,
                x,
                lengths,
                trace,
                h,
            });
        }
        for (start, len) in spans(lengths) {
            let axis = Self::axis(len, self.kernel_size, self.dilation);
            for t in 0..len {
                let mut z = *self.bias.matrix();
                self.add_taps(z.as_mut_slice(), |tap| {
                    let s = start + axis.input_of(t, tap)?;
                    Some(&x[s * C..(s + 1) * C])
                });
                let at = (start + t) * F..(start + t + 1) * F;
                trace[at.clone()].copy_from_slice(z.as_slice());
                self.activation.activate(z.as_mut_slice());
                h[at].copy_from_slice(z.as_slice());
            }
        }
    }

    /// From the default state, the pass of
    /// [`forward_sequences`](Recurrent::forward_sequences); from another, each step's window
    /// reaches back into `initial`'s past inputs.
    fn forward_sequence_from(&self, x: &[T], initial: &Self::State, trace: &mut [T], h: &mut [T]) {
        let len = h.len() / F;
        if *initial == Self::State::default() {
            return self.forward_sequences(x, &[len], trace, h);
        }
        for t in 0..len {
            let mut z = *self.bias.matrix();
            self.add_taps(z.as_mut_slice(), |tap| {
                Some(past_or_input(initial, x, t + tap * self.dilation))
            });
            let at = t * F..(t + 1) * F;
            trace[at.clone()].copy_from_slice(z.as_slice());
            self.activation.activate(z.as_mut_slice());
            h[at].copy_from_slice(z.as_slice());
        }
    }

    /// The last `HIST` inputs of `initial`'s past followed by `x`, and the last output.
    fn final_state(&self, x: &[T], state: &mut Self::State, _: &[T], h: &[T]) {
        let Some(last) = h.len().checked_sub(F) else {
            return;
        };
        let (initial, len) = (*state, h.len() / F);
        *state = CausalConvState::from_past(
            |p| past_or_input(&initial, x, len + p),
            SVector::from_column_slice(&h[last..]),
        );
    }

    fn backward_sequence_from(
        &self,
        x: &[T],
        initial: &Self::State,
        trace: &[T],
        h: &[T],
        dh: &[T],
        grad: &mut Self::Gradient,
        dx: &mut [T],
    ) {
        dx.fill(T::zero());
        // Keras's causal zeros before a sequence from the default state add nothing: skipped.
        let from_zero = *initial == Self::State::default();
        let (channels, filters) = (C / self.groups, F / self.groups);
        let kernel = self.kernel.matrix().as_slice();
        let grad_kernel = grad.weights.matrix_mut().as_mut_slice();
        let grad_bias = grad.bias.matrix_mut();
        for t in 0..h.len() / F {
            let step = t * F..(t + 1) * F;
            let mut delta = SVector::<T, F>::from_column_slice(&dh[step.clone()]);
            self.activation
                .backprop(&trace[step.clone()], &h[step], delta.as_mut_slice());
            if BIAS {
                *grad_bias += delta;
            }
            for tap in 0..self.kernel_size {
                // Position in the past inputs then the sequence; `s` in the sequence.
                let position = t + tap * self.dilation;
                let s = position.checked_sub(HIST);
                if s.is_none() && from_zero {
                    continue;
                }
                let xs = past_or_input(initial, x, position);
                for (g, delta) in delta.as_slice().chunks_exact(filters).enumerate() {
                    for c in g * channels..(g + 1) * channels {
                        let at = (tap * channels + c - g * channels) * F + g * filters;
                        let v = xs[c];
                        let column = &mut grad_kernel[at..at + filters];
                        for (gw, &d) in column.iter_mut().zip(delta) {
                            *gw += d * v;
                        }
                        // The gradient stops at the past inputs, held fixed.
                        if let (Some(s), false) = (s, dx.is_empty()) {
                            let w = &kernel[at..at + filters];
                            let sum: T = w.iter().zip(delta).map(|(&w, &d)| w * d).sum();
                            dx[s * C + c] += sum;
                        }
                    }
                }
            }
        }
    }

    fn regularization(&self, grad: Option<&mut Self::Gradient>) -> T {
        let kernel = self.kernel.matrix().as_slice();
        if let Some(grad) = grad {
            let g = grad.weights.matrix_mut().as_mut_slice();
            self.regularizer.add_gradient(kernel, g);
        }
        self.regularizer.penalty(kernel)
    }
}

/// Position `position` of `initial`'s `HIST` past inputs (oldest first) followed by the
/// sequence `x`: the past below `HIST`, step `position − HIST` of `x` from it.
#[inline(always)]
fn past_or_input<'a, const C: usize, const F: usize, const HIST: usize, T: Scalar>(
    initial: &'a CausalConvState<C, F, HIST, T>,
    x: &'a [T],
    position: usize,
) -> &'a [T] {
    match position.checked_sub(HIST) {
        Some(s) => &x[s * C..(s + 1) * C],
        None => initial.window(position),
    }
}
