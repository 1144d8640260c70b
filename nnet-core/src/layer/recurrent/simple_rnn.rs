//! `simple_rnn N [activation]`: Keras's `SimpleRNN`, `hₜ = act(xₜ W + hₜ₋₁ U + b)`.

use nalgebra::SVector;
use rand::Rng;

use super::weights::{add_outer, dot_row};
use super::{HiddenState, InlineSteps, Recurrent, RecurrentStorage, RecurrentWeights};
use crate::activation::Activation;
use crate::layer::{LayerGradient, LayerKind};
use crate::{Initializer, Scalar, TensorInfo};

/// Keras's `SimpleRNN(units, activation)`: `hₜ = act(xₜ W + hₜ₋₁ U + b)`, from `h₀ = 0`
/// (activation `tanh` by default in `network!`).
///
/// # Examples
///
/// ```
/// use nalgebra::vector;
/// use nnet_core::activation::Linear;
/// use nnet_core::layer::{Recurrent, SimpleRnn};
///
/// // A running sum: W = 1, U = 1, linear.
/// let mut sum: SimpleRnn<1, 1, Linear> = SimpleRnn::zeroed(Linear);
/// sum.weights.kernel[0][0][0] = 1.0;
/// sum.weights.recurrent_kernel[0][0][0] = 1.0;
/// let mut h = Default::default();
/// for x in [1.0, 2.0, 3.0] {
///     sum.step(&mut h, &vector![x]);
/// }
/// assert_eq!(h.h, vector![6.0]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimpleRnn<const IN: usize, const UNITS: usize, A, W = RecurrentWeights<IN, UNITS, 1, 1>>
{
    /// `kernel` `W`, `recurrent_kernel` `U` and `bias` `b` (see [`RecurrentStorage`]).
    pub weights: W,
    /// The activation `act`.
    pub activation: A,
}

impl<
    const IN: usize,
    const UNITS: usize,
    T: Scalar,
    A: Activation<T>,
    W: RecurrentStorage<IN, UNITS, 1, 1, Scalar = T> + LayerGradient<T>,
> SimpleRnn<IN, UNITS, A, W>
{
    /// A layer with all weights zero.
    pub fn zeroed(activation: A) -> Self {
        Self {
            weights: W::zeroed(),
            activation,
        }
    }

    /// A layer initialized as Keras initializes it (kernel from `init`, recurrent kernel from
    /// `recurrent_init`, bias from `bias_init`).
    pub fn initialized<R: Rng + ?Sized>(
        activation: A,
        init: Initializer,
        recurrent_init: Initializer,
        bias_init: Initializer,
        rng: &mut R,
    ) -> Self {
        let mut weights = W::zeroed();
        // In place: on the heap for heap storage, with the draws of the inline weights.
        weights
            .parts_mut()
            .initialize(init, recurrent_init, bias_init, rng);
        Self {
            weights,
            activation,
        }
    }

    /// `z = x W + h U + b`.
    #[inline(always)]
    fn preactivation(&self, x: &[T], h: &[T]) -> [SVector<T, UNITS>; 1] {
        let w = self.weights.parts();
        let mut z = w.bias[0];
        w.add_products(x, h, &mut z, None);
        z
    }
}

impl<
    const IN: usize,
    const UNITS: usize,
    T: Scalar,
    A: Activation<T>,
    W: RecurrentStorage<IN, UNITS, 1, 1, Scalar = T> + LayerGradient<T> + InlineSteps,
> Recurrent<IN, UNITS, T> for SimpleRnn<IN, UNITS, A, W>
{
    const KIND: LayerKind = LayerKind::SimpleRnn;
    const TENSORS: usize = 3;
    const TRAINABLE: usize = RecurrentWeights::<IN, UNITS, 1, 1, T>::PARAMS;
    const TRACE: usize = UNITS;
    type State = HiddenState<UNITS, T>;
    type Gradient = W;

    fn tensor_info(index: usize) -> Option<TensorInfo> {
        RecurrentWeights::<IN, UNITS, 1, 1, T>::tensor_info(index)
    }
    fn tensor(&self, index: usize) -> &[T] {
        LayerGradient::tensor(&self.weights, index)
    }
    fn tensor_mut(&mut self, index: usize) -> &mut [T] {
        LayerGradient::tensor_mut(&mut self.weights, index)
    }

    #[inline(always)]
    fn output(state: &Self::State) -> &SVector<T, UNITS> {
        &state.h
    }

    #[inline(always)]
    fn step(&self, state: &mut Self::State, x: &SVector<T, IN>) {
        let [mut z] = self.preactivation(x.as_slice(), state.h.as_slice());
        self.activation.activate(z.as_mut_slice());
        state.h = z;
    }

    fn forward_sequence_from(&self, x: &[T], initial: &Self::State, trace: &mut [T], h: &mut [T]) {
        // A zero initial state adds nothing: skipped, as before states were carried.
        let from_zero = initial.h.iter().all(|v| *v == T::zero());
        for t in 0..h.len() / UNITS {
            let previous = match t {
                0 if from_zero => &[][..],
                0 => initial.h.as_slice(),
                _ => &h[(t - 1) * UNITS..t * UNITS],
            };
            let [z] = self.preactivation(&x[t * IN..(t + 1) * IN], previous);
            trace[t * UNITS..(t + 1) * UNITS].copy_from_slice(z.as_slice());
            let out = &mut h[t * UNITS..(t + 1) * UNITS];
            out.copy_from_slice(z.as_slice());
            self.activation.activate(out);
        }
    }

    fn final_state(&self, _: &[T], state: &mut Self::State, _: &[T], h: &[T]) {
        if let Some(last) = h.len().checked_sub(UNITS) {
            state.h.copy_from_slice(&h[last..]);
        }
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
        let grad = grad.parts_mut();
        let w = self.weights.parts();
        let from_zero = initial.h.iter().all(|v| *v == T::zero());
        // ∂L/∂hₜ through the next step.
        let mut carry = SVector::<T, UNITS>::zeros();
        for t in (0..h.len() / UNITS).rev() {
            let units = t * UNITS..(t + 1) * UNITS;
            let mut delta = [carry];
            for (d, &g) in delta[0].as_mut_slice().iter_mut().zip(&dh[units.clone()]) {
                *d += g;
            }
            self.activation
                .backprop(&trace[units.clone()], &h[units], delta[0].as_mut_slice());
            let xt = &x[t * IN..(t + 1) * IN];
            for (row, &xi) in grad.kernel.iter_mut().zip(xt) {
                add_outer(row, xi, &delta);
            }
            if t > 0 || !from_zero {
                let previous = if t > 0 {
                    &h[(t - 1) * UNITS..t * UNITS]
                } else {
                    initial.h.as_slice()
                };
                for (row, &hk) in grad.recurrent_kernel.iter_mut().zip(previous) {
                    add_outer(row, hk, &delta);
                }
            }
            add_outer(&mut grad.bias[0], T::one(), &delta);
            if !dx.is_empty() {
                let dxt = &mut dx[t * IN..(t + 1) * IN];
                for (d, row) in dxt.iter_mut().zip(w.kernel.iter()) {
                    *d = dot_row(row, &delta);
                }
            }
            for (c, row) in carry
                .as_mut_slice()
                .iter_mut()
                .zip(w.recurrent_kernel.iter())
            {
                *c = dot_row(row, &delta);
            }
        }
    }
}
