//! `lstm N`: Keras 3's `LSTM`, with `unit_forget_bias = true`.
//!
//! With `σ` the logistic sigmoid, `⊙` the element-wise product and `a = x W + h U + b` split
//! into the gates' blocks `a_i, a_f, a_c, a_o`:
//!
//! ```text
//! i = σ(a_i)   f = σ(a_f)   g = tanh(a_c)   o = σ(a_o)
//! c' = f ⊙ c + i ⊙ g
//! h' = o ⊙ tanh(c')
//! ```
//!
//! Backward, from `δh = ∂L/∂h'` and `δc` (`∂L/∂c'` through the next step), with `a(1 − a)` and
//! `1 − a²` the derivatives of `σ` and `tanh` at their value `a`:
//!
//! ```text
//! δc' = δc + δh ⊙ o ⊙ (1 − tanh² c')
//! δ = [δc' ⊙ g ⊙ i(1 − i),  δc' ⊙ c ⊙ f(1 − f),  δc' ⊙ i ⊙ (1 − g²),  δh ⊙ tanh c' ⊙ o(1 − o)]
//! ∂W += xᵀ δ, ∂U += hᵀ δ, ∂b += δ, ∂x = δ Wᵀ
//! ∂L/∂h = δ Uᵀ, ∂L/∂c = δc' ⊙ f
//! ```

use nalgebra::SVector;
use rand::Rng;

use super::weights::{add_outer, dot_row};
use super::{InlineSteps, LstmState, Recurrent, RecurrentStorage, RecurrentWeights};
use crate::activation::{Sigmoid, Tanh};
use crate::layer::{LayerGradient, LayerKind};
use crate::{Initializer, Scalar, TensorInfo};

/// Keras 3's `LSTM(units)`: gates `i` (input), `f` (forget), `c` (cell candidate `g`) and `o`
/// (output), in that order in the kernels (PyTorch's `i, f, g, o`), and one bias row:
///
/// `i = σ(a_i)`, `f = σ(a_f)`, `g = tanh(a_c)`, `o = σ(a_o)` with `a = x W + h U + b`;
/// `c' = f ⊙ c + i ⊙ g`, `h' = o ⊙ tanh(c')`, from `h = c = 0`.
///
/// The training pass keeps [`TRACE`](Recurrent::TRACE) `= 5·UNITS` values per step: `i`, `f`,
/// `g`, `o` and the new cell state `c'`, `UNITS` each in that order.
///
/// # Examples
///
/// ```
/// use nalgebra::vector;
/// use nnet_core::layer::{Lstm, Recurrent};
///
/// // Zero weights: every gate is ½ and g = 0, so the state stays zero.
/// let mut lstm: Lstm<1, 1> = Lstm::zeroed();
/// lstm.weights.bias[0][2][0] = 1.0; // bias of the cell candidate: g = tanh 1
/// let mut state = Default::default();
/// lstm.step(&mut state, &vector![0.0]);
/// let c = 0.5 * 1.0_f32.tanh();
/// assert!((state.c[0] - c).abs() < 1e-6);
/// assert!((state.h[0] - 0.5 * c.tanh()).abs() < 1e-6);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lstm<const IN: usize, const UNITS: usize, W = RecurrentWeights<IN, UNITS, 4, 1>> {
    /// `kernel` `[W_i, W_f, W_c, W_o]`, `recurrent_kernel` `[U_i, U_f, U_c, U_o]` and `bias`
    /// `[b_i, b_f, b_c, b_o]`.
    pub weights: W,
}

impl<
    const IN: usize,
    const UNITS: usize,
    T: Scalar,
    W: RecurrentStorage<IN, UNITS, 4, 1, Scalar = T> + LayerGradient<T>,
