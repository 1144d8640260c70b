//! The dense layer's single-sample passes in SIMD registers, run inside
//! [`dispatch`](crate::simd::dispatch).
//!
//! A dense layer's weights are column-major, so `W x` is a sum of columns scaled by the inputs:
//! the output units are laid across SIMD lanes and every input adds one fused multiply-add per
//! register. When the units do not fill whole registers, the last register overlaps the one
//! before it (both compute the shared units identically), so no lane is wasted on padding and
//! no load is masked. A one-unit layer is a dot product instead.
//!
//! Each kernel is written once, generic over the element through [`Lanes`]: `f32` and `f64`
//! run the same code, `f64` in registers of half as many lanes.

use nalgebra::{SMatrix, SVector};
use pulp::Simd;
#[cfg(feature = "std")]
use pulp::WithSimd;

use crate::activation::{Activation, ActivationKind};
use crate::simd::Lanes;
use crate::storage::MatrixStorage;
use crate::{Dense, DenseGradient, Scalar};

/// Registers of output units kept at once.
const BLOCK: usize = 8;
/// Layers of at least this many weights (512 KiB, more than L2) stream their weights through
/// the output units in memory instead of keeping blocks of units in registers.
const STREAM: usize = 1 << 17;

/// The first register's worth of `values`.
#[inline(always)]
fn load<S: Simd, T: Lanes>(values: &[T]) -> T::Reg<S> {
    T::as_simd::<S>(values).0[0]
}

/// `v` into the first register's worth of `values`.
#[inline(always)]
fn store<S: Simd, T: Lanes>(values: &mut [T], v: T::Reg<S>) {
    T::as_mut_simd::<S>(values).0[0] = v;
}

/// The values of a partial register, zero beyond them, as [`Lanes::partial_load`] gives them,
/// through a zeroed buffer: pulp's partial loads and stores jump through a table of functions
/// and back (two indirect jumps each), which cost the seed network's training epoch about a
/// quarter of its instructions (11.2 M → 8.7 M with these).
#[inline(always)]
fn padded_load<S: Simd, T: Scalar>(simd: S, values: &[T]) -> T::Reg<S> {
    let mut buffer = [T::zero(); 16];
    let lanes = T::lanes::<S>();
    if values.len() > buffer.len() || lanes > buffer.len() {
        return T::partial_load(simd, values);
    }
    buffer[..values.len()].copy_from_slice(values);
    load::<S, T>(&buffer[..lanes])
}

/// The first `values.len()` lanes of `v` into `values`, as [`Lanes::partial_store`] writes
/// them, through a buffer.
#[inline(always)]
fn padded_store<S: Simd, T: Scalar>(simd: S, values: &mut [T], v: T::Reg<S>) {
    let mut buffer = [T::zero(); 16];
    let lanes = T::lanes::<S>();
    if values.len() > lanes || lanes > buffer.len() {
        return T::partial_store(simd, values, v);
    }
    store::<S, T>(&mut buffer[..lanes], v);
    values.copy_from_slice(&buffer[..values.len()]);
}

