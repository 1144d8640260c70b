//! [`Positionwise`]: a layer on the last axis of a fixed shape, applied at every position.

use nalgebra::SVector;
use pulp::Simd;

#[cfg(feature = "std")]
use super::Mode;
use super::{BatchNorm, Layer, LayerKind};
use crate::activation::Activation;
use crate::storage::MatrixStorage;
use crate::{Dense, Scalar, TensorInfo};

/// The layer `L` from `CIN` to `COUT` values, applied at each of `POSITIONS` positions of a
/// sample of a fixed shape with channels last: `IN = POSITIONS · CIN` values in, `OUT =
/// POSITIONS · COUT` out, position `p`'s channels at `p·CIN .. (p+1)·CIN`.
///
/// This is what `network!` composes for a layer that acts on the last axis of `(steps,
/// channels)` or `(height, width, channels)`: `dense` (Keras's `Dense` on a shaped input), a
/// softmax `activation`, `batch_norm` (one mean and variance per channel, over the batch and the
/// positions, as Keras's `BatchNormalization(axis=-1)`) and `layer_norm` (over each position's
/// channels, as Keras's `LayerNormalization(axis=-1)`). Elementwise layers (`dropout`, other
/// activations) need no wrapper: they act on the flat values alike.
///
/// The layer's tensors, names, counts and gradient are `L`'s: one set of weights shared by every
/// position (a position-wise dense layer's kernel is `[units, channels]`). Its trace is `L`'s
/// trace at each position, side by side.
///
/// A batch is column-major, one sample of `IN` values per column, so `B` samples are exactly
/// `B · POSITIONS` columns of `CIN` values, one per position: the batch methods hand that to `L`
/// whole, which is why batch normalization's statistics run over the batch and the positions.
/// The per-sample methods run `L` on each position in turn, viewing the sample's slices as
/// vectors in place (no copy, no allocation).
///
/// Stable Rust cannot compute `POSITIONS · CIN` in a type, so `IN` and `OUT` are parameters too;
/// the layer's constants and every method assert `IN == POSITIONS · CIN` and `OUT == POSITIONS ·
/// COUT` at compile time.
///
/// # Examples
///
/// ```
/// use nalgebra::{matrix, vector, SVector};
/// use nnet_core::{activation::Linear, layer::{Layer, Positionwise}, Dense};
///
/// // `input (3, 2); dense 1;`: one dense layer 2 → 1 at each of 3 steps.
/// let mut dense = Dense::<2, 1, Linear>::new(Linear);
/// dense.weights = matrix![1.0, 10.0];
/// dense.bias = vector![0.5];
/// let layer = Positionwise::<_, 3, 2, 1, 6, 3>::new(dense);
/// let x = SVector::<f32, 6>::from([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
/// let y = layer.forward_simd(pulp::Scalar::new(), &x);
/// assert_eq!(y, vector![21.5, 43.5, 65.5]);
/// assert_eq!(<Positionwise<Dense<2, 1, Linear>, 3, 2, 1, 6, 3> as Layer<6, 3>>::TRAINABLE, 3);
/// ```
///
/// Shapes that do not multiply out do not compile:
///
/// ```compile_fail
/// use nnet_core::{activation::Linear, layer::{Layer, Positionwise}, Dense};
///
/// let layer = Positionwise::<_, 3, 2, 1, 5, 3>::new(Dense::<2, 1, Linear>::new(Linear));
/// let y = layer.forward_simd(pulp::Scalar::new(), &nalgebra::SVector::<f32, 5>::zeros());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Positionwise<
    L,
    const POSITIONS: usize,
    const CIN: usize,
    const COUT: usize,
    const IN: usize,
    const OUT: usize,
> {
    /// The layer applied at each position.
    pub layer: L,
}

impl<
    L,
    const POSITIONS: usize,
    const CIN: usize,
    const COUT: usize,
    const IN: usize,
    const OUT: usize,
> Positionwise<L, POSITIONS, CIN, COUT, IN, OUT>
{
    /// Evaluated wherever the layer is used: the flat lengths are the positions times the
    /// channels.
    const SHAPES: () = assert!(
        IN == POSITIONS * CIN && OUT == POSITIONS * COUT,
        "Positionwise: IN must be POSITIONS · CIN and OUT must be POSITIONS · COUT"
    );

    /// `layer` at every position.
    pub const fn new(layer: L) -> Self {
        Self { layer }
    }
}

/// The `N / C` vectors of `C` values that a slice of `N = positions · C` values holds, in place.
#[inline(always)]
fn positions<const C: usize, T: Scalar>(flat: &[T]) -> &[SVector<T, C>] {
    bytemuck::cast_slice(flat)
}

/// [`positions`], mutably.
#[inline(always)]
fn positions_mut<const C: usize, T: Scalar>(flat: &mut [T]) -> &mut [SVector<T, C>] {
    bytemuck::cast_slice_mut(flat)
}

