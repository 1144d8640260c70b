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

    /// [`initialized`](Self::initialized) in place.
    pub fn initialize<R: Rng + ?Sized>(
        &mut self,
        init: Initializer,
        recurrent_init: Initializer,
        bias_init: Initializer,
        rng: &mut R,
    ) {
        self.parts_mut()
            .initialize(init, recurrent_init, bias_init, rng);
    }

    /// The three tensors, borrowed.
    #[inline(always)]
    pub fn parts(&self) -> RecurrentParts<'_, IN, UNITS, GATES, BIASES, T> {
        RecurrentParts {
            kernel: &self.kernel,
            recurrent_kernel: &self.recurrent_kernel,
            bias: &self.bias,
        }
    }

    /// The three tensors, borrowed mutably.
    #[inline(always)]
    pub fn parts_mut(&mut self) -> RecurrentPartsMut<'_, IN, UNITS, GATES, BIASES, T> {
        RecurrentPartsMut {
            kernel: &mut self.kernel,
            recurrent_kernel: &mut self.recurrent_kernel,
            bias: &mut self.bias,
        }
    }

    /// The kernel's values, column-major `GATES·UNITS × IN`.
    pub fn kernel_values(&self) -> &[T] {
        self.parts().kernel_values()
    }
    /// The kernel's values, mutably.
    pub fn kernel_values_mut(&mut self) -> &mut [T] {
        self.parts_mut().kernel_values_mut()
    }
    /// The recurrent kernel's values, column-major `GATES·UNITS × UNITS`.
    pub fn recurrent_kernel_values(&self) -> &[T] {
        self.parts().recurrent_kernel_values()
    }
    /// The recurrent kernel's values, mutably.
    pub fn recurrent_kernel_values_mut(&mut self) -> &mut [T] {
        self.parts_mut().recurrent_kernel_values_mut()
    }
    /// The bias's values, column-major `GATES·UNITS × BIASES`.
    pub fn bias_values(&self) -> &[T] {
        self.parts().bias_values()
    }
    /// The bias's values, mutably.
    pub fn bias_values_mut(&mut self) -> &mut [T] {
        self.parts_mut().bias_values_mut()
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
        self.parts().tensor(index)
    }

    /// The values of tensor `index` mutably, or an empty slice.
    pub fn tensor_mut(&mut self, index: usize) -> &mut [T] {
        self.parts_mut().tensor_mut(index)
    }

    /// `acc[g] += Σᵢ x[i] · kernel[i][g]`: the input's contribution to every gate.
    #[inline(always)]
    pub fn add_input(&self, x: &[T], acc: &mut [SVector<T, UNITS>; GATES]) {
        self.parts().add_input(x, acc);
    }

    /// `acc[g] += Σₖ h[k] · recurrent_kernel[k][g]`: the previous state's contribution.
    #[inline(always)]
    pub fn add_recurrent(&self, h: &[T], acc: &mut [SVector<T, UNITS>; GATES]) {
        self.parts().add_recurrent(h, acc);
    }
}

/// The `kernel`, `recurrent_kernel` and `bias` of a recurrent layer, borrowed from its storage
/// (inline [`RecurrentWeights`] or [`HeapRecurrentWeights`]): what the layers compute with.
///
/// # Examples
///
/// ```
/// use nnet_core::layer::RecurrentWeights;
///
/// let mut w = RecurrentWeights::<1, 2, 1, 1>::zeroed();
/// w.bias[0][0][1] = 0.5;
/// w.kernel[0][0][1] = 1.0;
/// let mut acc = w.bias[0];
/// w.parts().add_input(&[2.0], &mut acc);
/// assert_eq!(acc[0][1], 2.5);
/// assert_eq!(w.parts().bias_values(), &[0.0, 0.5]);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RecurrentParts<
    'a,
    const IN: usize,
    const UNITS: usize,
    const GATES: usize,
    const BIASES: usize,
    T: Scalar = f32,
