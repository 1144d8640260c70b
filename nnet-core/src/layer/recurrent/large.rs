//! Recurrent layers of more than [`INLINE_UNITS`](crate::storage::INLINE_UNITS) units (up to
//! 65,536, the most any layer may have): their weights, their state and the buffers of a step
//! live on the heap, so that building, stepping and training one never puts a vector of its
//! units on the stack (at 65,536 units one vector is 256 KiB, and a GRU's step works on seven).
//!
//! The layers are the same types ([`SimpleRnn`], [`Gru`], [`Lstm`]) with the storage
//! [`LargeRecurrentWeights`]; their state is a [`HeapHiddenState`] or a [`HeapLstmState`], which
//! holds, besides `h` (and `c`), the buffers a step writes its gates to: `Default` allocates
//! them once, and [`step`](Recurrent::step) then allocates nothing (the streaming call stays
//! real-time safe). The computation is that of the inline layers, operation for operation, on
//! slices: the same numbers come out (the tests compare them bit for bit). The training pass
//! writes its gates to the trace the workspace gives it; backpropagation through time takes
//! one buffer of a few vectors per call (per batch, not per step).

use core::fmt;
use core::ops::{Deref, DerefMut};

use nalgebra::SVector;

use super::product::add_plain;
use super::weights::{HeapRecurrentWeights, dot};
use super::{Gru, Lstm, Recurrent, RecurrentParts, RecurrentPartsMut, RecurrentStorage, gru};
use super::{RecurrentWeights, SimpleRnn};
use crate::activation::{Activation, Sigmoid, Tanh};
use crate::layer::{LayerGradient, LayerKind};
use crate::{Scalar, TensorInfo};

/// The weights of a recurrent layer of more than
/// [`INLINE_UNITS`](crate::storage::INLINE_UNITS) units: [`HeapRecurrentWeights`] (which it
/// dereferences to), for layers whose state and step buffers live on the heap too
/// ([`HeapHiddenState`], [`HeapLstmState`]). `network!` picks it for every recurrent layer of
/// more than 1,024 units (with nnet's `std` feature; without it, such a layer is refused).
///
/// # Examples
///
/// ```
/// use nalgebra::SVector;
/// use nnet_core::activation::Tanh;
/// use nnet_core::layer::{LargeRecurrentWeights, Recurrent, SimpleRnn};
///
/// type Large = SimpleRnn<1, 2048, Tanh, LargeRecurrentWeights<1, 2048, 1, 1>>;
/// let mut rnn = Large::zeroed(Tanh);
/// rnn.weights.kernel[0][0][7] = 1.0;
/// let mut state = <Large as Recurrent<1, 2048>>::State::default();
/// rnn.step(&mut state, &SVector::from_element(0.5));
/// assert!((state.h[7] - 0.5_f32.tanh()).abs() < 1e-6);
/// assert_eq!(state.h[6], 0.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LargeRecurrentWeights<
    const IN: usize,
    const UNITS: usize,
    const GATES: usize,
    const BIASES: usize,
    T: Scalar = f32,
>(pub HeapRecurrentWeights<IN, UNITS, GATES, BIASES, T>);

impl<const IN: usize, const UNITS: usize, const GATES: usize, const BIASES: usize, T: Scalar> Deref
    for LargeRecurrentWeights<IN, UNITS, GATES, BIASES, T>
{
    type Target = HeapRecurrentWeights<IN, UNITS, GATES, BIASES, T>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<const IN: usize, const UNITS: usize, const GATES: usize, const BIASES: usize, T: Scalar>
    DerefMut for LargeRecurrentWeights<IN, UNITS, GATES, BIASES, T>
{
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl<const IN: usize, const UNITS: usize, const GATES: usize, const BIASES: usize, T: Scalar>
    RecurrentStorage<IN, UNITS, GATES, BIASES>
    for LargeRecurrentWeights<IN, UNITS, GATES, BIASES, T>
{
    type Scalar = T;
    #[inline(always)]
    fn parts(&self) -> RecurrentParts<'_, IN, UNITS, GATES, BIASES, T> {
        self.0.parts()
    }
    #[inline(always)]
    fn parts_mut(&mut self) -> RecurrentPartsMut<'_, IN, UNITS, GATES, BIASES, T> {
        self.0.parts_mut()
    }
}

