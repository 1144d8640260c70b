//! [`Conv`]: the convolution layer of `conv1d`, `conv2d` and `depthwise_conv2d` (Keras's
//! `Conv1D`, `Conv2D` and `DepthwiseConv2D`, channels last), and its kind markers.
//!
//! The type, its constructors and tensors live here; the kind markers in `kinds`, the window
//! unpacked for the loops in `geometry`, the per-sample SIMD passes in `forward` and
//! `backward`, the [`Layer`](crate::Layer) implementation in `layer`, the batched passes in
//! `batch` (`std`, with the patches of a batch for its matrix products in `patches`),
//! initialization with Keras's fans in `init`, and folding a batch
//! normalization into the kernel in `fold`.

mod backward;
#[cfg(feature = "std")]
mod batch;
mod fold;
mod forward;
pub(super) mod geometry;
mod init;
mod kinds;
mod layer;
#[cfg(feature = "std")]
mod patches;
#[cfg(test)]
mod tests;

use core::marker::PhantomData;

use nalgebra::{SMatrix, SVector};
use nnet_kinds::Window;

pub use kinds::{Conv1dKind, Conv2dKind, ConvKind, DepthwiseConv2dKind};

use crate::storage::MatrixStorage;
use crate::{DenseGradient, Regularizer, Scalar};

/// A convolution of `F` filters over a fixed shape with channels last: Keras's `Conv1D`,
/// `Conv2D` and `DepthwiseConv2D`, as the marker `M` says ([`Conv1dKind`], [`Conv2dKind`],
/// [`DepthwiseConv2dKind`]).
///
/// A sample is one flat vector, channels last: input value `(i, j, c)` is at `(i · width + j) ·
/// channels + c`, output value `(p, q, f)` at `(p · out_width + q) · F + f`. The output is
///
/// `a[p, q, f] = act(bias[f] + Σ_{a, b, c} kernel[f, (a, b, c)] · x[input_of(p, a), input_of(q,
/// b), group(f) · C/groups + c])`
///
/// over the kernel rows `a`, columns `b` and the channels `c` of filter `f`'s group, where
/// [`Axis::input_of`](crate::layer::Axis::input_of) gives the input a tap reads (stride, dilation
/// and Keras's `valid`/`same`/`causal` padding; taps that read padding add zero). Filter `f`
/// belongs to group `f / (F / groups)`. A 1-D layer is a window whose rows are
/// [`Axis::POINT`](crate::layer::Axis::POINT); a depthwise layer of depth multiplier `m` over `C`
/// channels has `groups = C` and `F = C · m`, output channel `c · m + k` reading channel `c`.
///
/// The generic sizes, all checked against `window` and `groups` by [`check`](Self::check):
/// `IN = window.inputs()`, `OUT = window.positions() · F`, `K = window.taps() · channels /
/// groups`.
///
/// The tensors are `kernel`, `F × K` (each row one filter, in (kernel row, kernel column,
/// input channel of the group) order; column-major as every nnet matrix, so the weights of
/// one (tap, channel) for all filters are contiguous), and `bias`, `F` values, which is zero
/// and not a tensor when `BIAS` is `false` (`use_bias = false`). The kernel storage `S` is an
/// inline [`SMatrix`] or a [`HeapMatrix`](crate::storage::HeapMatrix) for large layers, as a
/// dense layer's weights. `regularizer` adds Keras's kernel regularization to the training
/// loss.
///
/// An activation is applied to each output value, except softmax, which is applied over each
/// position's filters (Keras's last axis).
///
/// # Examples
///
/// ```
/// use nalgebra::{matrix, vector, SVector};
/// use nnet_core::activation::Linear;
/// use nnet_core::layer::{Axis, Conv, Conv1dKind, Layer, Padding, Window};
///
/// // `input (4, 1); conv1d 1 2;`: 4 steps of one channel, a kernel of 2 taps.
/// let window = Window::steps(Axis::new(4, 2, 1, 1, Padding::Valid), 1);
/// let mut conv = Conv::<4, 3, 1, 2, Linear, Conv1dKind>::new(window, 1, Linear);
/// conv.kernel = matrix![1.0, 10.0];
/// conv.bias = vector![0.5];
/// let y = conv.forward_simd(pulp::Scalar::new(), &vector![1.0, 2.0, 3.0, 4.0]);
/// // 1·1 + 10·2 + 0.5, 1·2 + 10·3 + 0.5, 1·3 + 10·4 + 0.5
/// assert_eq!(y, vector![21.5, 32.5, 43.5]);
/// ```
#[derive(Debug, Clone, PartialEq)]
// The kernel first, at a cache line, as a dense layer's weights (see `Dense`).
#[repr(C, align(64))]
pub struct Conv<
    const IN: usize,
    const OUT: usize,
    const F: usize,
    const K: usize,
    A,
    M,
    S = SMatrix<f32, F, K>,
    B = SVector<f32, F>,
    const BIAS: bool = true,
