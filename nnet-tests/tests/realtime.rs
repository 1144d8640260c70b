//! Real-time safety: `forward`, and a sequence network's `step` and `forward`, never allocate,
//! for every layer kind (streamed causal convolutions too), on finite and non-finite input alike. The global allocator of this test binary *aborts the process* on any
//! allocation or deallocation inside `assert_no_alloc` (the `assert_no_alloc` crate, built to
//! abort in release builds too): a failure here is a crash of the test binary, not a count.
//! Each pass also runs on NaN, infinite and huge inputs, which must give outputs (NaN
//! propagates) without panicking.
//!
//! Layers of more than 1,024 units keep their activations on the heap and allocate once per
//! call (documented on `forward`, counted in `tests/allocations.rs`); they are not here, but
//! for recurrent layers of more than 1,024 units, whose state keeps its buffers on the heap:
//! their streaming `step` (and `reset`) allocates nothing.

use assert_no_alloc::{AllocDisabler, assert_no_alloc};
use nnet::{SVector, vector};

#[global_allocator]
static ALLOCATOR: AllocDisabler = AllocDisabler;

nnet::network! {
    /// The seed network.
    struct Seed { input 2; dense 10 relu; dense 20 relu; dense 1 sigmoid; }
}
nnet::network! {
    /// Every layer kind and every activation family.
    struct Mixed {
        input 2;
        dense 16 (use_bias = false, l2 = 0.01);
        batch_norm;
        activation relu;
        dropout 0.5;
        dense 12 leaky_relu (alpha = 0.1);
        layer_norm;
        dense 12 elu;
        activation gelu;
        dense 8 tanh;
        dense 8 softplus;
        dense 3 softmax;
    }
}
nnet::network! {
    /// 64 × 64 and wider: the streamed and blocked SIMD paths, inline and on the heap.
    struct Wide { input 2; dense 64 silu; dense 1024 relu; dense 64 sigmoid; dense 1 linear; }
}

nnet::network! {
    /// Every recurrent kind, stacked, with layers at every step between them.
    struct Recurrent {
        input sequence 2;
        dense 4 relu;
        simple_rnn 6 (return_sequences);
        layer_norm;
        batch_norm;
        dropout 0.2;
        lstm 8 (return_sequences);
        gru 5;
        dense 3 softmax;
    }
}

nnet::network! {
    /// Causal convolutions streamed (their past inputs in the state), mixed with a recurrent
    /// layer, grouped and without a bias.
    struct Convolved {
        input sequence 2;
        conv1d 8 3 tanh (padding = causal, dilation = 2);
        gru 4 (return_sequences);
        conv1d 4 2 relu (padding = causal, groups = 2, use_bias = false);
        layer_norm;
        dense 3 softmax;
    }
}
nnet::network! {
    /// A WaveNet-style stack of dilated causal convolutions, no recurrent layer.
    struct WaveNet {
        input sequence 2;
        conv1d 8 2 tanh (padding = causal, dilation = 1);
        conv1d 8 2 tanh (padding = causal, dilation = 2);
        conv1d 8 2 tanh (padding = causal, dilation = 4);
        dense 1;
    }
}

/// Inputs a real-time caller may pass: ordinary, zero, huge, infinite and NaN.
fn inputs() -> [SVector<f32, 2>; 7] {
    [
        vector![0.5, -0.25],
        vector![0.0, 0.0],
        vector![3e38, -3e38],
        vector![f32::INFINITY, 1.0],
        vector![f32::NEG_INFINITY, f32::INFINITY],
        vector![f32::NAN, 0.5],
        vector![f32::MIN_POSITIVE / 4.0, -0.0],
    ]
}

/// Runs `forward` on every input with allocation forbidden, and returns the outputs.
fn forward_all<const OUT: usize>(
    forward: impl Fn(&SVector<f32, 2>) -> SVector<f32, OUT>,
) -> Vec<SVector<f32, OUT>> {
    let xs = inputs();
    let mut outputs = Vec::with_capacity(xs.len());
    for x in &xs {
        let y = assert_no_alloc(|| forward(x));
        outputs.push(y);
    }
    outputs
}