/// `Σ a_i b_i` over equal lengths, in two registers of partial sums.
#[inline(always)]
fn dot<S: Simd, T: Scalar>(simd: S, a: &[T], b: &[T]) -> T {
    let (a_head, a_tail) = T::as_simd::<S>(a);
    let (b_head, b_tail) = T::as_simd::<S>(b);
    let mut sums = [T::splat_reg(simd, T::zero()); 2];
    for (i, (&a, &b)) in a_head.iter().zip(b_head).enumerate() {
        sums[i % 2] = T::mul_add_reg(simd, a, b, sums[i % 2]);
    }
    let tail = T::mul_reg(simd, padded_load(simd, a_tail), padded_load(simd, b_tail));
    T::reduce_sum(
        simd,
        T::add_reg(simd, T::add_reg(simd, sums[0], sums[1]), tail),
    )
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
    #[inline(always)]
    pub(crate) fn forward_simd<V: Simd>(&self, simd: V, x: &SVector<T, IN>) -> SVector<T, OUT> {
        let mut a = self.preactivation_simd(simd, x);
        if self.activation.kind() == ActivationKind::Sigmoid {
            // The sigmoid's bits, one operation shorter where `V` has fused multiply-adds.
            for a in a.iter_mut() {
                *a = a.fast_logistic_in(simd);
            }
        } else {
            self.activation.activate(a.as_mut_slice());
        }
        a
    }

    /// `W x + b` in the registers of `simd`.
    #[inline(always)]
    pub(crate) fn preactivation_simd<V: Simd>(
        &self,
        simd: V,
        x: &SVector<T, IN>,
    ) -> SVector<T, OUT> {
        let mut z = *self.bias.matrix();
        self.add_product_simd(simd, x, z.as_mut_slice());
        z
    }

    /// [`forward_simd`](Dense::forward_simd) into `a`, for outputs that live on the heap.
    #[inline(always)]
    pub(crate) fn forward_simd_into<V: Simd>(
        &self,
        simd: V,
        x: &SVector<T, IN>,
        a: &mut SVector<T, OUT>,
    ) {
        a.as_mut_slice()
            .copy_from_slice(self.bias.matrix().as_slice());
        self.add_product_simd(simd, x, a.as_mut_slice());
        self.activation.activate(a.as_mut_slice());
    }

    /// `z += W x`, `z` holding the bias.
    #[inline(always)]
    fn add_product_simd<V: Simd>(&self, simd: V, x: &SVector<T, IN>, z: &mut [T]) {
        add_product(simd, self.weights.matrix(), self.bias.matrix(), x, z);
    }

    /// [`forward_trace`](Dense::forward_trace) in the registers of `simd`.
    #[inline(always)]
    pub(crate) fn forward_trace_simd<V: Simd>(
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
    #[inline(always)]
    pub(crate) fn forward_trace_simd_into<V: Simd>(
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
    /// `BLOCK` registers of units; the plain products otherwise.
    #[inline(always)]
    pub(crate) fn backward_simd<V: Simd>(
        &self,
        simd: V,
        x: &SVector<T, IN>,
        delta: &SVector<T, OUT>,
        grad: &mut DenseGradient<IN, OUT, S, B>,
        dx: Option<&mut SVector<T, IN>>,
    ) {
        let mut dx = dx;
        let w = self.weights.matrix();
        if backward_product(simd, w, x, delta, grad.weights.matrix_mut(), &mut dx) {
            *grad.bias.matrix_mut() += delta;
        } else {
            self.backward_into(x, delta, grad, dx);
        }
    }

    /// `Z = W X + b` for the columns of a batch, each as [`forward_simd`](Dense::forward_simd).
    #[cfg(feature = "std")]
    pub(crate) fn preactivation_columns(&self, x: &[T], z: &mut [T]) {
        let activate = false;
        crate::simd::dispatch(Columns {
            layer: self,
            x,
            z,
            activate,
        });
    }

    /// `A = act(W X + b)` for the columns of a batch, as
    /// [`preactivation_columns`](Self::preactivation_columns) followed by the activation: of
    /// each column as soon as it is computed (still in L1) when it has a register of units or
    /// more, or is a softmax; else of all the columns at once, in SIMD lanes across samples.
    /// The same bits either way.
    #[cfg(feature = "std")]
    pub(crate) fn output_columns(&self, x: &[T], a: &mut [T]) {
        crate::simd::dispatch(Columns {
            layer: self,
            x,
            z: a,
            activate: true,
        });
    }
}

/// The dense layer over as many samples as a register has lanes, one register per input and
/// per unit, lane `s` holding sample `s`: what a small network's `forward_batch` runs groups of
/// samples through ([`batch::forward_lanes`](crate::batch::forward_lanes)). Each unit's value
/// is computed by the operations [`Dense::preactivation_simd`] computes it by for one sample,
/// in the same order, so that the bits are the same: a block's even and odd sums (see
/// [`block`]), or for one unit [`dot`]'s two registers of partial sums, its partial register
/// and its sum of the lanes by halves (pulp's order, checked by a test).
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
    /// Whether [`preactivation_lanes`](Self::preactivation_lanes) gives the bits of
    /// [`preactivation_simd`](Self::preactivation_simd) under `V`: for one unit, or whole
    /// blocks of units in registers (not fewer units than lanes, which nalgebra's product
    /// computes, nor streamed weights), and registers of more than one lane.
    #[inline(always)]
    pub(crate) fn lanes_exact<V: Simd>() -> bool {
        let lanes = T::lanes::<V>();
        lanes > 1 && (OUT == 1 || (OUT >= lanes && IN * OUT < STREAM))
    }

    /// `W x + b` for the samples in the lanes of `x` (see above), when
    /// [`lanes_exact`](Self::lanes_exact).
    #[inline(always)]
    pub(crate) fn preactivation_lanes<V: Simd>(
        &self,
        simd: V,
        x: &[T::Reg<V>; IN],
    ) -> [T::Reg<V>; OUT] {
        let w = self.weights.matrix().as_slice();
        let b = self.bias.matrix().as_slice();
        let zero = T::splat_reg(simd, T::zero());
        // Filled with a value that is not a constant zero, which the compiler would clear with
        // a call of `memset` for every group of samples.
        let mut z = [T::splat_reg(simd, b[0]); OUT];
        if OUT == 1 {
            z[0] = dot_lanes(simd, w, x, b[0]);
            return z;
        }
        let registers = OUT.div_ceil(T::lanes::<V>()).min(BLOCK);
        let split = registers <= BLOCK / 2;
        // No closures here: one the compiler did not inline would lose the instruction set.
        for (o, z) in z.iter_mut().enumerate() {
            let (mut even, mut odd) = (T::splat_reg(simd, b[o]), zero);
            for (j, &xj) in x.iter().enumerate() {
                let wj = T::splat_reg(simd, w[j * OUT + o]);
                if split && j % 2 == 1 {
                    odd = T::mul_add_reg(simd, wj, xj, odd);
                } else {
                    even = T::mul_add_reg(simd, wj, xj, even);
                }
            }
            *z = T::add_reg(simd, even, odd);
        }
        z
    }

    /// `act(W x + b)` for the samples in the lanes of `x`, as
    /// [`preactivation_lanes`](Self::preactivation_lanes) then the activation on every value
    /// (for element-wise activations: the same values as on each sample's units).
    #[inline(always)]
    pub(crate) fn forward_lanes<V: Simd>(&self, simd: V, x: &[T::Reg<V>; IN]) -> [T::Reg<V>; OUT] {
        let mut a = self.preactivation_lanes(simd, x);
        if self.activation.kind() == ActivationKind::Relu {
            // In the registers (the slice's loop stores the zeros through masks).
            for a in &mut a {
                *a = T::relu_reg(simd, *a);
            }
        } else {
            self.activation
                .activate(bytemuck::cast_slice_mut(&mut a[..]));
        }
        a
    }
}

/// `c + Σ w_i x_i` for the samples in the lanes of `x`, by [`dot`]'s operations in its order:
/// lane `k` of its registers of partial sums is here the register of term `k`.
#[inline(always)]
fn dot_lanes<V: Simd, T: Scalar, const IN: usize>(
    simd: V,
    w: &[T],
    x: &[T::Reg<V>; IN],
    c: T,
) -> T::Reg<V> {
    let lanes = T::lanes::<V>();
    let zero = T::splat_reg(simd, T::zero());
    // Term k of the partial register: the sums of dot's two registers, then its tail.
    let head = IN / lanes * lanes;
    let mut terms = [T::splat_reg(simd, c); 16];
    for (k, term) in terms.iter_mut().enumerate().take(lanes) {
        let mut sums = [zero; 2];
        for (chunk, i) in (k..head).step_by(lanes).enumerate() {
            let wi = T::splat_reg(simd, w[i]);
            sums[chunk % 2] = T::mul_add_reg(simd, wi, x[i], sums[chunk % 2]);
        }
        let tail = if head + k < IN {
            T::mul_reg(simd, T::splat_reg(simd, w[head + k]), x[head + k])
        } else {
            T::mul_reg(simd, zero, zero)
        };
        *term = T::add_reg(simd, T::add_reg(simd, sums[0], sums[1]), tail);
    }
    // The sum of the lanes by halves: lane k plus lane k + half.
    let mut half = lanes / 2;
    while half >= 1 {
        for k in 0..half {
            terms[k] = T::add_reg(simd, terms[k], terms[k + half]);
        }
        half /= 2;
    }
    T::add_reg(simd, T::splat_reg(simd, c), terms[0])
}

#[cfg(feature = "std")]
struct Columns<'a, const IN: usize, const OUT: usize, T, A, S, B, const BIAS: bool> {
    layer: &'a Dense<IN, OUT, A, S, B, BIAS>,
    x: &'a [T],
    z: &'a mut [T],
    /// Whether to apply the layer's activation too.
    activate: bool,
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
        let activation = &self.layer.activation;
        let each = self.activate
            && (OUT >= T::lanes::<V>() || activation.kind() == ActivationKind::Softmax);
        let inputs = crate::batch::vectors::<IN, T>(self.x);
        let outputs = crate::batch::vectors_mut::<OUT, T>(self.z);
        for (x, z) in inputs.iter().zip(outputs.iter_mut()) {
            z.as_mut_slice()
                .copy_from_slice(self.layer.bias.matrix().as_slice());
            self.layer.add_product_simd(simd, x, z.as_mut_slice());
            if each {
                activation.activate(z.as_mut_slice());
            }
        }
        if self.activate && !each {
            activation.activate(bytemuck::cast_slice_mut(outputs));
        }
    }
}

