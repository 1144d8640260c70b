//! Generic access to the trainable tensors of a network or of its gradients.

use crate::Scalar;

/// Name, shape and role of one tensor of a network.
///
/// The data of a tensor (see [`Parameters::tensor`]) are stored column-major: for a weight
/// matrix of `rows = units` and `cols = inputs`, element `(r, c)` is at `c * rows + r`. That is
/// the memory order of a Keras `Dense` kernel (`[inputs, units]`, row-major) and the transpose of
/// a PyTorch `nn.Linear` weight (`[units, inputs]`, row-major). Vectors (biases, normalization
/// parameters and statistics) have `cols = 1` and `matrix = false`.
///
/// # Examples
///
/// ```
/// use nnet_core::TensorInfo;
///
/// let info = TensorInfo::matrix("dense1", "weight", 10, 2);
/// assert_eq!((info.len(), info.name()), (20, "dense1.weight".to_string()));
/// assert_eq!(info.shape(), vec![10, 2]);
/// let moving = TensorInfo::vector("batch_norm1", "moving_mean", 10).non_trainable();
/// assert!(!moving.trainable);
/// assert_eq!(moving.shape(), vec![10]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TensorInfo {
    /// The layer's field name: `dense1`, `batch_norm1`, … (empty for a lone layer).
    pub layer: &'static str,
    /// The tensor within its layer: `weight`, `bias`, `gamma`, `moving_mean`, …
    pub tensor: &'static str,
    /// Number of rows: the layer's units.
    pub rows: usize,
    /// Number of columns: the layer's inputs for a weight matrix, 1 for a vector.
    pub cols: usize,
    /// Whether the tensor is a matrix (saved as `[rows, cols]`) or a vector (saved as `[rows]`).
    pub matrix: bool,
    /// Whether optimizers train the tensor. Non-trainable tensors (the moving statistics of
    /// batch normalization) are saved and loaded but never touched by an optimizer, and the
    /// matching slot of a gradient holds what the layer computed for them instead (the batch's
    /// statistics).
    pub trainable: bool,
}

impl TensorInfo {
    /// A trainable `rows × cols` matrix.
    pub const fn matrix(
        layer: &'static str,
        tensor: &'static str,
        rows: usize,
        cols: usize,
    ) -> Self {
        Self {
            layer,
            tensor,
            rows,
            cols,
            matrix: true,
            trainable: true,
        }
    }

    /// A trainable vector of `len` values.
    pub const fn vector(layer: &'static str, tensor: &'static str, len: usize) -> Self {
        Self {
            layer,
            tensor,
            rows: len,
            cols: 1,
            matrix: false,
            trainable: true,
        }
    }

    /// The same tensor, not trainable.
    pub const fn non_trainable(self) -> Self {
        Self {
            trainable: false,
            ..self
        }
    }

    /// The same tensor in layer `layer`.
    pub const fn in_layer(self, layer: &'static str) -> Self {
        Self { layer, ..self }
    }

    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    /// The name in weight files: `{layer}.{tensor}`, e.g. `dense1.weight`.
    pub fn name(&self) -> String {
        if self.layer.is_empty() {
            self.tensor.to_string()
        } else {
            format!("{}.{}", self.layer, self.tensor)
        }
    }

    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    /// The shape in weight files: `[rows, cols]` for a matrix, `[rows]` for a vector.
    pub fn shape(&self) -> Vec<usize> {
        if self.matrix {
            vec![self.rows, self.cols]
        } else {
            vec![self.rows]
        }
    }

    /// Number of values, `rows * cols`.
    pub const fn len(&self) -> usize {
        self.rows * self.cols
    }

    /// Whether the tensor has no values (never the case for a generated network).
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A fixed list of `f32` tensors: the parameters and state of a network, or gradients of the
/// same shapes.
///
/// Optimizers, gradient clipping and weight I/O work through this trait, so they serve every
/// generated network without knowing its layers. Tensor `i` of a network and tensor `i` of its
/// gradients always have the same [`TensorInfo`].
///
/// # Examples
///
/// ```
/// use nnet_core::Parameters;
///
/// /// Sum of squares of every parameter.
/// fn squared_norm<P: Parameters>(p: &P) -> f32 {
///     (0..P::TENSORS).flat_map(|i| p.tensor(i)).map(|v| v * v).sum()
/// }
/// # let _ = squared_norm::<nnet_core::DenseGradient<1, 1>>;
/// ```
pub trait Parameters<T: Scalar = f32> {
    /// Number of tensors.
    const TENSORS: usize;

