//! The dense layer's single-sample passes in SIMD registers, run inside
//! [`dispatch`](crate::simd::dispatch).
//!
//! A dense layer's weights are column-major, so `W x` is a sum of columns scaled by the inputs:
//! the output units are laid across SIMD lanes and every input adds one fused multiply-add per
//! register. When the units do not fill whole registers, the last register overlaps the one
//! before it (both compute the shared units identically), so no lane is wasted on padding and
//! no load is masked. A one-unit layer is a dot product instead.

use nalgebra::{SMatrix, SVector};
use pulp::{Simd, WithSimd};

use crate::activation::Activation;
use crate::storage::MatrixStorage;
use crate::{Dense, DenseGradient, Scalar};

/// Registers of output units kept at once.
const BLOCK: usize = 8;
/// Layers of at least this many weights (512 KiB, more than L2) stream their weights through
/// the output units in memory instead of keeping blocks of units in registers.
const STREAM: usize = 1 << 17;

#[inline(always)]
fn load<S: Simd>(values: &[f32]) -> S::f32s {
    S::as_simd_f32s(values).0[0]
}

#[inline(always)]
fn store<S: Simd>(values: &mut [f32], v: S::f32s) {
    S::as_mut_simd_f32s(values).0[0] = v;
}

/// `Σ a_i b_i` over equal lengths, in two registers of partial sums.
#[inline(always)]
fn dot<S: Simd>(simd: S, a: &[f32], b: &[f32]) -> f32 {
    let (a_head, a_tail) = S::as_simd_f32s(a);
    let (b_head, b_tail) = S::as_simd_f32s(b);
    let mut sums = [simd.splat_f32s(0.0); 2];
    for (i, (&a, &b)) in a_head.iter().zip(b_head).enumerate() {
        sums[i % 2] = simd.mul_add_f32s(a, b, sums[i % 2]);
    }
    let tail = simd.mul_f32s(
        simd.partial_load_f32s(a_tail),
        simd.partial_load_f32s(b_tail),
    );
    simd.reduce_sum_f32s(simd.add_f32s(simd.add_f32s(sums[0], sums[1]), tail))
}

impl<
    const IN: usize,
    const OUT: usize,
    T: Scalar,
    A: Activation<T>,
    S: MatrixStorage<OUT, IN, Scalar = T>,
    B: MatrixStorage<OUT, 1, Scalar = T>,
    const BIAS: bool,
