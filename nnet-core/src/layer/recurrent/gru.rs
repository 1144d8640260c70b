//! `gru N`: Keras 3's `GRU` with `reset_after = true` (its default, and cuDNN's and PyTorch's
//! formulation).
//!
//! With `σ` the logistic sigmoid, `⊙` the element-wise product, input biases `b` and
//! recurrent biases `b̃`:
//!
//! ```text
//! z  = σ(x W_z + b_z + h U_z + b̃_z)                update gate
//! r  = σ(x W_r + b_r + h U_r + b̃_r)                reset gate
//! ĥ  = tanh(x W_h + b_h + r ⊙ (h U_h + b̃_h))       candidate
//! h' = z ⊙ h + (1 − z) ⊙ ĥ
//! ```
//!
//! Backward, from `δh = ∂L/∂h'` (with `a(1 − a)` and `1 − a²` the derivatives of `σ` and
//! `tanh` at their value `a`):
//!
//! ```text
//! δĥ = δh ⊙ (1 − z) ⊙ (1 − ĥ²)          pre-activation of the candidate
//! δz = δh ⊙ (h − ĥ) ⊙ z (1 − z)
//! δr = δĥ ⊙ (h U_h + b̃_h) ⊙ r (1 − r)
//! input side [δz, δr, δĥ]: ∂W += xᵀ δ, ∂b += δ, ∂x = δ Wᵀ
//! recurrent side [δz, δr, r ⊙ δĥ]: ∂U += hᵀ δ̃, ∂b̃ += δ̃
//! ∂L/∂h = δh ⊙ z + δ̃ Uᵀ
//! ```

use nalgebra::SVector;
use rand::Rng;

use super::weights::{add_outer, dot_row};
use super::{HiddenState, InlineSteps, Recurrent, RecurrentStorage, RecurrentWeights};
use crate::activation::{Sigmoid, Tanh};
use crate::layer::{LayerGradient, LayerKind};
use crate::{Initializer, Scalar, TensorInfo};

/// Keras 3's `GRU(units)` (`reset_after = true`): gates `z` (update), `r` (reset) and the
/// candidate `ĥ`, in that order in the kernels, and two bias rows (input, recurrent):
///
/// `z = σ(x W_z + b_z + h U_z + b̃_z)`, `r = σ(x W_r + b_r + h U_r + b̃_r)`,
/// `ĥ = tanh(x W_h + b_h + r ⊙ (h U_h + b̃_h))`, `h' = z ⊙ h + (1 − z) ⊙ ĥ`, from `h = 0`.
///
/// The training pass keeps [`TRACE`](Recurrent::TRACE) `= 4·UNITS` values per step: `z`, `r`,
/// `ĥ` and the recurrent candidate term `h U_h + b̃_h`, `UNITS` each in that order.
///
/// # Examples
///
/// ```
/// use nalgebra::vector;
/// use nnet_core::layer::{Gru, Recurrent};
///
/// // With zero weights both gates are ½ and the candidate 0: h' = h / 2.
/// let mut gru: Gru<1, 1> = Gru::zeroed();
/// gru.weights.bias[0][2][0] = 1.0; // input bias of the candidate: ĥ = tanh 1
/// let mut state = Default::default();
/// gru.step(&mut state, &vector![0.0]);
/// assert!((state.h[0] - 0.5 * 1.0_f32.tanh()).abs() < 1e-6);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gru<const IN: usize, const UNITS: usize, W = RecurrentWeights<IN, UNITS, 3, 2>> {
    /// `kernel` `[W_z, W_r, W_h]`, `recurrent_kernel` `[U_z, U_r, U_h]`, and `bias`: row 0 the
    /// input biases `b`, row 1 the recurrent biases `b̃`.
    pub weights: W,
}

/// The four vectors of one step: `z`, `r`, `ĥ` and the recurrent candidate term
/// `h U_h + b̃_h` (the step's trace, in this order).
type Gates<const UNITS: usize, T> = [SVector<T, UNITS>; 4];

impl<
    const IN: usize,
    const UNITS: usize,
    T: Scalar,
    W: RecurrentStorage<IN, UNITS, 3, 2, Scalar = T> + LayerGradient<T>,
