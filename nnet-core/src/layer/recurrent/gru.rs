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
        activate::<T>(
            bytemuck::cast_slice_mut(&mut input[..]),
            bytemuck::cast_slice(&recurrent[..]),
        );
        let [z, r, candidate] = input;
        [z, r, candidate, recurrent[2]]
    }
}

/// A GRU step's gates from their pre-activations, over slices (the inline and the heap layers
/// alike): `input` holds `x W + b` and `recurrent` `h U + b̃` for `[z, r, ĥ]`, `UNITS` values
/// each; `z = σ(input_z + recurrent_z)`, `r = σ(input_r + recurrent_r)` and
/// `ĥ = tanh(input_h + r ⊙ recurrent_h)` are written over `input`.
#[inline(always)]
pub(super) fn activate<T: Scalar>(input: &mut [T], recurrent: &[T]) {
    let units = input.len() / 3;
    let (zr, candidate) = input.split_at_mut(2 * units);
    // z and r in one flat loop over 2·UNITS values (packed, like the products).
    let sigmoid = |v| Sigmoid.value(v);
    activate_sums(zr, recurrent.iter().copied(), sigmoid);
    let (r, h_h) = (&zr[units..], &recurrent[2 * units..]);
    let terms = r.iter().zip(h_h).map(|(&r, &h)| r * h);
    activate_sums(candidate, terms, |v| Tanh.value(v));
}

/// `v ← f(v + term)` for each of `values` and its term, a gate's activation: in a small `f32`
/// layer padded to [`VECTOR_LOOP`] values, so that the loop of `f` vectorizes.
#[inline(always)]
fn activate_sums<T: Scalar>(values: &mut [T], terms: impl Iterator<Item = T>, f: impl Fn(T) -> T) {
    if padded::<T>(values.len()) {
        let mut sums = [T::zero(); VECTOR_LOOP];
        for ((s, &v), term) in sums.iter_mut().zip(values.iter()).zip(terms) {
            *s = v + term;
        }
        for s in sums.iter_mut() {
            *s = f(*s);
        }
        values.copy_from_slice(&sums[..values.len()]);
    } else {
        for (v, term) in values.iter_mut().zip(terms) {
            *v = f(*v + term);
        }
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

/// `h ← z ⊙ h + (1 − z) ⊙ ĥ` in place (`h` the previous state, or zeros), over slices.
#[inline(always)]
pub(super) fn blend<T: Scalar>(z: &[T], candidate: &[T], h: &mut [T]) {
    for ((h, &z), &c) in h.iter_mut().zip(z).zip(candidate) {
        *h = z * *h + (T::one() - z) * c;
    }
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
        let mut next = state.h;
        blend(z.as_slice(), candidate.as_slice(), next.as_mut_slice());
        state.h = next;
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
            blend(z.as_slice(), candidate.as_slice(), state.as_mut_slice());
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