impl<const IN: usize, const UNITS: usize, const GATES: usize, const BIASES: usize, T: Scalar>
    LayerGradient<T> for LargeRecurrentWeights<IN, UNITS, GATES, BIASES, T>
{
    fn zeroed() -> Self {
        Self(LayerGradient::zeroed())
    }
    fn tensor(&self, index: usize) -> &[T] {
        self.0.parts().tensor(index)
    }
    fn tensor_mut(&mut self, index: usize) -> &mut [T] {
        self.0.parts_mut().tensor_mut(index)
    }
}

/// A zeroed vector of `UNITS` values on the heap, never built on the stack.
fn zeroed_vector<const UNITS: usize, T: Scalar>() -> Box<SVector<T, UNITS>> {
    bytemuck::zeroed_box()
}

/// The state of a `simple_rnn` or `gru` layer of more than
/// [`INLINE_UNITS`](crate::storage::INLINE_UNITS) units: its hidden state `h` on the heap, and
/// `SCRATCH` vectors of buffers for a step (a `simple_rnn`'s pre-activation; a GRU's gates and
/// recurrent terms), allocated by `Default` and reused by every step, which then allocates
/// nothing. Two states are equal when their `h` are; a clone copies `h` (the buffers hold
/// nothing between steps).
///
/// # Examples
///
/// ```
/// use nnet_core::layer::HeapHiddenState;
///
/// let mut state = HeapHiddenState::<4096, 1>::default();
/// state.h[4095] = 1.0;
/// assert_eq!(state.clone(), state);
/// assert_eq!(HeapHiddenState::<4096, 1>::HEAP_BYTES, 2 * 4096 * 4);
/// ```
pub struct HeapHiddenState<const UNITS: usize, const SCRATCH: usize, T: Scalar = f32> {
    /// The hidden state, which is also the layer's output.
    pub h: Box<SVector<T, UNITS>>,
    scratch: Box<[SVector<T, UNITS>; SCRATCH]>,
}

impl<const UNITS: usize, const SCRATCH: usize, T: Scalar> HeapHiddenState<UNITS, SCRATCH, T> {
    /// The bytes the state keeps on the heap: `h` and the step's buffers.
    pub const HEAP_BYTES: usize = (1 + SCRATCH) * UNITS * core::mem::size_of::<T>();
}

impl<const UNITS: usize, const SCRATCH: usize, T: Scalar> Default
    for HeapHiddenState<UNITS, SCRATCH, T>
{
    fn default() -> Self {
        Self {
            h: zeroed_vector(),
            scratch: bytemuck::zeroed_box(),
        }
    }
}

impl<const UNITS: usize, const SCRATCH: usize, T: Scalar> Clone
    for HeapHiddenState<UNITS, SCRATCH, T>
{
    fn clone(&self) -> Self {
        let mut copy = Self::default();
        copy.h.as_mut_slice().copy_from_slice(self.h.as_slice());
        copy
    }
}

impl<const UNITS: usize, const SCRATCH: usize, T: Scalar> PartialEq
    for HeapHiddenState<UNITS, SCRATCH, T>
{
    fn eq(&self, other: &Self) -> bool {
        self.h.as_slice() == other.h.as_slice()
    }
}

impl<const UNITS: usize, const SCRATCH: usize, T: Scalar> fmt::Debug
    for HeapHiddenState<UNITS, SCRATCH, T>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeapHiddenState")
            .field("h", &self.h.as_slice())
            .finish_non_exhaustive()
    }
}