impl<
    L,
    const POSITIONS: usize,
    const CIN: usize,
    const COUT: usize,
    const IN: usize,
    const OUT: usize,
> super::sealed::Sealed for Positionwise<L, POSITIONS, CIN, COUT, IN, OUT>
{
}

impl<
    L: Layer<CIN, COUT, T>,
    T: Scalar,
    const POSITIONS: usize,
    const CIN: usize,
    const COUT: usize,
    const IN: usize,
    const OUT: usize,
> Layer<IN, OUT, T> for Positionwise<L, POSITIONS, CIN, COUT, IN, OUT>
{
    const KIND: LayerKind = L::KIND;
    const TENSORS: usize = {
        let () = Self::SHAPES;
        L::TENSORS
    };
    const TRAINABLE: usize = {
        let () = Self::SHAPES;
        L::TRAINABLE
    };
    const NON_TRAINABLE: usize = {
        let () = Self::SHAPES;
        L::NON_TRAINABLE
    };
    type Gradient = L::Gradient;
    /// `L`'s activation, at each position. As the network's last layer, a loss applies it to
    /// the whole output: the same for elementwise activations, not for a softmax.
    type Activation = L::Activation;

    #[inline]
    fn tensor_info(index: usize) -> Option<TensorInfo> {
        L::tensor_info(index)
    }

    #[inline]
    fn tensor(&self, index: usize) -> &[T] {
        self.layer.tensor(index)
    }

    #[inline]
    fn tensor_mut(&mut self, index: usize) -> &mut [T] {
        self.layer.tensor_mut(index)
    }

    #[inline(always)]
    fn activation(&self) -> &L::Activation {
        self.layer.activation()
    }

    #[inline(always)]
    fn forward_simd_into<V: Simd>(&self, simd: V, x: &SVector<T, IN>, a: &mut SVector<T, OUT>) {
        let () = Self::SHAPES;
        let xs = positions::<CIN, T>(x.as_slice());
        let outputs = positions_mut::<COUT, T>(a.as_mut_slice());
        for (x, a) in xs.iter().zip(outputs) {
            self.layer.forward_simd_into(simd, x, a);
        }
    }

    #[inline(always)]
    fn forward_trace_simd_into<V: Simd>(
        &self,
        simd: V,
        x: &SVector<T, IN>,
        z: &mut SVector<T, OUT>,
        a: &mut SVector<T, OUT>,
    ) {
        let () = Self::SHAPES;
        let xs = positions::<CIN, T>(x.as_slice());
        let zs = positions_mut::<COUT, T>(z.as_mut_slice());
        let outputs = positions_mut::<COUT, T>(a.as_mut_slice());
        for ((x, z), a) in xs.iter().zip(zs).zip(outputs) {
            self.layer.forward_trace_simd_into(simd, x, z, a);
        }
    }

    /// `L`'s at each position (a softmax normalizes each position's channels).
    #[inline(always)]
    fn activation_backward_in_place(
        &self,
        z: &SVector<T, OUT>,
        a: &SVector<T, OUT>,
        delta: &mut SVector<T, OUT>,
    ) {
        let () = Self::SHAPES;
        let zs = positions::<COUT, T>(z.as_slice());
        let outputs = positions::<COUT, T>(a.as_slice());
        let deltas = positions_mut::<COUT, T>(delta.as_mut_slice());
        for ((z, a), delta) in zs.iter().zip(outputs).zip(deltas) {
            self.layer.activation_backward_in_place(z, a, delta);
        }
    }

    /// The sum over positions of `L`'s gradient at each.
    #[inline(always)]
    fn backward_simd<V: Simd>(
        &self,
        simd: V,
        x: &SVector<T, IN>,
        z: &SVector<T, OUT>,
        delta: &SVector<T, OUT>,
        grad: &mut Self::Gradient,
        dx: Option<&mut SVector<T, IN>>,
    ) {
        let () = Self::SHAPES;
        let xs = positions::<CIN, T>(x.as_slice());
        let zs = positions::<COUT, T>(z.as_slice());
        let deltas = positions::<COUT, T>(delta.as_slice());
        let steps = xs.iter().zip(zs).zip(deltas);
        match dx {
            Some(dx) => {
                let dxs = positions_mut::<CIN, T>(dx.as_mut_slice());
                for (((x, z), delta), dx) in steps.zip(dxs) {
                    self.layer.backward_simd(simd, x, z, delta, grad, Some(dx));
                }
            }
            None => {
                for ((x, z), delta) in steps {
                    self.layer.backward_simd(simd, x, z, delta, grad, None);
                }
            }
        }
    }

    #[cfg(feature = "std")]
    fn forward_batch(
        &self,
        mode: Mode<'_>,
        x: &[T],
        z: &mut [T],
        a: &mut [T],
        grad: &mut Self::Gradient,
    ) {
        let () = Self::SHAPES;
        self.layer.forward_batch(mode, x, z, a, grad);
    }

    #[cfg(feature = "std")]
    fn output_batch(&self, x: &[T], a: &mut [T]) {
        let () = Self::SHAPES;
        self.layer.output_batch(x, a);
    }

    #[cfg(feature = "std")]
    fn activation_backward_batch(&self, z: &[T], a: &[T], delta: &mut [T]) {
        let () = Self::SHAPES;
        self.layer.activation_backward_batch(z, a, delta);
    }

    #[cfg(feature = "std")]
    fn backward_batch(
        &self,
        x: &[T],
        z: &[T],
        delta: &[T],
        grad: &mut Self::Gradient,
        dx: &mut [T],
    ) {
        let () = Self::SHAPES;
        self.layer.backward_batch(x, z, delta, grad, dx);
    }

    /// `L`'s: the weights are shared by every position, so they are penalized once.
    fn regularization(&self, grad: Option<&mut Self::Gradient>) -> T {
        self.layer.regularization(grad)
    }

    fn update_state(&mut self, grad: &Self::Gradient) {
        self.layer.update_state(grad);
    }
}

