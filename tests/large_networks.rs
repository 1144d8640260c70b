//! Networks of every width the grammar accepts construct, run, train, clone, save and load on a
//! thread with a 2 MiB stack (the default for spawned threads), in debug and in release
//! builds: large weights, biases, traces, gradients and deltas live on the heap.

use nnet::loss::{BinaryCrossentropy, Loss, MeanSquaredError, SparseCategoricalCrossentropy};
use nnet::optim::Adam;
use nnet::optim::Sgd;
use nnet::train::{FitConfig, Trainer, Verbosity};
use nnet::{Network, Parameters, SVector, Trace};

nnet::network! {
    struct Wide { input 2; dense 1024 relu; dense 1024 relu; dense 1 sigmoid; }
}

#[test]
fn wide_network_on_a_small_stack() {
    let handle = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(|| {
            let net = Wide::seeded(5);
            let x = nnet::vector![0.5, -0.25];
            let y = net.forward(&x);
            assert!(y[0] > 0.0 && y[0] < 1.0);

            let trace = net.forward_trace(&x);
            let mut grads = net.zero_gradients();
            let dx = net.backward(&x, &trace, &nnet::vector![1.0], &mut grads);
            assert!(dx.iter().all(|v| v.is_finite()));
            assert!(grads.all_finite());
            assert!(grads.tensor(2).iter().any(|&g| g != 0.0));

            let copy = net.clone();
            assert_eq!(copy, net);
            assert_eq!(copy.forward(&x), y);
            assert_eq!(
                Wide::PARAMS,
                2 * 1024 + 1024 + 1024 * 1024 + 1024 + 1024 + 1
            );
            Network::forward(&copy, &x)[0]
        })
        .expect("spawn");
    let y = handle
        .join()
        .expect("the thread must not overflow its stack");
    assert!(y.is_finite());
}

nnet::network! {
    /// The widest layers the grammar accepts (65,536 units) as input, hidden and output.
    struct Widest { input 65536; dense 2 relu; dense 65536 relu; dense 1 sigmoid; }
}
nnet::network! {
    /// The network of issue 8: one 65,536-unit hidden layer.
    struct WideHidden { input 8; dense 65536 relu; dense 10 softmax; }
}
nnet::network! {
    /// 65,536 outputs.
    struct WideOutput { input 8; dense 16 relu; dense 65536 sigmoid; }
}

/// Runs `f` on a thread with the default stack of spawned threads, 2 MiB, set explicitly (a
/// `RUST_MIN_STACK` in the environment must not hide an overflow).
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("the thread must not overflow its stack");
}

/// Construct, `forward`, `forward_trace`, `backward`, `predict`, the per-sample gradient
/// (`accumulate_each`) and the network's own `accumulate_batch`, `fit` for one epoch, and
/// save/load, for a network `N` with `IN` inputs and `OUT` outputs, on three samples.
fn everything<N, L, const IN: usize, const OUT: usize>(net: N, loss: L, targets: Vec<L::Target>)
where
    N: Network<IN, OUT>,
    L: Loss<OUT>,
{
    let n = targets.len();
    let mut xs = nnet::storage::zeroed_vectors::<IN>(n);
    for (i, x) in xs.iter_mut().enumerate() {
        x.iter_mut()
            .enumerate()
            .for_each(|(j, v)| *v = ((i + j) % 7) as f32 / 7.0 - 0.4);
    }
    let x = &xs[0];

    let y = net.forward(x);
    assert!(y.iter().all(|v| v.is_finite()));
    let trace = net.forward_trace(x);
    assert_eq!(trace.output(), &y);

    let mut grads = net.zero_gradients();
    let dx = nnet::storage::with_zeroed_vector(|gradient: &mut SVector<f32, OUT>| {
        gradient.fill(1.0);
        net.backward(x, &trace, gradient, &mut grads)
    });
    assert!(dx.iter().all(|v| v.is_finite()));
    assert!(grads.all_finite());

    let ys = net.predict(&xs);
    assert_eq!(ys.len(), n);
    assert!(ys[0].iter().zip(&y).all(|(a, b)| (a - b).abs() < 1e-4));

    // The per-sample path and the network's own (batched for these widths) path agree.
    let mut each = net.zero_gradients();
    let mut outputs = nnet::storage::zeroed_vectors::<OUT>(n);
    let sum = nnet::__private::accumulate_each(&net, &xs, &targets, &loss, &mut each, &mut outputs);
    let mut batched = net.zero_gradients();
    let mut workspace = net.workspace(2);
    let batch_sum = net.accumulate_batch(
        &mut workspace,
        &xs,
        &targets,
        &loss,
        &mut batched,
        &mut outputs,
    );
    assert!(sum.is_finite() && (sum - batch_sum).abs() <= 1e-3 * sum.abs().max(1.0));
    assert!(each.all_finite() && batched.all_finite());
    assert!(
        nnet::batch::prefers_batches(N::LAYERS),
        "networks this wide run batches through matrix products"
    );

    let mut trained = net.clone();
    let config = FitConfig {
        batch_size: 2,
        epochs: 1,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    };
    let history = Trainer::new(Sgd::default(), loss)
        .fit(&mut trained, &xs, &targets, &config)
        .expect("fit");
    assert!(history.epochs[0].loss.is_finite());
    assert_ne!(trained, net);

    let bytes = nnet::io::to_safetensors(&trained);
    let loaded: N = nnet::io::from_safetensors(&bytes).expect("load");
    assert!(loaded == trained);
}