> Dense<IN, OUT, A, S, B, BIAS>
{
    /// [`forward`](Dense::forward) in the registers of `simd`: what a generated network's
    /// `forward` calls for each dense layer, inside one [`dispatch`](crate::simd::dispatch).
    #[doc(hidden)]
    #[inline(always)]
    pub fn forward_simd<V: Simd>(&self, simd: V, x: &SVector<T, IN>) -> SVector<T, OUT> {
        let mut a = self.preactivation_simd(simd, x);
        self.activation.activate(a.as_mut_slice());
        a
    }

    #[inline(always)]
    fn preactivation_simd<V: Simd>(&self, simd: V, x: &SVector<T, IN>) -> SVector<T, OUT> {
        let mut z = *self.bias.matrix();
        self.add_product_simd(simd, x, z.as_mut_slice());
        z
    }

    /// [`forward_simd`](Dense::forward_simd) into `a`, for outputs that live on the heap.
    #[doc(hidden)]
    #[inline(always)]
    pub fn forward_simd_into<V: Simd>(&self, simd: V, x: &SVector<T, IN>, a: &mut SVector<T, OUT>) {
        a.as_mut_slice()
            .copy_from_slice(self.bias.matrix().as_slice());
        self.add_product_simd(simd, x, a.as_mut_slice());
        self.activation.activate(a.as_mut_slice());
    }

    /// `z += W x`, `z` holding the bias.
    #[inline(always)]
    fn add_product_simd<V: Simd>(&self, simd: V, x: &SVector<T, IN>, z: &mut [T]) {
        T::add_product(simd, self.weights.matrix(), self.bias.matrix(), x, z);
    }

    /// [`forward_trace`](Dense::forward_trace) in the registers of `simd`.
    #[doc(hidden)]
    #[inline(always)]
    pub fn forward_trace_simd<V: Simd>(
        &self,
        simd: V,
        x: &SVector<T, IN>,
    ) -> (SVector<T, OUT>, SVector<T, OUT>) {
        let z = self.preactivation_simd(simd, x);
        let mut a = z;
        self.activation.activate(a.as_mut_slice());
        (z, a)
    }

    /// [`forward_trace_simd`](Dense::forward_trace_simd) into `z` and `a`.
    #[doc(hidden)]
    #[inline(always)]
    pub fn forward_trace_simd_into<V: Simd>(
        &self,
        simd: V,
        x: &SVector<T, IN>,
        z: &mut SVector<T, OUT>,
        a: &mut SVector<T, OUT>,
    ) {
        z.as_mut_slice()
            .copy_from_slice(self.bias.matrix().as_slice());
        self.add_product_simd(simd, x, z.as_mut_slice());
        a.as_mut_slice().copy_from_slice(z.as_slice());
        self.activation.activate(a.as_mut_slice());
    }

    /// [`backward_into`](Dense::backward_into) in the registers of `simd`, for layers of up to
    /// `BLOCK` registers of units (`f32`); the plain products otherwise.
    #[doc(hidden)]
    #[inline(always)]
    pub fn backward_simd<V: Simd>(
        &self,
        simd: V,
        x: &SVector<T, IN>,
        delta: &SVector<T, OUT>,
        grad: &mut DenseGradient<IN, OUT, S, B>,
        dx: Option<&mut SVector<T, IN>>,
    ) {
        let mut dx = dx;
        let w = self.weights.matrix();
        if T::backward_product(simd, w, x, delta, grad.weights.matrix_mut(), &mut dx) {
            *grad.bias.matrix_mut() += delta;
        } else {
            self.backward_into(x, delta, grad, dx);
        }
    }

    /// `Z = W X + b` for the columns of a batch, each as [`forward_simd`](Dense::forward_simd).
    #[cfg(feature = "std")]
    pub(crate) fn preactivation_columns(&self, x: &[T], z: &mut [T]) {
        crate::simd::dispatch(Columns { layer: self, x, z });
    }
}

#[cfg(feature = "std")]
struct Columns<'a, const IN: usize, const OUT: usize, T, A, S, B, const BIAS: bool> {
    layer: &'a Dense<IN, OUT, A, S, B, BIAS>,
    x: &'a [T],
    z: &'a mut [T],
}

#[cfg(feature = "std")]
impl<
    const IN: usize,
    const OUT: usize,
    T: Scalar,
    A: Activation<T>,
    S: MatrixStorage<OUT, IN, Scalar = T>,
    B: MatrixStorage<OUT, 1, Scalar = T>,
    const BIAS: bool,
> WithSimd for Columns<'_, IN, OUT, T, A, S, B, BIAS>
{
    type Output = ();

    #[inline(always)]
    fn with_simd<V: Simd>(self, simd: V) {
        let inputs = crate::batch::vectors::<IN, T>(self.x);
        let outputs = crate::batch::vectors_mut::<OUT, T>(self.z);
        for (x, z) in inputs.iter().zip(outputs) {
            z.as_mut_slice()
                .copy_from_slice(self.layer.bias.matrix().as_slice());
            self.layer.add_product_simd(simd, x, z.as_mut_slice());
        }
    }
}

