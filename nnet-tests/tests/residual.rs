//! Residual blocks (`residual { … }`, `residual (project) { … }`): the forward pass computes
//! input + block(input) (hand-computed), the backward pass matches finite differences through
//! both paths (projections, convolutions, batch normalization, nested blocks, sequences), and
//! everything else works as for any layer: batches, training, weight files, serde, summaries.

use nnet::loss::{Loss, MeanSquaredError};
use nnet::nalgebra::{SMatrix, SVector};
use nnet::optim::Adam;
use nnet::train::{FitConfig, Trainer, Verbosity};
use nnet::{Architecture, Network, Parameters, Scalar, SequenceNetwork, Sequences, io, vector};

#[path = "../../tests/support/gradients.rs"]
mod gradients;
use gradients::{check_backward, fill64, wave};

nnet::network! {
    /// A vector block without projection.
    #[scalar = f64]
    struct Mlp64 {
        input 3;
        dense 4 tanh;
        residual { dense 5 relu; dense 4 tanh; }
        dense 2;
    }
}

nnet::network! {
    /// A projected vector block, nested blocks, a block at the input and at the output.
    #[scalar = f64]
    struct Nested64 {
        input 3;
        residual (project) {
            dense 4 tanh;
            residual { dense 4 sigmoid; residual { dense 4 tanh; } }
        }
        dense 3 elu;
        residual { dense 3 tanh; }
    }
}

#[test]
fn vector_blocks_match_finite_differences() {
    let mut mlp = Mlp64::zeroed();
    fill64(&mut mlp, 1);
    let x = SVector::<f64, 3>::from_fn(|j, _| f64::from(wave(3, j)));
    assert_eq!(
        check_backward(&mlp, &x, 1e-6, 1e-6, 1),
        16 + 25 + 24 + 10 + 3
    );
    let mut nested = Nested64::zeroed();
    fill64(&mut nested, 2);
    // The projection 3 → 4 and dense 4 tanh, 16 each; dense 4 sigmoid and dense 4 tanh, 20
    // each; dense 3 elu 15, dense 3 tanh 12; the inputs.
    assert_eq!(
        check_backward(&nested, &x, 1e-6, 1e-6, 1),
        16 + 16 + 20 + 20 + 15 + 12 + 3
    );
}

nnet::network! {
    /// A strided, projected image block and a block of convolutions with batch normalization
    /// and dropout inside.
    #[scalar = f64]
    struct Cnn64 {
        input (5, 6, 2);
        conv2d 3 3 tanh (padding = same);
        residual (project) {
            conv2d 4 3 tanh (strides = 2, padding = same);
            conv2d 4 1 elu;
        }
        residual {
            conv2d 4 3 (padding = same);
            batch_norm;
            activation tanh;
            dropout 0.3;
            conv2d 4 (1, 3) (padding = same);
        }
        activation relu;
        flatten;
        dense 2;
    }
}

nnet::network! {
    /// A 1-D block whose projection strides (a pooling inside).
    #[scalar = f64]
    struct Steps64 {
        input (9, 2);
        residual (project) {
            conv1d 3 3 tanh (padding = causal, dilation = 2);
            max_pool1d 2 (padding = same);
        }
        global_avg_pool;
        dense 1;
    }
}

#[test]
fn convolution_blocks_match_finite_differences() {
    let mut cnn = Cnn64::zeroed();
    fill64(&mut cnn, 3);
    let x = SVector::<f64, 60>::from_fn(|j, _| f64::from(wave(5, j)));
    // conv2d 3·18 + 3; the projection 1×1 3 → 4, 12 + 4; conv2d 4·27 + 4, conv2d 4·4 + 4;
    // conv2d 4·36 + 4; batch_norm 2·4; conv2d 4·12 + 4; dense 2·(3·3·4) + 2; the inputs.
    assert_eq!(
        check_backward(&cnn, &x, 1e-6, 1e-6, 1),
        57 + 16 + 112 + 20 + 148 + 8 + 52 + 74 + 60
    );
    let mut steps = Steps64::zeroed();
    fill64(&mut steps, 4);
    let x = SVector::<f64, 18>::from_fn(|j, _| f64::from(wave(6, j)));
    // conv1d 3·6 + 3; the projection 2 → 3 with stride 2, 6 + 3; dense 3 + 1; the inputs.
    assert_eq!(check_backward(&steps, &x, 1e-6, 1e-6, 1), 21 + 9 + 4 + 18);
}

