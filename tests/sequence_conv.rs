//! Causal `conv1d` in sequence networks (`input sequence F;`), streamed step by step: `step`
//! from a fresh or reset state ends where `forward` ends and agrees with Keras's causal padding
//! (zeros before the first step) and with the same convolution on a fixed shape; convolutions
//! and recurrent layers mix in any order; the generated training pass's gradients (kernel, bias,
//! and through a convolution's input the layers below it) match finite differences; `fit`
//! learns, deterministically; counts, summary, weight files and baked weights; the largest
//! state the macro accepts on a 2 MiB thread.
//!
//! The fixture is the file of `WaveNet::seeded(7)`; `NNET_WRITE_FIXTURES=1 cargo test --test
//! sequence_conv` rewrites it (then build again to bake the new file).

use nnet::loss::{Loss, MeanSquaredError};
use nnet::nalgebra::{SVector, vector};
use nnet::optim::Adam;
use nnet::rand::{Rng, SeedableRng};
use nnet::train::{FitConfig, Trainer, Verbosity};
use nnet::{Architecture, Error, Parameters, SequenceNetwork, Sequences};

nnet::network! {
    /// A WaveNet-style stack: dilations 1, 2, 4, no recurrent layer, a dense output per step.
    pub struct WaveNet {
        input sequence 1;
        conv1d 8 2 tanh (padding = causal, dilation = 1);
        conv1d 8 2 tanh (padding = causal, dilation = 2);
        conv1d 8 2 tanh (padding = causal, dilation = 4);
        dense 1;
    }
}

nnet::network! {
    /// A grouped, regularized convolution into a GRU that returns its last output.
    pub struct ConvGru {
        input sequence 2;
        conv1d 4 3 relu (padding = causal, dilation = 2, groups = 2, l2 = 0.01);
        gru 3;
        dense 1;
    }
}

nnet::network! {
    /// A GRU's sequence into a convolution without a bias, then a dense layer at every step.
    pub struct GruConv {
        input sequence 2;
        gru 4 (return_sequences);
        conv1d 3 2 (padding = causal, use_bias = false, l1 = 0.001);
        dense 2 sigmoid;
    }
}

nnet::network! {
    /// A dense layer at every step below a convolution, which ends the network.
    pub struct DenseConv {
        input sequence 2;
        dense 3 tanh;
        conv1d 2 3 elu (padding = causal, dilation = 3);
    }
}

nnet::network! {
    /// One convolution, to compare with Keras's definition by hand.
    pub struct One {
        input sequence 2;
        conv1d 3 3 (padding = causal, dilation = 2);
    }
}

nnet::network! {
    /// `One`'s convolution and a dense layer, streamed.
    pub struct Streamed {
        input sequence 2;
        conv1d 4 3 tanh (padding = causal, dilation = 2, groups = 2);
        dense 1;
    }
}

nnet::network! {
    /// The same layers on a fixed shape of 12 steps: Keras's `Conv1D(padding="causal")`.
    pub struct Fixed {
        input (12, 2);
        conv1d 4 3 tanh (padding = causal, dilation = 2, groups = 2);
        dense 1;
    }
}

nnet::network! {
    /// Everything in `f64`.
    #[scalar = f64]
    pub struct Precise {
        input sequence 2;
        dense 3 tanh;
        conv1d 4 2 tanh (padding = causal, dilation = 2);
        gru 4 (return_sequences);
        conv1d 2 3 (padding = causal, groups = 2);
        dense 1;
    }
}

nnet::network! {
    /// `WaveNet` with the weights of `WaveNet::seeded(7)` baked in: a constant.
    #[weights = "tests/fixtures/sequence_conv.safetensors"]
    pub struct BakedWaveNet {
        input sequence 1;
        conv1d 8 2 tanh (padding = causal, dilation = 1);
        conv1d 8 2 tanh (padding = causal, dilation = 2);
        conv1d 8 2 tanh (padding = causal, dilation = 4);
        dense 1;
    }
}