/// The state of an `lstm` layer of more than [`INLINE_UNITS`](crate::storage::INLINE_UNITS)
/// units: its hidden state `h` and cell state `c` on the heap, and the buffers of a step's four
/// gates, allocated by `Default` and reused by every step, which then allocates nothing. Two
/// states are equal when their `h` and `c` are; a clone copies them.
///
/// # Examples
///
/// ```
/// use nnet_core::layer::HeapLstmState;
///
/// let state = HeapLstmState::<2048>::default();
/// assert_eq!(state.h.sum() + state.c.sum(), 0.0);
/// assert_eq!(HeapLstmState::<2048>::HEAP_BYTES, 6 * 2048 * 4);
/// ```
pub struct HeapLstmState<const UNITS: usize, T: Scalar = f32> {
    /// The hidden state, which is also the layer's output.
    pub h: Box<SVector<T, UNITS>>,
    /// The cell state.
    pub c: Box<SVector<T, UNITS>>,
    gates: Box<[SVector<T, UNITS>; 4]>,
}

impl<const UNITS: usize, T: Scalar> HeapLstmState<UNITS, T> {
    /// The bytes the state keeps on the heap: `h`, `c` and the four gates of a step.
    pub const HEAP_BYTES: usize = 6 * UNITS * core::mem::size_of::<T>();
}

impl<const UNITS: usize, T: Scalar> Default for HeapLstmState<UNITS, T> {
    fn default() -> Self {
        Self {
            h: zeroed_vector(),
            c: zeroed_vector(),
            gates: bytemuck::zeroed_box(),
        }
    }
}

impl<const UNITS: usize, T: Scalar> Clone for HeapLstmState<UNITS, T> {
    fn clone(&self) -> Self {
        let mut copy = Self::default();
        copy.h.as_mut_slice().copy_from_slice(self.h.as_slice());
        copy.c.as_mut_slice().copy_from_slice(self.c.as_slice());
        copy
    }
}

impl<const UNITS: usize, T: Scalar> PartialEq for HeapLstmState<UNITS, T> {
    fn eq(&self, other: &Self) -> bool {
        self.h.as_slice() == other.h.as_slice() && self.c.as_slice() == other.c.as_slice()
    }
}

impl<const UNITS: usize, T: Scalar> fmt::Debug for HeapLstmState<UNITS, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeapLstmState")
            .field("h", &self.h.as_slice())
            .field("c", &self.c.as_slice())
            .finish_non_exhaustive()
    }
}

/// The rows of a tensor of `width` values each: a kernel's (one per input), a recurrent
/// kernel's (one per unit) or a bias's (one per bias row).
fn rows<T>(values: &[T], width: usize) -> core::slice::ChunksExact<'_, T> {
    values.chunks_exact(width)
}

/// The rows of a tensor mutably.
fn rows_mut<T>(values: &mut [T], width: usize) -> core::slice::ChunksExactMut<'_, T> {
    values.chunks_exact_mut(width)
}

/// `acc += Σᵢ x[i] · kernel row i`, `acc` all the gates (`GATES·UNITS` values): the fused
/// multiply-adds of the inline layers, in their order, so that both give the same bits.
#[inline(always)]
fn add_input<T: Scalar>(kernel: &[T], x: &[T], acc: &mut [T]) {
    super::product::add_rows_flat(kernel, x, acc);
}

/// The gradient of one step through the tensors: `grad.kernel row i += x[i] · delta`,
/// `grad.recurrent_kernel row k += previous[k] · recurrent_delta` (none at a sequence's first
/// step, whose previous state is zero), `grad.bias row b += bias_deltas[b]`; and
/// `dx[i] = kernel row i · delta` unless `dx` is empty.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn accumulate<T: Scalar>(
    kernel: &[T],
    grad: (&mut [T], &mut [T], &mut [T]),
    x: &[T],
    previous: Option<&[T]>,
    delta: &[T],
    recurrent_delta: &[T],
    bias_deltas: &[&[T]],
    dx: &mut [T],
) {
    let width = delta.len();
    let (grad_kernel, grad_recurrent, grad_bias) = grad;
    // Each row `+= scale · delta`: one row of the products' plain loop.
    for (row, &xi) in rows_mut(grad_kernel, width).zip(x) {
        add_plain(delta, &[xi], row);
    }
    if let Some(previous) = previous {
        for (row, &hk) in rows_mut(grad_recurrent, width).zip(previous) {
            add_plain(recurrent_delta, &[hk], row);
        }
    }
    for (row, d) in rows_mut(grad_bias, width).zip(bias_deltas) {
        add_plain(d, &[T::one()], row);
    }
    if !dx.is_empty() {
        for (d, row) in dx.iter_mut().zip(rows(kernel, width)) {
            *d = dot(row, delta);
        }
    }
}