/// The training pass of `net` over one batch, at step 0 of seed 99 (fixed dropout masks): the
/// summed loss and the gradients.
fn batch_loss(
    net: &Cnn64,
    x: &[SVector<f64, 60>],
    y: &[SVector<f64, 2>],
) -> (f64, <Cnn64 as Network<60, 2, f64>>::Gradients) {
    let mut grads = net.zero_gradients();
    let mut workspace = net.workspace(x.len());
    workspace.set_training_step(99, 0);
    let mut outputs = vec![SVector::zeros(); x.len()];
    let sum = net.accumulate_batch(
        &mut workspace,
        x,
        y,
        &nnet::loss::MeanSquaredError,
        &mut grads,
        &mut outputs,
    );
    (sum, grads)
}

#[test]
fn the_training_pass_through_batch_norm_and_dropout_matches_finite_differences() {
    let mut net = Cnn64::zeroed();
    fill64(&mut net, 7);
    let x: Vec<SVector<f64, 60>> = (0..5)
        .map(|i| SVector::from_fn(|j, _| f64::from(wave(i + 10, j))))
        .collect();
    let y: Vec<SVector<f64, 2>> = (0..5)
        .map(|i| SVector::from_fn(|j, _| f64::from(wave(i + 20, j))))
        .collect();
    let (_, grads) = batch_loss(&net, &x, &y);
    let h = 1e-6;
    let mut checked = 0;
    for t in Cnn64::trainable() {
        let name = Cnn64::tensor_info(t).unwrap().name();
        for j in 0..net.tensor(t).len() {
            let mut up = net.clone();
            up.tensor_mut(t)[j] += h;
            let mut down = net.clone();
            down.tensor_mut(t)[j] -= h;
            let numeric = (batch_loss(&up, &x, &y).0 - batch_loss(&down, &x, &y).0) / (2.0 * h);
            let analytic = grads.tensor(t)[j];
            assert!(
                (numeric - analytic).abs() <= 1e-5 * analytic.abs().max(numeric.abs()).max(1e-2),
                "∂L/∂{name}[{j}]: analytic {analytic}, numeric {numeric}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 57 + 16 + 112 + 20 + 148 + 8 + 52 + 74);
}

// ---------------------------------------------------------------------------------------------
// Sequences: the sum at every step.

nnet::network! {
    /// A WaveNet-style stack: causal convolutions of growing dilation in residual blocks.
    pub struct WaveNet {
        input sequence 1;
        conv1d 8 1 (padding = causal);
        residual { conv1d 8 2 tanh (padding = causal, dilation = 1); }
        residual { conv1d 8 2 tanh (padding = causal, dilation = 2); }
        residual { conv1d 8 2 tanh (padding = causal, dilation = 4); }
        dense 1;
    }
}

nnet::network! {
    /// A projected block of a causal convolution and a GRU returning sequences, a block at the
    /// input, and a block after the last recurrent layer (on its last output).
    #[scalar = f64]
    pub struct Recurrent64 {
        input sequence 2;
        residual { dense 2 tanh; }
        residual (project) {
            conv1d 4 2 tanh (padding = causal);
            gru 3 (return_sequences = true);
        }
        lstm 3;
        residual { dense 3 tanh; }
        dense 1;
    }
}

/// `len` steps of `F` smooth values.
fn sequence<const F: usize>(len: usize, phase: f32) -> Vec<SVector<f32, F>> {
    (0..len)
        .map(|t| SVector::from_fn(|c, _| (t as f32 * (0.7 + 0.2 * c as f32) + phase).sin()))
        .collect()
}

/// Streams `xs` through `step` from a fresh state, checking after every step that it ends where
/// `forward` over the steps so far ends.
fn check_streaming<N, T: Scalar, const F: usize, const OUT: usize>(net: &N, xs: &[SVector<T, F>])
where
    N: SequenceNetwork<F, OUT, T>,
{
    let mut state = N::State::default();
    let streamed: Vec<_> = xs.iter().map(|x| net.step(&mut state, x)).collect();
    for t in 0..xs.len() {
        assert_eq!(net.forward(&xs[..=t]), streamed[t], "step {t}");
    }
}

#[test]
fn step_ends_where_forward_ends() {
    check_streaming(&WaveNet::seeded(1), &sequence::<1>(20, 0.3));
    let xs: Vec<SVector<f64, 2>> = sequence::<2>(9, 0.1).iter().map(|x| x.cast()).collect();
    check_streaming(&Recurrent64::seeded(2), &xs);
}

/// The training pass's loss summed over the batch, and its gradients.
fn sequence_loss<N, L, T, const F: usize, const OUT: usize>(
    net: &N,
    data: &Sequences<F, T>,
    targets: &[L::Target],
    loss: &L,
) -> (f64, N::Gradients)
where
    N: SequenceNetwork<F, OUT, T>,
    L: Loss<OUT, T>,
    T: Scalar,
{
    let mut workspace = net.sequence_workspace();
    let all: Vec<usize> = (0..data.len()).collect();
    workspace.load(data, &all);
    workspace.set_training_step(7, 3);
    let mut grads = net.zero_gradients();
    let mut outputs = vec![SVector::zeros(); targets.len()];
    let total = net.accumulate_sequences(&mut workspace, targets, loss, &mut grads, &mut outputs);
    (total.as_f64(), grads)
}

/// Every trainable value's gradient from the training pass against central differences of the
/// same pass's loss; returns how many were checked.
fn check_sequence_gradients<N, L, T, const F: usize, const OUT: usize>(
    mut net: N,
    data: &Sequences<F, T>,
    targets: &[L::Target],
    loss: &L,
    eps: f64,
    tolerance: f64,
) -> usize
where
    N: SequenceNetwork<F, OUT, T>,
    L: Loss<OUT, T>,
    T: Scalar,
{
    let (_, grads) = sequence_loss(&net, data, targets, loss);
    let mut checked = 0;
    for i in N::trainable() {
        for j in 0..net.tensor(i).len() {
            let w = net.tensor(i)[j];
            net.tensor_mut(i)[j] = T::of_f64(w.as_f64() + eps);
            let (up, _) = sequence_loss(&net, data, targets, loss);
            net.tensor_mut(i)[j] = T::of_f64(w.as_f64() - eps);
            let (down, _) = sequence_loss(&net, data, targets, loss);
            net.tensor_mut(i)[j] = w;
            let numeric = (up - down) / (2.0 * eps);
            let analytic = grads.tensor(i)[j].as_f64();
            let name = N::tensor_info(i).unwrap().name();
            assert!(
                (numeric - analytic).abs() < tolerance * (1.0 + numeric.abs()),
                "{name}[{j}]: numeric {numeric}, analytic {analytic}"
            );
            checked += 1;
        }
    }
    checked
}

#[test]
fn sequence_blocks_match_finite_differences() {
    let data: Sequences<2, f64> = [(4, 0.2), (7, 0.6), (1, 0.9)]
        .iter()
        .map(|&(len, phase)| {
            sequence::<2>(len, phase)
                .iter()
                .map(|x| x.cast())
                .collect::<Vec<_>>()
        })
        .collect::<Vec<_>>()
        .into();
    let targets: Vec<SVector<f64, 1>> = (0..3)
        .map(|s| SVector::from_element(0.3 * s as f64 - 0.2))
        .collect();
    let checked = check_sequence_gradients(
        Recurrent64::seeded(12),
        &data,
        &targets,
        &nnet::loss::MeanSquaredError,
        1e-6,
        1e-6,
    );
    assert_eq!(checked, Recurrent64::PARAMS);
    let data: Sequences<1> = vec![sequence(3, 0.1), sequence(1, 0.5), sequence(8, 0.9)].into();
    let targets: Vec<SVector<f32, 1>> = (0..data.total_steps())
        .map(|t| SVector::from_element((t % 3) as f32 / 2.0))
        .collect();
    let checked = check_sequence_gradients(
        WaveNet::seeded(8),
        &data,
        &targets,
        &nnet::loss::MeanSquaredError,
        1e-2,
        2e-2,
    );
    assert_eq!(checked, WaveNet::PARAMS);
}

// ---------------------------------------------------------------------------------------------
// Values, batches, training, files.

nnet::network! {
    /// The smallest block, whose values a hand computes.
    struct Tiny {
        input 2;
        residual { dense 2 relu; }
        residual (project) { dense 1; }
    }
}

#[test]
fn the_sum_is_the_input_plus_the_block() {
    let mut net = Tiny::zeroed();
    // dense1: [[1, -1], [0.5, 2]] x + [0.1, -3] through relu.
    net.dense1.weights = SMatrix::<f32, 2, 2>::from_row_slice(&[1.0, -1.0, 0.5, 2.0]);
    net.dense1.bias = vector![0.1, -3.0];
    // dense2: [2, 1] s + 0.5; the projection [-1, 0.25] s + 1.
    net.dense2.weights = SMatrix::<f32, 1, 2>::from_row_slice(&[2.0, 1.0]);
    net.dense2.bias = vector![0.5];
    net.residual2.weights = SMatrix::<f32, 1, 2>::from_row_slice(&[-1.0, 0.25]);
    net.residual2.bias = vector![1.0];
    let x = vector![3.0, 1.0];
    // Block 1: relu([3 − 1 + 0.1, 1.5 + 2 − 3]) = [2.1, 0.5]; sum [5.1, 1.5].
    let s = vector![5.1_f32, 1.5];
    // Block 2: 2·5.1 + 1.5 + 0.5 = 12.2, plus the projection −5.1 + 0.375 + 1 = −3.725: 8.475.
    let y = net.forward(&x);
    assert!((y[0] - 8.475).abs() < 1e-5, "{y:?}");
    let trace = net.forward_trace(&x);
    assert!((trace.residual1 - s).abs().max() < 1e-6);
    assert_eq!(trace.residual2, y);
    assert_eq!(Tiny::PARAMS, 6 + 3 + 3);
    assert_eq!(Tiny::MACS, 4 + 2 + 2);
}

nnet::network! {
    /// A residual MLP with batch normalization and dropout in its blocks, a large dense layer
    /// (batched passes) and a projection.
    pub struct Deep {
        input 4;
        dense 64 relu;
        residual {
            dense 64;
            batch_norm;
            activation relu;
            dropout 0.1;
        }
        residual (project) { dense 8 tanh; batch_norm; }
        dense 1;
    }
}

fn deep_data(n: usize) -> (Vec<SVector<f32, 4>>, Vec<SVector<f32, 1>>) {
    let x: Vec<SVector<f32, 4>> = (0..n)
        .map(|i| SVector::from_fn(|j, _| wave(i, j)))
        .collect();
    let y = x
        .iter()
        .map(|x| vector![(x[0] * x[1]).tanh() + 0.5 * x[2]])
        .collect();
    (x, y)
}

#[test]
fn batches_equal_samples_and_fit_learns() {
    let net = Deep::seeded(3);
    let (x, y) = deep_data(64);
    let mut outputs = vec![SVector::zeros(); x.len()];
    net.forward_batch(&x, &mut outputs);
    for (x, o) in x.iter().zip(&outputs) {
        let single = net.forward(x);
        assert!((single - o).abs().max() < 1e-5, "{single:?} vs {o:?}");
    }
    let mut net = net;
    let mut trainer = Trainer::new(Adam::with_learning_rate(0.003), MeanSquaredError);
    let config = FitConfig {
        batch_size: 16,
        epochs: 30,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    };
    let history = trainer.fit(&mut net, &x, &y, &config).unwrap();
    let losses = history.series("loss").unwrap();
    assert!(losses[29] < 0.5 * losses[0], "{losses:?}");
}

#[test]
fn inference_folds_inside_blocks() {
    let (x, y) = deep_data(32);
    let mut net = Deep::seeded(5);
    let mut trainer = Trainer::new(Adam::with_learning_rate(0.01), MeanSquaredError);
    let config = FitConfig {
        batch_size: 8,
        epochs: 3,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    };
    trainer.fit(&mut net, &x, &y, &config).unwrap();
    let inference = net.inference();
    for x in &x {
        let (a, b) = (net.forward(x), inference.forward(x));
        assert!((a - b).abs().max() <= 1e-5, "{a:?} vs {b:?}");
    }
}

#[test]
fn weights_round_trip_with_the_blocks_in_the_architecture() {
    let net = Deep::seeded(7);
    let bytes = io::to_safetensors(&net);
    let back: Deep = io::from_safetensors(&bytes).unwrap();
    assert_eq!(back, net);
    assert_eq!(
        Deep::architecture(),
        "input 4; dense 64 relu; residual { dense 64 linear; batch_norm; activation linear; \
         dropout 0.1; } residual (project) { dense 8 tanh; batch_norm; } dense 1 linear;"
            .replace("activation linear", "activation relu")
    );
    // The projection's tensors, named after its block, right after the block's last layer.
    let names: Vec<String> = (0..Deep::TENSORS)
        .map(|t| Deep::tensor_info(t).unwrap().name())
        .collect();
    let at = names.iter().position(|n| n == "residual2.kernel").unwrap();
    assert_eq!(names[at - 1], "batch_norm2.moving_variance");
    assert_eq!(names[at + 1], "residual2.bias");
    assert_eq!(names[at + 2], "dense4.weight");
    // A network without the blocks does not load the file.
    nnet::network! {
        struct Plain {
            input 4;
            dense 64 relu;
            dense 64;
            batch_norm;
            activation relu;
            dropout 0.1;
            dense 8 tanh;
            batch_norm;
            dense 1;
        }
    }
    assert!(io::from_safetensors::<Plain>(&bytes).is_err());
}

#[test]
fn counts_and_summary() {
    // dense 4·64 + 64; dense 64·64 + 64, batch_norm 2·64 (+ 2·64 moving); dense 64·8 + 8,
    // batch_norm 2·8 (+ 2·8); the projection 64·8 + 8; dense 8 + 1.
    assert_eq!(Deep::PARAMS, 320 + 4160 + 128 + 520 + 16 + 520 + 9);
    assert_eq!(Deep::MACS, 256 + 4096 + 512 + 512 + 8);
    let summary = Deep::summary();
    assert!(summary.contains("\n   dense2 (Dense, linear)"), "{summary}");
    assert!(summary.contains("\n   dropout1 (Dropout)"), "{summary}");
    assert!(summary.contains("\n residual1 (Add)"), "{summary}");
    let row = summary
        .lines()
        .find(|l| l.contains("residual2 (Add)"))
        .unwrap();
    assert!(
        row.contains("(None, 8)") && row.trim_end().ends_with(" 520"),
        "{row}"
    );
    assert!(
        summary.contains("Multiply-accumulates per sample: 5,384"),
        "{summary}"
    );
}

nnet::network! {
    /// `Deep` with the weights of `Deep::seeded(42)` baked in: its 64 × 64 layer is past the
    /// inline budget, so it is decoded by `trained()`.
    #[weights = "tests/fixtures/residual.safetensors"]
    pub struct BakedDeep {
        input 4;
        dense 64 relu;
        residual {
            dense 64;
            batch_norm;
            activation relu;
            dropout 0.1;
        }
        residual (project) { dense 8 tanh; batch_norm; }
        dense 1;
    }
}

nnet::network! {
    /// The two blocks of `Tiny`, baked as a constant from a file of `Tiny`'s weights.
    #[weights = "tests/fixtures/residual_tiny.safetensors"]
    pub struct BakedTiny {
        input 2;
        residual { dense 2 relu; }
        residual (project) { dense 1; }
    }
}

static TINY: BakedTiny = BakedTiny::TRAINED;

#[test]
fn baked_weights_equal_loaded() {
    let baked = BakedDeep::trained();
    let seeded = Deep::seeded(42);
    let x = vector![0.3, -1.2, 0.7, 2.0];
    assert_eq!(baked.forward(&x), seeded.forward(&x));
    let loaded: BakedDeep = io::load("tests/fixtures/residual.safetensors").unwrap();
    assert_eq!(baked, loaded);
    let tiny: BakedTiny = io::load("tests/fixtures/residual_tiny.safetensors").unwrap();
    assert_eq!(TINY, tiny);
    assert_eq!(
        TINY.forward(&vector![1.0, 2.0]),
        Tiny::seeded(42).forward(&vector![1.0, 2.0])
    );
}

/// Writes the fixtures that `BakedDeep` and `BakedTiny` bake: `NNET_WRITE_FIXTURES=1`.
#[test]
fn write_fixture() {
    if std::env::var_os("NNET_WRITE_FIXTURES").is_some() {
        io::save(&Deep::seeded(42), "tests/fixtures/residual.safetensors").unwrap();
        io::save(
            &Tiny::seeded(42),
            "tests/fixtures/residual_tiny.safetensors",
        )
        .unwrap();
    }
}

/// `cargo test -p nnet-tests --features serde --test residual`.
#[cfg(feature = "serde")]
#[test]
fn json_round_trip_with_projections() {
    let net = Deep::seeded(9);
    let json = serde_json::to_value(&net).unwrap();
    let back: Deep = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, net);
    let text = json.to_string();
    assert!(
        text.contains("residual2"),
        "the projection travels with the weights"
    );
    let sequence = Recurrent64::seeded(3);
    let back: Recurrent64 =
        serde_json::from_value(serde_json::to_value(&sequence).unwrap()).unwrap();
    assert_eq!(back, sequence);
}

nnet::network! {
    /// Folding at the edges of blocks: a normalization first in a block (after a dense layer
    /// outside it), one right after a block's sum, a block that ends with dropout, a block of
    /// dropout alone.
    struct Edges {
        input 3;
        dense 4;
        residual { batch_norm; dense 4 relu; dropout 0.5; }
        batch_norm;
        residual (project) { dense 5; batch_norm; }
        residual { dropout 0.2; }
        dense 2;
    }
}

#[test]
fn inference_folds_nothing_across_the_edges_of_blocks() {
    let mut net = Edges::seeded(11);
    // Moving statistics away from their initial values, so that every normalization matters.
    for t in 0..Edges::TENSORS {
        let name = Edges::tensor_info(t).unwrap().name();
        if name.ends_with("moving_variance") || name.ends_with("moving_mean") {
            for (j, v) in net.tensor_mut(t).iter_mut().enumerate() {
                *v = if name.ends_with("variance") {
                    0.4 + 0.3 * j as f32
                } else {
                    wave(t, j) * 0.3
                };
            }
        }
    }
    let inference = net.inference();
    for i in 0..10 {
        let x = SVector::<f32, 3>::from_fn(|j, _| wave(i + 40, j));
        let (a, b) = (net.forward(&x), inference.forward(&x));
        assert!((a - b).abs().max() <= 1e-5, "{a:?} vs {b:?}");
    }
}

/// `y_t = tanh(2 x_t − 1.5 x_{t−3})` over sequences of 8 to 20 steps: an echo within the
/// residual WaveNet's receptive field.
fn echo(count: usize) -> (Sequences<1>, Vec<SVector<f32, 1>>) {
    let mut data = Sequences::new();
    let mut targets = Vec::new();
    for s in 0..count {
        let xs: Vec<f32> = (0..8 + s % 13).map(|t| wave(s + 60, t) / 1.5).collect();
        for t in 0..xs.len() {
            let past = if t >= 3 { xs[t - 3] } else { 0.0 };
            targets.push(vector![(2.0 * xs[t] - 1.5 * past).tanh()]);
        }
        data.push(&xs.iter().map(|&x| vector![x]).collect::<Vec<_>>());
    }
    (data, targets)
}

#[test]
fn fit_sequences_learns_through_the_blocks() {
    let (data, targets) = echo(64);
    let mut net = WaveNet::seeded(13);
    let mut trainer = Trainer::new(Adam::with_learning_rate(0.01), MeanSquaredError);
    let before = trainer.evaluate_sequences(&net, &data, &targets).unwrap();
    let config = FitConfig {
        epochs: 20,
        batch_size: 16,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    };
    trainer
        .fit_sequences(&mut net, &data, &targets, &config)
        .unwrap();
    let after = trainer.evaluate_sequences(&net, &data, &targets).unwrap();
    assert!(after.loss < 0.3 * before.loss, "{before:?} → {after:?}");
    // Many-to-many predictions are the streamed outputs.
    let predicted = net.predict_sequences(&data);
    let mut state = WaveNetState::default();
    let first: Vec<_> = data
        .get(0)
        .unwrap()
        .iter()
        .map(|x| net.step(&mut state, x))
        .collect();
    assert_eq!(predicted[..first.len()], first[..]);
}

nnet::network! {
    /// A sigmoid output after a block: batches take the output activation over groups of
    /// samples.
    struct Grouped {
        input 4;
        residual { dense 4 relu; dense 4; }
        dense 2 sigmoid;
    }
}

#[test]
fn grouped_outputs_after_a_block_equal_samples() {
    let net = Grouped::seeded(21);
    let x: Vec<SVector<f32, 4>> = (0..19)
        .map(|i| SVector::from_fn(|j, _| wave(i + 80, j)))
        .collect();
    let mut outputs = vec![SVector::zeros(); x.len()];
    net.forward_batch(&x, &mut outputs);
    for (x, o) in x.iter().zip(&outputs) {
        let single = net.forward(x);
        assert!((single - o).abs().max() < 1e-6, "{single:?} vs {o:?}");
    }
}

nnet::network! {
    /// Blocks at the input, projected and not, with a layer large enough (64 × 64 weights)
    /// that batches run through the workspace.
    struct AtInput {
        input 64;
        residual (project) { dense 64 relu; dense 32; }
        residual { dense 32 tanh; }
        dense 2;
    }
}

#[test]
fn batched_gradients_are_the_sums_of_per_sample_ones() {
    let net = AtInput::seeded(5);
    let x: Vec<SVector<f32, 64>> = (0..6)
        .map(|i| SVector::from_fn(|j, _| wave(i, j)))
        .collect();
    let y: Vec<SVector<f32, 2>> = (0..6)
        .map(|i| SVector::from_fn(|j, _| wave(i + 50, j)))
        .collect();
    let loss = MeanSquaredError;
    let mut batched = net.zero_gradients();
    let mut workspace = net.workspace(6);
    let mut outputs = vec![SVector::zeros(); 6];
    let total = net.accumulate_batch(&mut workspace, &x, &y, &loss, &mut batched, &mut outputs);
    let mut single = net.zero_gradients();
    let mut sum = 0.0;
    for (x, y) in x.iter().zip(&y) {
        let trace = net.forward_trace(x);
        let output = net.forward(x);
        sum += loss.value(&output, y);
        let gradient = loss.gradient(&output, y);
        net.backward(x, &trace, &gradient, &mut single);
    }
    assert!(
        (total - sum).abs() < 1e-4 * sum.abs().max(1.0),
        "{total} vs {sum}"
    );
    for t in AtInput::trainable() {
        let (a, b) = (batched.tensor(t), single.tensor(t));
        let scale = b.iter().fold(0.0_f32, |m, v| m.max(v.abs())).max(1e-3);
        let error = a
            .iter()
            .zip(b)
            .fold(0.0_f32, |m, (p, q)| m.max((p - q).abs()));
        let name = AtInput::tensor_info(t).unwrap().name();
        assert!(error <= 1e-4 * scale, "{name}: {error} of {scale}");
    }
}