> {
    /// Input weights: `kernel[i][g]` from input `i` to the units of gate `g`.
    pub kernel: &'a [[SVector<T, UNITS>; GATES]; IN],
    /// Recurrent weights: `recurrent_kernel[k][g]` from unit `k` of the previous state.
    pub recurrent_kernel: &'a [[SVector<T, UNITS>; GATES]; UNITS],
    /// Biases: `bias[0][g]` (and, for a GRU, the recurrent bias `bias[1][g]`).
    pub bias: &'a [[SVector<T, UNITS>; GATES]; BIASES],
}

impl<'a, const IN: usize, const UNITS: usize, const GATES: usize, const BIASES: usize, T: Scalar>
    RecurrentParts<'a, IN, UNITS, GATES, BIASES, T>
{
    /// The kernel's values, column-major `GATES·UNITS × IN`.
    pub fn kernel_values(self) -> &'a [T] {
        bytemuck::cast_slice(self.kernel.as_slice())
    }
    /// The recurrent kernel's values, column-major `GATES·UNITS × UNITS`.
    pub fn recurrent_kernel_values(self) -> &'a [T] {
        bytemuck::cast_slice(self.recurrent_kernel.as_slice())
    }
    /// The bias's values, column-major `GATES·UNITS × BIASES`.
    pub fn bias_values(self) -> &'a [T] {
        bytemuck::cast_slice(self.bias.as_slice())
    }
    /// The values of tensor `index` (`kernel`, `recurrent_kernel`, `bias`), or an empty slice.
    pub fn tensor(self, index: usize) -> &'a [T] {
        match index {
            0 => self.kernel_values(),
            1 => self.recurrent_kernel_values(),
            2 => self.bias_values(),
            _ => &[],
        }
    }

    /// `acc[g] += Σᵢ x[i] · kernel[i][g]`: the input's contribution to every gate.
    #[inline(always)]
    pub fn add_input(self, x: &[T], acc: &mut [SVector<T, UNITS>; GATES]) {
        super::product::add_products(self.kernel, x, self.recurrent_kernel, &[], acc, None);
    }

    /// `acc[g] += Σₖ h[k] · recurrent_kernel[k][g]`: the previous state's contribution.
    #[inline(always)]
    pub fn add_recurrent(self, h: &[T], acc: &mut [SVector<T, UNITS>; GATES]) {
        super::product::add_products(self.kernel, &[], self.recurrent_kernel, h, acc, None);
    }

    /// [`add_input`](Self::add_input) then [`add_recurrent`](Self::add_recurrent) in one pass
    /// over the accumulator, or, given `recurrent`, the state's contribution into it instead
    /// (a GRU's): the same sums, rounded the same way.
    #[inline(always)]
    pub(crate) fn add_products(
        self,
        x: &[T],
        h: &[T],
        acc: &mut [SVector<T, UNITS>; GATES],
        recurrent: Option<&mut [SVector<T, UNITS>; GATES]>,
    ) {
        super::product::add_products(self.kernel, x, self.recurrent_kernel, h, acc, recurrent);
    }
}

/// [`RecurrentParts`] borrowed mutably: what initialization, loading and gradients write.
///
/// # Examples
///
/// ```
/// use nnet_core::layer::RecurrentWeights;
///
/// let mut w = RecurrentWeights::<1, 2, 1, 1>::zeroed();
/// w.parts_mut().bias_values_mut()[1] = 0.5;
/// assert_eq!(w.bias[0][0][1], 0.5);
/// ```
#[derive(Debug)]
pub struct RecurrentPartsMut<
    'a,
    const IN: usize,
    const UNITS: usize,
    const GATES: usize,
    const BIASES: usize,
    T: Scalar = f32,
> {
    /// Input weights: `kernel[i][g]` from input `i` to the units of gate `g`.
    pub kernel: &'a mut [[SVector<T, UNITS>; GATES]; IN],
    /// Recurrent weights: `recurrent_kernel[k][g]` from unit `k` of the previous state.
    pub recurrent_kernel: &'a mut [[SVector<T, UNITS>; GATES]; UNITS],
    /// Biases: `bias[0][g]` (and, for a GRU, the recurrent bias `bias[1][g]`).
    pub bias: &'a mut [[SVector<T, UNITS>; GATES]; BIASES],
}

