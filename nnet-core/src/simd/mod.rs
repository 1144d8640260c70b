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
