//! The per-sample backward pass of a convolution in SIMD registers: from `δ = ∂L/∂z`, the
//! kernel's and the bias's gradients and `∂L/∂x`.
//!
//! Each (position, tap, channel) that read the input adds `δ_position · x` to the kernel
//! gradient's column of that (tap, channel), and `kernel column · δ_position` to `∂L/∂x` at the
//! input it read: the transpose of the forward pass, one axpy and one dot product over the
//! filters of the channel's group, in registers with a scalar tail. A depthwise layer of depth
//! multiplier 1 works element by element across the channels instead.

use pulp::Simd;

use super::forward::{load, store};
use super::geometry::{Geometry, for_each_tap};
use crate::Scalar;

/// Where the backward pass of one sample writes: the kernel gradient (`F × K`, column-major),
/// the bias gradient (`None` for a layer without bias) and `∂L/∂x` (`None` when not wanted).
pub(super) struct Gradients<'a, T> {
    pub kernel: &'a mut [T],
    pub bias: Option<&'a mut [T]>,
    pub dx: Option<&'a mut [T]>,
}

/// Adds the gradients of one sample `x` with `δ = delta` to `grads`; `grads.dx` is
/// overwritten with `∂L/∂x`.
#[inline(always)]
pub(super) fn backward<V: Simd, T: Scalar>(
    simd: V,
    geo: &Geometry,
    kernel: &[T],
    x: &[T],
    delta: &[T],
    grads: Gradients<'_, T>,
) {
    let Gradients {
        kernel: gk,
        mut bias,
        mut dx,
    } = grads;
    if let Some(dx) = dx.as_deref_mut() {
        dx.fill(T::zero());
    }
    let f = geo.filters;
    for (position, d) in delta.chunks_exact(f).enumerate().take(geo.positions) {
        if let Some(bias) = bias.as_deref_mut() {
            add(simd, bias, d);
        }
        if geo.is_elementwise() {
            for_each_tap!(geo, position, |tap, offset| {
                let columns = tap * f..(tap + 1) * f;
                let xs = &x[offset..offset + f];
                multiply_add(simd, &mut gk[columns.clone()], d, xs);
                if let Some(dx) = dx.as_deref_mut() {
                    multiply_add(simd, &mut dx[offset..offset + f], &kernel[columns], d);
                }
            });
            continue;
        }
        let (fg, cg) = (geo.group_filters, geo.group_channels);
        for g in 0..geo.groups {
            let (filters, first_channel) = (g * fg..(g + 1) * fg, g * cg);
            let dg = &d[filters.clone()];
            for_each_tap!(geo, position, |tap, offset| {
                let at = offset + first_channel;
                for (c, &xv) in x[at..at + cg].iter().enumerate() {
                    let column = (tap * cg + c) * f;
                    let rows = column + filters.start..column + filters.end;
                    let (g, w) = (&mut gk[rows.clone()], &kernel[rows]);
                    match dx.as_deref_mut() {
                        Some(dx) => dx[at + c] += axpy_dot(simd, g, w, dg, xv),
                        None => axpy(simd, g, dg, xv),
                    }
                }
            });
        }
    }
}

/// `y += a`, element by element.
#[inline(always)]
fn add<V: Simd, T: Scalar>(simd: V, y: &mut [T], a: &[T]) {
    let (y_head, y_tail) = T::as_mut_simd::<V>(y);
    let (a_head, a_tail) = T::as_simd::<V>(a);
    for (y, &a) in y_head.iter_mut().zip(a_head) {
        *y = T::add_reg(simd, *y, a);
    }
    for (y, &a) in y_tail.iter_mut().zip(a_tail) {
        *y += a;
    }
}

/// `y += a ⊙ b`, element by element.
#[inline(always)]
fn multiply_add<V: Simd, T: Scalar>(simd: V, y: &mut [T], a: &[T], b: &[T]) {
    let lanes = T::lanes::<V>();
    let whole = y.len() / lanes * lanes;
    for at in (0..whole).step_by(lanes) {
        let (av, bv) = (load::<V, T>(&a[at..]), load::<V, T>(&b[at..]));
        let yv = load::<V, T>(&y[at..]);
        store::<V, T>(&mut y[at..], T::mul_add_reg(simd, av, bv, yv));
    }
    for ((y, &a), &b) in y[whole..].iter_mut().zip(&a[whole..]).zip(&b[whole..]) {
        *y += a * b;
    }
}

/// `g += d · x`, over equal lengths.
#[inline(always)]
fn axpy<V: Simd, T: Scalar>(simd: V, g: &mut [T], d: &[T], x: T) {
    let lanes = T::lanes::<V>();
    let whole = g.len() / lanes * lanes;
    let xv = T::splat_reg(simd, x);
    for at in (0..whole).step_by(lanes) {
        let (dv, gv) = (load::<V, T>(&d[at..]), load::<V, T>(&g[at..]));
        store::<V, T>(&mut g[at..], T::mul_add_reg(simd, dv, xv, gv));
    }
    for (g, &d) in g[whole..].iter_mut().zip(&d[whole..]) {
        *g += d * x;
    }
}

/// `g += d · x` and the dot product `w · d`, over equal lengths.
#[inline(always)]
fn axpy_dot<V: Simd, T: Scalar>(simd: V, g: &mut [T], w: &[T], d: &[T], x: T) -> T {
    let lanes = T::lanes::<V>();
    let whole = g.len() / lanes * lanes;
    let xv = T::splat_reg(simd, x);
    let mut sum = T::splat_reg(simd, T::zero());
    for at in (0..whole).step_by(lanes) {
        let (wv, dv) = (load::<V, T>(&w[at..]), load::<V, T>(&d[at..]));
        let gv = load::<V, T>(&g[at..]);
        store::<V, T>(&mut g[at..], T::mul_add_reg(simd, dv, xv, gv));
        sum = T::mul_add_reg(simd, wv, dv, sum);
    }
    let mut tail = T::zero();
    for ((g, &w), &d) in g[whole..].iter_mut().zip(&w[whole..]).zip(&d[whole..]) {
        *g += d * x;
        tail += w * d;
    }
    if whole == 0 {
        tail
    } else {
        T::reduce_sum(simd, sum) + tail
    }
}
