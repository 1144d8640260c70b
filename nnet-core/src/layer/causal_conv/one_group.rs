//! The forward passes of a [`CausalConv1d`] of one group, as operations that
//! [`dispatch`](super::kernel::dispatch) runs in the registers that suit the layer: a step,
//! whole (window, product, activation, state) in one call of code compiled for those
//! registers, and the forward pass over sequences, all its steps in one call.

use nalgebra::SVector;
use pulp::{Simd, WithSimd};

use super::super::recurrent::spans;
use super::kernel::add_product;
use super::{CausalConv1d, CausalConvState};
use crate::Scalar;
use crate::activation::Activation;
use crate::storage::MatrixStorage;

/// One step of a one-group layer: `state`'s window with `x`, its product with the kernel, the
/// activation; the output and `x` into `state`.
pub(super) struct Step<
    'a,
    const C: usize,
    const F: usize,
    const K: usize,
    const HIST: usize,
    T: Scalar,
    A,
    S,
    B,
    const BIAS: bool,
> {
    pub(super) layer: &'a CausalConv1d<C, F, K, HIST, A, S, B, BIAS>,
    pub(super) state: &'a mut CausalConvState<C, F, HIST, T>,
    pub(super) x: &'a SVector<T, C>,
}

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
> WithSimd for Step<'_, C, F, K, HIST, T, A, S, B, BIAS>
{
    type Output = ();

    #[inline(always)]
    fn with_simd<V: Simd>(self, simd: V) {
        let Self { layer, state, x } = self;
        state.step_with(x, |window| {
            let mut z = *layer.bias.matrix();
            let sums = &mut z.data.0[0];
            // With dilation 1 the window is the `K` values the taps read; otherwise tap `tap`
            // reads position `tap · dilation` of it.
            if let Ok(v) = <&[T; K]>::try_from(window) {
                add_product(simd, sums, &layer.kernel.matrix().data.0, v);
            } else {
                let span = layer.dilation * C;
                layer.add_gathered(simd, sums, |tap| Some(&window[tap * span..tap * span + C]));
            }
            layer.activation.activate(z.as_mut_slice());
            z
        });
    }
}

/// The forward pass of a one-group layer over sequences (as `Recurrent::forward_sequences`):
/// each step's product from its window in `x` where it is whole and in a row, gathered with
/// the causal zeros otherwise, the same values in the same order as [`Step`] reads them.
pub(super) struct Sequences<
    'a,
    const C: usize,
    const F: usize,
    const K: usize,
    const HIST: usize,
    T: Scalar,
    A,
    S,
    B,
    const BIAS: bool,
> {
    pub(super) layer: &'a CausalConv1d<C, F, K, HIST, A, S, B, BIAS>,
    pub(super) x: &'a [T],
    pub(super) lengths: &'a [usize],
    pub(super) trace: &'a mut [T],
    pub(super) h: &'a mut [T],
}

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
> WithSimd for Sequences<'_, C, F, K, HIST, T, A, S, B, BIAS>
{
    type Output = ();

    #[inline(always)]
    fn with_simd<V: Simd>(self, simd: V) {
        let Self {
            layer,
            x,
            lengths,
            trace,
            h,
        } = self;
        let kernel = &layer.kernel.matrix().data.0;
        for (start, len) in spans(lengths) {
            let axis = CausalConv1d::<C, F, K, HIST, A, S, B, BIAS>::axis(
                len,
                layer.kernel_size,
                layer.dilation,
            );
            for t in 0..len {
                let mut z = *layer.bias.matrix();
                let sums = &mut z.data.0[0];
                let end = (start + t + 1) * C;
                let window = (layer.dilation == 1 && t >= HIST)
                    .then(|| <&[T; K]>::try_from(&x[end - K..end]).ok())
                    .flatten();
                match window {
                    Some(v) => add_product(simd, sums, kernel, v),
                    None => layer.add_gathered(simd, sums, |tap| {
                        let s = start + axis.input_of(t, tap)?;
                        Some(&x[s * C..(s + 1) * C])
                    }),
                }
                let at = (start + t) * F..(start + t + 1) * F;
                trace[at.clone()].copy_from_slice(z.as_slice());
                layer.activation.activate(z.as_mut_slice());
                h[at].copy_from_slice(z.as_slice());
            }
        }
    }
}