/// `z += W x` for one sample, `z` holding `bias`: the dense product of
/// [`Dense::forward_simd`] (see the module's documentation for the layout).
#[inline(always)]
fn add_product<V: Simd, T: Scalar, const IN: usize, const OUT: usize>(
    simd: V,
    weights: &SMatrix<T, OUT, IN>,
    bias: &SVector<T, OUT>,
    x: &SVector<T, IN>,
    z: &mut [T],
) {
    let lanes = T::lanes::<V>();
    let w = weights.as_slice();
    if OUT == 1 {
        z[0] += dot(simd, w, x.as_slice());
    } else if IN * OUT >= STREAM && OUT.is_multiple_of(lanes) {
        // Weights beyond L2: stream them column by column, each read once and in order.
        let (z, _) = T::as_mut_simd::<V>(z);
        for (column, &xj) in w.chunks_exact(OUT).zip(x.iter()) {
            let xj = T::splat_reg(simd, xj);
            for (z, &wj) in z.iter_mut().zip(T::as_simd::<V>(column).0) {
                *z = T::mul_add_reg(simd, wj, xj, *z);
            }
        }
    } else if OUT >= lanes {
        let registers = OUT.div_ceil(lanes).min(BLOCK);
        let rows = registers * lanes;
        for first in (0..OUT).step_by(rows) {
            // The last block, and the last register of a block, end at OUT.
            let first = first.min(OUT - rows.min(OUT));
            let at = |r: usize| (first + r * lanes).min(OUT - lanes);
            block::<V, T, IN, OUT>(simd, w, bias.as_slice(), x, z, registers, at);
        }
    } else {
        // Fewer units than lanes: nalgebra's fixed-size product, as `Dense::preactivation`.
        let mut z = nalgebra::SVectorViewMut::<T, OUT>::from_slice(z);
        z.gemv(T::one(), weights, x, T::one());
    }
}