static BAKED: BakedWaveNet = BakedWaveNet::TRAINED;

/// `len` steps of `F` smooth values.
fn sequence<const F: usize>(len: usize, phase: f32) -> Vec<SVector<f32, F>> {
    (0..len)
        .map(|t| SVector::from_fn(|c, _| (t as f32 * (0.7 + 0.2 * c as f32) + phase).sin()))
        .collect()
}

/// Streams `xs` through `step` from a fresh state, checking after every step that it ends
/// where `forward` over the steps so far ends, and that `predict_sequences` gives the same
/// outputs (a network with an output per step); returns the streamed outputs.
fn check_streaming<N, const F: usize, const OUT: usize>(
    net: &N,
    xs: &[SVector<f32, F>],
) -> Vec<SVector<f32, OUT>>
where
    N: SequenceNetwork<F, OUT>,
{
    let mut state = N::State::default();
    let streamed: Vec<_> = xs.iter().map(|x| net.step(&mut state, x)).collect();
    for t in 0..xs.len() {
        assert_eq!(net.forward(&xs[..=t]), streamed[t], "step {t}");
    }
    let mut outputs = vec![SVector::zeros(); xs.len()];
    net.forward_sequence(xs, &mut outputs).unwrap();
    assert_eq!(outputs, streamed);
    // Starting again from the zero state: the past is zeros again.
    state = N::State::default();
    assert_eq!(net.step(&mut state, &xs[0]), streamed[0]);
    streamed
}

#[test]
fn step_ends_where_forward_ends_in_every_order() {
    let xs = sequence::<1>(20, 0.3);
    let streamed = check_streaming(&WaveNet::seeded(1), &xs);
    let data: Sequences<1> = vec![xs.clone()].into();
    assert_eq!(WaveNet::seeded(1).predict_sequences(&data), streamed);
    check_streaming(&GruConv::seeded(2), &sequence::<2>(9, 0.1));
    check_streaming(&DenseConv::seeded(3), &sequence::<2>(9, 0.5));
    check_streaming(&ConvGru::seeded(4), &sequence::<2>(9, 0.9));
    // Many-to-one: one output per sequence.
    let net = ConvGru::seeded(4);
    let data: Sequences<2> = vec![sequence(3, 0.2), sequence(7, 0.4)].into();
    assert_eq!(
        net.predict_sequences(&data),
        vec![
            net.forward(&sequence(3, 0.2)),
            net.forward(&sequence(7, 0.4))
        ]
    );
}

#[test]
fn reset_forgets_the_past() {
    let net = WaveNet::seeded(5);
    let xs = sequence::<1>(10, 0.0);
    let mut state = WaveNetState::default();
    for x in &xs {
        net.step(&mut state, x);
    }
    assert_ne!(state, WaveNetState::default());
    state.reset();
    assert_eq!(state, WaveNetState::default());
    let again: Vec<_> = xs[..4].iter().map(|x| net.step(&mut state, x)).collect();
    assert_eq!(again[3], net.forward(&xs[..4]));
    // An empty sequence: the output of the zero state, whose convolutions output zeros (the
    // dense layer's bias here).
    assert_eq!(net.forward(&[]), net.dense1.bias);
}