/// Issue 8: `input 8; dense 65536 relu; dense 10 softmax;` on a 2 MiB thread.
#[test]
fn wide_hidden_layer_on_a_small_stack() {
    on_small_stack(|| {
        let targets = (0..3).map(|i| i % 10).collect();
        everything(
            WideHidden::seeded(1),
            SparseCategoricalCrossentropy,
            targets,
        );
    });
}

/// 65,536 inputs, a 65,536-unit hidden layer, one output.
#[test]
fn widest_input_and_hidden_layer_on_a_small_stack() {
    on_small_stack(|| {
        let targets = vec![nnet::vector![1.0], nnet::vector![0.0], nnet::vector![1.0]];
        everything(Widest::seeded(2), BinaryCrossentropy, targets);
    });
}

/// 65,536 outputs.
#[test]
fn widest_output_on_a_small_stack() {
    on_small_stack(|| {
        let mut targets = nnet::storage::zeroed_vectors::<65536>(3);
        for (i, y) in targets.iter_mut().enumerate() {
            y[i] = 1.0;
        }
        everything(WideOutput::seeded(3), BinaryCrossentropy, targets);
    });
}

nnet::network! {
    /// Recurrent layers of the old limit of 65,536 weights each, stacked (now on the heap,
    /// past the inline budget).
    struct LargestRecurrent {
        input sequence 127;
        lstm 78 (return_sequences);
        gru 110 (return_sequences);
        simple_rnn 200;
        dense 1;
    }
}

nnet::network! {
    /// Keras tutorials' LSTM: 128 units over one feature, 66,560 weights (refused before issue
    /// 21).
    struct Lstm128 { input sequence 1; lstm 128; dense 1; }
}

nnet::network! {
    /// `gru 256`.
    struct Gru256 { input sequence 4; gru 256; dense 1; }
}

nnet::network! {
    /// `lstm 256` between dense layers.
    struct Lstm256 { input sequence 4; dense 8 relu; lstm 256; dense 1; }
}

nnet::network! {
    /// The largest recurrent layer whose state stays inline: an LSTM of 1,024 units over 1,024
    /// features, 8,392,704 weights (32 MiB), the most a recurrent layer could have before issue
    /// 21. (Glorot rather than orthogonal recurrent weights: the QR of a 1,024 × 4,096 matrix
    /// takes minutes in a debug build.)
    struct LargestLstm {
        input sequence 1024;
        lstm 1024 (recurrent_init = glorot_uniform);
        dense 1;
    }
}

nnet::network! {
    /// Issue 21: past 1,024 units, a recurrent layer keeps its state and the buffers of a step
    /// on the heap. (Glorot rather than orthogonal recurrent weights in these tests: the QR of
    /// a matrix this large takes minutes in a debug build.)
    struct Gru1100 { input sequence 2; gru 1100 (recurrent_init = glorot_uniform); dense 1; }
}

nnet::network! {
    /// An LSTM past 1,024 units between dense layers.
    struct Lstm1040 {
        input sequence 2;
        dense 4 relu;
        lstm 1040 (recurrent_init = glorot_uniform);
        dense 1;
    }
}