/// `∂W += δ xᵀ` and `dx = Wᵀ δ` for one sample, the output units in registers; `false`
/// (nothing done) for one unit or more than `BLOCK` registers of units.
///
/// The columns are walked as the arrays nalgebra stores them in (`[[T; OUT]; IN]`), zipped with
/// the inputs and `dx`, so no index is checked at run time, and without `dx` (the first layer)
/// the sums `Wᵀ δ` are not formed at all: with slices and an index into `dx` (as before) the
/// seed network's training pass ran about 200 more instructions a sample.
#[inline(always)]
fn backward_product<V: Simd, T: Scalar, const IN: usize, const OUT: usize>(
    simd: V,
    weights: &SMatrix<T, OUT, IN>,
    x: &SVector<T, IN>,
    delta: &SVector<T, OUT>,
    gw: &mut SMatrix<T, OUT, IN>,
    dx: &mut Option<&mut SVector<T, IN>>,
) -> bool {
    let lanes = T::lanes::<V>();
    if OUT == 1 || OUT > BLOCK * lanes {
        return false;
    }
    let zero = T::splat_reg(simd, T::zero());
    let mut d = [zero; BLOCK];
    for (r, chunk) in delta.as_slice().chunks(lanes).enumerate() {
        d[r] = T::partial_load(simd, chunk);
    }
    let columns = weights.data.0.iter().zip(gw.data.0.iter_mut());
    let columns = columns.zip(x.data.0[0].iter());
    match dx.as_deref_mut() {
        Some(dx) => {
            for (((w, g), &xj), dx) in columns.zip(dx.data.0[0].iter_mut()) {
                *dx = T::reduce_sum(simd, backward_column::<V, T, OUT>(simd, w, g, xj, &d));
            }
        }
        None => {
            for ((w, g), &xj) in columns {
                backward_column::<V, T, OUT>(simd, w, g, xj, &d);
            }
        }
    }
    true
}

