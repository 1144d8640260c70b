//! The tensors of a recurrent layer, shared by every kind: `kernel`, `recurrent_kernel` and
//! `bias`, with the gates side by side as Keras lays them out.

use nalgebra::SVector;
use rand::Rng;

use crate::layer::LayerGradient;
use crate::{Initializer, Scalar, TensorInfo};

/// The `kernel`, `recurrent_kernel` and `bias` of a recurrent layer with `GATES` gates of
/// `UNITS` units over `IN` inputs, and `BIASES` bias rows (two for a GRU, one otherwise).
///
/// `kernel[i][g]` holds the weights from input `i` to the units of gate `g`, and
/// `recurrent_kernel[k][g]` those from unit `k` of the previous state: the memory order of
/// Keras's `kernel` `[IN, GATES·UNITS]` and `recurrent_kernel` `[UNITS, GATES·UNITS]`
/// (row-major), and of `bias` `[BIASES, GATES·UNITS]`. As a tensor (column-major, like a dense
/// layer's weights) the kernel is a `GATES·UNITS × IN` matrix, saved as `[GATES·UNITS, IN]`:
/// the transpose of Keras's shape, and the shape of PyTorch's `weight_ih_l0`.
///
/// The same type is the layer's gradient.
///
/// # Examples
///
/// ```
/// use nnet_core::layer::RecurrentWeights;
///
/// // An LSTM of 2 units over 3 inputs: 4 gates.
/// let mut w = RecurrentWeights::<3, 2, 4, 1>::zeroed();
/// w.kernel[1][3][0] = 1.5; // input 1 → unit 0 of gate `o`
/// assert_eq!(w.kernel_values()[8 + 6], 1.5);
/// assert_eq!(w.kernel_values().len(), 3 * 8);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecurrentWeights<
    const IN: usize,
    const UNITS: usize,
    const GATES: usize,
    const BIASES: usize,
    T: Scalar = f32,
> {
    /// Input weights: `kernel[i][g]` from input `i` to the units of gate `g`.
    pub kernel: [[SVector<T, UNITS>; GATES]; IN],
    /// Recurrent weights: `recurrent_kernel[k][g]` from unit `k` of the previous state to the
    /// units of gate `g`.
    pub recurrent_kernel: [[SVector<T, UNITS>; GATES]; UNITS],
    /// Biases: `bias[0][g]` (and, for a GRU, the recurrent bias `bias[1][g]`).
    pub bias: [[SVector<T, UNITS>; GATES]; BIASES],
}

