//! The seed network alone, baked, and one `forward`: the code size BENCHMARKS.md reports
//! (`size target/release/seed`). No `std`, no allocator, as `main.rs`.
#![no_std]
#![no_main]

use core::hint::black_box;
use core::panic::PanicInfo;

nnet::network! {
    /// The seed network, with the weights of `Classifier::seeded(42)` baked in.
    #[weights = "../tests/fixtures/classifier.safetensors"]
    struct Seed {
        input 2;
        dense 10 relu;
        dense 20 leaky_relu (alpha = 0.1);
        dense 1 sigmoid;
    }
}

static SEED: Seed = Seed::TRAINED;

#[panic_handler]
fn panic(_: &PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// Debug builds of the host's precompiled `core` name the unwinding personality routine, which
/// only `std` defines; with `panic = "abort"` nothing ever unwinds, so it is never called.
#[unsafe(no_mangle)]
pub extern "C" fn rust_eh_personality() {}

/// The C start-up code's entry point: 0 when the output is a probability.
#[unsafe(no_mangle)]
pub extern "C" fn main(_argc: i32, _argv: *const *const u8) -> i32 {
    let y = black_box(&SEED).forward(&black_box(nnet::vector![0.5, -1.0]));
    i32::from(!(y[0] > 0.0 && y[0] < 1.0))
}