/// One column of [`backward_product`]: `g += δ x_j` register by register (the last one
/// partial when the units do not fill it), and the register of partial sums of `w · δ`.
#[inline(always)]
fn backward_column<V: Simd, T: Scalar, const OUT: usize>(
    simd: V,
    w: &[T; OUT],
    g: &mut [T; OUT],
    xj: T,
    d: &[T::Reg<V>; BLOCK],
) -> T::Reg<V> {
    let lanes = T::lanes::<V>();
    let xj = T::splat_reg(simd, xj);
    let mut sum = T::splat_reg(simd, T::zero());
    let whole = OUT / lanes;
    for (r, &d) in d.iter().enumerate().take(whole) {
        let at = r * lanes..(r + 1) * lanes;
        let (wv, gv) = (load::<V, T>(&w[at.clone()]), load::<V, T>(&g[at.clone()]));
        store::<V, T>(&mut g[at], T::mul_add_reg(simd, d, xj, gv));
        sum = T::mul_add_reg(simd, wv, d, sum);
    }
    if whole * lanes < OUT {
        let (w, g) = (&w[whole * lanes..], &mut g[whole * lanes..]);
        let (wv, gv) = (padded_load(simd, w), padded_load(simd, g));
        let d = d[whole];
        padded_store(simd, g, T::mul_add_reg(simd, d, xj, gv));
        sum = T::mul_add_reg(simd, wv, d, sum);
    }
    sum
}