> {
    /// The `F × K` kernel: row `f` is filter `f`'s weights in (kernel row, kernel column,
    /// input channel of its group) order.
    pub kernel: S,
    /// The bias, one per filter (zero, and not a tensor, without `BIAS`).
    pub bias: B,
    /// The activation function.
    pub activation: A,
    /// The kernel regularization added to the training loss.
    pub regularizer: Regularizer,
    /// The input's shape and the two axes of the window (kernel, stride, dilation, padding).
    /// The passes index the sample by it: it must keep fitting the sizes
    /// ([`check`](Self::check)), as the constructors made sure it did.
    pub window: Window,
    /// Groups of input channels and filters: filter `f` reads the channels of group `f / (F /
    /// groups)` only. 1 for an ordinary convolution, the channels for a depthwise one. Must
    /// keep fitting the sizes, as `window`.
    pub groups: usize,
    kind: PhantomData<M>,
}

/// A [`Conv`] marked as `conv1d`.
///
/// # Examples
///
/// ```
/// use nnet_core::{activation::Relu, layer::{Conv1d, Layer, LayerKind}};
///
/// assert_eq!(<Conv1d<8, 12, 2, 3, Relu> as Layer<8, 12>>::KIND, LayerKind::Conv1d);
/// ```
pub type Conv1d<
    const IN: usize,
    const OUT: usize,
    const F: usize,
    const K: usize,
    A,
    S = SMatrix<f32, F, K>,
    B = SVector<f32, F>,
    const BIAS: bool = true,
> = Conv<IN, OUT, F, K, A, Conv1dKind, S, B, BIAS>;

/// A [`Conv`] marked as `conv2d`.
///
/// # Examples
///
/// ```
/// use nnet_core::{activation::Relu, layer::{Conv2d, Layer}};
///
/// // 3 × 3 kernels over 2 channels, 4 filters: K = 9 · 2.
/// assert_eq!(<Conv2d<50, 36, 4, 18, Relu> as Layer<50, 36>>::TRAINABLE, 4 * 18 + 4);
/// ```
pub type Conv2d<
    const IN: usize,
    const OUT: usize,
    const F: usize,
    const K: usize,
    A,
    S = SMatrix<f32, F, K>,
    B = SVector<f32, F>,
    const BIAS: bool = true,
> = Conv<IN, OUT, F, K, A, Conv2dKind, S, B, BIAS>;

/// A [`Conv`] marked as `depthwise_conv2d`: `F` is the channels times the depth multiplier,
/// `K` the taps.
///
/// # Examples
///
/// ```
/// use nnet_core::{activation::Linear, layer::{DepthwiseConv2d, Layer}};
///
/// // 3 × 3 taps over 4 channels, depth multiplier 1.
/// assert_eq!(<DepthwiseConv2d<100, 36, 4, 9, Linear> as Layer<100, 36>>::TRAINABLE, 40);
/// ```
pub type DepthwiseConv2d<
    const IN: usize,
    const OUT: usize,
    const F: usize,
    const K: usize,
    A,
    S = SMatrix<f32, F, K>,
    B = SVector<f32, F>,
    const BIAS: bool = true,
> = Conv<IN, OUT, F, K, A, DepthwiseConv2dKind, S, B, BIAS>;

impl<
    const IN: usize,
    const OUT: usize,
    const F: usize,
    const K: usize,
    A,
    M: ConvKind,
    S,
    B,
    const BIAS: bool,