/// The three tensors of a gradient, mutably.
fn grad_tensors<const IN: usize, const UNITS: usize, const G: usize, const B: usize, T: Scalar>(
    grad: &mut LargeRecurrentWeights<IN, UNITS, G, B, T>,
) -> (&mut [T], &mut [T], &mut [T]) {
    let parts = grad.0.parts_mut();
    (
        bytemuck::cast_slice_mut(parts.kernel.as_mut_slice()),
        bytemuck::cast_slice_mut(parts.recurrent_kernel.as_mut_slice()),
        bytemuck::cast_slice_mut(parts.bias.as_mut_slice()),
    )
}

/// The previous state of step `t` of a sequence: `h[t − 1]`, or at its first step the initial
/// state, `None` when that is zero (it adds nothing, as in the inline layers).
fn previous<'a, T>(
    h: &'a [T],
    units: usize,
    t: usize,
    initial: Option<&'a [T]>,
) -> Option<&'a [T]> {
    if t > 0 {
        Some(&h[(t - 1) * units..t * units])
    } else {
        initial
    }
}

/// `Some(values)` unless every value is zero.
fn nonzero<T: Scalar>(values: &[T]) -> Option<&[T]> {
    values.iter().any(|v| *v != T::zero()).then_some(values)
}

/// `z = b + x W + h U` into `z`, in the order of the inline layer (bias, input, recurrent).
#[inline(always)]
fn simple_preactivation<T: Scalar>(w: (&[T], &[T], &[T]), x: &[T], h: Option<&[T]>, z: &mut [T]) {
    let (kernel, recurrent, bias) = w;
    z.copy_from_slice(bias);
    add_input(kernel, x, z);
    if let Some(h) = h {
        add_input(recurrent, h, z);
    }
}

/// The three tensors of a layer's weights.
fn tensors<const IN: usize, const UNITS: usize, const G: usize, const B: usize, T: Scalar>(
    w: &LargeRecurrentWeights<IN, UNITS, G, B, T>,
) -> (&[T], &[T], &[T]) {
    let parts = w.0.parts();
    (
        parts.kernel_values(),
        parts.recurrent_kernel_values(),
        parts.bias_values(),
    )
}