> Gru<IN, UNITS, W>
{
    /// A layer with all weights zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::layer::Gru;
    ///
    /// let gru: Gru<2, 3> = Gru::zeroed();
    /// assert!(gru.weights.bias[1].iter().all(|b| b.sum() == 0.0));
    /// ```
    pub fn zeroed() -> Self {
        Self {
            weights: W::zeroed(),
        }
    }

    /// A layer initialized as Keras initializes it: the kernel from `init` (fans `IN` and
    /// `3·UNITS`), the recurrent kernel from `recurrent_init` (fans `UNITS` and `3·UNITS`), then
    /// the bias from `bias_init` as Keras's `[2, 3·UNITS]` matrix (fans 2 and `3·UNITS`).
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::Initializer;
    /// use nnet_core::layer::Gru;
    /// use rand::SeedableRng;
    ///
    /// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    /// let gru: Gru<2, 4> = Gru::initialized(
    ///     Initializer::GlorotUniform,
    ///     Initializer::Orthogonal,
    ///     Initializer::Zeros,
    ///     &mut rng,
    /// );
    /// // Keras's recurrent kernel [4, 12] has orthonormal rows: unit k's row has norm 1.
    /// let row: f32 = gru.weights.recurrent_kernel[0].iter().map(|g| g.norm_squared()).sum();
    /// assert!((row - 1.0).abs() < 1e-5);
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
        // Row-major [2, 3·UNITS]: the input bias row, then the recurrent one.
        bias_init.fill(storage.parts_mut().bias_values_mut(), 2, 3 * UNITS, rng);
        Self { weights: storage }
    }

    /// One step's gates from input `x` and state `h`.
    #[inline(always)]
    fn gates(&self, x: &[T], h: &SVector<T, UNITS>) -> Gates<UNITS, T> {
        let w = self.weights.parts();
        let mut input = w.bias[0];
        let mut recurrent = w.bias[1];
        w.add_products(x, h.as_slice(), &mut input, Some(&mut recurrent));
        // z and r in one flat loop over 2·UNITS values (packed, like the products).
        let mut gates = [input[0], input[1]];
        {
            let gates: &mut [T] = bytemuck::cast_slice_mut(&mut gates[..]);
            let recurrent: &[T] = bytemuck::cast_slice(&recurrent[..2]);
            if padded::<T>(gates.len()) {
                let mut sums = [T::zero(); VECTOR_LOOP];
                for ((s, &g), &h) in sums.iter_mut().zip(gates.iter()).zip(recurrent) {
                    *s = g + h;
                }
                for s in sums.iter_mut() {
                    *s = Sigmoid.value(*s);
                }
                gates.copy_from_slice(&sums[..gates.len()]);
            } else {
                for (g, &h) in gates.iter_mut().zip(recurrent) {
                    *g = Sigmoid.value(*g + h);
                }
            }
        }
        let [z, r] = gates;
        let h_h = recurrent[2];
        // Over slices: nalgebra's element iterators are strided and do not vectorize.
        let mut candidate = input[2];
        let values = candidate
            .as_mut_slice()
            .iter_mut()
            .zip(r.as_slice())
            .zip(h_h.as_slice());
        if padded::<T>(UNITS) {
            let mut sums = [T::zero(); VECTOR_LOOP];
            for (s, ((&mut c, &r), &h)) in sums.iter_mut().zip(values) {
                *s = c + r * h;
            }
            for s in sums.iter_mut() {
                *s = Tanh.value(*s);
            }
            candidate.as_mut_slice().copy_from_slice(&sums[..UNITS]);
        } else {
            for ((c, &r), &h) in values {
                *c = Tanh.value(*c + r * h);
            }
        }
        [z, r, candidate, h_h]
    }
}

/// Values a gate loop of a small `f32` layer is padded to: the compiler's loop vectorizer
/// leaves loops of fewer than 16 iterations alone, and then a `gru 4`'s 8 logistic and 4 `tanh`
/// values ran one at a time (each `e^x` behind a branch), slower than 16 values in two AVX2
/// registers. The padding values are zero and thrown away; the others get the same bits.
const VECTOR_LOOP: usize = 16;

/// Whether a gate loop of `len` values runs padded to [`VECTOR_LOOP`]: in `f32` (whose gates
/// vectorize), below it. Constant for each layer type.
#[inline(always)]
fn padded<T: Scalar>(len: usize) -> bool {
    len < VECTOR_LOOP && core::any::TypeId::of::<T>() == core::any::TypeId::of::<f32>()
}

/// `h' = z ⊙ h + (1 − z) ⊙ ĥ`.
#[inline(always)]
fn blend<const UNITS: usize, T: Scalar>(
    z: &SVector<T, UNITS>,
    h: &SVector<T, UNITS>,
    candidate: &SVector<T, UNITS>,
) -> SVector<T, UNITS> {
    let mut next = *h;
    for ((h, &z), &c) in next
        .as_mut_slice()
        .iter_mut()
        .zip(z.as_slice())
        .zip(candidate.as_slice())
    {
        *h = z * *h + (T::one() - z) * c;
    }
    next
}