/// Up to `BLOCK` registers of output units, starting at the rows `at(r)`, from the bias.
#[inline(always)]
fn block<V: Simd, T: Scalar, const IN: usize, const OUT: usize>(
    simd: V,
    w: &[T],
    bias: &[T],
    x: &SVector<T, IN>,
    z: &mut [T],
    registers: usize,
    at: impl Fn(usize) -> usize,
) {
    let lanes = T::lanes::<V>();
    let zero = T::splat_reg(simd, T::zero());
    // Even and odd inputs in separate sums, to halve the chain of dependent additions.
    let mut even = [zero; BLOCK];
    let mut odd = [zero; BLOCK];
    // From the bias, not from `z`: blocks may overlap, and `z` may already hold results.
    for r in 0..registers {
        even[r] = load::<V, T>(&bias[at(r)..at(r) + lanes]);
    }
    // Two sets of sums only while both fit in the 16 registers with room to spare.
    let split = registers <= BLOCK / 2;
    for (j, column) in w.chunks_exact(OUT).enumerate() {
        let xj = T::splat_reg(simd, x[j]);
        let sums = if split && j % 2 == 1 {
            &mut odd
        } else {
            &mut even
        };
        for (r, sum) in sums.iter_mut().enumerate().take(registers) {
            let wj = load::<V, T>(&column[at(r)..at(r) + lanes]);
            *sum = T::mul_add_reg(simd, wj, xj, *sum);
        }
    }
    for r in 0..registers {
        let sum = T::add_reg(simd, even[r], odd[r]);
        store::<V, T>(&mut z[at(r)..at(r) + lanes], sum);
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

    /// `backward_simd` of a dense layer against the plain `backward_into`, in `T`'s lanes.
    fn check_backward<V: Simd, T: crate::Scalar, const IN: usize, const OUT: usize>(
        simd: V,
        tolerance: f64,
    ) {
        let mut layer =
            Dense::<IN, OUT, Linear, SMatrix<T, OUT, IN>, SMatrix<T, OUT, 1>>::new(Linear);
        for (i, w) in layer.weights.iter_mut().enumerate() {
            *w = T::of_f64(((i * 37 % 101) as f64 - 50.0) / 61.0);
        }
        let x = nalgebra::SVector::<T, IN>::from_fn(|i, _| {
            T::of_f64(((i * 13 % 17) as f64 - 8.0) / 9.0)
        });
        let delta = nalgebra::SVector::<T, OUT>::from_fn(|i, _| {
            T::of_f64(((i * 5 % 11) as f64 - 5.0) / 7.0)
        });
        let (mut fast, mut plain) = (layer.zero_gradient(), layer.zero_gradient());
        let (mut fast_dx, mut plain_dx) = (nalgebra::SVector::zeros(), nalgebra::SVector::zeros());
        layer.backward_simd(simd, &x, &delta, &mut fast, Some(&mut fast_dx));
        layer.backward_into(&x, &delta, &mut plain, Some(&mut plain_dx));
        let pairs = fast.weights.iter().zip(plain.weights.iter());
        let pairs = pairs.chain(fast.bias.iter().zip(plain.bias.iter()));
        for (&a, &b) in pairs.chain(fast_dx.iter().zip(plain_dx.iter())) {
            let (a, b) = (a.as_f64(), b.as_f64());
            assert!(
                (a - b).abs() <= tolerance * b.abs().max(1.0),
                "{} {IN}×{OUT}: {a} vs {b}",
                T::NAME
            );
        }
    }

    /// The backward kernel of every shape class it takes (fewer units than lanes, whole and
    /// ragged registers, up to eight registers) and of those it hands back (one unit, more
    /// than eight registers), in `f32` and `f64` lanes.
    struct Backward;

    impl WithSimd for Backward {
        type Output = ();
        fn with_simd<V: Simd>(self, simd: V) {
            check_backward::<V, f64, 5, 1>(simd, 1e-13);
            check_backward::<V, f64, 4, 3>(simd, 1e-13);
            check_backward::<V, f64, 7, 9>(simd, 1e-13);
            check_backward::<V, f64, 33, 32>(simd, 1e-13);
            check_backward::<V, f64, 3, 70>(simd, 1e-13);
            check_backward::<V, f32, 4, 3>(simd, 1e-5);
            check_backward::<V, f32, 7, 9>(simd, 1e-5);
            check_backward::<V, f32, 33, 64>(simd, 1e-5);
            check_backward::<V, f32, 3, 150>(simd, 1e-5);
        }
    }

    #[test]
    fn backward_kernels_match_the_plain_products_under_every_instruction_set() {
        Backward.with_simd(pulp::Scalar::new());
        Backward.with_simd(pulp::Scalar128b);
        Backward.with_simd(pulp::Scalar256b);
        pulp::Arch::new().dispatch(Backward);
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

    /// `preactivation_lanes` and `forward_lanes` (a rectifier) of a dense layer against
    /// `preactivation_simd` and `forward_simd` of each sample alone, bit for bit, in `T`'s lanes
    /// of `V`, wherever `lanes_exact` says they agree (asserted for the shapes that must).
    fn check_lanes<V: Simd, T: crate::Scalar, const IN: usize, const OUT: usize>(
        simd: V,
        exact: bool,
    ) {
        use crate::activation::Relu;
        type Layer<T, const IN: usize, const OUT: usize> =
            Dense<IN, OUT, Relu, SMatrix<T, OUT, IN>, SMatrix<T, OUT, 1>>;
        let lanes = T::lanes::<V>();
        assert_eq!(
            Layer::<T, IN, OUT>::lanes_exact::<V>(),
            exact && lanes > 1,
            "{} {IN}×{OUT} in {lanes} lanes",
            T::NAME
        );
        if !(exact && lanes > 1) {
            return;
        }
        let mut layer = Layer::<T, IN, OUT>::new(Relu);
        for (i, w) in layer.weights.iter_mut().enumerate() {
            *w = T::of_f64(((i * 37 % 101) as f64 - 50.0) / 61.0);
        }
        for (i, b) in layer.bias.iter_mut().enumerate() {
            *b = T::of_f64((i % 7) as f64 / 3.0 - 1.0);
        }
        let samples: Vec<nalgebra::SVector<T, IN>> = (0..lanes)
            .map(|s| {
                nalgebra::SVector::from_fn(|i, _| {
                    T::of_f64(((i * 13 + s * 29) % 17) as f64 / 9.0 - 0.9)
                })
            })
            .collect();
        let mut x = [T::splat_reg(simd, T::zero()); IN];
        let flat: &mut [T] = bytemuck::cast_slice_mut(&mut x[..]);
        for (s, sample) in samples.iter().enumerate() {
            for (i, &v) in sample.iter().enumerate() {
                flat[i * lanes + s] = v;
            }
        }
        let (z, a) = (
            layer.preactivation_lanes(simd, &x),
            layer.forward_lanes(simd, &x),
        );
        let (z, a): (&[T], &[T]) = (bytemuck::cast_slice(&z[..]), bytemuck::cast_slice(&a[..]));
        for (s, sample) in samples.iter().enumerate() {
            let (want_z, want_a) = (
                layer.preactivation_simd(simd, sample),
                layer.forward_simd(simd, sample),
            );
            for o in 0..OUT {
                let at = o * lanes + s;
                assert_eq!(
                    z[at].as_f64().to_bits(),
                    want_z[o].as_f64().to_bits(),
                    "{IN}×{OUT} z {o} {s}"
                );
                assert_eq!(
                    a[at].as_f64().to_bits(),
                    want_a[o].as_f64().to_bits(),
                    "{IN}×{OUT} a {o} {s}"
                );
            }
        }
    }

    /// Every shape class of the lanes kernel, and those it declines.
    struct LanesShapes;

    impl WithSimd for LanesShapes {
        type Output = ();
        fn with_simd<V: Simd>(self, simd: V) {
            check_lanes::<V, f32, 2, 10>(simd, V::F32_LANES <= 10);
            check_lanes::<V, f32, 10, 20>(simd, V::F32_LANES <= 20);
            check_lanes::<V, f32, 20, 1>(simd, true);
            check_lanes::<V, f32, 3, 1>(simd, true);
            check_lanes::<V, f32, 33, 1>(simd, true);
            check_lanes::<V, f32, 33, 70>(simd, true);
            check_lanes::<V, f32, 5, 3>(simd, V::F32_LANES <= 3);
            check_lanes::<V, f64, 2, 10>(simd, true);
            check_lanes::<V, f64, 10, 20>(simd, true);
            check_lanes::<V, f64, 20, 1>(simd, true);
            check_lanes::<V, f64, 7, 9>(simd, true);
            check_lanes::<V, f64, 5, 3>(simd, V::F64_LANES <= 3);
        }
    }

    #[test]
    fn lanes_kernels_give_the_bits_of_one_sample_under_every_instruction_set() {
        LanesShapes.with_simd(pulp::Scalar::new());
        LanesShapes.with_simd(pulp::Scalar128b);
        LanesShapes.with_simd(pulp::Scalar256b);
        pulp::Arch::new().dispatch(LanesShapes);
        crate::simd::dispatch_narrow(LanesShapes);
    }

    #[test]
    fn f64_products_match_nalgebra_under_every_instruction_set() {
        Shapes.with_simd(pulp::Scalar::new());
        Shapes.with_simd(pulp::Scalar128b);
        Shapes.with_simd(pulp::Scalar256b);
        pulp::Arch::new().dispatch(Shapes);
    }
}