impl<const IN: usize, const UNITS: usize, T: Scalar, A: Activation<T>> Recurrent<IN, UNITS, T>
    for SimpleRnn<IN, UNITS, A, LargeRecurrentWeights<IN, UNITS, 1, 1, T>>
{
    const KIND: LayerKind = LayerKind::SimpleRnn;
    const TENSORS: usize = 3;
    const TRAINABLE: usize = RecurrentWeights::<IN, UNITS, 1, 1, T>::PARAMS;
    const TRACE: usize = UNITS;
    const HEAP_STATE_BYTES: usize = HeapHiddenState::<UNITS, 1, T>::HEAP_BYTES;
    type State = HeapHiddenState<UNITS, 1, T>;
    type Gradient = LargeRecurrentWeights<IN, UNITS, 1, 1, T>;

    fn tensor_info(index: usize) -> Option<TensorInfo> {
        RecurrentWeights::<IN, UNITS, 1, 1, T>::tensor_info(index)
    }
    fn tensor(&self, index: usize) -> &[T] {
        LayerGradient::tensor(&self.weights, index)
    }
    fn tensor_mut(&mut self, index: usize) -> &mut [T] {
        LayerGradient::tensor_mut(&mut self.weights, index)
    }
    fn output(state: &Self::State) -> &SVector<T, UNITS> {
        &state.h
    }
    fn reset(state: &mut Self::State) {
        state.h.fill(T::zero());
    }

    fn step(&self, state: &mut Self::State, x: &SVector<T, IN>) {
        let z = state.scratch[0].as_mut_slice();
        simple_preactivation(
            tensors(&self.weights),
            x.as_slice(),
            Some(state.h.as_slice()),
            z,
        );
        self.activation.activate(z);
        state.h.as_mut_slice().copy_from_slice(z);
    }

    fn forward_sequence_from(&self, x: &[T], initial: &Self::State, trace: &mut [T], h: &mut [T]) {
        let w = tensors(&self.weights);
        let first = nonzero(initial.h.as_slice());
        for t in 0..h.len() / UNITS {
            let (before, rest) = h.split_at_mut(t * UNITS);
            let previous = previous(before, UNITS, t, first);
            let z = &mut trace[t * UNITS..(t + 1) * UNITS];
            simple_preactivation(w, &x[t * IN..(t + 1) * IN], previous, z);
            let out = &mut rest[..UNITS];
            out.copy_from_slice(z);
            self.activation.activate(out);
        }
    }

    fn final_state(&self, _: &[T], state: &mut Self::State, _: &[T], h: &[T]) {
        if let Some(last) = h.len().checked_sub(UNITS) {
            state.h.as_mut_slice().copy_from_slice(&h[last..]);
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
        let (kernel, recurrent, _) = tensors(&self.weights);
        let mut buffers = vec![T::zero(); 2 * UNITS];
        let (carry, delta) = buffers.split_at_mut(UNITS);
        let first = nonzero(initial.h.as_slice());
        // ∂L/∂hₜ through the next step.
        for t in (0..h.len() / UNITS).rev() {
            let units = t * UNITS..(t + 1) * UNITS;
            for ((d, &c), &g) in delta.iter_mut().zip(carry.iter()).zip(&dh[units.clone()]) {
                *d = c + g;
            }
            self.activation
                .backprop(&trace[units.clone()], &h[units], delta);
            let dxt = if dx.is_empty() {
                &mut [][..]
            } else {
                &mut dx[t * IN..(t + 1) * IN]
            };
            accumulate(
                kernel,
                grad_tensors(grad),
                &x[t * IN..(t + 1) * IN],
                previous(h, UNITS, t, first),
                delta,
                delta,
                &[delta],
                dxt,
            );
            for (c, row) in carry.iter_mut().zip(rows(recurrent, UNITS)) {
                *c = dot(row, delta);
            }
        }
    }
}

/// A GRU step's gates from input `x` and previous state `h` (`None`: zero) into `gates`, laid
/// out as the trace `[z, r, ĥ, h U_h + b̃_h]`, with `recurrent` (`3·UNITS`) for the recurrent
/// terms: the products, then the inline `Gru`'s activations.
#[inline(always)]
fn gru_gates<T: Scalar>(
    w: (&[T], &[T], &[T]),
    x: &[T],
    h: Option<&[T]>,
    gates: &mut [T],
    recurrent: &mut [T],
) {
    let (kernel, recurrent_kernel, bias) = w;
    let units = recurrent.len() / 3;
    let (input, h_h) = gates.split_at_mut(3 * units);
    input.copy_from_slice(&bias[..3 * units]);
    add_input(kernel, x, input);
    recurrent.copy_from_slice(&bias[3 * units..]);
    if let Some(h) = h {
        add_input(recurrent_kernel, h, recurrent);
    }
    h_h.copy_from_slice(&recurrent[2 * units..]);
    gru::activate(input, recurrent);
}

impl<const IN: usize, const UNITS: usize, T: Scalar> Recurrent<IN, UNITS, T>
    for Gru<IN, UNITS, LargeRecurrentWeights<IN, UNITS, 3, 2, T>>
{
    const KIND: LayerKind = LayerKind::Gru;
    const TENSORS: usize = 3;
    const TRAINABLE: usize = RecurrentWeights::<IN, UNITS, 3, 2, T>::PARAMS;
    const TRACE: usize = 4 * UNITS;
    const HEAP_STATE_BYTES: usize = HeapHiddenState::<UNITS, 7, T>::HEAP_BYTES;
    /// `h`, and seven buffers: the four of the trace and three of recurrent terms.
    type State = HeapHiddenState<UNITS, 7, T>;
    type Gradient = LargeRecurrentWeights<IN, UNITS, 3, 2, T>;

    fn tensor_info(index: usize) -> Option<TensorInfo> {
        RecurrentWeights::<IN, UNITS, 3, 2, T>::tensor_info(index)
    }
    fn tensor(&self, index: usize) -> &[T] {
        LayerGradient::tensor(&self.weights, index)
    }
    fn tensor_mut(&mut self, index: usize) -> &mut [T] {
        LayerGradient::tensor_mut(&mut self.weights, index)
    }
    fn output(state: &Self::State) -> &SVector<T, UNITS> {
        &state.h
    }
    fn reset(state: &mut Self::State) {
        state.h.fill(T::zero());
    }

    fn step(&self, state: &mut Self::State, x: &SVector<T, IN>) {
        let scratch: &mut [T] = bytemuck::cast_slice_mut(&mut state.scratch[..]);
        let (gates, recurrent) = scratch.split_at_mut(4 * UNITS);
        let h = state.h.as_mut_slice();
        gru_gates(
            tensors(&self.weights),
            x.as_slice(),
            Some(h),
            gates,
            recurrent,
        );
        // In place: each unit's new value reads only its own old value.
        gru::blend(&gates[..UNITS], &gates[2 * UNITS..3 * UNITS], h);
    }

    fn forward_sequence_from(&self, x: &[T], initial: &Self::State, trace: &mut [T], h: &mut [T]) {
        let w = tensors(&self.weights);
        let mut recurrent = vec![T::zero(); 3 * UNITS];
        let first = nonzero(initial.h.as_slice());
        for t in 0..h.len() / UNITS {
            let (before, rest) = h.split_at_mut(t * UNITS);
            let previous = previous(before, UNITS, t, first);
            let gates = &mut trace[t * 4 * UNITS..(t + 1) * 4 * UNITS];
            gru_gates(w, &x[t * IN..(t + 1) * IN], previous, gates, &mut recurrent);
            let out = &mut rest[..UNITS];
            match previous {
                Some(previous) => out.copy_from_slice(previous),
                None => out.fill(T::zero()),
            }
            gru::blend(&gates[..UNITS], &gates[2 * UNITS..3 * UNITS], out);
        }
    }

    fn final_state(&self, _: &[T], state: &mut Self::State, _: &[T], h: &[T]) {
        if let Some(last) = h.len().checked_sub(UNITS) {
            state.h.as_mut_slice().copy_from_slice(&h[last..]);
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
        let one = T::one();
        let (kernel, recurrent, _) = tensors(&self.weights);
        let mut buffers = vec![T::zero(); 8 * UNITS];
        let (carry, rest) = buffers.split_at_mut(UNITS);
        let (delta_h, rest) = rest.split_at_mut(UNITS);
        let (input_delta, recurrent_delta) = rest.split_at_mut(3 * UNITS);
        let first = nonzero(initial.h.as_slice());
        for t in (0..h.len() / UNITS).rev() {
            for ((d, &c), &g) in delta_h
                .iter_mut()
                .zip(carry.iter())
                .zip(&dh[t * UNITS..(t + 1) * UNITS])
            {
                *d = c + g;
            }
            let step = &trace[t * 4 * UNITS..(t + 1) * 4 * UNITS];
            let (z, r) = (&step[..UNITS], &step[UNITS..2 * UNITS]);
            let (candidate, h_h) = (&step[2 * UNITS..3 * UNITS], &step[3 * UNITS..]);
            let prev = previous(h, UNITS, t, first);
            for j in 0..UNITS {
                let (d, z, r, c, hh) = (delta_h[j], z[j], r[j], candidate[j], h_h[j]);
                let previous = prev.map_or(T::zero(), |p| p[j]);
                let d_candidate = d * (one - z) * (one - c * c);
                let d_z = d * (previous - c) * z * (one - z);
                let d_r = d_candidate * hh * r * (one - r);
                input_delta[j] = d_z;
                input_delta[UNITS + j] = d_r;
                input_delta[2 * UNITS + j] = d_candidate;
                recurrent_delta[j] = d_z;
                recurrent_delta[UNITS + j] = d_r;
                recurrent_delta[2 * UNITS + j] = d_candidate * r;
            }
            let dxt = if dx.is_empty() {
                &mut [][..]
            } else {
                &mut dx[t * IN..(t + 1) * IN]
            };
            accumulate(
                kernel,
                grad_tensors(grad),
                &x[t * IN..(t + 1) * IN],
                prev,
                input_delta,
                recurrent_delta,
                &[input_delta, recurrent_delta],
                dxt,
            );
            for ((c, &d), &z) in carry.iter_mut().zip(delta_h.iter()).zip(z) {
                *c = d * z;
            }
            for (c, row) in carry.iter_mut().zip(rows(recurrent, 3 * UNITS)) {
                *c += dot(row, recurrent_delta);
            }
        }
    }
}

/// An LSTM step's gates `[i, f, g, o]` from input `x` and previous state `h` (`None`: zero)
/// into `gates`: `a = b + x W + h U`, then the activations, in the inline `Lstm`'s order.
#[inline(always)]
fn lstm_gates<T: Scalar>(w: (&[T], &[T], &[T]), x: &[T], h: Option<&[T]>, gates: &mut [T]) {
    simple_preactivation(w, x, h, gates);
    let units = gates.len() / 4;
    for (k, gate) in gates.chunks_exact_mut(units).enumerate() {
        for v in gate {
            *v = if k == 2 {
                Tanh.value(*v)
            } else {
                Sigmoid.value(*v)
            };
        }
    }
}

/// `c' = f ⊙ c + i ⊙ g` into `c` (the previous cell state, or zero when `previous` is `None`)
/// and `h' = o ⊙ tanh(c')` into `h`, from the gates `[i, f, g, o]`.
#[inline(always)]
fn lstm_advance<T: Scalar>(gates: &[T], previous: Option<&[T]>, c: &mut [T], h: &mut [T]) {
    let units = c.len();
    let (i, f) = (&gates[..units], &gates[units..2 * units]);
    let (g, o) = (&gates[2 * units..3 * units], &gates[3 * units..]);
    for j in 0..units {
        let before = previous.map_or(T::zero(), |p| p[j]);
        let ig = i[j] * g[j];
        c[j] = f[j] * before + ig;
        h[j] = o[j] * Tanh.value(c[j]);
    }
}

impl<const IN: usize, const UNITS: usize, T: Scalar> Recurrent<IN, UNITS, T>
    for Lstm<IN, UNITS, LargeRecurrentWeights<IN, UNITS, 4, 1, T>>
{
    const KIND: LayerKind = LayerKind::Lstm;
    const TENSORS: usize = 3;
    const TRAINABLE: usize = RecurrentWeights::<IN, UNITS, 4, 1, T>::PARAMS;
    const TRACE: usize = 5 * UNITS;
    const HEAP_STATE_BYTES: usize = HeapLstmState::<UNITS, T>::HEAP_BYTES;
    type State = HeapLstmState<UNITS, T>;
    type Gradient = LargeRecurrentWeights<IN, UNITS, 4, 1, T>;

    fn tensor_info(index: usize) -> Option<TensorInfo> {
        RecurrentWeights::<IN, UNITS, 4, 1, T>::tensor_info(index)
    }
    fn tensor(&self, index: usize) -> &[T] {
        LayerGradient::tensor(&self.weights, index)
    }
    fn tensor_mut(&mut self, index: usize) -> &mut [T] {
        LayerGradient::tensor_mut(&mut self.weights, index)
    }
    fn output(state: &Self::State) -> &SVector<T, UNITS> {
        &state.h
    }
    fn reset(state: &mut Self::State) {
        state.h.fill(T::zero());
        state.c.fill(T::zero());
    }

    fn step(&self, state: &mut Self::State, x: &SVector<T, IN>) {
        let gates: &mut [T] = bytemuck::cast_slice_mut(&mut state.gates[..]);
        let (h, c) = (state.h.as_mut_slice(), state.c.as_mut_slice());
        lstm_gates(tensors(&self.weights), x.as_slice(), Some(h), gates);
        // In place: each unit's new values read only its own old cell state.
        let (i, f) = (&gates[..UNITS], &gates[UNITS..2 * UNITS]);
        let (g, o) = (&gates[2 * UNITS..3 * UNITS], &gates[3 * UNITS..]);
        for j in 0..UNITS {
            let ig = i[j] * g[j];
            c[j] = f[j] * c[j] + ig;
            h[j] = o[j] * Tanh.value(c[j]);
        }
    }

    fn forward_sequence_from(&self, x: &[T], initial: &Self::State, trace: &mut [T], h: &mut [T]) {
        let w = tensors(&self.weights);
        let first = nonzero(initial.h.as_slice());
        let first_c = nonzero(initial.c.as_slice());
        for t in 0..h.len() / UNITS {
            let (h_before, h_rest) = h.split_at_mut(t * UNITS);
            let (t_before, t_rest) = trace.split_at_mut(t * 5 * UNITS);
            let h_prev = previous(h_before, UNITS, t, first);
            let c_prev = if t > 0 {
                Some(&t_before[(t - 1) * 5 * UNITS + 4 * UNITS..])
            } else {
                first_c
            };
            let (gates, c) = t_rest[..5 * UNITS].split_at_mut(4 * UNITS);
            lstm_gates(w, &x[t * IN..(t + 1) * IN], h_prev, gates);
            lstm_advance(gates, c_prev, c, &mut h_rest[..UNITS]);
        }
    }

    fn final_state(&self, _: &[T], state: &mut Self::State, trace: &[T], h: &[T]) {
        if let (Some(last), Some(c)) = (h.len().checked_sub(UNITS), trace.len().checked_sub(UNITS))
        {
            state.h.as_mut_slice().copy_from_slice(&h[last..]);
            state.c.as_mut_slice().copy_from_slice(&trace[c..]);
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
        let one = T::one();
        let (kernel, recurrent, _) = tensors(&self.weights);
        let mut buffers = vec![T::zero(); 6 * UNITS];
        let (carry_h, rest) = buffers.split_at_mut(UNITS);
        let (carry_c, delta) = rest.split_at_mut(UNITS);
        // Trace block `k` (`i`, `f`, `g`, `o`, `c`) of step `t`.
        let traced = |t: usize, k: usize| {
            let at = (5 * t + k) * UNITS;
            &trace[at..at + UNITS]
        };
        let first = nonzero(initial.h.as_slice());
        let first_c = nonzero(initial.c.as_slice());
        for t in (0..h.len() / UNITS).rev() {
            let [i, f, g, o, c] = core::array::from_fn(|k| traced(t, k));
            let c_prev = if t > 0 {
                Some(traced(t - 1, 4))
            } else {
                first_c
            };
            let dht = &dh[t * UNITS..(t + 1) * UNITS];
            for j in 0..UNITS {
                let delta_h = carry_h[j] + dht[j];
                let tanh_c = Tanh.value(c[j]);
                let delta_c = carry_c[j] + delta_h * o[j] * (one - tanh_c * tanh_c);
                let before = c_prev.map_or(T::zero(), |p| p[j]);
                delta[j] = delta_c * g[j] * i[j] * (one - i[j]);
                delta[UNITS + j] = delta_c * before * f[j] * (one - f[j]);
                delta[2 * UNITS + j] = delta_c * i[j] * (one - g[j] * g[j]);
                delta[3 * UNITS + j] = delta_h * tanh_c * o[j] * (one - o[j]);
                carry_c[j] = delta_c * f[j];
            }
            let dxt = if dx.is_empty() {
                &mut [][..]
            } else {
                &mut dx[t * IN..(t + 1) * IN]
            };
            accumulate(
                kernel,
                grad_tensors(grad),
                &x[t * IN..(t + 1) * IN],
                previous(h, UNITS, t, first),
                delta,
                delta,
                &[delta],
                dxt,
            );
            for (ch, row) in carry_h.iter_mut().zip(rows(recurrent, 4 * UNITS)) {
                *ch = dot(row, delta);
            }
        }
    }
}