impl<'a, const IN: usize, const UNITS: usize, const GATES: usize, const BIASES: usize, T: Scalar>
    RecurrentPartsMut<'a, IN, UNITS, GATES, BIASES, T>
{
    /// The kernel's values, mutably.
    pub fn kernel_values_mut(self) -> &'a mut [T] {
        bytemuck::cast_slice_mut(self.kernel.as_mut_slice())
    }
    /// The recurrent kernel's values, mutably.
    pub fn recurrent_kernel_values_mut(self) -> &'a mut [T] {
        bytemuck::cast_slice_mut(self.recurrent_kernel.as_mut_slice())
    }
    /// The bias's values, mutably.
    pub fn bias_values_mut(self) -> &'a mut [T] {
        bytemuck::cast_slice_mut(self.bias.as_mut_slice())
    }
    /// The values of tensor `index` mutably, or an empty slice.
    pub fn tensor_mut(self, index: usize) -> &'a mut [T] {
        match index {
            0 => self.kernel_values_mut(),
            1 => self.recurrent_kernel_values_mut(),
            2 => self.bias_values_mut(),
            _ => &mut [],
        }
    }

    /// Draws the weights in place, as [`RecurrentWeights::initialized`] draws them: the kernel
    /// from `init`, the recurrent kernel from `recurrent_init`, the bias from `bias_init`, in
    /// that order (so that weights built on the heap are those built inline, bit for bit).
    pub fn initialize<R: Rng + ?Sized>(
        self,
        init: Initializer,
        recurrent_init: Initializer,
        bias_init: Initializer,
        rng: &mut R,
    ) {
        let width = GATES * UNITS;
        init.fill(
            bytemuck::cast_slice_mut::<_, T>(self.kernel.as_mut_slice()),
            IN,
            width,
            rng,
        );
        recurrent_init.fill(
            bytemuck::cast_slice_mut::<_, T>(self.recurrent_kernel.as_mut_slice()),
            UNITS,
            width,
            rng,
        );
        bias_init.fill(
            bytemuck::cast_slice_mut::<_, T>(self.bias.as_mut_slice()),
            width,
            width,
            rng,
        );
    }
}

/// `row[g] += scale · delta[g]`: the gradient of one row of a kernel.
#[inline(always)]
pub(crate) fn add_outer<const UNITS: usize, const GATES: usize, T: Scalar>(
    row: &mut [SVector<T, UNITS>; GATES],
    scale: T,
    delta: &[SVector<T, UNITS>; GATES],
) {
    // One flat loop over every gate, which the compiler packs into vector instructions: one
    // row of the products' plain loop.
    super::product::add_plain(
        bytemuck::cast_slice(&delta[..]),
        &[scale],
        bytemuck::cast_slice_mut(&mut row[..]),
    );
}

/// `Σ_g row[g] · delta[g]`: the gradient with respect to the input (or state unit) of one row.
#[inline(always)]
pub(crate) fn dot_row<const UNITS: usize, const GATES: usize, T: Scalar>(
    row: &[SVector<T, UNITS>; GATES],
    delta: &[SVector<T, UNITS>; GATES],
) -> T {
    dot(
        bytemuck::cast_slice(&row[..]),
        bytemuck::cast_slice(&delta[..]),
    )
}

/// `Σ row[j] · delta[j]` over two slices of the same length, in the order of [`dot_row`] (which
/// it computes), so that layers whose vectors live on the heap give the same sums.
#[inline(always)]
pub(crate) fn dot<T: Scalar>(row: &[T], delta: &[T]) -> T {
    // Eight partial sums, so that the products go in packed registers (a single running sum
    // must add in order, one float at a time).
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

/// Where a recurrent layer keeps its weights: inline ([`RecurrentWeights`], so that a network
/// can be a `const`) or on the heap ([`HeapRecurrentWeights`], which `network!` picks once a
/// network's inline weights pass 64 KiB, as for dense layers, and which is built in place on
/// the heap, so that no large value ever sits on the stack). The same type holds the layer's
/// gradient.
///
/// # Examples
///
/// ```
/// use nnet_core::layer::{Gru, HeapRecurrentWeights};
///
/// let inline: Gru<2, 3> = Gru::zeroed();
/// let boxed: Gru<2, 3, HeapRecurrentWeights<2, 3, 3, 2>> = Gru::zeroed();
/// assert_eq!(inline.weights.bias, *boxed.weights.bias);
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
    /// The weights, borrowed.
    fn parts(&self) -> RecurrentParts<'_, IN, UNITS, GATES, BIASES, Self::Scalar>;
    /// The weights, borrowed mutably.
    fn parts_mut(&mut self) -> RecurrentPartsMut<'_, IN, UNITS, GATES, BIASES, Self::Scalar>;
}

