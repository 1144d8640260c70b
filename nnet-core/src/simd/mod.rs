//! The instruction set of SIMD kernels, picked once at run time: [`dispatch`] runs a
//! [`WithSimd`] operation (a generated network's pass, a layer's batch kernel) in the registers
//! of the best instruction set of this machine; [`Lanes`] gives kernels one name for the
//! operations on registers of `f32` or `f64` lanes, so that each kernel is written once.

mod lanes;

#[cfg(feature = "std")]
use std::sync::LazyLock;

#[cfg(not(target_arch = "x86_64"))]
use pulp::Arch;
use pulp::{Simd, WithSimd};

pub(crate) use lanes::Lanes;

/// The best instruction set of this machine for the narrow kernels, detected once: AVX2 and FMA
/// where there are (pulp's `V3`), never AVX-512, which only the matrix–matrix product uses
/// (`dense::gemm`): the single-sample kernels' register layouts were designed and measured
/// for 8 lanes.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
static V3: LazyLock<Option<pulp::x86::V3>> = LazyLock::new(pulp::x86::V3::try_new);

/// The best instruction set of this machine, detected once (elsewhere than on x86-64).
#[cfg(all(feature = "std", not(target_arch = "x86_64")))]
static ARCH: LazyLock<Arch> = LazyLock::new(Arch::new);

/// Runs `op` with the best instruction set of this machine up to AVX2 and FMA.
#[inline]
#[cfg(feature = "std")]
pub fn dispatch<Op: WithSimd>(op: Op) -> Op::Output {
    #[cfg(target_arch = "x86_64")]
    match *V3 {
        Some(simd) => Simd::vectorize(simd, op),
        None => Simd::vectorize(pulp::Scalar::new(), op),
    }
    #[cfg(not(target_arch = "x86_64"))]
    ARCH.dispatch(op)
}

/// Runs `op` with the best instruction set of this machine up to AVX2 and FMA. Without `std`,
/// pulp detects it through `cpuid` on x86 (once, cached in atomics) and takes the compile-time
/// target features elsewhere (`-C target-feature`, `-C target-cpu`).
#[inline]
#[cfg(not(feature = "std"))]
pub fn dispatch<Op: WithSimd>(op: Op) -> Op::Output {
    #[cfg(target_arch = "x86_64")]
    match pulp::x86::V3::try_new() {
        Some(simd) => Simd::vectorize(simd, op),
        None => Simd::vectorize(pulp::Scalar::new(), op),
    }
    #[cfg(not(target_arch = "x86_64"))]
    Arch::new().dispatch(op)
}

/// AVX-512 on this machine (pulp's `V4`), detected once (`None` without it), for
/// [`dispatch_wide`].
#[cfg(all(feature = "std", target_arch = "x86_64"))]
static V4: LazyLock<Option<pulp::x86::V4>> = LazyLock::new(pulp::x86::V4::try_new);

/// Runs `op` with AVX-512 where this machine has it, else as [`dispatch`]: for element-wise
/// passes over long arrays (an optimizer's update over every weight), where twice the lanes of
/// AVX2 halve the count of divisions and square roots issued. Only for code whose bits do not
/// depend on the register width (each lane computed alone, no sums across lanes).
#[inline]
#[cfg_attr(not(feature = "train"), allow(dead_code))]
pub(crate) fn dispatch_wide<Op: WithSimd>(op: Op) -> Op::Output {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if let Some(simd) = *V4 {
        return Simd::vectorize(simd, op);
    }
    dispatch(op)
}

/// Runs `op` with `simd`'s instruction set in a function of its own, compiled once per
/// operation type and instruction set, never inlined into the caller.
///
/// A network's pass is one dispatched function with every layer's kernel inlined into it, and
/// LLVM's time on a function grows faster than its size: a convolution's kernels copied into
/// each pass of each network (forward, trace, backward, for AVX2 and for scalar code) made a
/// release build of a small CNN trained with `fit` take half a minute. A kernel run through
/// here is compiled once instead, at the cost of one call per layer and sample. `simd` is
/// already the dispatched instruction set, so `vectorize` detects nothing: it only enters a
/// function compiled with that set's target features (for AVX2, pulp's `#[target_feature]`
/// trampoline, which cannot be inlined into this function without those features; for scalar
/// code, `op` itself).
#[inline(never)]
pub(crate) fn outlined<V: Simd, Op: WithSimd>(simd: V, op: Op) -> Op::Output {
    simd.vectorize(op)
}

/// AVX2 and FMA on this machine, detected once (`None` without them), for
/// [`dispatch_narrow`].
#[cfg(all(feature = "std", any(target_arch = "x86", target_arch = "x86_64")))]
static NARROW: LazyLock<Option<pulp::x86::V3>> = LazyLock::new(pulp::x86::V3::try_new);

/// Runs `op` with AVX2 and FMA where this machine has them, even where it has wider registers
/// (AVX-512, when pulp is built with its `x86-v4` level): what the one-sample passes of small
/// networks run in. Their layers have a few to a few dozen units, which fill registers of 8
/// `f32`s and leave most of 16 empty (a layer of 10 units falls back to scalar code in
/// registers of 16): with AVX-512, the seed network's `forward` took 23.5 ns instead of 16.8.
/// Elsewhere (no AVX2, other architectures) the same as [`dispatch`].
///
/// Lean, for passes of a few nanoseconds: a check of the detected level and a call of `op`'s
/// AVX2 function; the other levels go through a function of their own, so that their code
/// (the scalar pass inlined) does not make every call save registers and set up a frame.
///
/// # Examples
///
/// ```
/// use nnet_core::__private::pulp::{Simd, WithSimd};
///
/// struct Lanes;
/// impl WithSimd for Lanes {
///     type Output = usize;
///     fn with_simd<S: Simd>(self, _: S) -> usize {
///         S::F32_LANES
///     }
/// }
/// // 8 with AVX2, 1 (scalar) without; never the 16 of AVX-512.
/// assert!(nnet_core::__private::simd::dispatch_narrow(Lanes) <= 8);
/// ```
#[inline]
pub fn dispatch_narrow<Op: WithSimd>(op: Op) -> Op::Output {
    #[cfg(all(feature = "std", any(target_arch = "x86", target_arch = "x86_64")))]
    if let Some(simd) = *NARROW {
        return Simd::vectorize(simd, op);
    }
    #[cfg(all(not(feature = "std"), any(target_arch = "x86", target_arch = "x86_64")))]
    if let Some(simd) = pulp::x86::V3::try_new() {
        return Simd::vectorize(simd, op);
    }
    dispatch_other(op)
}

/// Without AVX2: the scalar level (or this architecture's), through [`dispatch`], not inlined
/// into [`dispatch_narrow`].
#[inline(never)]
fn dispatch_other<Op: WithSimd>(op: Op) -> Op::Output {
    dispatch(op)
}