/// `z += W x` for one `f32` sample, `z` holding `bias`: the dense product of
/// [`Dense::forward_simd`] (see the module's documentation for the layout).
#[inline(always)]
pub(crate) fn add_product<V: Simd, const IN: usize, const OUT: usize>(
    simd: V,
    weights: &SMatrix<f32, OUT, IN>,
    bias: &SVector<f32, OUT>,
    x: &SVector<f32, IN>,
    z: &mut [f32],
) {
    let lanes = V::F32_LANES;
    let w = weights.as_slice();
    if OUT == 1 {
        z[0] += dot(simd, w, x.as_slice());
    } else if IN * OUT >= STREAM && OUT.is_multiple_of(lanes) {
        // Weights beyond L2: stream them column by column, each read once and in order.
        let (z, _) = V::as_mut_simd_f32s(z);
        for (column, &xj) in w.chunks_exact(OUT).zip(x.iter()) {
            let xj = simd.splat_f32s(xj);
            for (z, &wj) in z.iter_mut().zip(V::as_simd_f32s(column).0) {
                *z = simd.mul_add_f32s(wj, xj, *z);
            }
        }
    } else if OUT >= lanes {
        let registers = OUT.div_ceil(lanes).min(BLOCK);
        let rows = registers * lanes;
        for first in (0..OUT).step_by(rows) {
            // The last block, and the last register of a block, end at OUT.
            let first = first.min(OUT - rows.min(OUT));
            let at = |r: usize| (first + r * lanes).min(OUT - lanes);
            block::<V, IN, OUT>(simd, w, bias.as_slice(), x, z, registers, at);
        }
    } else {
        // Fewer units than lanes: nalgebra's fixed-size product, as `Dense::preactivation`.
        let mut z = nalgebra::SVectorViewMut::<f32, OUT>::from_slice(z);
        z.gemv(1.0, weights, x, 1.0);
    }
}

/// `∂W += δ xᵀ` and `dx = Wᵀ δ` for one `f32` sample, the output units in registers; `false`
/// (nothing done) for one unit or more than `BLOCK` registers of units.
#[inline(always)]
pub(crate) fn backward_product<V: Simd, const IN: usize, const OUT: usize>(
    simd: V,
    weights: &SMatrix<f32, OUT, IN>,
    x: &SVector<f32, IN>,
    delta: &SVector<f32, OUT>,
    gw: &mut SMatrix<f32, OUT, IN>,
    dx: &mut Option<&mut SVector<f32, IN>>,
) -> bool {
    let lanes = V::F32_LANES;
    if OUT == 1 || OUT > BLOCK * lanes {
        return false;
    }
    let registers = OUT.div_ceil(lanes);
    let zero = simd.splat_f32s(0.0);
    let mut d = [zero; BLOCK];
    for (r, chunk) in delta.as_slice().chunks(lanes).enumerate() {
        d[r] = simd.partial_load_f32s(chunk);
    }
    let w = weights.as_slice();
    let g = gw.as_mut_slice();
    let columns = w.chunks_exact(OUT).zip(g.chunks_exact_mut(OUT));
    for (j, ((w, g), &xj)) in columns.zip(x.iter()).enumerate() {
        let xj = simd.splat_f32s(xj);
        let mut sum = zero;
        for (r, (w, g)) in w.chunks(lanes).zip(g.chunks_mut(lanes)).enumerate() {
            let d = d[r.min(registers - 1)];
            let (wv, gv) = if w.len() == lanes {
                (load::<V>(w), load::<V>(g))
            } else {
                (simd.partial_load_f32s(w), simd.partial_load_f32s(g))
            };
            let gv = simd.mul_add_f32s(d, xj, gv);
            if g.len() == lanes {
                store::<V>(g, gv);
            } else {
                simd.partial_store_f32s(g, gv);
            }
            sum = simd.mul_add_f32s(wv, d, sum);
        }
        if let Some(dx) = dx.as_deref_mut() {
            dx[j] = simd.reduce_sum_f32s(sum);
        }
    }
    true
}

/// Up to `BLOCK` registers of output units, starting at the rows `at(r)`, from the bias.
#[inline(always)]
fn block<V: Simd, const IN: usize, const OUT: usize>(
    simd: V,
    w: &[f32],
    bias: &[f32],
    x: &SVector<f32, IN>,
    z: &mut [f32],
    registers: usize,
    at: impl Fn(usize) -> usize,
) {
    let lanes = V::F32_LANES;
    let zero = simd.splat_f32s(0.0);
    // Even and odd inputs in separate sums, to halve the chain of dependent additions.
    let mut even = [zero; BLOCK];
    let mut odd = [zero; BLOCK];
    // From the bias, not from `z`: blocks may overlap, and `z` may already hold results.
    for r in 0..registers {
        even[r] = load::<V>(&bias[at(r)..at(r) + lanes]);
    }
    // Two sets of sums only while both fit in the 16 registers with room to spare.
    let split = registers <= BLOCK / 2;
    for (j, column) in w.chunks_exact(OUT).enumerate() {
        let xj = simd.splat_f32s(x[j]);
        let sums = if split && j % 2 == 1 {
            &mut odd
        } else {
            &mut even
        };
        for (r, sum) in sums.iter_mut().enumerate().take(registers) {
            let wj = load::<V>(&column[at(r)..at(r) + lanes]);
            *sum = simd.mul_add_f32s(wj, xj, *sum);
        }
    }
    for r in 0..registers {
        store::<V>(&mut z[at(r)..at(r) + lanes], simd.add_f32s(even[r], odd[r]));
    }
}