#[test]
fn forward_never_allocates_on_any_input() {
    let seed = Seed::seeded(1);
    let ys = forward_all(|x| seed.forward(x));
    assert!(ys[0][0].is_finite());
    assert!(ys[5][0].is_nan(), "NaN propagates: {:?}", ys[5]);

    let mixed = Mixed::seeded(2);
    let ys = forward_all(|x| mixed.forward(x));
    assert!(ys[0].iter().all(|v| v.is_finite()));
    let inference = mixed.inference();
    let folded = forward_all(|x| inference.forward(x));
    assert!((ys[0] - folded[0]).abs().max() < 1e-5);

    let wide = Wide::seeded(3);
    let ys = forward_all(|x| wide.forward(x));
    assert!(ys[0][0].is_finite());
}

/// The streaming `step` and the whole-sequence `forward` of every recurrent kind: no
/// allocation, on any input, and NaN stays in the state (as in any recurrence) until `reset`.
#[test]
fn step_and_sequence_forward_never_allocate_on_any_input() {
    let net = Recurrent::seeded(4);
    let mut state = RecurrentState::default();
    let mut outputs = Vec::with_capacity(inputs().len());
    for x in &inputs() {
        outputs.push(assert_no_alloc(|| net.step(&mut state, x)));
    }
    assert!(outputs[0].iter().all(|v| v.is_finite()), "{:?}", outputs[0]);
    assert!(outputs[5].iter().all(|v| v.is_nan()), "{:?}", outputs[5]);
    state.reset();
    let first = assert_no_alloc(|| net.step(&mut state, &inputs()[0]));
    assert_eq!(first, outputs[0]);
    let xs = inputs();
    let whole = assert_no_alloc(|| net.forward(&xs[..2]));
    assert!(whole.iter().all(|v| v.is_finite()));
    let mut steps = [SVector::zeros(); 7];
    assert_no_alloc(|| net.forward_sequence(&xs, &mut steps)).expect("one slot per step");
    assert_eq!(steps[0], outputs[0]);
    assert!(
        assert_no_alloc(|| net.forward(&[]))
            .iter()
            .all(|v| v.is_finite())
    );
}

nnet::network! {
    /// The WaveNet stack with each convolution in a residual block, and a projected block.
    struct ResidualWaveNet {
        input sequence 2;
        conv1d 8 1 (padding = causal);
        residual { conv1d 8 2 tanh (padding = causal, dilation = 1); }
        residual { conv1d 8 2 tanh (padding = causal, dilation = 2); }
        residual { conv1d 8 2 tanh (padding = causal, dilation = 4); }
        residual (project) { gru 4 (return_sequences); }
        dense 1;
    }
}

/// Streamed causal convolutions, alone or with recurrent layers: `step` and the
/// whole-sequence passes allocate nothing on any input; a NaN stays in a convolution's past
/// inputs for as many steps as its window reaches back, and `reset` clears it.
#[test]
fn streamed_convolutions_never_allocate_on_any_input() {
    let xs = inputs();
    let net = Convolved::seeded(5);
    let mut state = ConvolvedState::default();
    let outputs: Vec<_> = xs
        .iter()
        .map(|x| assert_no_alloc(|| net.step(&mut state, x)))
        .collect();
    assert!(outputs[0].iter().all(|v| v.is_finite()), "{:?}", outputs[0]);
    assert!(outputs[5].iter().all(|v| v.is_nan()), "{:?}", outputs[5]);
    state.reset();
    assert_eq!(assert_no_alloc(|| net.step(&mut state, &xs[0])), outputs[0]);
    let mut steps = [SVector::zeros(); 7];
    assert_no_alloc(|| net.forward_sequence(&xs, &mut steps)).expect("one slot per step");
    assert_eq!(steps[0], outputs[0]);
    assert!(
        assert_no_alloc(|| net.forward(&xs[..2]))
            .iter()
            .all(|v| v.is_finite())
    );

    let wavenet = WaveNet::seeded(6);
    let mut state = WaveNetState::default();
    let mut last = SVector::zeros();
    for x in &xs {
        last = assert_no_alloc(|| wavenet.step(&mut state, x));
    }
    // The last input is finite, but the NaN one step back is within the receptive field.
    assert!(last[0].is_nan(), "{last:?}");
    // Eight finite steps push it out of the receptive field (the current step and 1 + 2 + 4
    // before it).
    for _ in 0..8 {
        last = assert_no_alloc(|| wavenet.step(&mut state, &xs[0]));
    }
    assert!(last[0].is_finite(), "{last:?}");
    assert_eq!(
        assert_no_alloc(|| wavenet.forward(&xs[..1])),
        wavenet.forward(&xs[..1])
    );
    assert!(assert_no_alloc(|| wavenet.forward(&[]))[0].is_finite());

    // Residual blocks add at every step, allocating nothing either.
    let residual = ResidualWaveNet::seeded(7);
    let mut state = ResidualWaveNetState::default();
    let outputs: Vec<_> = xs
        .iter()
        .map(|x| assert_no_alloc(|| residual.step(&mut state, x)))
        .collect();
    assert!(outputs[0][0].is_finite(), "{outputs:?}");
    // The first two inputs are finite (the huge third overflows to NaN, which is no equal).
    assert_eq!(assert_no_alloc(|| residual.forward(&xs[..2])), outputs[1]);
}