/// Keras's causal convolution by hand: `y_t[f] = b[f] + Σ_tap Σ_c kernel[f, tap · C + c] ·
/// x_{t − (k − 1 − tap) · d}[c]`, with zeros before the first step.
#[test]
fn a_streamed_convolution_is_kerass_causal_padding() {
    let mut net = One::zeroed();
    let (filters, k, taps, dilation) = (3, 6, 3, 2);
    for (j, w) in net.tensor_mut(0).iter_mut().enumerate() {
        *w = ((j * 7 % 11) as f32 - 5.0) / 4.0;
    }
    for (j, b) in net.tensor_mut(1).iter_mut().enumerate() {
        *b = 0.1 * j as f32 - 0.1;
    }
    let (kernel, bias) = (net.tensor(0).to_vec(), net.tensor(1).to_vec());
    assert_eq!(kernel.len(), filters * k);
    let xs = sequence::<2>(9, 0.4);
    let mut state = OneState::default();
    for t in 0..xs.len() {
        let y = net.step(&mut state, &xs[t]);
        for f in 0..filters {
            let mut expected = bias[f];
            for tap in 0..taps {
                let Some(s) = t.checked_sub((taps - 1 - tap) * dilation) else {
                    continue;
                };
                for c in 0..2 {
                    // Column-major `F × K`: weight (f, tap · C + c).
                    expected += kernel[(tap * 2 + c) * filters + f] * xs[s][c];
                }
            }
            assert!((y[f] - expected).abs() < 1e-6, "step {t}, filter {f}");
        }
    }
}

/// The streamed network and the same layers on a fixed shape of 12 steps (`padding = causal`),
/// with the same weights, give the same output at every step.
#[test]
fn streaming_agrees_with_the_fixed_shape_convolution() {
    let streamed = Streamed::seeded(6);
    let mut fixed = Fixed::zeroed();
    assert_eq!(Streamed::TENSORS, Fixed::TENSORS);
    for i in 0..Streamed::TENSORS {
        assert_eq!(
            Streamed::tensor_info(i).unwrap().name(),
            Fixed::tensor_info(i).unwrap().name()
        );
        fixed.tensor_mut(i).copy_from_slice(streamed.tensor(i));
    }
    let xs = sequence::<2>(12, 0.7);
    let flat = SVector::<f32, 24>::from_iterator(xs.iter().flat_map(|x| x.iter().copied()));
    let whole = fixed.forward(&flat);
    let mut state = StreamedState::default();
    for (t, x) in xs.iter().enumerate() {
        let y = streamed.step(&mut state, x);
        assert!(
            (y[0] - whole[t]).abs() < 1e-6,
            "step {t}: {} vs {}",
            y[0],
            whole[t]
        );
    }
    assert_eq!(Streamed::PARAMS, Fixed::PARAMS);
    // Per step, the streamed network does what the fixed one does at each of its 12 positions.
    assert_eq!(Streamed::MACS * 12, Fixed::MACS);
}

/// The training pass's loss summed over the batch, and its gradients.
fn batch_loss<N, L, T, const F: usize, const OUT: usize>(
    net: &N,
    data: &Sequences<F, T>,
    targets: &[L::Target],
    loss: &L,
) -> (f64, N::Gradients)
where
    T: nnet::Scalar,
    N: SequenceNetwork<F, OUT, T>,
    L: Loss<OUT, T>,
{
    let mut workspace = net.sequence_workspace();
    let all: Vec<usize> = (0..data.len()).collect();
    workspace.load(data, &all);
    workspace.set_training_step(7, 3);
    let mut grads = net.zero_gradients();
    let mut outputs = vec![SVector::zeros(); targets.len()];
    let total = net.accumulate_sequences(&mut workspace, targets, loss, &mut grads, &mut outputs);
    let penalty = net.regularization(Some(&mut grads));
    ((total + penalty).as_f64(), grads)
}

