//! [`Lanes`]: the register operations of pulp's [`Simd`] for one element type, so that a kernel
//! generic over `T: Lanes` is the same code in `f32` lanes and in `f64` lanes.
//!
//! pulp names each operation after its element (`mul_add_f32s`, `mul_add_f64s`, …); this trait
//! picks the right one from the element type, and nothing else: every kernel computes the same
//! sums in the same order whatever the element.

use core::fmt::Debug;

use pulp::Simd;

/// An element type of SIMD registers, `f32` or `f64`: its register type under each instruction
/// set and the operations the kernels use on it.
///
/// Not nameable outside the crate (its module is private): a supertrait of
/// [`Scalar`](crate::Scalar)'s sealed half, so every `T: Scalar` has it.
pub trait Lanes: Copy + bytemuck::Pod + 'static {
    /// A register of this element under the instruction set `S`.
    type Reg<S: Simd>: Copy + Debug + bytemuck::Pod;

    /// The number of elements in one register of `S`.
    fn lanes<S: Simd>() -> usize;
    /// The whole registers at the start of `values`, and the elements left over.
    fn as_simd<S: Simd>(values: &[Self]) -> (&[Self::Reg<S>], &[Self]);
    /// As [`as_simd`](Self::as_simd), mutably.
    fn as_mut_simd<S: Simd>(values: &mut [Self]) -> (&mut [Self::Reg<S>], &mut [Self]);
    /// `value` in every lane.
    fn splat_reg<S: Simd>(simd: S, value: Self) -> Self::Reg<S>;
    /// `a + b`, lane by lane.
    fn add_reg<S: Simd>(simd: S, a: Self::Reg<S>, b: Self::Reg<S>) -> Self::Reg<S>;
    /// `a − b`, lane by lane.
    fn sub_reg<S: Simd>(simd: S, a: Self::Reg<S>, b: Self::Reg<S>) -> Self::Reg<S>;
    /// `a · b`, lane by lane.
    fn mul_reg<S: Simd>(simd: S, a: Self::Reg<S>, b: Self::Reg<S>) -> Self::Reg<S>;
    /// `a / b`, lane by lane, correctly rounded as the scalar division.
    fn div_reg<S: Simd>(simd: S, a: Self::Reg<S>, b: Self::Reg<S>) -> Self::Reg<S>;
    /// The square root of each lane, correctly rounded as the scalar one.
    fn sqrt_reg<S: Simd>(simd: S, v: Self::Reg<S>) -> Self::Reg<S>;
    /// `a · b + c`, lane by lane, fused where the instruction set has it.
    fn mul_add_reg<S: Simd>(
        simd: S,
        a: Self::Reg<S>,
        b: Self::Reg<S>,
        c: Self::Reg<S>,
    ) -> Self::Reg<S>;
    /// Up to one register's worth of `values`, the missing lanes zero.
    fn partial_load<S: Simd>(simd: S, values: &[Self]) -> Self::Reg<S>;
    /// The first `values.len()` lanes of `v` into `values`.
    fn partial_store<S: Simd>(simd: S, values: &mut [Self], v: Self::Reg<S>);
    /// The sum of the lanes of `v`.
    fn reduce_sum<S: Simd>(simd: S, v: Self::Reg<S>) -> Self;
    /// `0` in the lanes of `v` below zero, `v` elsewhere (NaN and `-0.0` stay): the values of
    /// [`Relu`](crate::activation::Relu), lane by lane.
    fn relu_reg<S: Simd>(simd: S, v: Self::Reg<S>) -> Self::Reg<S>;
}

/// `Lanes` for one element type, from the names of pulp's operations on it.
macro_rules! lanes {
    ($t:ty, $reg:ident, $lanes:ident, $as_simd:ident, $as_mut_simd:ident, $splat:ident,
     $add:ident, $sub:ident, $mul:ident, $div:ident, $sqrt:ident, $mul_add:ident, $load:ident, $store:ident, $sum:ident,
     $less:ident, $select:ident) => {
        impl Lanes for $t {
            type Reg<S: Simd> = S::$reg;

            #[inline(always)]
            fn lanes<S: Simd>() -> usize {
                S::$lanes
            }
            #[inline(always)]
            fn as_simd<S: Simd>(values: &[Self]) -> (&[Self::Reg<S>], &[Self]) {
                S::$as_simd(values)
            }
            #[inline(always)]
            fn as_mut_simd<S: Simd>(values: &mut [Self]) -> (&mut [Self::Reg<S>], &mut [Self]) {
                S::$as_mut_simd(values)
            }
            #[inline(always)]
            fn splat_reg<S: Simd>(simd: S, value: Self) -> Self::Reg<S> {
                simd.$splat(value)
            }
            #[inline(always)]
            fn add_reg<S: Simd>(simd: S, a: Self::Reg<S>, b: Self::Reg<S>) -> Self::Reg<S> {
                simd.$add(a, b)
            }
            #[inline(always)]
            fn sub_reg<S: Simd>(simd: S, a: Self::Reg<S>, b: Self::Reg<S>) -> Self::Reg<S> {
                simd.$sub(a, b)
            }
            #[inline(always)]
            fn mul_reg<S: Simd>(simd: S, a: Self::Reg<S>, b: Self::Reg<S>) -> Self::Reg<S> {
                simd.$mul(a, b)
            }
            #[inline(always)]
            fn div_reg<S: Simd>(simd: S, a: Self::Reg<S>, b: Self::Reg<S>) -> Self::Reg<S> {
                simd.$div(a, b)
            }
            #[inline(always)]
            fn sqrt_reg<S: Simd>(simd: S, v: Self::Reg<S>) -> Self::Reg<S> {
                simd.$sqrt(v)
            }
            #[inline(always)]
            fn mul_add_reg<S: Simd>(
                simd: S,
                a: Self::Reg<S>,
                b: Self::Reg<S>,
                c: Self::Reg<S>,
            ) -> Self::Reg<S> {
                simd.$mul_add(a, b, c)
            }
            #[inline(always)]
            fn partial_load<S: Simd>(simd: S, values: &[Self]) -> Self::Reg<S> {
                simd.$load(values)
            }
            #[inline(always)]
            fn partial_store<S: Simd>(simd: S, values: &mut [Self], v: Self::Reg<S>) {
                simd.$store(values, v)
            }
            #[inline(always)]
            fn reduce_sum<S: Simd>(simd: S, v: Self::Reg<S>) -> Self {
                simd.$sum(v)
            }
            #[inline(always)]
            fn relu_reg<S: Simd>(simd: S, v: Self::Reg<S>) -> Self::Reg<S> {
                let zero = simd.$splat(0.0);
                simd.$select(simd.$less(v, zero), zero, v)
            }
        }
    };
}

lanes!(
    f32,
    f32s,
    F32_LANES,
    as_simd_f32s,
    as_mut_simd_f32s,
    splat_f32s,
    add_f32s,
    sub_f32s,
    mul_f32s,
    div_f32s,
    sqrt_f32s,
    mul_add_f32s,
    partial_load_f32s,
    partial_store_f32s,
    reduce_sum_f32s,
    less_than_f32s,
    select_f32s
);
lanes!(
    f64,
    f64s,
    F64_LANES,
    as_simd_f64s,
    as_mut_simd_f64s,
    splat_f64s,
    add_f64s,
    sub_f64s,
    mul_f64s,
    div_f64s,
    sqrt_f64s,
    mul_add_f64s,
    partial_load_f64s,
    partial_store_f64s,
    reduce_sum_f64s,
    less_than_f64s,
    select_f64s
);