impl<
    const IN: usize,
    const UNITS: usize,
    T: Scalar,
    W: RecurrentStorage<IN, UNITS, 3, 2, Scalar = T> + LayerGradient<T> + InlineSteps,
> Recurrent<IN, UNITS, T> for Gru<IN, UNITS, W>
{
    const KIND: LayerKind = LayerKind::Gru;
    const TENSORS: usize = 3;
    const TRAINABLE: usize = RecurrentWeights::<IN, UNITS, 3, 2, T>::PARAMS;
    const TRACE: usize = 4 * UNITS;
    type State = HiddenState<UNITS, T>;
    type Gradient = W;

    fn tensor_info(index: usize) -> Option<TensorInfo> {
        RecurrentWeights::<IN, UNITS, 3, 2, T>::tensor_info(index)
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
        let [z, _, candidate, _] = self.gates(x.as_slice(), &state.h);
        state.h = blend(&z, &state.h, &candidate);
    }

    fn forward_sequence_from(&self, x: &[T], initial: &Self::State, trace: &mut [T], h: &mut [T]) {
        // The same computation as `step`.
        let mut state = initial.h;
        for t in 0..h.len() / UNITS {
            let gates = self.gates(&x[t * IN..(t + 1) * IN], &state);
            let trace = &mut trace[t * 4 * UNITS..(t + 1) * 4 * UNITS];
            for (k, gate) in gates.iter().enumerate() {
                trace[k * UNITS..(k + 1) * UNITS].copy_from_slice(gate.as_slice());
            }
            let [z, _, candidate, _] = &gates;
            state = blend(z, &state, candidate);
            h[t * UNITS..(t + 1) * UNITS].copy_from_slice(state.as_slice());
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
        let one = T::one();
        let grad = grad.parts_mut();
        let w = self.weights.parts();
        let vector = |values: &[T]| SVector::<T, UNITS>::from_column_slice(values);
        // A zero initial state adds nothing to `∂U`: skipped, as before states were carried.
        let from_zero = initial.h.iter().all(|v| *v == T::zero());
        // ∂L/∂hₜ through the next step.
        let mut carry = SVector::<T, UNITS>::zeros();
        for t in (0..h.len() / UNITS).rev() {
            let delta_h = carry + vector(&dh[t * UNITS..(t + 1) * UNITS]);
            let step = &trace[t * 4 * UNITS..(t + 1) * 4 * UNITS];
            let [z, r, candidate, h_h] =
                core::array::from_fn(|k| vector(&step[k * UNITS..(k + 1) * UNITS]));
            let previous = if t > 0 {
                vector(&h[(t - 1) * UNITS..t * UNITS])
            } else {
                initial.h
            };

            let d_candidate =
                delta_h.zip_zip_map(&z, &candidate, |d, z, c| d * (one - z) * (one - c * c));
            let d_z = delta_h.zip_zip_map(&(previous - candidate), &z, |d, diff, z| {
                d * diff * z * (one - z)
            });
            let d_r = d_candidate.zip_zip_map(&h_h, &r, |d, h, r| d * h * r * (one - r));
            let input_delta = [d_z, d_r, d_candidate];
            let recurrent_delta = [d_z, d_r, d_candidate.component_mul(&r)];

            for (row, &xi) in grad.kernel.iter_mut().zip(&x[t * IN..(t + 1) * IN]) {
                add_outer(row, xi, &input_delta);
            }
            add_outer(&mut grad.bias[0], one, &input_delta);
            if t > 0 || !from_zero {
                for (row, &hk) in grad.recurrent_kernel.iter_mut().zip(previous.iter()) {
                    add_outer(row, hk, &recurrent_delta);
                }
            }
            add_outer(&mut grad.bias[1], one, &recurrent_delta);
            if !dx.is_empty() {
                let dxt = &mut dx[t * IN..(t + 1) * IN];
                for (d, row) in dxt.iter_mut().zip(w.kernel.iter()) {
                    *d = dot_row(row, &input_delta);
                }
            }
            carry = delta_h.component_mul(&z);
            for (c, row) in carry.iter_mut().zip(w.recurrent_kernel.iter()) {
                *c += dot_row(row, &recurrent_delta);
            }
        }
    }
}