/// Every trainable value's gradient from the generated training pass against central
/// differences of the same pass's loss (with the regularization), `eps` apart, within
/// `tolerance` (absolute, and relative to the difference); returns how many were checked.
fn check_gradients<N, L, T, const F: usize, const OUT: usize>(
    mut net: N,
    data: &Sequences<F, T>,
    targets: &[L::Target],
    loss: &L,
    eps: f64,
    tolerance: f64,
) -> usize
where
    T: nnet::Scalar,
    N: SequenceNetwork<F, OUT, T>,
    L: Loss<OUT, T>,
{
    let (_, grads) = batch_loss(&net, data, targets, loss);
    let mut checked = 0;
    for i in N::trainable() {
        for j in 0..net.tensor(i).len() {
            let w = net.tensor(i)[j];
            net.tensor_mut(i)[j] = T::of_f64(w.as_f64() + eps);
            let (up, _) = batch_loss(&net, data, targets, loss);
            net.tensor_mut(i)[j] = T::of_f64(w.as_f64() - eps);
            let (down, _) = batch_loss(&net, data, targets, loss);
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

fn three_sequences<const F: usize>() -> Sequences<F> {
    vec![sequence(3, 0.1), sequence(1, 0.5), sequence(8, 0.9)].into()
}

/// A target per step, in [0, 1].
fn step_targets<const OUT: usize>(steps: usize) -> Vec<SVector<f32, OUT>> {
    (0..steps)
        .map(|t| SVector::from_fn(|o, _| ((t + o) % 3) as f32 / 2.0))
        .collect()
}

#[test]
fn wavenet_gradients_match_finite_differences() {
    let data = three_sequences::<1>();
    let targets = step_targets::<1>(data.total_steps());
    let checked = check_gradients(
        WaveNet::seeded(8),
        &data,
        &targets,
        &MeanSquaredError,
        1e-2,
        2e-2,
    );
    assert_eq!(checked, WaveNet::PARAMS);
}

#[test]
fn gradients_through_a_convolutions_input_match_finite_differences() {
    // The GRU's and the dense layer's gradients below a convolution flow through the
    // convolution's input gradient.
    let data = three_sequences::<2>();
    let targets = step_targets::<2>(data.total_steps());
    let checked = check_gradients(
        GruConv::seeded(9),
        &data,
        &targets,
        &nnet::loss::BinaryCrossentropy,
        1e-2,
        2e-2,
    );
    assert_eq!(checked, GruConv::PARAMS);
    let targets = step_targets::<2>(data.total_steps());
    check_gradients(
        DenseConv::seeded(10),
        &data,
        &targets,
        &MeanSquaredError,
        1e-2,
        2e-2,
    );
    // Many-to-one, grouped and regularized.
    let targets = [vector![0.5], vector![-0.2], vector![0.1]];
    check_gradients(
        ConvGru::seeded(11),
        &data,
        &targets,
        &MeanSquaredError,
        1e-2,
        2e-2,
    );
}

#[test]
fn f64_gradients_match_finite_differences_closely() {
    let data: Sequences<2, f64> = vec![
        sequence::<2>(4, 0.2)
            .iter()
            .map(|x| x.cast::<f64>())
            .collect::<Vec<_>>(),
        sequence::<2>(7, 0.6).iter().map(|x| x.cast()).collect(),
    ]
    .into();
    let targets: Vec<SVector<f64, 1>> = step_targets::<1>(data.total_steps())
        .iter()
        .map(|y| y.cast())
        .collect();
    let checked = check_gradients(
        Precise::seeded(12),
        &data,
        &targets,
        &MeanSquaredError,
        1e-6,
        1e-6,
    );
    assert_eq!(checked, Precise::PARAMS);
    // Streaming in f64 too.
    let net = Precise::seeded(12);
    let xs: Vec<SVector<f64, 2>> = sequence::<2>(6, 0.3).iter().map(|x| x.cast()).collect();
    let mut state = PreciseState::default();
    let streamed: Vec<_> = xs.iter().map(|x| net.step(&mut state, x)).collect();
    assert_eq!(streamed[5], net.forward(&xs));
}

/// `y_t = tanh(2 x_t − 1.5 x_{t−3})`: a memory of three steps, within `WaveNet`'s receptive
/// field of eight.
fn echo(count: usize, seed: u64) -> (Sequences<1>, Vec<SVector<f32, 1>>) {
    let mut rng = nnet::rand::rngs::StdRng::seed_from_u64(seed);
    let mut data = Sequences::new();
    let mut targets = Vec::new();
    for _ in 0..count {
        let xs: Vec<f32> = (0..rng.random_range(8..24))
            .map(|_| rng.random_range(-1.0..1.0))
            .collect();
        for t in 0..xs.len() {
            let past = if t >= 3 { xs[t - 3] } else { 0.0 };
            targets.push(vector![(2.0 * xs[t] - 1.5 * past).tanh()]);
        }
        data.push(&xs.iter().map(|&x| vector![x]).collect::<Vec<_>>());
    }
    (data, targets)
}

fn train_wavenet(epochs: usize) -> (WaveNet, Trainer<Adam, MeanSquaredError>) {
    let (data, targets) = echo(96, 1);
    let mut net = WaveNet::seeded(13);
    let mut trainer = Trainer::new(Adam::with_learning_rate(0.02), MeanSquaredError);
    let config = FitConfig {
        epochs,
        batch_size: 16,
        seed: 3,
        verbosity: Verbosity::Silent,
        validation_split: 0.1,
        ..FitConfig::default()
    };
    let history = trainer
        .fit_sequences(&mut net, &data, &targets, &config)
        .unwrap();
    assert_eq!(history.epochs.len(), epochs);
    (net, trainer)
}

#[test]
fn fit_learns_an_echo_deterministically() {
    let (test, test_y) = echo(32, 2);
    let before = Trainer::new(Adam::default(), MeanSquaredError)
        .evaluate_sequences(&WaveNet::seeded(13), &test, &test_y)
        .unwrap()
        .loss;
    let (net, trainer) = train_wavenet(40);
    let after = trainer
        .evaluate_sequences(&net, &test, &test_y)
        .unwrap()
        .loss;
    // Measured: 0.99 before, 0.00042 after 40 epochs.
    assert!(
        after < 0.002 && after < before / 100.0,
        "{before} → {after}"
    );
    let (again, _) = train_wavenet(40);
    assert_eq!(net, again);
    // A network with an output per step wants a target per step.
    let mut net = WaveNet::seeded(1);
    let mut trainer = Trainer::new(Adam::default(), MeanSquaredError);
    let error = trainer
        .fit_sequences(
            &mut net,
            &test,
            &test_y[..test.len()],
            &FitConfig::default(),
        )
        .unwrap_err();
    assert!(
        matches!(error, Error::TargetCount { per: "step", .. }),
        "{error}"
    );
}

#[test]
fn fit_trains_a_convolution_below_a_recurrent_layer() {
    // Many-to-one: whether the sum of a sequence is positive.
    let mut rng = nnet::rand::rngs::StdRng::seed_from_u64(4);
    let mut data = Sequences::new();
    let mut labels = Vec::new();
    for _ in 0..200 {
        let xs: Vec<SVector<f32, 2>> = (0..rng.random_range(2..10))
            .map(|_| vector![rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0)])
            .collect();
        let sum: f32 = xs.iter().map(|x| x[0] + x[1]).sum();
        labels.push(vector![if sum > 0.0 { 1.0 } else { -1.0 }]);
        data.push(&xs);
    }
    let mut net = ConvGru::seeded(14);
    let mut trainer = Trainer::new(Adam::with_learning_rate(0.01), MeanSquaredError);
    let config = FitConfig {
        epochs: 15,
        batch_size: 16,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    };
    let history = trainer
        .fit_sequences(&mut net, &data, &labels, &config)
        .unwrap();
    let (first, last) = (history.epochs[0].loss, history.epochs[14].loss);
    // Measured: 0.95 in the first epoch, 0.30 in the fifteenth.
    assert!(last < first / 2.0, "{first} → {last}");
}

#[test]
fn counts_and_summary_are_kerass() {
    // Conv1D(8, 2) over 1 channel, then twice over 8: 2·1·8 + 8, 2·8·8 + 8; Dense(1): 9.
    assert_eq!(WaveNet::PARAMS, 24 + 136 + 136 + 9);
    // Per step: each convolution's filters × taps × channels, the dense layer's 8.
    assert_eq!(WaveNet::MACS, 16 + 128 + 128 + 8);
    assert_eq!(ConvGru::PARAMS, 4 * 3 + 4 + 3 * 3 * (4 + 3 + 2) + 4);
    assert_eq!(GruConv::PARAMS, 3 * 4 * (2 + 4 + 2) + 3 * 2 * 4 + 2 * 3 + 2);
    let summary = WaveNet::summary();
    assert!(summary.contains("conv1d1 (Conv1D, tanh)"), "{summary}");
    assert!(summary.contains("(None, None, 8)"), "{summary}");
    assert!(summary.contains("Total params: 305"), "{summary}");
    assert!(
        summary.contains("Multiply-accumulates per step: 280"),
        "{summary}"
    );
    // The state it keeps between steps: the three convolutions' past inputs (1, 2·8 and 4·8
    // values), in whatever layout `WaveNetState` has, alignment included.
    let state = std::mem::size_of::<WaveNetState>();
    assert!(state >= (1 + 16 + 32) * 4, "{state}");
    let line = format!("State kept between steps: {state} bytes\n");
    let line = if state >= 1000 {
        line.replacen(
            &state.to_string(),
            &format!("{},{:03}", state / 1000, state % 1000),
            1,
        )
    } else {
        line
    };
    assert!(summary.contains(&line), "{summary}");
    assert_eq!(
        WaveNet::architecture(),
        "input sequence 1; conv1d 8 2 tanh (padding = causal); \
         conv1d 8 2 tanh (padding = causal, dilation = 2); \
         conv1d 8 2 tanh (padding = causal, dilation = 4); dense 1 linear"
    );
    // Every step's output: a target per step.
    const { assert!(<WaveNet as SequenceNetwork<1, 1>>::RETURN_SEQUENCES) };
    const { assert!(!<ConvGru as SequenceNetwork<2, 1>>::RETURN_SEQUENCES) };
}

#[test]
fn weights_round_trip_under_the_convolutions_names() {
    let net = ConvGru::seeded(15);
    let bytes = nnet::io::to_safetensors(&net);
    let back: ConvGru = nnet::io::from_safetensors(&bytes).unwrap();
    assert_eq!(back, net);
    let names: Vec<String> = (0..ConvGru::TENSORS)
        .map(|i| ConvGru::tensor_info(i).unwrap().name())
        .collect();
    assert_eq!(names[..2], ["conv1d1.kernel", "conv1d1.bias"]);
    // `[filters, taps · channels / groups]`.
    assert_eq!(ConvGru::tensor_info(0).unwrap().shape(), [4, 3]);
    let names: Vec<String> = (0..GruConv::TENSORS)
        .map(|i| GruConv::tensor_info(i).unwrap().name())
        .collect();
    assert_eq!(
        names[3..],
        ["conv1d1.kernel", "dense1.weight", "dense1.bias"]
    );
    // Another dilation is another architecture.
    let wavenet = nnet::io::to_safetensors(&WaveNet::seeded(1));
    assert!(nnet::io::from_safetensors::<WaveNet>(&wavenet).is_ok());
    let error = nnet::io::from_safetensors::<Streamed>(&wavenet).unwrap_err();
    assert!(matches!(error, Error::Weights(_)), "{error}");
}

#[test]
fn baked_weights_are_a_constant() {
    let loaded: WaveNet = nnet::io::load("tests/fixtures/sequence_conv.safetensors").unwrap();
    assert_eq!(loaded, WaveNet::seeded(7));
    let xs = sequence::<1>(12, 0.2);
    let mut state = BakedWaveNetState::default();
    let streamed: Vec<_> = xs.iter().map(|x| BAKED.step(&mut state, x)).collect();
    assert_eq!(streamed[11], loaded.forward(&xs));
    for i in 0..WaveNet::TENSORS {
        assert_eq!(BAKED.tensor(i), loaded.tensor(i));
    }
    assert_eq!(BakedWaveNet::trained(), BAKED);
}

#[test]
fn write_fixtures() {
    if std::env::var_os("NNET_WRITE_FIXTURES").is_some() {
        nnet::io::save(
            &WaveNet::seeded(7),
            "tests/fixtures/sequence_conv.safetensors",
        )
        .unwrap();
    }
}

nnet::network! {
    /// The most past inputs a sequence network's convolutions may keep: 64 KiB, 16,384 values.
    pub struct Deepest {
        input sequence 16;
        conv1d 16 3 tanh (padding = causal, dilation = 512);
        dense 1;
    }
}

nnet::network! {
    /// The same in `f64`, 8,192 values in two convolutions.
    #[scalar = f64]
    pub struct DeepestPrecise {
        input sequence 16;
        conv1d 16 3 tanh (padding = causal, dilation = 128);
        conv1d 16 3 tanh (padding = causal, dilation = 128);
        dense 1;
    }
}

/// The largest state the macro accepts builds, steps, infers and trains on a 2 MiB thread
/// (a debug build's frames hold several copies of a state).
#[test]
fn the_largest_state_runs_on_a_2_mib_thread() {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let net = Deepest::seeded(16);
            let mut state = DeepestState::default();
            let x = SVector::<f32, 16>::from_fn(|c, _| c as f32 / 16.0);
            let mut y = SVector::zeros();
            for _ in 0..1100 {
                y = net.step(&mut state, &x);
            }
            assert!(y[0].is_finite());
            state.reset();
            assert!(net.forward(&[x; 3])[0].is_finite());
            let data: Sequences<16> = vec![vec![x; 4]; 2].into();
            let mut trained = net.clone();
            let mut trainer = Trainer::new(Adam::default(), MeanSquaredError);
            let config = FitConfig {
                epochs: 1,
                verbosity: Verbosity::Silent,
                ..FitConfig::default()
            };
            trainer
                .fit_sequences(&mut trained, &data, &[vector![0.5]; 8], &config)
                .unwrap();
            assert_ne!(trained, net);

            let net = DeepestPrecise::seeded(17);
            let mut state = DeepestPreciseState::default();
            let x = x.cast::<f64>();
            let y = net.step(&mut state, &x);
            assert_eq!(y, net.forward(&[x]));
        })
        .expect("a thread")
        .join()
        .expect("runs on 2 MiB");
}

