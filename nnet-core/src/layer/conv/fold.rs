//! Folding a batch normalization that follows a convolution into its kernel, for inference.

use super::{Conv, ConvKind};
use crate::Scalar;
use crate::activation::Activation;
use crate::layer::BatchNorm;
use crate::storage::MatrixStorage;

impl<
    const IN: usize,
    const OUT: usize,
    const F: usize,
    const K: usize,
    T: Scalar,
    A: Activation<T>,
    M: ConvKind,
    S: MatrixStorage<F, K, Scalar = T>,
    B: MatrixStorage<F, 1, Scalar = T>,
    const BIAS: bool,
> Conv<IN, OUT, F, K, A, M, S, B, BIAS>
{
    /// This layer followed by `norm` (one mean and variance per filter, at inference) as one
    /// convolution: with `norm`'s `y = s·z + t` per channel
    /// ([`BatchNorm::scale_and_shift`]), filter `f`'s kernel row becomes `s_f ·` the row and its
    /// bias `s_f · b_f + t_f`. Exact up to rounding for a layer whose activation is linear,
    /// which is what `network!` folds (the activation, if any, comes after the normalization).
    /// A batch normalization on a shaped output is a
    /// [`Positionwise`](crate::layer::Positionwise): pass its `layer`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nalgebra::{matrix, vector, SVector};
    /// use nnet_core::{activation::Linear, layer::{BatchNorm, Conv1d, Layer, Positionwise}};
    /// use nnet_core::layer::{Axis, Padding, Window};
    ///
    /// // 4 steps of 1 channel, 2 filters of 2 taps: 3 positions of 2 channels.
    /// let window = Window::steps(Axis::new(4, 2, 1, 1, Padding::Valid), 1);
    /// let mut conv = Conv1d::<4, 6, 2, 2, Linear>::new(window, 1, Linear);
    /// conv.kernel = matrix![1.0, 2.0; -1.0, 0.5];
    /// conv.bias = vector![0.1, 0.2];
    /// let mut norm = BatchNorm::<2>::new(0.99, 1e-3);
    /// norm.gamma = vector![2.0, 0.5];
    /// norm.moving_mean = vector![1.0, -1.0];
    /// let norm = Positionwise::<_, 3, 2, 2, 6, 6>::new(norm);
    /// let x = vector![0.3, -0.7, 1.0, 0.25];
    /// let simd = pulp::Scalar::new();
    /// let separate = norm.forward_simd(simd, &conv.forward_simd(simd, &x));
    /// let folded = conv.folded(&norm.layer).forward_simd(simd, &x);
    /// assert!((separate - folded).norm() < 1e-5);
    /// ```
    pub fn folded<V: MatrixStorage<F, 1, Scalar = T>>(
        &self,
        norm: &BatchNorm<F, V>,
    ) -> Conv<IN, OUT, F, K, A, M, S, B, true> {
        let (mut scale, mut shift) = (V::zeroed(), V::zeroed());
        norm.scale_and_shift_into(
            scale.matrix_mut().as_mut_slice(),
            shift.matrix_mut().as_mut_slice(),
        );
        let mut folded =
            Conv::<IN, OUT, F, K, A, M, S, B, true>::new(self.window, self.groups, self.activation);
        folded.regularizer = self.regularizer;
        folded.kernel.clone_from(&self.kernel);
        if BIAS {
            folded.bias.clone_from(&self.bias);
        }
        let (kernel, bias) = (folded.kernel.matrix_mut(), folded.bias.matrix_mut());
        let (scale, shift) = (scale.matrix(), shift.matrix());
        for f in 0..F {
            let s = scale[f];
            for k in 0..K {
                kernel[(f, k)] *= s;
            }
            bias[f] = s * bias[f] + shift[f];
        }
        folded
    }
}
