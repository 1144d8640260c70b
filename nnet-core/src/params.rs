//! Generic access to the trainable tensors of a network or of its gradients.

/// Name and shape of one trainable tensor.
///
/// The data of a tensor (see [`Parameters::tensor`]) are stored column-major: for a weight
/// matrix of `rows = units` and `cols = inputs`, element `(r, c)` is at `c * rows + r`. That is
/// the memory order of a Keras `Dense` kernel (`[inputs, units]`, row-major) and the transpose of
/// a PyTorch `nn.Linear` weight (`[units, inputs]`, row-major).
///
/// # Examples
///
/// ```
/// use nnet_core::TensorInfo;
///
/// let info = TensorInfo { name: "dense1.weight", rows: 10, cols: 2 };
/// assert_eq!(info.len(), 20);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TensorInfo {
    /// Name of the tensor, `dense1.weight`, `dense1.bias`, `dense2.weight`, …
    pub name: &'static str,
    /// Number of rows: the layer's units.
    pub rows: usize,
    /// Number of columns: the layer's inputs for a weight, 1 for a bias.
    pub cols: usize,
}

impl TensorInfo {
    /// Number of values, `rows * cols`.
    pub const fn len(&self) -> usize {
        self.rows * self.cols
    }

    /// Whether the tensor has no values (never the case for a generated network).
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A fixed list of `f32` tensors: the parameters of a network, or gradients of the same shapes.
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
pub trait Parameters {
    /// Number of tensors.
    const TENSORS: usize;

    /// Name and shape of tensor `index`, or `None` past the last tensor.
    fn tensor_info(index: usize) -> Option<TensorInfo>;

    /// The values of tensor `index` (column-major), or an empty slice past the last tensor.
    fn tensor(&self, index: usize) -> &[f32];

    /// The values of tensor `index` (column-major), or an empty slice past the last tensor.
    fn tensor_mut(&mut self, index: usize) -> &mut [f32];

    /// Sets every value to zero.
    fn set_zero(&mut self) {
        for i in 0..Self::TENSORS {
            self.tensor_mut(i).fill(0.0);
        }
    }

    /// Multiplies every value by `factor`.
    fn scale(&mut self, factor: f32) {
        for i in 0..Self::TENSORS {
            for v in self.tensor_mut(i) {
                *v *= factor;
            }
        }
    }

    /// Whether every value is finite.
    fn all_finite(&self) -> bool {
        (0..Self::TENSORS).all(|i| self.tensor(i).iter().all(|v| v.is_finite()))
    }

    /// Copies every value from `other`, which has the same tensors.
    fn copy_from(&mut self, other: &Self) {
        for i in 0..Self::TENSORS {
            self.tensor_mut(i).copy_from_slice(other.tensor(i));
        }
    }
}