/// The batched pass with a reused workspace, on the one thread of a rayon pool: with more
/// threads, rayon's own work queues may allocate on the calling thread while it waits (they
/// are rayon's, and the batched pass is for throughput, not for a real-time callback).
#[test]
fn batched_forward_with_a_workspace_never_allocates() {
    let wide = Wide::seeded(3);
    let xs: Vec<SVector<f32, 2>> = (0..100).map(|i| inputs()[i % 7]).collect();
    let mut ys = vec![SVector::zeros(); 100];
    let mut workspace = wide.workspace(32);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a rayon pool of one thread");
    pool.install(|| {
        // One pass first: the pool's thread makes its per-thread packing buffers.
        wide.forward_batch_with(&mut workspace, &xs, &mut ys);
        assert_no_alloc(|| wide.forward_batch_with(&mut workspace, &xs, &mut ys));
    });
    assert!(ys[0][0].is_finite());
}

nnet::network! {
    /// Every recurrent kind past 1,024 units: the state and the buffers of each step on the
    /// heap. (Glorot recurrent weights: an orthogonal draw this large is slow in debug builds.)
    struct LargeRecurrent {
        input sequence 2;
        simple_rnn 1030 (return_sequences, recurrent_init = glorot_uniform);
        gru 1100 (return_sequences, recurrent_init = glorot_uniform);
        lstm 1040 (recurrent_init = glorot_uniform);
        dense 1;
    }
}

/// Issue 21: streaming large recurrent layers stays real-time safe. The state is allocated
/// once (`Default`); `step` and `reset` then allocate nothing, on any input.
#[test]
fn large_recurrent_step_never_allocates() {
    let net = LargeRecurrent::seeded(5);
    let mut state = LargeRecurrentState::default();
    let mut outputs = Vec::with_capacity(inputs().len());
    for x in &inputs() {
        outputs.push(assert_no_alloc(|| net.step(&mut state, x)));
    }
    assert!(outputs[0].iter().all(|v| v.is_finite()), "{:?}", outputs[0]);
    assert!(outputs[6].iter().all(|v| v.is_nan()), "{:?}", outputs[6]);
    assert_no_alloc(|| state.reset());
    let first = assert_no_alloc(|| net.step(&mut state, &inputs()[0]));
    assert_eq!(first, outputs[0]);
    assert_eq!(first, net.forward(&inputs()[..1]));
}

/// With `NNET_REALTIME_PROBE` set, allocates inside the guard, which must abort the process.
#[test]
#[ignore = "run by `the_guard_aborts_on_an_allocation` in a child process"]
fn allocation_probe() {
    if std::env::var_os("NNET_REALTIME_PROBE").is_some() {
        let v = assert_no_alloc(|| vec![1.0_f32; 3]);
        println!("not aborted: {v:?}");
    }
}

/// The guard has teeth: the probe above, run in a child process, is killed by the abort.
#[test]
fn the_guard_aborts_on_an_allocation() {
    let exe = std::env::current_exe().expect("the test binary");
    let output = std::process::Command::new(exe)
        .args(["--ignored", "--exact", "allocation_probe", "--nocapture"])
        .env("NNET_REALTIME_PROBE", "1")
        .output()
        .expect("the probe runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        !output.status.success(),
        "the probe was not aborted: {stdout}"
    );
    assert!(!stdout.contains("not aborted"), "{stdout}");
}