#[inline(always)]
fn load_f64<S: Simd>(values: &[f64]) -> S::f64s {
    S::as_simd_f64s(values).0[0]
}

#[inline(always)]
fn store_f64<S: Simd>(values: &mut [f64], v: S::f64s) {
    S::as_mut_simd_f64s(values).0[0] = v;
}

/// `Σ a_i b_i` over equal lengths, in two registers of partial sums.
#[inline(always)]
fn dot_f64<S: Simd>(simd: S, a: &[f64], b: &[f64]) -> f64 {
    let (a_head, a_tail) = S::as_simd_f64s(a);
    let (b_head, b_tail) = S::as_simd_f64s(b);
    let mut sums = [simd.splat_f64s(0.0); 2];
    for (i, (&a, &b)) in a_head.iter().zip(b_head).enumerate() {
        sums[i % 2] = simd.mul_add_f64s(a, b, sums[i % 2]);
    }
    let tail = simd.mul_f64s(
        simd.partial_load_f64s(a_tail),
        simd.partial_load_f64s(b_tail),
    );
    simd.reduce_sum_f64s(simd.add_f64s(simd.add_f64s(sums[0], sums[1]), tail))
}

/// [`add_product`] for `f64`: the same layout, in registers of `f64` lanes (half as many per
/// register as `f32`).
#[inline(always)]
pub(crate) fn add_product_f64<V: Simd, const IN: usize, const OUT: usize>(
    simd: V,
    weights: &SMatrix<f64, OUT, IN>,
    bias: &SVector<f64, OUT>,
    x: &SVector<f64, IN>,
    z: &mut [f64],
) {
    let lanes = V::F64_LANES;
    let w = weights.as_slice();
    if OUT == 1 {
        z[0] += dot_f64(simd, w, x.as_slice());
    } else if IN * OUT >= STREAM && OUT.is_multiple_of(lanes) {
        // Weights beyond L2: stream them column by column, each read once and in order.
        let (z, _) = V::as_mut_simd_f64s(z);
        for (column, &xj) in w.chunks_exact(OUT).zip(x.iter()) {
            let xj = simd.splat_f64s(xj);
            for (z, &wj) in z.iter_mut().zip(V::as_simd_f64s(column).0) {
                *z = simd.mul_add_f64s(wj, xj, *z);
            }
        }
    } else if OUT >= lanes {
        let registers = OUT.div_ceil(lanes).min(BLOCK);
        let rows = registers * lanes;
        for first in (0..OUT).step_by(rows) {
            // The last block, and the last register of a block, end at OUT.
            let first = first.min(OUT - rows.min(OUT));
            let at = |r: usize| (first + r * lanes).min(OUT - lanes);
            block_f64::<V, IN, OUT>(simd, w, bias.as_slice(), x, z, registers, at);
        }
    } else {
        // Fewer units than lanes: nalgebra's fixed-size product, as `Dense::preactivation`.
        let mut z = nalgebra::SVectorViewMut::<f64, OUT>::from_slice(z);
        z.gemv(1.0, weights, x, 1.0);
    }
}