> Lstm<IN, UNITS, W>
{
    /// A layer with all weights zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::layer::Lstm;
    ///
    /// let lstm: Lstm<2, 3> = Lstm::zeroed();
    /// assert!(lstm.weights.bias[0].iter().all(|b| b.sum() == 0.0));
    /// ```
    pub fn zeroed() -> Self {
        Self {
            weights: W::zeroed(),
        }
    }

    /// A layer initialized as Keras initializes it: the kernel from `init` (fans `IN` and
    /// `4·UNITS`), the recurrent kernel from `recurrent_init` (fans `UNITS` and `4·UNITS`), then
    /// the bias as Keras's `unit_forget_bias` builds it, `[bias_init(UNITS), ones(UNITS),
    /// bias_init(2·UNITS)]`: the input gate's block from `bias_init` (fans `UNITS`), the forget
    /// gate's 1, the cell and output gates' blocks from `bias_init` (fans `2·UNITS`).
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::Initializer;
    /// use nnet_core::layer::Lstm;
    /// use rand::SeedableRng;
    ///
    /// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    /// let lstm: Lstm<2, 3> = Lstm::initialized(
    ///     Initializer::GlorotUniform,
    ///     Initializer::Orthogonal,
    ///     Initializer::Zeros,
    ///     &mut rng,
    /// );
    /// let [b_i, b_f, b_c, b_o] = lstm.weights.bias[0];
    /// assert_eq!(b_f.sum(), 3.0);
    /// assert_eq!(b_i.sum() + b_c.sum() + b_o.sum(), 0.0);
    /// ```
    pub fn initialized<R: Rng + ?Sized>(
        init: Initializer,
        recurrent_init: Initializer,
        bias_init: Initializer,
        rng: &mut R,
    ) -> Self {
        // `zeros` draws nothing, so the bias's draws follow the kernels' as in Keras.
        let mut storage = W::zeroed();
        // In place: on the heap for heap storage, with the draws of the inline weights.
        storage
            .parts_mut()
            .initialize(init, recurrent_init, Initializer::Zeros, rng);
        // The bias's blocks `i`, `f`, `c`, `o` lie in that order, `UNITS` values each.
        let (b_i, rest) = storage.parts_mut().bias_values_mut().split_at_mut(UNITS);
        let (b_f, b_co) = rest.split_at_mut(UNITS);
        bias_init.fill(b_i, UNITS, UNITS, rng);
        b_f.fill(T::one());
        bias_init.fill(b_co, 2 * UNITS, 2 * UNITS, rng);
        Self { weights: storage }
    }

    /// One step's gates `[i, f, g, o]` from input `x` and state `h`.
    #[inline(always)]
    fn gates(&self, x: &[T], h: &SVector<T, UNITS>) -> [SVector<T, UNITS>; 4] {
        let w = self.weights.parts();
        let mut a = w.bias[0];
        w.add_products(x, h.as_slice(), &mut a, None);
        // Flat loops over the gates' values (`i` and `f` side by side).
        {
            let values: &mut [T] = bytemuck::cast_slice_mut(&mut a[..]);
            let (i_f, rest) = values.split_at_mut(2 * UNITS);
            let (c, o) = rest.split_at_mut(UNITS);
            for v in i_f.iter_mut() {
                *v = Sigmoid.value(*v);
            }
            for v in o.iter_mut() {
                *v = Sigmoid.value(*v);
            }
            for v in c.iter_mut() {
                *v = Tanh.value(*v);
            }
        }
        a
    }
}

/// `c' = f ⊙ c + i ⊙ g` and `h' = o ⊙ tanh(c')`: the next state from the gates.
#[inline(always)]
fn advance<const UNITS: usize, T: Scalar>(
    [i, f, g, o]: &[SVector<T, UNITS>; 4],
    c: &SVector<T, UNITS>,
) -> LstmState<UNITS, T> {
    let mut next = LstmState {
        h: SVector::zeros(),
        c: *c,
    };
    // Over slices: nalgebra's element iterators are strided and do not vectorize.
    let (f, i, g, o) = (f.as_slice(), i.as_slice(), g.as_slice(), o.as_slice());
    for (((c, &f), &i), &g) in next.c.as_mut_slice().iter_mut().zip(f).zip(i).zip(g) {
        *c = f * *c + i * g;
    }
    for ((h, &o), &c) in next
        .h
        .as_mut_slice()
        .iter_mut()
        .zip(o)
        .zip(next.c.as_slice())
    {
        *h = o * Tanh.value(c);
    }
    next
}

impl<
    const IN: usize,
    const UNITS: usize,
    T: Scalar,
    W: RecurrentStorage<IN, UNITS, 4, 1, Scalar = T> + LayerGradient<T> + InlineSteps,