> Conv<IN, OUT, F, K, A, M, S, B, BIAS>
{
    /// Number of trainable parameters, `F · K + F` (`F · K` without a bias).
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::{activation::Linear, layer::Conv2d};
    ///
    /// assert_eq!(Conv2d::<50, 36, 4, 18, Linear>::PARAMS, 76);
    /// ```
    pub const PARAMS: usize = F * K + if BIAS { F } else { 0 };

    /// Whether the sizes `IN`, `OUT`, `F` and `K` are those of `F` filters over `window` in
    /// `groups` groups: `IN = window.inputs()`, `OUT = window.positions() · F`, `K =
    /// window.taps() · channels / groups`, with `groups` at least 1 and dividing both the
    /// channels and `F`, every kernel, stride and dilation at least 1, at least one output
    /// position, and a 1-D window ([`Conv1dKind`]) whose rows are
    /// [`Axis::POINT`](crate::layer::Axis::POINT), a depthwise one whose groups are its
    /// channels. What `network!` asserts at compile time for each convolution it builds.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::{activation::Linear, layer::Conv2d};
    /// use nnet_core::layer::{Axis, Padding, Window};
    ///
    /// // (5, 5, 2) by 3 × 3 `valid`: 3 × 3 positions.
    /// let axis = Axis::new(5, 3, 1, 1, Padding::Valid);
    /// let window = Window::image(axis, axis, 2);
    /// assert!(Conv2d::<50, 36, 4, 18, Linear>::check(window, 1));
    /// assert!(Conv2d::<50, 36, 4, 9, Linear>::check(window, 2));
    /// assert!(!Conv2d::<50, 36, 4, 18, Linear>::check(window, 2)); // K is 9 with 2 groups
    /// assert!(!Conv2d::<50, 36, 4, 18, Linear>::check(window, 3)); // 3 divides neither
    /// ```
    pub const fn check(window: Window, groups: usize) -> bool {
        let axes = [window.rows, window.cols];
        let mut i = 0;
        while i < axes.len() {
            let axis = axes[i];
            if axis.kernel == 0 || axis.stride == 0 || axis.dilation == 0 || axis.output() == 0 {
                return false;
            }
            i += 1;
        }
        if groups == 0 || window.channels == 0 || F == 0 {
            return false;
        }
        if !window.channels.is_multiple_of(groups) || !F.is_multiple_of(groups) {
            return false;
        }
        let kind_fits = match M::KIND {
            crate::layer::LayerKind::Conv1d => {
                window.rows.input == 1 && window.rows.kernel == 1 && window.rows.output() == 1
            }
            crate::layer::LayerKind::DepthwiseConv2d => groups == window.channels,
            _ => true,
        };
        kind_fits
            && IN == window.inputs()
            && OUT == window.positions() * F
            && K == window.taps() * (window.channels / groups)
    }

    /// A layer from its parts, usable in a `const` (baked weights).
    ///
    /// # Panics
    ///
    /// If the sizes do not fit `window` and `groups` ([`check`](Self::check)): at compile time
    /// in a `const`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nalgebra::{matrix, vector, SMatrix, SVector};
    /// use nnet_core::{activation::Linear, layer::{Conv1d, Layer}, Regularizer};
    /// use nnet_core::layer::{Axis, Padding, Window};
    ///
    /// const WINDOW: Window = Window::steps(Axis::new(3, 1, 1, 1, Padding::Valid), 2);
    /// const CONV: Conv1d<6, 3, 1, 2, Linear> = Conv1d::from_parts(
    ///     SMatrix::from_array_storage(nalgebra::ArrayStorage([[1.0], [-1.0]])),
    ///     SVector::from_array_storage(nalgebra::ArrayStorage([[0.5]])),
    ///     Linear,
    ///     Regularizer::NONE,
    ///     WINDOW,
    ///     1,
    /// );
    /// let x = SVector::<f32, 6>::from([3.0, 1.0, 2.0, 2.0, 0.0, 4.0]);
    /// assert_eq!(CONV.forward_simd(pulp::Scalar::new(), &x), vector![2.5, 0.5, -3.5]);
    /// ```
    pub const fn from_parts(
        kernel: S,
        bias: B,
        activation: A,
        regularizer: Regularizer,
        window: Window,
        groups: usize,
    ) -> Self {
        let layer = Self {
            kernel,
            bias,
            activation,
            regularizer,
            window,
            groups,
            kind: PhantomData,
        };
        if !Self::check(window, groups) {
            // Nothing to drop on the way out: a `const fn` cannot run destructors.
            core::mem::forget(layer);
            panic!("Conv: IN, OUT, F and K do not fit the window and the groups (see Conv::check)");
        }
        layer
    }

    /// The same layer with `regularizer`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::{activation::Linear, layer::Conv1d, Regularizer};
    /// use nnet_core::layer::{Axis, Padding, Window};
    ///
    /// let window = Window::steps(Axis::new(3, 1, 1, 1, Padding::Valid), 1);
    /// let conv = Conv1d::<3, 3, 1, 1, Linear>::new(window, 1, Linear)
    ///     .with_regularizer(Regularizer { l1: 0.0, l2: 0.01 });
    /// assert_eq!(conv.regularizer.l2, 0.01);
    /// ```
    pub fn with_regularizer(mut self, regularizer: Regularizer) -> Self {
        self.regularizer = regularizer;
        self
    }
}