nnet::network! {
    /// A convolution past the inline budget of weights (512 × 192): its kernel on the heap.
    pub struct Wide {
        input sequence 64;
        conv1d 512 3 relu (padding = causal, dilation = 2);
        conv1d 4 1 (padding = causal);
    }
}

/// A streamed convolution whose kernel lives on the heap builds, streams and trains on a 2 MiB
/// thread like an inline one.
#[test]
fn a_wide_streamed_convolution_keeps_its_kernel_on_the_heap() {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            assert_eq!(Wide::PARAMS, 512 * 192 + 512 + 4 * 512 + 4);
            let net = Wide::seeded(18);
            let xs: Vec<SVector<f32, 64>> = (0..5)
                .map(|t| SVector::from_fn(|c, _| ((t * 64 + c) as f32 * 0.37).sin()))
                .collect();
            check_streaming(&net, &xs);
            let mut trained = net.clone();
            let data: Sequences<64> = vec![xs.clone()].into();
            let mut trainer = Trainer::new(Adam::default(), MeanSquaredError);
            let config = FitConfig {
                epochs: 1,
                verbosity: Verbosity::Silent,
                ..FitConfig::default()
            };
            trainer
                .fit_sequences(&mut trained, &data, &[SVector::zeros(); 5], &config)
                .unwrap();
            assert_ne!(trained, net);
            let bytes = nnet::io::to_safetensors(&trained);
            assert_eq!(nnet::io::from_safetensors::<Wide>(&bytes).unwrap(), trained);
        })
        .expect("a thread")
        .join()
        .expect("runs on 2 MiB");
}