impl<const IN: usize, const UNITS: usize, const GATES: usize, const BIASES: usize, T: Scalar>
    RecurrentWeights<IN, UNITS, GATES, BIASES, T>
{
    /// Number of tensors.
    pub const TENSORS: usize = 3;
    /// Number of values.
    pub const PARAMS: usize = (IN + UNITS + BIASES) * GATES * UNITS;

    /// All zeros.
    pub fn zeroed() -> Self {
        Self {
            kernel: [[SVector::zeros(); GATES]; IN],
            recurrent_kernel: [[SVector::zeros(); GATES]; UNITS],
            bias: [[SVector::zeros(); GATES]; BIASES],
        }
    }

    /// Weights drawn as Keras draws them: the kernel from `init` (fans `IN` and
    /// `GATES·UNITS`), the recurrent kernel from `recurrent_init` (fans `UNITS` and
    /// `GATES·UNITS`), the bias from `bias_init`, in that order.
    pub fn initialized<R: Rng + ?Sized>(
        init: Initializer,
        recurrent_init: Initializer,
        bias_init: Initializer,
        rng: &mut R,
    ) -> Self {
        let mut w = Self::zeroed();
        w.initialize(init, recurrent_init, bias_init, rng);
        w
    }

    /// [`initialized`](Self::initialized) in place (for weights on the heap).
    pub fn initialize<R: Rng + ?Sized>(
        &mut self,
        init: Initializer,
        recurrent_init: Initializer,
        bias_init: Initializer,
        rng: &mut R,
    ) {
        let width = GATES * UNITS;
        init.fill(self.kernel_values_mut(), IN, width, rng);
        recurrent_init.fill(self.recurrent_kernel_values_mut(), UNITS, width, rng);
        bias_init.fill(self.bias_values_mut(), width, width, rng);
    }

    /// The kernel's values, column-major `GATES·UNITS × IN`.
    pub fn kernel_values(&self) -> &[T] {
        bytemuck::cast_slice(&self.kernel[..])
    }
    /// The kernel's values, mutably.
    pub fn kernel_values_mut(&mut self) -> &mut [T] {
        bytemuck::cast_slice_mut(&mut self.kernel[..])
    }
    /// The recurrent kernel's values, column-major `GATES·UNITS × UNITS`.
    pub fn recurrent_kernel_values(&self) -> &[T] {
        bytemuck::cast_slice(&self.recurrent_kernel[..])
    }
    /// The recurrent kernel's values, mutably.
    pub fn recurrent_kernel_values_mut(&mut self) -> &mut [T] {
        bytemuck::cast_slice_mut(&mut self.recurrent_kernel[..])
    }
    /// The bias's values, column-major `GATES·UNITS × BIASES`.
    pub fn bias_values(&self) -> &[T] {
        bytemuck::cast_slice(&self.bias[..])
    }
    /// The bias's values, mutably.
    pub fn bias_values_mut(&mut self) -> &mut [T] {
        bytemuck::cast_slice_mut(&mut self.bias[..])
    }

    /// Name, shape and role of tensor `index`: `kernel` `[GATES·UNITS, IN]`,
    /// `recurrent_kernel` `[GATES·UNITS, UNITS]`, `bias` `[GATES·UNITS]` (`[GATES·UNITS, 2]`
    /// for two bias rows).
    pub fn tensor_info(index: usize) -> Option<TensorInfo> {
        let width = GATES * UNITS;
        match index {
            0 => Some(TensorInfo::matrix("", "kernel", width, IN)),
            1 => Some(TensorInfo::matrix("", "recurrent_kernel", width, UNITS)),
            2 if BIASES == 1 => Some(TensorInfo::vector("", "bias", width)),
            2 => Some(TensorInfo::matrix("", "bias", width, BIASES)),
            _ => None,
        }
    }

    /// The values of tensor `index`, or an empty slice.
    pub fn tensor(&self, index: usize) -> &[T] {
        match index {
            0 => self.kernel_values(),
            1 => self.recurrent_kernel_values(),
            2 => self.bias_values(),
            _ => &[],
        }
    }

    /// The values of tensor `index` mutably, or an empty slice.
    pub fn tensor_mut(&mut self, index: usize) -> &mut [T] {
        match index {
            0 => self.kernel_values_mut(),
            1 => self.recurrent_kernel_values_mut(),
            2 => self.bias_values_mut(),
            _ => &mut [],
        }
    }

    /// `acc[g] += Σᵢ x[i] · kernel[i][g]`: the input's contribution to every gate.
    #[inline(always)]
    pub fn add_input(&self, x: &[T], acc: &mut [SVector<T, UNITS>; GATES]) {
        for (row, &xi) in self.kernel.iter().zip(x) {
            add_row(row, xi, acc);
        }
    }

    /// `acc[g] += Σₖ h[k] · recurrent_kernel[k][g]`: the previous state's contribution.
    #[inline(always)]
    pub fn add_recurrent(&self, h: &[T], acc: &mut [SVector<T, UNITS>; GATES]) {
        for (row, &hk) in self.recurrent_kernel.iter().zip(h) {
            add_row(row, hk, acc);
        }
    }
}

/// `acc[g] += scale · row[g]` for every gate: one loop over the `GATES·UNITS` values end to
/// end, which the compiler turns into packed multiply-adds (nested loops over the gates and
/// units came out one float at a time for an LSTM of 40 units).
#[inline(always)]
fn add_row<const UNITS: usize, const GATES: usize, T: Scalar>(
    row: &[SVector<T, UNITS>; GATES],
    scale: T,
    acc: &mut [SVector<T, UNITS>; GATES],
) {
    let acc: &mut [T] = bytemuck::cast_slice_mut(&mut acc[..]);
    let row: &[T] = bytemuck::cast_slice(&row[..]);
    for (a, &w) in acc.iter_mut().zip(row) {
        *a += scale * w;
    }
}

/// `row[g] += scale · delta[g]`: the gradient of one row of a kernel.
#[inline(always)]
pub(crate) fn add_outer<const UNITS: usize, const GATES: usize, T: Scalar>(
    row: &mut [SVector<T, UNITS>; GATES],
    scale: T,
    delta: &[SVector<T, UNITS>; GATES],
) {
    // One flat loop, as in `add_row`.
    let row: &mut [T] = bytemuck::cast_slice_mut(&mut row[..]);
    let delta: &[T] = bytemuck::cast_slice(&delta[..]);
    for (r, &d) in row.iter_mut().zip(delta) {
        *r += scale * d;
    }
}