/// Up to `BLOCK` registers of output units, starting at the rows `at(r)`, from the bias.
#[inline(always)]
fn block_f64<V: Simd, const IN: usize, const OUT: usize>(
    simd: V,
    w: &[f64],
    bias: &[f64],
    x: &SVector<f64, IN>,
    z: &mut [f64],
    registers: usize,
    at: impl Fn(usize) -> usize,
) {
    let lanes = V::F64_LANES;
    let zero = simd.splat_f64s(0.0);
    // Even and odd inputs in separate sums, to halve the chain of dependent additions.
    let mut even = [zero; BLOCK];
    let mut odd = [zero; BLOCK];
    // From the bias, not from `z`: blocks may overlap, and `z` may already hold results.
    for r in 0..registers {
        even[r] = load_f64::<V>(&bias[at(r)..at(r) + lanes]);
    }
    // Two sets of sums only while both fit in the 16 registers with room to spare.
    let split = registers <= BLOCK / 2;
    for (j, column) in w.chunks_exact(OUT).enumerate() {
        let xj = simd.splat_f64s(x[j]);
        let sums = if split && j % 2 == 1 {
            &mut odd
        } else {
            &mut even
        };
        for (r, sum) in sums.iter_mut().enumerate().take(registers) {
            let wj = load_f64::<V>(&column[at(r)..at(r) + lanes]);
            *sum = simd.mul_add_f64s(wj, xj, *sum);
        }
    }
    for r in 0..registers {
        store_f64::<V>(&mut z[at(r)..at(r) + lanes], simd.add_f64s(even[r], odd[r]));
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use nalgebra::SMatrix;
    use pulp::{Simd, WithSimd};

    use crate::Dense;
    use crate::activation::Linear;
    use crate::storage::{HeapMatrix, HeapVector, MatrixStorage};

    /// `forward_simd` of an `f64` dense layer of every shape class (one unit, fewer units than
    /// lanes, whole and ragged registers, several blocks, streamed weights) against nalgebra's
    /// `gemv` in `Dense::forward`, under one, two, four and this machine's lanes.
    struct Shapes;

    fn check<V: Simd, const IN: usize, const OUT: usize, S, B>(simd: V)
    where
        S: MatrixStorage<OUT, IN, Scalar = f64>,
        B: MatrixStorage<OUT, 1, Scalar = f64>,
    {
        let mut layer = Dense::<IN, OUT, Linear, S, B>::new(Linear);
        for (i, w) in layer.weights.matrix_mut().iter_mut().enumerate() {
            *w = ((i * 37 % 101) as f64 - 50.0) / 61.0;
        }
        for (i, b) in layer.bias.matrix_mut().iter_mut().enumerate() {
            *b = (i % 7) as f64 / 3.0 - 1.0;
        }
        let x = nalgebra::SVector::<f64, IN>::from_fn(|i, _| ((i * 13 % 17) as f64 - 8.0) / 9.0);
        let (fast, plain) = (layer.forward_simd(simd, &x), layer.forward(&x));
        for (i, (&a, &b)) in fast.iter().zip(plain.iter()).enumerate() {
            let scale = b.abs().max(1.0);
            assert!(
                (a - b).abs() <= 1e-13 * scale,
                "{IN}×{OUT} unit {i}: {a} vs {b}"
            );
        }
    }

    impl WithSimd for Shapes {
        type Output = ();
        fn with_simd<V: Simd>(self, simd: V) {
            check::<V, 5, 1, SMatrix<f64, 1, 5>, SMatrix<f64, 1, 1>>(simd);
            check::<V, 4, 3, SMatrix<f64, 3, 4>, SMatrix<f64, 3, 1>>(simd);
            check::<V, 3, 4, SMatrix<f64, 4, 3>, SMatrix<f64, 4, 1>>(simd);
            check::<V, 7, 9, SMatrix<f64, 9, 7>, SMatrix<f64, 9, 1>>(simd);
            check::<V, 2, 64, SMatrix<f64, 64, 2>, SMatrix<f64, 64, 1>>(simd);
            check::<V, 33, 70, SMatrix<f64, 70, 33>, SMatrix<f64, 70, 1>>(simd);
            check::<V, 512, 256, HeapMatrix<256, 512, f64>, HeapVector<256, f64>>(simd);
        }
    }

    #[test]
    fn f64_products_match_nalgebra_under_every_instruction_set() {
        Shapes.with_simd(pulp::Scalar::new());
        Shapes.with_simd(pulp::Scalar128b);
        Shapes.with_simd(pulp::Scalar256b);
        pulp::Arch::new().dispatch(Shapes);
    }
}