impl<
    const IN: usize,
    const OUT: usize,
    const F: usize,
    const K: usize,
    T: Scalar,
    A,
    M: ConvKind,
    S: MatrixStorage<F, K, Scalar = T>,
    B: MatrixStorage<F, 1, Scalar = T>,
    const BIAS: bool,
> Conv<IN, OUT, F, K, A, M, S, B, BIAS>
{
    /// A layer of `window` and `groups` with all weights and biases zero and no regularizer.
    ///
    /// # Panics
    ///
    /// If the sizes do not fit `window` and `groups` ([`check`](Self::check)).
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::{activation::Relu, layer::{Conv2d, Layer}};
    /// use nnet_core::layer::{Axis, Padding, Window};
    ///
    /// let axis = Axis::new(4, 3, 1, 1, Padding::Same);
    /// let conv = Conv2d::<16, 32, 2, 9, Relu>::new(Window::image(axis, axis, 1), 1, Relu);
    /// assert_eq!(conv.kernel.sum() + conv.bias.sum(), 0.0);
    /// ```
    pub fn new(window: Window, groups: usize, activation: A) -> Self {
        assert!(
            Self::check(window, groups),
            "Conv: IN = {IN}, OUT = {OUT}, F = {F} and K = {K} do not fit {window:?} in {groups} groups"
        );
        Self {
            kernel: S::zeroed(),
            bias: B::zeroed(),
            activation,
            regularizer: Regularizer::NONE,
            window,
            groups,
            kind: PhantomData,
        }
    }

    /// A zero gradient of this layer's shapes: the kernel's `F × K` and the bias's `F`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::{activation::Linear, layer::Conv1d};
    /// use nnet_core::layer::{Axis, Padding, Window};
    ///
    /// let window = Window::steps(Axis::new(3, 2, 1, 1, Padding::Valid), 1);
    /// let grad = Conv1d::<3, 2, 1, 2, Linear>::new(window, 1, Linear).zero_gradient();
    /// assert_eq!(grad.weights.len() + grad.bias.len(), 3);
    /// ```
    pub fn zero_gradient(&self) -> DenseGradient<K, F, S, B> {
        DenseGradient::zeroed()
    }

    /// Tensor `index` of this layer: 0 the kernel, 1 the bias (with `BIAS`), else empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::{activation::Linear, layer::Conv1d};
    /// use nnet_core::layer::{Axis, Padding, Window};
    ///
    /// let window = Window::steps(Axis::new(3, 2, 1, 1, Padding::Valid), 1);
    /// let conv = Conv1d::<3, 2, 1, 2, Linear>::new(window, 1, Linear);
    /// assert_eq!((conv.tensor(0).len(), conv.tensor(1).len(), conv.tensor(2).len()), (2, 1, 0));
    /// ```
    #[inline]
    pub fn tensor(&self, index: usize) -> &[T] {
        match index {
            0 => self.kernel.matrix().as_slice(),
            1 if BIAS => self.bias.matrix().as_slice(),
            _ => &[],
        }
    }

    /// Tensor `index` of this layer, mutably: 0 the kernel, 1 the bias (with `BIAS`), else
    /// empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::{activation::Linear, layer::Conv1d};
    /// use nnet_core::layer::{Axis, Padding, Window};
    ///
    /// let window = Window::steps(Axis::new(3, 2, 1, 1, Padding::Valid), 1);
    /// let mut conv = Conv1d::<3, 2, 1, 2, Linear>::new(window, 1, Linear);
    /// conv.tensor_mut(0).copy_from_slice(&[1.0, 2.0]);
    /// assert_eq!(conv.kernel[(0, 1)], 2.0);
    /// ```
    #[inline]
    pub fn tensor_mut(&mut self, index: usize) -> &mut [T] {
        match index {
            0 => self.kernel.matrix_mut().as_mut_slice(),
            1 if BIAS => self.bias.matrix_mut().as_mut_slice(),
            _ => &mut [],
        }
    }

    /// The unpacked window, for the loops.
    #[inline(always)]
    fn geometry(&self) -> geometry::Geometry {
        geometry::Geometry::new(self.window, self.groups, F)
    }
}

/// Shapes of the tensors of a convolution: 0 the `kernel` `[filters, taps · in / groups]`, 1 the
/// `bias` `[filters]` when it has one.
pub(crate) const fn conv_tensor_info(
    filters: usize,
    columns: usize,
    bias: bool,
    index: usize,
) -> Option<crate::TensorInfo> {
    match index {
        0 => Some(crate::TensorInfo::matrix("", "kernel", filters, columns)),
        1 if bias => Some(crate::TensorInfo::vector("", "bias", filters)),
        _ => None,
    }
}