impl<
    const CIN: usize,
    const COUT: usize,
    T: Scalar,
    A: Activation<T>,
    S: MatrixStorage<COUT, CIN, Scalar = T>,
    B: MatrixStorage<COUT, 1, Scalar = T>,
    const BIAS: bool,
    const POSITIONS: usize,
    const IN: usize,
    const OUT: usize,
> Positionwise<Dense<CIN, COUT, A, S, B, BIAS>, POSITIONS, CIN, COUT, IN, OUT>
{
    /// This layer followed by `norm` at inference, as one position-wise dense layer: the inner
    /// layers folded ([`Dense::folded`]), exact at every position since both share their
    /// weights across positions.
    ///
    /// # Examples
    ///
    /// ```
    /// use nalgebra::{matrix, vector, SVector};
    /// use nnet_core::{activation::Linear, layer::{BatchNorm, Layer, Positionwise}, Dense};
    ///
    /// let mut dense = Dense::<2, 2, Linear>::new(Linear);
    /// dense.weights = matrix![1.0, 2.0; -1.0, 0.5];
    /// let mut norm = BatchNorm::<2>::new(0.99, 1e-3);
    /// norm.gamma = vector![2.0, 0.5];
    /// norm.moving_mean = vector![1.0, -1.0];
    /// let dense = Positionwise::<_, 3, 2, 2, 6, 6>::new(dense);
    /// let norm = Positionwise::<_, 3, 2, 2, 6, 6>::new(norm);
    /// let x = SVector::<f32, 6>::from([0.3, -0.7, 1.0, 0.0, -2.0, 0.5]);
    /// let simd = pulp::Scalar::new();
    /// let separate = norm.forward_simd(simd, &dense.forward_simd(simd, &x));
    /// let folded = dense.folded(&norm).forward_simd(simd, &x);
    /// assert!((separate - folded).norm() < 1e-5);
    /// ```
    pub fn folded<V: MatrixStorage<COUT, 1, Scalar = T>>(
        &self,
        norm: &Positionwise<BatchNorm<COUT, V>, POSITIONS, COUT, COUT, OUT, OUT>,
    ) -> Positionwise<Dense<CIN, COUT, A, S, B, true>, POSITIONS, CIN, COUT, IN, OUT> {
        Positionwise::new(self.layer.folded(&norm.layer))
    }

    /// `norm` followed by this layer at inference, as one position-wise dense layer: the inner
    /// layers folded ([`Dense::folded_after`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use nalgebra::{matrix, vector, SVector};
    /// use nnet_core::{activation::Tanh, layer::{BatchNorm, Layer, Positionwise}, Dense};
    ///
    /// let mut norm = BatchNorm::<2>::new(0.99, 1e-3);
    /// norm.beta = vector![0.1, -0.3];
    /// norm.moving_mean = vector![1.0, -1.0];
    /// let mut dense = Dense::<2, 1, Tanh>::new(Tanh);
    /// dense.weights = matrix![1.0, 2.0];
    /// let norm = Positionwise::<_, 2, 2, 2, 4, 4>::new(norm);
    /// let dense = Positionwise::<_, 2, 2, 1, 4, 2>::new(dense);
    /// let x = SVector::<f32, 4>::from([0.3, -0.7, 1.0, 0.0]);
    /// let simd = pulp::Scalar::new();
    /// let separate = dense.forward_simd(simd, &norm.forward_simd(simd, &x));
    /// let folded = dense.folded_after(&norm).forward_simd(simd, &x);
    /// assert!((separate - folded).norm() < 1e-5);
    /// ```
    pub fn folded_after<V: MatrixStorage<CIN, 1, Scalar = T>>(
        &self,
        norm: &Positionwise<BatchNorm<CIN, V>, POSITIONS, CIN, CIN, IN, IN>,
    ) -> Positionwise<Dense<CIN, COUT, A, S, B, true>, POSITIONS, CIN, COUT, IN, OUT> {
        Positionwise::new(self.layer.folded_after(&norm.layer))
    }
}
