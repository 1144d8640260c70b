//! nnet without the standard library and without an allocator, checked by the compiler and the
//! linker: this program is `#![no_std]` and has its own `#[panic_handler]`, so a dependency that
//! links `std` (which brings its own) fails the build with "found duplicate lang item
//! `panic_impl`"; it has no `#[global_allocator]`, so a dependency that allocates (`alloc`) fails
//! to link. It bakes trained networks (the seed network, a recurrent one, a stack of causal
//! convolutions and residual blocks, from the test fixtures) and runs `forward` and a streaming `step`, and builds
//! other networks from a seed to exercise every activation, every layer kind and every
//! initializer. It exits with 0 when every output is finite and as expected.
//!
//! ```sh
//! cd nnet-nostd-check && cargo build --release && ./target/release/nnet-nostd-check
//! ```
#![no_std]
#![no_main]

use core::hint::black_box;
use core::panic::PanicInfo;

nnet::network! {
    /// The seed network, with the weights of `Classifier::seeded(42)` baked in (the fixture of
    /// `tests/baked.rs`).
    #[weights = "../tests/fixtures/classifier.safetensors"]
    struct Seed {
        input 2;
        dense 10 relu;
        dense 20 leaky_relu (alpha = 0.1);
        dense 1 sigmoid;
    }
}

nnet::network! {
    /// Every recurrent kind, baked: a streaming network with no file and no heap.
    #[weights = "../tests/fixtures/recurrent/baked.safetensors"]
    struct Recurrent {
        input sequence 2;
        gru 4 (return_sequences);
        lstm 3 (return_sequences);
        simple_rnn 2 relu;
        dense 1;
    }
}

nnet::network! {
    /// Normalization, activation and dropout layers, baked.
    #[weights = "../tests/fixtures/normed.safetensors"]
    struct Normed {
        input 3;
        dense 4 (use_bias = false);
        batch_norm (momentum = 0.9);
        activation relu;
        dropout 0.2;
        layer_norm;
        dense 2 softmax;
    }
}

nnet::network! {
    /// Every activation and every initializer, drawn from a seed (ChaCha8, no `std`).
    struct Every {
        input 3;
        dense 16 linear (init = zeros);
        dense 16 relu (init = ones);
        dense 16 sigmoid (init = uniform);
        dense 16 tanh (init = normal);
        dense 16 step (init = glorot_normal);
        dense 16 leaky_relu (init = he_uniform);
        dense 16 elu (init = he_normal);
        dense 16 selu (init = lecun_uniform);
        dense 16 gelu (init = lecun_normal);
        dense 16 silu;
        dense 16 softplus;
        dense 16 softsign;
        dense 16 hard_sigmoid;
        dense 16 exponential;
        dense 4 softmax;
    }
}

nnet::network! {
    /// Recurrent kernels drawn `orthogonal` without an allocator.
    struct Drawn {
        input sequence 3;
        lstm 8 (return_sequences);
        gru 5;
        dense 2 tanh;
    }
}

nnet::network! {
    /// An `f64` network, dense and recurrent, drawn from a seed: the scalar-generic code
    /// without `std` (`exp` and `tanh` of `f64` through `libm`).
    #[scalar = f64]
    struct Precise {
        input sequence 2;
        gru 4 (return_sequences);
        lstm 3;
        dense 8 gelu;
        dense 2 softmax;
    }
}

nnet::network! {
    /// Dilated causal convolutions streamed, baked (the fixture of `tests/sequence_conv.rs`):
    /// their past inputs live in the state, with no heap.
    #[weights = "../tests/fixtures/sequence_conv.safetensors"]
    struct WaveNet {
        input sequence 1;
        conv1d 8 2 tanh (padding = causal, dilation = 1);
        conv1d 8 2 tanh (padding = causal, dilation = 2);
        conv1d 8 2 tanh (padding = causal, dilation = 4);
        dense 1;
    }
}

nnet::network! {
    /// Causal convolutions around a GRU, drawn from a seed, in `f64`.
    #[scalar = f64]
    struct Convolved {
        input sequence 2;
        conv1d 4 3 relu (padding = causal, dilation = 2, groups = 2);
        gru 3 (return_sequences);
        conv1d 2 2 tanh (padding = causal, use_bias = false);
        dense 1;
    }
}

nnet::network! {
    /// Residual blocks, baked (the fixture of `nnet-tests/tests/residual.rs`): the sums and the
    /// projection without `std`.
    #[weights = "../nnet-tests/tests/fixtures/residual_tiny.safetensors"]
    struct Residual {
        input 2;
        residual { dense 2 relu; }
        residual (project) { dense 1; }
    }
}

nnet::network! {
    /// A WaveNet-style stack with its convolutions in residual blocks and a projected image
    /// block, drawn from a seed.
    struct ResidualWaveNet {
        input sequence 1;
        conv1d 4 1 (padding = causal);
        residual { conv1d 4 2 tanh (padding = causal, dilation = 1); }
        residual (project) { conv1d 2 2 tanh (padding = causal, dilation = 2); }
        dense 1;
    }
}

