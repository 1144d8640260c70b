//! The instruction set of SIMD kernels, picked once at run time: [`dispatch`] runs a
//! [`WithSimd`] operation (a generated network's pass, a layer's batch kernel) in the registers
//! of the best instruction set of this machine; [`Lanes`] gives kernels one name for the
//! operations on registers of `f32` or `f64` lanes, so that each kernel is written once.

mod lanes;

#[cfg(feature = "std")]
use std::sync::LazyLock;

use pulp::{Arch, WithSimd};

pub(crate) use lanes::Lanes;

/// The best instruction set of this machine, detected once.
#[cfg(feature = "std")]
static ARCH: LazyLock<Arch> = LazyLock::new(Arch::new);

/// Runs `op` with the best instruction set of this machine (AVX2 and FMA where there are).
#[inline]
#[cfg(feature = "std")]
pub fn dispatch<Op: WithSimd>(op: Op) -> Op::Output {
    ARCH.dispatch(op)
}

/// Runs `op` with the best instruction set of this machine. Without `std`, pulp detects it
/// through `cpuid` on x86 (once, cached in atomics) and takes the compile-time target features
/// elsewhere (`-C target-feature`, `-C target-cpu`).
#[inline]
#[cfg(not(feature = "std"))]
pub fn dispatch<Op: WithSimd>(op: Op) -> Op::Output {
    Arch::new().dispatch(op)
}
