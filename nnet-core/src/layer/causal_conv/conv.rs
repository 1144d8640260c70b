//! [`CausalConv1d`]: the type, its constructors and shape check, and the one sum that every
//! pass of it computes (a step, a sequence, their backward pass read the same taps).

use nalgebra::{SMatrix, SVector};
use nnet_kinds::{Axis, Padding};
use pulp::Simd;
use rand::Rng;

use super::CausalConvState;
use super::kernel::add_product;
use crate::activation::Activation;
use crate::storage::MatrixStorage;
use crate::{Initializer, Regularizer, Scalar};

/// Keras's `Conv1D(filters, kernel_size, padding = "causal", dilation_rate, groups)` over a
/// sequence of `C` channels, one step at a time: a `conv1d` in a network with
/// `input sequence C;`. Its `HIST = dilation · (kernel_size − 1)` past inputs live in the
/// network's state ([`CausalConvState`](super::CausalConvState)), so it streams through
/// [`Recurrent`](super::super::Recurrent) like a recurrent layer.
///
/// With `K = kernel_size · C / groups` and filter `f` in group `g = f / (F / groups)`, the
/// output at step `t` is
///
/// `y_t[f] = act(b[f] + Σ_tap Σ_c kernel[f, tap · C/groups + c] · x_{t − (kernel_size − 1 − tap) · dilation}[g · C/groups + c])`
///
/// with zeros before the first step (Keras's causal padding): tap 0 reads the oldest input,
/// tap `kernel_size − 1` the current one. `kernel` is `F × K`, row `f` filter `f` in
/// (tap, channel of its group) order: the layout of the fixed-shape convolution and of the
/// declared tensor `kernel` `[filters, taps · in / groups]` (Keras's `kernel` flattened to
/// `[taps · in / groups, filters]`, transposed).
///
/// `BIAS` is `false` for `use_bias = false`: the bias stays zero and is not a tensor.
/// `regularizer` adds Keras's kernel regularization to the training loss. The three counts
/// are fields so that the type stays a list of sizes; [`fits`](CausalConv1d::fits) says which
/// go with the type's `C`, `F`, `K` and `HIST`, and the constructors check it.
///
/// # Panics
///
/// A layer whose counts do not fit its sizes (fields set by hand) may panic in its passes.
///
/// # Examples
///
/// ```
/// use nalgebra::{matrix, vector};
/// use nnet_core::activation::Linear;
/// use nnet_core::layer::{CausalConv1d, Recurrent};
///
/// // 1 channel, 1 filter, kernel 2, dilation 1: y_t = 2·x_{t−1} + 3·x_t + 1.
/// let conv: CausalConv1d<1, 1, 2, 1, Linear> =
///     CausalConv1d::from_parts(matrix![2.0, 3.0], vector![1.0], Linear, 2, 1, 1);
/// let mut state = Default::default();
/// conv.step(&mut state, &vector![1.0]);
/// assert_eq!(state.output()[0], 3.0 + 1.0); // the past is zero
/// conv.step(&mut state, &vector![10.0]);
/// assert_eq!(state.output()[0], 2.0 + 30.0 + 1.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
// The kernel first, at a cache line: an inline kernel then starts at a 64-byte boundary wherever
// the network lives, so the SIMD loads of its columns never straddle two lines by accident of
// the stack's address (the streaming step of 16 channels, kernel 15, took 98 or 146 ns from one
// run of the same binary to the next), as `Dense` does.
#[repr(C, align(64))]
pub struct CausalConv1d<
    const C: usize,
    const F: usize,
    const K: usize,
    const HIST: usize,
    A,
    S = SMatrix<f32, F, K>,
    B = SVector<f32, F>,
    const BIAS: bool = true,
> {
    /// The `F × K` kernel: row `f` is filter `f`, in (tap, channel of its group) order.
    pub kernel: S,
    /// One bias per filter (zero, and not a tensor, without `BIAS`).
    pub bias: B,
    /// The activation `act`.
    pub activation: A,
    /// The kernel regularization added to the training loss.
    pub regularizer: Regularizer,
    /// Taps of the kernel.
    pub kernel_size: usize,
    /// Steps between two taps.
    pub dilation: usize,
    /// Groups of channels: filter group `g` reads channel group `g` only.
    pub groups: usize,
}