nnet::network! {
    /// A simple RNN past 1,024 units returning sequences into a small GRU.
    struct Rnn1030 {
        input sequence 3;
        simple_rnn 1030 (return_sequences, recurrent_init = glorot_uniform);
        gru 3;
        dense 1;
    }
}

nnet::network! {
    /// Twice the inline limit of units.
    struct Rnn2048 { input sequence 1; simple_rnn 2048 (recurrent_init = glorot_uniform); dense 1; }
}

/// On a 2 MiB thread: builds the seeded network `$net` (`$state` its state, `$f` features per
/// step), steps it and checks the step against `forward`, trains it with `fit_sequences`
/// (two batches), and saves and loads it.
macro_rules! recurrent_on_a_small_stack {
    ($net:ident, $state:ident, $f:literal) => {
        on_small_stack(|| {
            let mut net = $net::seeded(1);
            let x = nnet::storage::zeroed_vectors::<$f>(1)
                .pop()
                .expect("one vector")
                .map(|_| 0.1);
            let mut state = $state::default();
            let y = net.step(&mut state, &x);
            assert!(y[0].is_finite());
            assert_eq!(y, net.forward(core::slice::from_ref(&x)));
            // A second step, then a reset in place: the first step again.
            let second = net.step(&mut state, &x);
            assert!(second[0].is_finite());
            state.reset();
            assert_eq!(net.step(&mut state, &x), y);
            let data: nnet::Sequences<$f> =
                vec![vec![x; 3], vec![x; 2], vec![x.map(|v| -v); 2]].into();
            let targets = [nnet::vector![0.5], nnet::vector![-0.5], nnet::vector![0.25]];
            let mut trainer = Trainer::new(Adam::default(), MeanSquaredError);
            let config = FitConfig {
                epochs: 1,
                batch_size: 2,
                verbosity: Verbosity::Silent,
                ..FitConfig::default()
            };
            let before = net.clone();
            trainer
                .fit_sequences(&mut net, &data, &targets, &config)
                .expect("training succeeds");
            assert!(net != before, "training changes the weights");
            let bytes = nnet::io::to_safetensors(&net);
            let back: $net = nnet::io::from_safetensors(&bytes).expect("loads");
            assert!(back == net);
        })
    };
}

#[test]
fn largest_recurrent_layers_on_a_small_stack() {
    recurrent_on_a_small_stack!(LargestRecurrent, LargestRecurrentState, 127);
}

/// Issue 21: `lstm 128` over one input compiles and runs.
#[test]
fn lstm_128_over_one_input_on_a_small_stack() {
    recurrent_on_a_small_stack!(Lstm128, Lstm128State, 1);
}

#[test]
fn gru_256_on_a_small_stack() {
    recurrent_on_a_small_stack!(Gru256, Gru256State, 4);
}

#[test]
fn lstm_256_on_a_small_stack() {
    recurrent_on_a_small_stack!(Lstm256, Lstm256State, 4);
}

#[test]
fn largest_lstm_on_a_small_stack() {
    recurrent_on_a_small_stack!(LargestLstm, LargestLstmState, 1024);
}

/// Issue 21: recurrent layers of more than 1,024 units (state and step buffers on the heap).
#[test]
fn gru_1100_on_a_small_stack() {
    recurrent_on_a_small_stack!(Gru1100, Gru1100State, 2);
}

#[test]
fn lstm_1040_on_a_small_stack() {
    recurrent_on_a_small_stack!(Lstm1040, Lstm1040State, 2);
}

#[test]
fn simple_rnn_1030_on_a_small_stack() {
    recurrent_on_a_small_stack!(Rnn1030, Rnn1030State, 3);
}

#[test]
fn simple_rnn_2048_on_a_small_stack() {
    recurrent_on_a_small_stack!(Rnn2048, Rnn2048State, 1);
}

/// `summary()` counts what a large layer's state keeps on the heap: for `gru 1100`, the state
/// struct (two pointers, 16 bytes) and `h` with seven buffers of 1,100 `f32`
/// (8 × 1,100 × 4 = 35,200 bytes).
#[test]
fn summary_counts_heap_state() {
    assert_eq!(std::mem::size_of::<Gru1100State>(), 16);
    let summary = Gru1100::summary();
    assert!(
        summary.contains("State kept between steps: 35,216 bytes\n"),
        "{summary}"
    );
}