/// The storages whose layers keep their state, and the gates of a step, inline (on the
/// stack): every storage but [`LargeRecurrentWeights`](super::LargeRecurrentWeights), whose
/// layers (of more than [`INLINE_UNITS`](crate::storage::INLINE_UNITS) units) keep them on the
/// heap. The recurrent kinds implement [`Recurrent`](super::Recurrent) once for these storages
/// and once for the large one.
///
/// # Examples
///
/// ```
/// use nnet_core::layer::{InlineSteps, RecurrentWeights};
///
/// fn inline<W: InlineSteps>() {}
/// inline::<RecurrentWeights<2, 3, 3, 2>>();
/// ```
pub trait InlineSteps {}

impl<const IN: usize, const UNITS: usize, const GATES: usize, const BIASES: usize, T: Scalar>
    InlineSteps for RecurrentWeights<IN, UNITS, GATES, BIASES, T>
{
}

#[cfg(feature = "std")]
impl<const IN: usize, const UNITS: usize, const GATES: usize, const BIASES: usize, T: Scalar>
    InlineSteps for Box<RecurrentWeights<IN, UNITS, GATES, BIASES, T>>
{
}

#[cfg(feature = "std")]
impl<const IN: usize, const UNITS: usize, const GATES: usize, const BIASES: usize, T: Scalar>
    InlineSteps for HeapRecurrentWeights<IN, UNITS, GATES, BIASES, T>
{
}

impl<const IN: usize, const UNITS: usize, const GATES: usize, const BIASES: usize, T: Scalar>
    RecurrentStorage<IN, UNITS, GATES, BIASES> for RecurrentWeights<IN, UNITS, GATES, BIASES, T>
{
    type Scalar = T;
    #[inline(always)]
    fn parts(&self) -> RecurrentParts<'_, IN, UNITS, GATES, BIASES, T> {
        RecurrentWeights::parts(self)
    }
    #[inline(always)]
    fn parts_mut(&mut self) -> RecurrentPartsMut<'_, IN, UNITS, GATES, BIASES, T> {
        RecurrentWeights::parts_mut(self)
    }
}

/// Boxed weights, as `network!` kept them before [`HeapRecurrentWeights`]: still a storage, but
/// `Box::new` builds the weights on the stack first, so a large layer should use
/// [`HeapRecurrentWeights`].
#[cfg(feature = "std")]
impl<const IN: usize, const UNITS: usize, const GATES: usize, const BIASES: usize, T: Scalar>
    RecurrentStorage<IN, UNITS, GATES, BIASES>
    for Box<RecurrentWeights<IN, UNITS, GATES, BIASES, T>>
{
    type Scalar = T;
    #[inline(always)]
    fn parts(&self) -> RecurrentParts<'_, IN, UNITS, GATES, BIASES, T> {
        RecurrentWeights::parts(self)
    }
    #[inline(always)]
    fn parts_mut(&mut self) -> RecurrentPartsMut<'_, IN, UNITS, GATES, BIASES, T> {
        RecurrentWeights::parts_mut(self)
    }
}

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

/// The weights of a recurrent layer on the heap: the storage `network!` gives recurrent layers
/// past a network's 64 KiB of inline weights. Each tensor is allocated zeroed in place (never
/// built on the stack and moved), so a layer of any size is built, cloned and dropped on a
/// small stack.
///
/// # Examples
///
/// ```
/// use nnet_core::layer::{HeapRecurrentWeights, LayerGradient, RecurrentStorage};
///
/// // An LSTM of 256 units over one input: 263,168 weights, 1 MiB, never on the stack.
/// let mut w = <HeapRecurrentWeights<1, 256, 4, 1> as LayerGradient<f32>>::zeroed();
/// w.recurrent_kernel[255][3][255] = 2.0;
/// assert_eq!(w.parts().recurrent_kernel_values().last(), Some(&2.0));
/// assert_eq!(w.clone(), w);
/// ```
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
#[derive(Debug, PartialEq)]
pub struct HeapRecurrentWeights<
    const IN: usize,
    const UNITS: usize,
    const GATES: usize,
    const BIASES: usize,
    T: Scalar = f32,