/// `Σ_g row[g] · delta[g]`: the gradient with respect to the input (or state unit) of one row.
#[inline(always)]
pub(crate) fn dot_row<const UNITS: usize, const GATES: usize, T: Scalar>(
    row: &[SVector<T, UNITS>; GATES],
    delta: &[SVector<T, UNITS>; GATES],
) -> T {
    // Eight partial sums, so that the products go in packed registers (a single running sum
    // must add in order, one float at a time).
    let row: &[T] = bytemuck::cast_slice(&row[..]);
    let delta: &[T] = bytemuck::cast_slice(&delta[..]);
    let mut sums = [T::zero(); 8];
    let (row_blocks, row_tail) = row.split_at(row.len() / 8 * 8);
    let (delta_blocks, delta_tail) = delta.split_at(row_blocks.len());
    for (w, d) in row_blocks.chunks_exact(8).zip(delta_blocks.chunks_exact(8)) {
        for ((s, &w), &d) in sums.iter_mut().zip(w).zip(d) {
            *s += w * d;
        }
    }
    let tail: T = row_tail.iter().zip(delta_tail).map(|(&w, &d)| w * d).sum();
    sums.iter().copied().sum::<T>() + tail
}

/// Where a recurrent layer keeps its [`RecurrentWeights`]: inline (the type itself, so that a
/// network can be a `const`) or on the heap (`Box<RecurrentWeights<..>>`, which `network!` picks
/// once a network's inline weights pass 64 KiB, as for dense layers), so that no large value
/// sits on the stack. The same type holds the layer's gradient.
///
/// # Examples
///
/// ```
/// use nnet_core::layer::{Gru, RecurrentWeights};
///
/// let inline: Gru<2, 3> = Gru::zeroed();
/// let boxed: Gru<2, 3, Box<RecurrentWeights<2, 3, 3, 2>>> = Gru::zeroed();
/// assert_eq!(inline.weights, *boxed.weights);
/// ```
pub trait RecurrentStorage<
    const IN: usize,
    const UNITS: usize,
    const GATES: usize,
    const BIASES: usize,
>: Clone + core::fmt::Debug + PartialEq + Send + Sync
{
    /// The number type of the weights.
    type Scalar: Scalar;
    /// The weights.
    fn weights(&self) -> &RecurrentWeights<IN, UNITS, GATES, BIASES, Self::Scalar>;
    /// The weights, mutably.
    fn weights_mut(&mut self) -> &mut RecurrentWeights<IN, UNITS, GATES, BIASES, Self::Scalar>;
}

impl<const IN: usize, const UNITS: usize, const GATES: usize, const BIASES: usize, T: Scalar>
    RecurrentStorage<IN, UNITS, GATES, BIASES> for RecurrentWeights<IN, UNITS, GATES, BIASES, T>
{
    type Scalar = T;
    #[inline(always)]
    fn weights(&self) -> &RecurrentWeights<IN, UNITS, GATES, BIASES, T> {
        self
    }
    #[inline(always)]
    fn weights_mut(&mut self) -> &mut RecurrentWeights<IN, UNITS, GATES, BIASES, T> {
        self
    }
}

#[cfg(feature = "std")]
impl<const IN: usize, const UNITS: usize, const GATES: usize, const BIASES: usize, T: Scalar>
    RecurrentStorage<IN, UNITS, GATES, BIASES>
    for Box<RecurrentWeights<IN, UNITS, GATES, BIASES, T>>
{
    type Scalar = T;
    #[inline(always)]
    fn weights(&self) -> &RecurrentWeights<IN, UNITS, GATES, BIASES, T> {
        self
    }
    #[inline(always)]
    fn weights_mut(&mut self) -> &mut RecurrentWeights<IN, UNITS, GATES, BIASES, T> {
        self
    }
}

/// [`RecurrentWeights`] on the heap: the storage `network!` gives recurrent layers past a
/// network's 64 KiB of inline weights.
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub type HeapRecurrentWeights<
    const IN: usize,
    const UNITS: usize,
    const GATES: usize,
    const BIASES: usize,
    T = f32,
> = Box<RecurrentWeights<IN, UNITS, GATES, BIASES, T>>;

#[cfg(feature = "std")]
impl<const IN: usize, const UNITS: usize, const GATES: usize, const BIASES: usize, T: Scalar>
    LayerGradient<T> for Box<RecurrentWeights<IN, UNITS, GATES, BIASES, T>>
{
    fn zeroed() -> Self {
        Box::new(RecurrentWeights::zeroed())
    }
    fn tensor(&self, index: usize) -> &[T] {
        RecurrentWeights::tensor(self, index)
    }
    fn tensor_mut(&mut self, index: usize) -> &mut [T] {
        RecurrentWeights::tensor_mut(self, index)
    }
}

impl<const IN: usize, const UNITS: usize, const GATES: usize, const BIASES: usize, T: Scalar>
    LayerGradient<T> for RecurrentWeights<IN, UNITS, GATES, BIASES, T>
{
    fn zeroed() -> Self {
        Self::zeroed()
    }
    fn tensor(&self, index: usize) -> &[T] {
        RecurrentWeights::tensor(self, index)
    }
    fn tensor_mut(&mut self, index: usize) -> &mut [T] {
        RecurrentWeights::tensor_mut(self, index)
    }
}