nnet::network! {
    /// A strided, projected block of convolutions with batch normalization, drawn from a seed.
    struct ResidualCnn {
        input (6, 6, 1);
        conv2d 4 3 relu (padding = same);
        residual (project) { conv2d 8 3 (strides = 2, padding = same); batch_norm; }
        global_avg_pool;
        dense 2 softmax;
    }
}

/// The baked seed network in read-only memory.
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

/// The C start-up code's entry point: 0 when every check passes, the number of the failed
/// check otherwise.
#[unsafe(no_mangle)]
pub extern "C" fn main(_argc: i32, _argv: *const *const u8) -> i32 {
    run()
}

fn run() -> i32 {
    let x = black_box(nnet::vector![0.5, -1.0]);
    let y = black_box(&SEED).forward(&x);
    if !(y[0] > 0.0 && y[0] < 1.0) {
        return 1;
    }

    let net = black_box(Recurrent::TRAINED);
    let mut state = RecurrentState::default();
    let xs = [
        nnet::vector![0.3, -1.2],
        nnet::vector![1.0, 0.5],
        nnet::vector![-0.7, 0.2],
    ];
    let mut last = nnet::vector![0.0];
    for x in &xs {
        last = net.step(&mut state, black_box(x));
    }
    if black_box(last) != net.forward(black_box(&xs)) || !last[0].is_finite() {
        return 2;
    }

    let normed = black_box(Normed::TRAINED);
    let p = normed.forward(&black_box(nnet::vector![0.1, 0.2, -0.3]));
    let folded = normed
        .inference()
        .forward(&black_box(nnet::vector![0.1, 0.2, -0.3]));
    if (p.sum() - 1.0).abs() > 1e-5 || (p - folded).abs().max() > 1e-5 {
        return 3;
    }

    let every = Every::seeded(black_box(3));
    let p = every.forward(&black_box(nnet::vector![0.5, -0.25, 1.0]));
    if !p.iter().all(|v| v.is_finite()) || (p.sum() - 1.0).abs() > 1e-5 {
        return 4;
    }

    let drawn = Drawn::seeded(black_box(11));
    let mut state = DrawnState::default();
    let y = drawn.step(&mut state, &black_box(nnet::vector![0.1, 0.2, 0.3]));
    if !y.iter().all(|v| v.is_finite() && v.abs() < 1.0) {
        return 5;
    }

    let precise = Precise::seeded(black_box(5));
    let mut state = PreciseState::default();
    let xs = [
        nnet::SVector::<f64, 2>::from([0.4, -0.9]),
        nnet::SVector::<f64, 2>::from([-0.2, 0.6]),
    ];
    let mut last = nnet::SVector::<f64, 2>::zeros();
    for x in &xs {
        last = precise.step(&mut state, black_box(x));
    }
    if last != precise.forward(black_box(&xs)) || (last.sum() - 1.0).abs() > 1e-12 {
        return 6;
    }

    let wavenet = black_box(WaveNet::TRAINED);
    let mut state = WaveNetState::default();
    let xs = [0.5, -0.25, 1.0, 0.0, -0.75, 0.3, 0.9, -0.1, 0.2].map(|x| nnet::vector![x]);
    let mut last = nnet::vector![0.0];
    for x in &xs {
        last = wavenet.step(&mut state, black_box(x));
    }
    if last != wavenet.forward(black_box(&xs)) || !last[0].is_finite() {
        return 7;
    }
    state.reset();
    if wavenet.step(&mut state, &xs[0]) != wavenet.forward(&xs[..1]) {
        return 8;
    }

    let convolved = Convolved::seeded(black_box(13));
    let mut state = ConvolvedState::default();
    let xs = [
        nnet::SVector::<f64, 2>::from([0.4, -0.9]),
        nnet::SVector::<f64, 2>::from([-0.2, 0.6]),
        nnet::SVector::<f64, 2>::from([0.7, 0.1]),
    ];
    let mut last = nnet::SVector::<f64, 1>::zeros();
    for x in &xs {
        last = convolved.step(&mut state, black_box(x));
    }
    if last != convolved.forward(black_box(&xs)) || !last[0].is_finite() {
        return 9;
    }

    let residual = black_box(Residual::TRAINED);
    let y = residual.forward(&black_box(nnet::vector![1.0, 2.0]));
    if !y[0].is_finite() {
        return 10;
    }

    let wavenet = ResidualWaveNet::seeded(black_box(17));
    let mut state = ResidualWaveNetState::default();
    let xs = [0.5, -0.25, 1.0, 0.0, -0.75].map(|x| nnet::vector![x]);
    let mut last = nnet::vector![0.0];
    for x in &xs {
        last = wavenet.step(&mut state, black_box(x));
    }
    if last != wavenet.forward(black_box(&xs)) || !last[0].is_finite() {
        return 11;
    }

    let cnn = ResidualCnn::seeded(black_box(19));
    let x = nnet::SVector::<f32, 36>::from_fn(|i, _| ((i * 7 % 11) as f32 - 5.0) * 0.2);
    let p = cnn.forward(&black_box(x));
    let folded = cnn.inference().forward(&black_box(x));
    if (p.sum() - 1.0).abs() > 1e-5 || (p - folded).abs().max() > 1e-5 {
        return 12;
    }
    0
}