> Recurrent<IN, UNITS, T> for Lstm<IN, UNITS, W>
{
    const KIND: LayerKind = LayerKind::Lstm;
    const TENSORS: usize = 3;
    const TRAINABLE: usize = RecurrentWeights::<IN, UNITS, 4, 1, T>::PARAMS;
    const TRACE: usize = 5 * UNITS;
    type State = LstmState<UNITS, T>;
    type Gradient = W;

    fn tensor_info(index: usize) -> Option<TensorInfo> {
        RecurrentWeights::<IN, UNITS, 4, 1, T>::tensor_info(index)
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
        let gates = self.gates(x.as_slice(), &state.h);
        *state = advance(&gates, &state.c);
    }

    fn forward_sequence_from(&self, x: &[T], initial: &Self::State, trace: &mut [T], h: &mut [T]) {
        // The same computation as `step`.
        let mut state = *initial;
        for t in 0..h.len() / UNITS {
            let gates = self.gates(&x[t * IN..(t + 1) * IN], &state.h);
            state = advance(&gates, &state.c);
            let trace = &mut trace[t * 5 * UNITS..(t + 1) * 5 * UNITS];
            for (k, v) in gates.iter().chain([&state.c]).enumerate() {
                trace[k * UNITS..(k + 1) * UNITS].copy_from_slice(v.as_slice());
            }
            h[t * UNITS..(t + 1) * UNITS].copy_from_slice(state.h.as_slice());
        }
    }

    fn final_state(&self, _: &[T], state: &mut Self::State, trace: &[T], h: &[T]) {
        if let (Some(last), Some(c)) = (h.len().checked_sub(UNITS), trace.len().checked_sub(UNITS))
        {
            state.h.copy_from_slice(&h[last..]);
            state.c.copy_from_slice(&trace[c..]);
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
        let grad = grad.parts_mut();
        let w = self.weights.parts();
        let vector = |values: &[T]| SVector::<T, UNITS>::from_column_slice(values);
        // Trace block `k` (`i`, `f`, `g`, `o`, `c`) of step `t`.
        let traced = |t: usize, k: usize| {
            let at = (5 * t + k) * UNITS;
            vector(&trace[at..at + UNITS])
        };
        // A zero initial `h` adds nothing to `∂U`: skipped, as before states were carried.
        let from_zero = initial.h.iter().all(|v| *v == T::zero());
        // ∂L/∂hₜ and ∂L/∂cₜ through the next step.
        let mut carry_h = SVector::<T, UNITS>::zeros();
        let mut carry_c = SVector::<T, UNITS>::zeros();
        for t in (0..h.len() / UNITS).rev() {
            let delta_h = carry_h + vector(&dh[t * UNITS..(t + 1) * UNITS]);
            let [i, f, g, o, c] = core::array::from_fn(|k| traced(t, k));
            let (h_prev, c_prev) = if t > 0 {
                (vector(&h[(t - 1) * UNITS..t * UNITS]), traced(t - 1, 4))
            } else {
                (initial.h, initial.c)
            };
            let tanh_c = c.map(|v| Tanh.value(v));

            let delta_c =
                carry_c + delta_h.zip_zip_map(&o, &tanh_c, |d, o, tc| d * o * (one - tc * tc));
            let delta = [
                delta_c.zip_zip_map(&g, &i, |d, g, i| d * g * i * (one - i)),
                delta_c.zip_zip_map(&c_prev, &f, |d, c, f| d * c * f * (one - f)),
                delta_c.zip_zip_map(&i, &g, |d, i, g| d * i * (one - g * g)),
                delta_h.zip_zip_map(&tanh_c, &o, |d, tc, o| d * tc * o * (one - o)),
            ];

            for (row, &xi) in grad.kernel.iter_mut().zip(&x[t * IN..(t + 1) * IN]) {
                add_outer(row, xi, &delta);
            }
            if t > 0 || !from_zero {
                for (row, &hk) in grad.recurrent_kernel.iter_mut().zip(h_prev.iter()) {
                    add_outer(row, hk, &delta);
                }
            }
            add_outer(&mut grad.bias[0], one, &delta);
            if !dx.is_empty() {
                let dxt = &mut dx[t * IN..(t + 1) * IN];
                for (d, row) in dxt.iter_mut().zip(w.kernel.iter()) {
                    *d = dot_row(row, &delta);
                }
            }
            for (ch, row) in carry_h.iter_mut().zip(w.recurrent_kernel.iter()) {
                *ch = dot_row(row, &delta);
            }
            carry_c = delta_c.component_mul(&f);
        }
    }
}