impl<const C: usize, const F: usize, const K: usize, const HIST: usize, A, S, B, const BIAS: bool>
    CausalConv1d<C, F, K, HIST, A, S, B, BIAS>
{
    /// Whether `kernel_size`, `dilation` and `groups` go with the type's sizes: all non-zero,
    /// `groups` divides `C` and `F` (both non-zero), `K = kernel_size · C / groups` and
    /// `HIST = dilation · (kernel_size − 1)`. `network!` asserts it in a `const`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::activation::Relu;
    /// use nnet_core::layer::CausalConv1d;
    ///
    /// // 4 channels, 6 filters, kernel 3, dilation 2, groups 2: K = 3 · 2, HIST = 2 · 2.
    /// type Conv = CausalConv1d<4, 6, 6, 4, Relu>;
    /// assert!(Conv::fits(3, 2, 2));
    /// assert!(!Conv::fits(3, 1, 2));
    /// assert!(!Conv::fits(3, 2, 4)); // 4 does not divide the 6 filters
    /// ```
    pub const fn fits(kernel_size: usize, dilation: usize, groups: usize) -> bool {
        if kernel_size == 0 || dilation == 0 || groups == 0 || C == 0 || F == 0 {
            return false;
        }
        if !C.is_multiple_of(groups) || !F.is_multiple_of(groups) {
            return false;
        }
        let taps_fit = match kernel_size.checked_mul(C / groups) {
            Some(k) => k == K,
            None => false,
        };
        // The history is the zeros of Keras's causal padding: the window's span less one.
        let history_fits = match dilation.checked_mul(kernel_size - 1) {
            Some(_) => Self::axis(1, kernel_size, dilation).pad_before() == HIST,
            None => false,
        };
        taps_fit && history_fits
    }

    /// A layer from its tensors, usable in a `const` (baked weights), without a regularizer.
    ///
    /// # Panics
    ///
    /// Unless the counts [fit](Self::fits) (at compile time in a `const`).
    ///
    /// # Examples
    ///
    /// ```
    /// use nalgebra::{SMatrix, SVector};
    /// use nnet_core::activation::Tanh;
    /// use nnet_core::layer::CausalConv1d;
    ///
    /// const CONV: CausalConv1d<2, 3, 6, 4, Tanh> = CausalConv1d::from_parts(
    ///     SMatrix::from_array_storage(nalgebra::ArrayStorage([[0.5; 3]; 6])),
    ///     SVector::from_array_storage(nalgebra::ArrayStorage([[0.0; 3]])),
    ///     Tanh,
    ///     3,
    ///     2,
    ///     1,
    /// );
    /// assert_eq!(CONV.kernel[(2, 5)], 0.5);
    /// ```
    pub const fn from_parts(
        kernel: S,
        bias: B,
        activation: A,
        kernel_size: usize,
        dilation: usize,
        groups: usize,
    ) -> Self {
        assert!(
            Self::fits(kernel_size, dilation, groups),
            "CausalConv1d: kernel_size, dilation and groups must fit C, F, K and HIST (see `CausalConv1d::fits`)"
        );
        Self {
            kernel,
            bias,
            activation,
            regularizer: Regularizer::NONE,
            kernel_size,
            dilation,
            groups,
        }
    }

    /// The same layer with `regularizer`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::activation::Linear;
    /// use nnet_core::layer::CausalConv1d;
    /// use nnet_core::Regularizer;
    ///
    /// let conv = CausalConv1d::<1, 1, 1, 0, Linear>::zeroed(Linear, 1, 1, 1)
    ///     .with_regularizer(Regularizer { l1: 0.0, l2: 0.01 });
    /// assert_eq!(conv.regularizer.l2, 0.01);
    /// ```
    pub fn with_regularizer(mut self, regularizer: Regularizer) -> Self {
        self.regularizer = regularizer;
        self
    }

    /// The causal axis of a sequence of `steps` steps: Keras's arithmetic of where each tap
    /// reads.
    #[inline(always)]
    pub(super) const fn axis(steps: usize, kernel_size: usize, dilation: usize) -> Axis {
        Axis::new(steps, kernel_size, 1, dilation, Padding::Causal)
    }
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
> CausalConv1d<C, F, K, HIST, A, S, B, BIAS>
{
    /// Number of trainable parameters, `F · K + F` (`F · K` without a bias).
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::activation::Relu;
    /// use nnet_core::layer::CausalConv1d;
    ///
    /// // 16 filters over 4 channels, kernel 3: 16 · 12 weights and 16 biases.
    /// assert_eq!(CausalConv1d::<4, 16, 12, 2, Relu>::PARAMS, 16 * 12 + 16);
    /// ```
    pub const PARAMS: usize = F * K + if BIAS { F } else { 0 };

    /// A layer with all weights zero.
    ///
    /// # Panics
    ///
    /// Unless the counts [fit](Self::fits).
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::activation::Relu;
    /// use nnet_core::layer::CausalConv1d;
    ///
    /// let conv = CausalConv1d::<3, 4, 9, 2, Relu>::zeroed(Relu, 3, 1, 1);
    /// assert_eq!(conv.kernel.sum(), 0.0);
    /// ```
    pub fn zeroed(activation: A, kernel_size: usize, dilation: usize, groups: usize) -> Self {
        Self::from_parts(
            S::zeroed(),
            B::zeroed(),
            activation,
            kernel_size,
            dilation,
            groups,
        )
    }

    /// A layer initialized as Keras initializes a `Conv1D`: the kernel from `init` with
    /// `fan_in = kernel_size · C / groups` and `fan_out = kernel_size · F` (Keras's fans of a
    /// `(kernel_size, C / groups, F)` kernel; `orthogonal` draws it as that kernel's
    /// `K × F` matrix), then the bias from `bias_init` (fans `F`, `F`). The kernel's values are
    /// drawn in Keras's memory order, which is this layout's column-major order.
    ///
    /// # Panics
    ///
    /// Unless the counts [fit](Self::fits).
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::activation::Relu;
    /// use nnet_core::layer::CausalConv1d;
    /// use nnet_core::Initializer;
    /// use rand::SeedableRng;
    ///
    /// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    /// let conv = CausalConv1d::<4, 8, 12, 2, Relu>::initialized(
    ///     Relu, 3, 1, 1, Initializer::HeUniform, Initializer::Zeros, &mut rng,
    /// );
    /// // He uniform: |w| ≤ √(6 / fan_in) with fan_in = 3 · 4.
    /// assert!(conv.kernel.iter().all(|w| w.abs() <= (6.0_f32 / 12.0).sqrt()));
    /// assert_eq!(conv.bias.sum(), 0.0);
    /// ```
    pub fn initialized<R: Rng + ?Sized>(
        activation: A,
        kernel_size: usize,
        dilation: usize,
        groups: usize,
        init: Initializer,
        bias_init: Initializer,
        rng: &mut R,
    ) -> Self {
        let mut layer = Self::zeroed(activation, kernel_size, dilation, groups);
        let kernel = layer.kernel.matrix_mut().as_mut_slice();
        if matches!(init, Initializer::Orthogonal) {
            init.fill(kernel, K, F, rng);
        } else {
            init.fill(kernel, K, kernel_size * F, rng);
        }
        if BIAS {
            bias_init.fill(layer.bias.matrix_mut().as_mut_slice(), F, F, rng);
        }
        layer
    }

    /// The kernel size and dilation that fit the type's sizes with one group, if any (the
    /// dilation of a kernel of one tap is any, written here as 1).
    const ONE_GROUP: Option<(usize, usize)> = match K.checked_div(C) {
        Some(1) if K == C && HIST == 0 => Some((1, 1)),
        Some(taps) if taps > 1 && taps * C == K && HIST > 0 && HIST.is_multiple_of(taps - 1) => {
            Some((taps, HIST / (taps - 1)))
        }
        _ => None,
    };

    /// Whether the layer reads one group with counts that fit: its taps are then one product,
    /// [`add_product`] of the kernel and the `K` values they read (see `one_group`). It runs
    /// at every step, so it compares the fields with constants.
    #[inline(always)]
    pub(super) fn one_group(&self) -> bool {
        match Self::ONE_GROUP {
            Some((1, _)) => self.groups == 1 && self.kernel_size == 1 && self.dilation > 0,
            Some((taps, dilation)) => {
                self.groups == 1 && self.kernel_size == taps && self.dilation == dilation
            }
            None => false,
        }
    }

    /// Adds a one-group layer's taps to `z`: the kernel times the `K` values its taps read, in
    /// (tap, channel) order, those of tap `tap` given by `input(tap)` (`None` where it reads
    /// Keras's causal zeros).
    #[inline(always)]
    pub(super) fn add_gathered<'x, V: Simd>(
        &self,
        simd: V,
        z: &mut [T; F],
        input: impl Fn(usize) -> Option<&'x [T]>,
    ) {
        let mut v = [T::zero(); K];
        for (tap, v) in v.chunks_exact_mut(C).enumerate() {
            if let Some(x) = input(tap) {
                v.copy_from_slice(x);
            }
        }
        add_product(simd, z, &self.kernel.matrix().data.0, &v);
    }

    /// A step of a layer of several groups (see `Recurrent::step`), apart so that it does not
    /// weigh on the loop around a one-group step.
    #[inline(never)]
    pub(super) fn step_groups(
        &self,
        state: &mut CausalConvState<C, F, HIST, T>,
        x: &SVector<T, C>,
    ) {
        let axis = Self::axis(HIST + 1, self.kernel_size, self.dilation);
        state.step_with(x, |window| {
            let mut z = *self.bias.matrix();
            self.add_taps(z.as_mut_slice(), |tap| {
                let p = axis.input_of(HIST, tap)?;
                Some(&window[p * C..(p + 1) * C])
            });
            self.activation.activate(z.as_mut_slice());
            z
        });
    }

    /// Adds the kernel's taps to `z` (`F` values) for any groups: for every tap whose input
    /// `input(tap)` gives (`None` where it reads Keras's causal zeros), each filter's weights
    /// times its group's channels, tap by tap, channel by channel. Every pass of a layer of
    /// several groups sums in this one order, so `step` and `forward_sequences` agree bit for
    /// bit.
    #[inline(always)]
    pub(super) fn add_taps<'x>(&self, z: &mut [T], input: impl Fn(usize) -> Option<&'x [T]>) {
        let kernel = self.kernel.matrix().as_slice();
        let (channels, filters) = (C / self.groups, F / self.groups);
        for tap in 0..self.kernel_size {
            let Some(x) = input(tap) else { continue };
            for (g, (x, z)) in x
                .chunks_exact(channels)
                .zip(z.chunks_exact_mut(filters))
                .enumerate()
            {
                for (c, &v) in x.iter().enumerate() {
                    let at = (tap * channels + c) * F + g * filters;
                    for (z, &w) in z.iter_mut().zip(&kernel[at..at + filters]) {
                        *z += w * v;
                    }
                }
            }
        }
    }
}