    /// Name and shape of tensor `index`, or `None` past the last tensor.
    fn tensor_info(index: usize) -> Option<TensorInfo>;

    /// The values of tensor `index` (column-major), or an empty slice past the last tensor.
    fn tensor(&self, index: usize) -> &[T];

    /// The values of tensor `index` (column-major), or an empty slice past the last tensor.
    fn tensor_mut(&mut self, index: usize) -> &mut [T];

    /// Sets every value to zero.
    fn set_zero(&mut self) {
        for i in 0..Self::TENSORS {
            self.tensor_mut(i).fill(T::zero());
        }
    }

    /// The indices of the trainable tensors (see [`TensorInfo::trainable`]), which optimizers,
    /// gradient clipping and [`scale`](Parameters::scale) work on.
    fn trainable() -> impl Iterator<Item = usize> {
        (0..Self::TENSORS).filter(|&i| Self::tensor_info(i).is_some_and(|t| t.trainable))
    }

    /// Multiplies every trainable value by `factor` (non-trainable tensors are left as they
    /// are: in gradients they hold statistics, not sums over a batch).
    fn scale(&mut self, factor: T) {
        for i in Self::trainable() {
            for v in self.tensor_mut(i) {
                *v *= factor;
            }
        }
    }

    /// Whether every value is finite.
    fn all_finite(&self) -> bool {
        (0..Self::TENSORS).all(|i| all_finite(self.tensor(i)))
    }

    /// Copies every value from `other`, which has the same tensors.
    fn copy_from(&mut self, other: &Self) {
        for i in 0..Self::TENSORS {
            self.tensor_mut(i).copy_from_slice(other.tensor(i));
        }
    }
}

/// Whether every value of `values` is finite: `x − x` is zero for a finite `x` and NaN for an
/// infinite or NaN one, accumulated in registers and summed at the end (a check per value with
/// an early exit does not vectorize, and it runs over every weight and gradient at every step
/// of training).
pub(crate) fn all_finite<T: Scalar>(values: &[T]) -> bool {
    crate::simd::dispatch(AllFinite(values))
}

/// [`all_finite`] in registers.
struct AllFinite<'a, T>(&'a [T]);

impl<T: Scalar> pulp::WithSimd for AllFinite<'_, T> {
    type Output = bool;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, simd: S) -> bool {
        let (registers, tail) = T::as_simd::<S>(self.0);
        let zero = T::splat_reg(simd, T::zero());
        let mut sums = [zero; 4];
        let (quads, rest) = registers.as_chunks::<4>();
        for quad in quads {
            for (sum, &x) in sums.iter_mut().zip(quad) {
                *sum = T::add_reg(simd, *sum, T::sub_reg(simd, x, x));
            }
        }
        for &x in rest {
            sums[0] = T::add_reg(simd, sums[0], T::sub_reg(simd, x, x));
        }
        let sum = T::add_reg(
            simd,
            T::add_reg(simd, sums[0], sums[1]),
            T::add_reg(simd, sums[2], sums[3]),
        );
        T::reduce_sum(simd, sum) == T::zero() && tail.iter().all(|v| v.is_finite())
    }
}

#[cfg(test)]
mod tests {
    use super::all_finite;

    #[test]
    fn all_finite_finds_every_non_finite_value() {
        for len in [0, 1, 15, 16, 17, 40, 100] {
            let values = vec![1.5_f32; len];
            assert!(all_finite(&values));
            assert!(all_finite(&vec![f64::MAX; len]));
            for at in 0..len {
                for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
                    let mut values = values.clone();
                    values[at] = bad;
                    assert!(!all_finite(&values), "{bad} at {at} of {len}");
                }
            }
        }
    }
}