> {
    /// Input weights: `kernel[i][g]` from input `i` to the units of gate `g`.
    pub kernel: Box<[[SVector<T, UNITS>; GATES]; IN]>,
    /// Recurrent weights: `recurrent_kernel[k][g]` from unit `k` of the previous state.
    pub recurrent_kernel: Box<[[SVector<T, UNITS>; GATES]; UNITS]>,
    /// Biases: `bias[0][g]` (and, for a GRU, the recurrent bias `bias[1][g]`).
    pub bias: Box<[[SVector<T, UNITS>; GATES]; BIASES]>,
}

/// Whether recurrent layers can keep their weights on the heap (nnet-core's `std` feature):
/// generated networks assert it for every layer they box, so that a `no_std` build says why
/// such a layer is refused.
#[doc(hidden)]
pub const HEAP_STORAGE: bool = cfg!(feature = "std");

/// No allocator without `std`: the name exists (as the inline weights) only so that a network
/// whose recurrent layer would need the heap fails on the one error that says so, which
/// `network!` emits, and not on a missing type too.
#[cfg(not(feature = "std"))]
#[doc(hidden)]
pub type HeapRecurrentWeights<
    const IN: usize,
    const UNITS: usize,
    const GATES: usize,
    const BIASES: usize,
    T = f32,
> = RecurrentWeights<IN, UNITS, GATES, BIASES, T>;

#[cfg(feature = "std")]
impl<const IN: usize, const UNITS: usize, const GATES: usize, const BIASES: usize, T: Scalar> Clone
    for HeapRecurrentWeights<IN, UNITS, GATES, BIASES, T>
{
    fn clone(&self) -> Self {
        let mut copy = <Self as LayerGradient<T>>::zeroed();
        copy.clone_from(self);
        copy
    }

    fn clone_from(&mut self, source: &Self) {
        for index in 0..3 {
            self.parts_mut()
                .tensor_mut(index)
                .copy_from_slice(source.parts().tensor(index));
        }
    }
}

#[cfg(feature = "std")]
impl<const IN: usize, const UNITS: usize, const GATES: usize, const BIASES: usize, T: Scalar>
    RecurrentStorage<IN, UNITS, GATES, BIASES>
    for HeapRecurrentWeights<IN, UNITS, GATES, BIASES, T>
{
    type Scalar = T;
    #[inline(always)]
    fn parts(&self) -> RecurrentParts<'_, IN, UNITS, GATES, BIASES, T> {
        RecurrentParts {
            kernel: &self.kernel,
            recurrent_kernel: &self.recurrent_kernel,
            bias: &self.bias,
        }
    }
    #[inline(always)]
    fn parts_mut(&mut self) -> RecurrentPartsMut<'_, IN, UNITS, GATES, BIASES, T> {
        RecurrentPartsMut {
            kernel: &mut self.kernel,
            recurrent_kernel: &mut self.recurrent_kernel,
            bias: &mut self.bias,
        }
    }
}

#[cfg(feature = "std")]
impl<const IN: usize, const UNITS: usize, const GATES: usize, const BIASES: usize, T: Scalar>
    LayerGradient<T> for HeapRecurrentWeights<IN, UNITS, GATES, BIASES, T>
{
    /// Zero weights, each tensor allocated zeroed (`bytemuck::zeroed_box`): nothing is built on
    /// the stack.
    fn zeroed() -> Self {
        Self {
            kernel: bytemuck::zeroed_box(),
            recurrent_kernel: bytemuck::zeroed_box(),
            bias: bytemuck::zeroed_box(),
        }
    }
    fn tensor(&self, index: usize) -> &[T] {
        self.parts().tensor(index)
    }
    fn tensor_mut(&mut self, index: usize) -> &mut [T] {
        self.parts_mut().tensor_mut(index)
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
