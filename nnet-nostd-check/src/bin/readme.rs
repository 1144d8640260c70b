//! A complete firmware-style program: nnet with no `std`, no allocator and no `main` of Rust's.
#![no_std]
#![no_main]

use core::panic::PanicInfo;

nnet::network! {
    #[weights = "weights/classifier.safetensors"]  // read by the macro, on the build machine
    struct Classifier { input 2; dense 10 relu; dense 20 leaky_relu (alpha = 0.1); dense 1 sigmoid; }
}

nnet::network! {
    #[weights = "weights/amp.safetensors"]
    struct Amp { input sequence 1; gru 8 (return_sequences); dense 1; }
}

static NET: Classifier = Classifier::TRAINED; // in flash: no I/O, no heap
static AMP: Amp = Amp::TRAINED;

fn classify(x: f32, y: f32) -> bool {
    NET.forward(&nnet::vector![x, y])[0] > 0.5
}

fn process(state: &mut AmpState, sample: f32) -> f32 {
    AMP.step(state, &nnet::vector![sample])[0] // one call per sample, no allocation
}

/// Without `std`, the program says what a panic does (nnet does not panic on any input; a
/// firmware would reset the chip here).
#[panic_handler]
fn panic(_: &PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// The unwinding personality routine, which only `std` defines: the host's precompiled `core`
/// names it in debug builds. With `panic = "abort"` nothing unwinds, so it is never called.
#[unsafe(no_mangle)]
pub extern "C" fn rust_eh_personality() {}

/// The entry point: called by the C start-up code on a hosted target (exit status 0 when the
/// outputs are finite); on a microcontroller, by the board's reset handler.
#[unsafe(no_mangle)]
pub extern "C" fn main(_argc: i32, _argv: *const *const u8) -> i32 {
    let mut state = AmpState::default();
    let mut finite = true;
    for t in 0..480 {
        let sample = if t % 48 < 24 { 0.5 } else { -0.5 }; // a 1 kHz square wave, sampled at 48 kHz
        finite &= process(&mut state, sample).is_finite();
    }
    core::hint::black_box(classify(0.5, -1.0)); // a firmware would act on it
    i32::from(!finite)
}
