//! Stateful training of long signals (`Streams`, `Trainer::fit_stateful`): the state a window
//! ends in is what `step` holds after it; the gradient of a window from a carried state is the
//! finite difference of its loss with that state held fixed (truncated backpropagation through
//! time), for every stepped kind (simple RNN, GRU, LSTM, causal conv); one window per stream is
//! `fit_sequences` bit for bit; training on short windows reaches the loss of training on the
//! whole signals; bad streams are errors that say what to do.

use nnet::loss::{Loss, MeanSquaredError};
use nnet::nalgebra::SVector;
use nnet::optim::Adam;
use nnet::train::{FitConfig, Trainer, Verbosity};
use nnet::vector;
use nnet::{Error, Parameters, SequenceNetwork, Sequences, Streams};

nnet::network! {
    /// GRU, a target per step.
    #[scalar = f64]
    pub struct Gru64 {
        input sequence 2;
        gru 3 (return_sequences);
        dense 1;
    }
}

nnet::network! {
    /// A dense layer below an LSTM, one target per window.
    #[scalar = f64]
    pub struct Lstm64 {
        input sequence 2;
        dense 3 tanh;
        lstm 3;
        dense 2;
    }
}

nnet::network! {
    /// Causal convolutions (their past inputs are the state; the first of two groups) under
    /// stacked simple RNNs.
    #[scalar = f64]
    pub struct Conv64 {
        input sequence 2;
        conv1d 4 3 tanh (padding = causal, dilation = 2, groups = 2);
        simple_rnn 3 (return_sequences);
        conv1d 2 2 (padding = causal);
        simple_rnn 2 (return_sequences);
        dense 1;
    }
}

nnet::network! {
    /// The f32 network of the training tests.
    pub struct Amp {
        input sequence 1;
        gru 6 (return_sequences);
        dense 1;
    }
}

nnet::network! {
    /// A causal convolution before a GRU, f32.
    pub struct ConvGru {
        input sequence 1;
        conv1d 4 3 tanh (padding = causal);
        gru 4 (return_sequences);
        dense 1;
    }
}

/// A deterministic signal of `len` steps with two features.
fn signal(len: usize, phase: f64) -> Vec<SVector<f64, 2>> {
    (0..len)
        .map(|t| {
            let t = t as f64;
            SVector::from([
                (t * 0.37 + phase).sin(),
                (t * 0.11 - 2.0 * phase).cos() * 0.8,
            ])
        })
        .collect()
}

/// Every tensor set to deterministic values of moderate size.
fn fill<N: Parameters<f64>>(net: &mut N) {
    for t in 0..N::TENSORS {
        for (j, v) in net.tensor_mut(t).iter_mut().enumerate() {
            *v = ((t * 31 + j * 7) as f64 * 0.413).sin() * 0.6;
        }
    }
}

/// The summed MSE of `windows` (a batch) from `states`, by `step` alone: the loss of the window
/// with its initial states held fixed, independent of the training pass. Targets are one per
/// step or one per window.
fn stepped_loss<N: SequenceNetwork<2, OUT, f64>, const OUT: usize>(
    net: &N,
    states: &[N::State],
    windows: &[&[SVector<f64, 2>]],
    targets: &[SVector<f64, OUT>],
) -> f64 {
    let mut at = 0;
    let mut total = 0.0;
    for (window, state) in windows.iter().zip(states) {
        let mut state = state.clone();
        for (t, x) in window.iter().enumerate() {
            let y = net.step(&mut state, x);
            if N::RETURN_SEQUENCES || t + 1 == window.len() {
                total += MeanSquaredError.value(&y, &targets[at]);
                at += 1;
            }
        }
    }
    total
}

/// Two streams' first windows (lengths 5) from the zero state, then their second windows
/// (lengths 4) from the states the first left: the states `accumulate_sequences_from` returns
/// equal `step`'s, and the gradient of the second windows equals central differences of
/// `stepped_loss` with those states fixed, for every trainable value.
fn check_truncated_gradient<N: SequenceNetwork<2, OUT, f64>, const OUT: usize>(mut net: N) {
    fill(&mut net);
    let streams = [signal(9, 0.2), signal(9, 1.3)];
    let first: Vec<&[SVector<f64, 2>]> = streams.iter().map(|s| &s[..5]).collect();
    let second: Vec<&[SVector<f64, 2>]> = streams.iter().map(|s| &s[5..]).collect();
    let outputs_of = |windows: &[&[SVector<f64, 2>]]| {
        if N::RETURN_SEQUENCES {
            windows.iter().map(|w| w.len()).sum()
        } else {
            windows.len()
        }
    };
    let targets = |n: usize| -> Vec<SVector<f64, OUT>> {
        (0..n)
            .map(|i| SVector::from_fn(|j, _| ((i * 3 + j) as f64 * 0.7).cos() * 0.5))
            .collect()
    };

    let mut workspace = net.sequence_workspace();
    let mut grads = net.zero_gradients();
    let mut states = vec![N::State::default(); 2];
    let (y1, y2) = (targets(outputs_of(&first)), targets(outputs_of(&second)));
    let mut outputs = vec![SVector::zeros(); y1.len().max(y2.len())];
    workspace.load_slices(first.iter().copied());
    net.accumulate_sequences_from(
        &mut workspace,
        &mut states,
        &y1,
        &MeanSquaredError,
        &mut grads,
        &mut outputs,
    )
    .unwrap();
    // The states after the first windows are those `step` reaches.
    for (window, state) in first.iter().zip(&states) {
        let mut stepped = N::State::default();
        for x in *window {
            net.step(&mut stepped, x);
        }
        assert_eq!(state, &stepped, "final state ≠ the state `step` reaches");
    }

    let carried = states.clone();
    grads.set_zero();
    workspace.load_slices(second.iter().copied());
    let total = net
        .accumulate_sequences_from(
            &mut workspace,
            &mut states,
            &y2,
            &MeanSquaredError,
            &mut grads,
            &mut outputs,
        )
        .unwrap();
    let expected = stepped_loss(&net, &carried, &second, &y2);
    assert!(
        (total - expected).abs() <= 1e-12 * expected.abs().max(1.0),
        "loss {total} ≠ stepped {expected}"
    );
    // From the carried state the second windows differ from the same windows from zero.
    let from_zero = stepped_loss(
        &net,
        &[N::State::default(), N::State::default()],
        &second,
        &y2,
    );
    assert!(
        (from_zero - expected).abs() > 1e-6,
        "the state carried nothing"
    );

    let h = 1e-6;
    let mut checked = 0;
    for t in N::trainable() {
        for j in 0..net.tensor(t).len() {
            let mut up = net.clone();
            up.tensor_mut(t)[j] += h;
            let mut down = net.clone();
            down.tensor_mut(t)[j] -= h;
            let numeric = (stepped_loss(&up, &carried, &second, &y2)
                - stepped_loss(&down, &carried, &second, &y2))
                / (2.0 * h);
            let analytic = grads.tensor(t)[j];
            assert!(
                (analytic - numeric).abs() <= 1e-6 * analytic.abs().max(numeric.abs()).max(1e-2),
                "{}[{j}]: analytic {analytic} ≠ numeric {numeric}",
                N::tensor_info(t).unwrap().name()
            );
            checked += 1;
        }
    }
    assert!(checked > 20);
}

#[test]
fn truncated_gradient_of_a_gru_from_a_carried_state_matches_finite_differences() {
    check_truncated_gradient(Gru64::seeded(1));
}

#[test]
fn truncated_gradient_of_an_lstm_from_a_carried_state_matches_finite_differences() {
    check_truncated_gradient(Lstm64::seeded(2));
}

#[test]
fn truncated_gradient_through_causal_convs_and_simple_rnns_matches_finite_differences() {
    check_truncated_gradient(Conv64::seeded(3));
}

/// `n` streams of `len` samples of a decaying, filtered signal: the input and, one per step,
/// the target `y[t] = tanh(3 l[t])` of a one-pole low-pass `l` of the input (a memory of tens of
/// steps, longer than the short windows).
fn filter_streams(n: usize, len: usize) -> (Vec<Vec<SVector<f32, 1>>>, Vec<SVector<f32, 1>>) {
    let mut inputs = Vec::new();
    let mut targets = Vec::new();
    for s in 0..n {
        let x: Vec<f32> = (0..len)
            .map(|t| {
                let t = t as f32;
                0.6 * (t * (0.05 + 0.03 * s as f32)).sin() + 0.3 * (t * 0.9 + s as f32).sin()
            })
            .collect();
        let mut l = 0.0_f32;
        for &v in &x {
            l += 0.08 * (v - l);
            targets.push(vector![(3.0 * l).tanh()]);
        }
        inputs.push(x.iter().map(|&v| vector![v]).collect());
    }
    (inputs, targets)
}

#[test]
fn one_window_per_stream_is_fit_sequences_bit_for_bit() {
    let (inputs, targets) = filter_streams(3, 40);
    let config = FitConfig {
        batch_size: 2,
        epochs: 3,
        shuffle: false,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    };
    let streams = Streams::new(&inputs, 40).unwrap();
    let sequences: Sequences<1> = inputs.clone().into();

    let mut stateful = Amp::seeded(5);
    let mut whole = stateful.clone();
    let a = Trainer::new(Adam::with_learning_rate(0.01), MeanSquaredError)
        .fit_stateful(&mut stateful, &streams, &targets, &config)
        .unwrap();
    let b = Trainer::new(Adam::with_learning_rate(0.01), MeanSquaredError)
        .fit_sequences(&mut whole, &sequences, &targets, &config)
        .unwrap();
    assert_eq!(stateful, whole);
    assert_eq!(a.epochs, b.epochs);

    let mut stateful = ConvGru::seeded(5);
    let mut whole = stateful.clone();
    let a = Trainer::new(Adam::with_learning_rate(0.01), MeanSquaredError)
        .fit_stateful(&mut stateful, &streams, &targets, &config)
        .unwrap();
    let b = Trainer::new(Adam::with_learning_rate(0.01), MeanSquaredError)
        .fit_sequences(&mut whole, &sequences, &targets, &config)
        .unwrap();
    assert_eq!(stateful, whole);
    assert_eq!(a.epochs, b.epochs);
}

/// The loss on whole streams from zero (`evaluate_stateful`) of `net` trained for `epochs` by
/// `train`.
fn trained_loss(
    epochs: usize,
    train: impl FnOnce(&mut Trainer<Adam, MeanSquaredError>, &mut Amp, &FitConfig),
    streams: &Streams<1>,
    targets: &[SVector<f32, 1>],
) -> f64 {
    let mut net = Amp::seeded(9);
    let mut trainer = Trainer::new(Adam::with_learning_rate(0.01), MeanSquaredError);
    let config = FitConfig {
        batch_size: 4,
        epochs,
        shuffle: false,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    };
    train(&mut trainer, &mut net, &config);
    trainer
        .evaluate_stateful(&net, streams, targets)
        .unwrap()
        .loss
}

#[test]
fn stateful_windows_reach_the_loss_of_whole_sequences() {
    let (inputs, targets) = filter_streams(4, 320);
    let whole_streams = Streams::new(&inputs, 320).unwrap();
    let windowed = Streams::new(&inputs, 32).unwrap();
    let sequences: Sequences<1> = inputs.clone().into();
    let untrained = trained_loss(0, |_, _, _| {}, &whole_streams, &targets);
    // The same passes over the data, 40 epochs each, so the same forward and backward work:
    // the reference backpropagates through the whole 320 steps of each stream, one update per
    // epoch; stateful training through windows of 32 steps, the state carried from window to
    // window, ten updates per epoch; stateless training through the same windows, each from
    // the zero state (windows as separate sequences).
    let epochs = 40;
    let whole = trained_loss(
        epochs,
        |trainer, net, config| {
            trainer
                .fit_sequences(net, &sequences, &targets, config)
                .unwrap();
        },
        &whole_streams,
        &targets,
    );
    let stateful = trained_loss(
        epochs,
        |trainer, net, config| {
            trainer
                .fit_stateful(net, &windowed, &targets, config)
                .unwrap();
        },
        &whole_streams,
        &targets,
    );
    let cut: Vec<Vec<SVector<f32, 1>>> = inputs
        .iter()
        .flat_map(|s| s.chunks(32).map(<[_]>::to_vec))
        .collect();
    let cut: Sequences<1> = cut.into();
    let stateless = trained_loss(
        epochs,
        |trainer, net, config| {
            trainer.fit_sequences(net, &cut, &targets, config).unwrap();
        },
        &whole_streams,
        &targets,
    );
    eprintln!(
        "loss on the whole streams: untrained {untrained:.5}, trained on whole sequences {whole:.5}, stateful windows {stateful:.5}, stateless windows {stateless:.5}"
    );
    assert!(whole < 0.1 * untrained, "the reference did not learn");
    // Within 10 % of the reference (or below it).
    assert!(
        stateful <= 1.1 * whole,
        "stateful windows reached {stateful}, whole sequences {whole}"
    );
}

#[test]
fn validation_streams_are_measured_as_evaluate_stateful_measures_them() {
    let (inputs, targets) = filter_streams(3, 50);
    let (val_inputs, val_targets) = filter_streams(1, 30);
    let streams = Streams::new(&inputs, 16).unwrap();
    let validation = Streams::new(&val_inputs, 7).unwrap();
    let mut net = Amp::seeded(4);
    let mut trainer = Trainer::new(Adam::with_learning_rate(0.01), MeanSquaredError);
    let config = FitConfig {
        batch_size: 2,
        epochs: 2,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    };
    let history = trainer
        .fit_stateful_with(
            &mut net,
            &streams,
            &targets,
            &config,
            Some((&validation, &val_targets)),
            &mut [],
        )
        .unwrap();
    assert_eq!(history.epochs.len(), 2);
    let last = history.last().unwrap();
    let evaluation = trainer
        .evaluate_stateful(&net, &validation, &val_targets)
        .unwrap();
    assert_eq!(last.val_loss, Some(evaluation.loss));
    // The evaluation runs each stream whole from zero: `forward_sequence`'s outputs.
    let mut outputs = vec![SVector::zeros(); 30];
    net.forward_sequence(validation.stream(0).unwrap(), &mut outputs)
        .unwrap();
    let mse: f64 = outputs
        .iter()
        .zip(&val_targets)
        .map(|(y, t)| f64::from(MeanSquaredError.value(y, t)))
        .sum::<f64>()
        / 30.0;
    assert!((mse - evaluation.loss).abs() <= 1e-6 * mse);
}

#[test]
fn a_many_to_one_network_takes_one_target_per_window() {
    nnet::network! {
        pub struct Last {
            input sequence 1;
            lstm 3;
            dense 1;
        }
    }
    let (inputs, _) = filter_streams(2, 10);
    let streams = Streams::new(&inputs, 4).unwrap();
    assert_eq!(streams.windows(), 3); // 4, 4 and 2 steps
    let net = Last::seeded(1);
    let targets = vec![vector![0.25_f32]; 6];
    let trainer = Trainer::new(Adam::default(), MeanSquaredError);
    let evaluation = trainer.evaluate_stateful(&net, &streams, &targets).unwrap();
    // The output at the end of each window of each stream, stepping from zero.
    let mut expected = 0.0;
    for stream in &inputs {
        let mut state = LastState::default();
        for (t, x) in stream.iter().enumerate() {
            let y = net.step(&mut state, x);
            if [3, 7, 9].contains(&t) {
                expected += f64::from(MeanSquaredError.value(&y, &vector![0.25])) / 6.0;
            }
        }
    }
    assert!((evaluation.loss - expected).abs() <= 1e-6 * expected);
    let mut trained = net.clone();
    let mut trainer = trainer;
    let config = FitConfig {
        epochs: 1,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    };
    trainer
        .fit_stateful(&mut trained, &streams, &targets, &config)
        .unwrap();
    assert_ne!(trained, net);
    // A target per step is the wrong count for it.
    let error = trainer
        .fit_stateful(&mut trained, &streams, &[vector![0.0]; 20], &config)
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("one target per window, 6 in all"),
        "{error}"
    );
}

#[test]
fn bad_streams_are_errors_that_say_what_to_do() {
    let one = |len: usize| vec![vector![0.5_f32]; len];
    let message = |r: Result<Streams<1>, Error>| r.unwrap_err().to_string();
    assert!(message(Streams::new(&[one(8)], 0)).contains("a window of 0 steps"));
    assert!(message(Streams::<1>::new(&[] as &[Vec<SVector<f32, 1>>], 4)).contains("no streams"));
    assert!(message(Streams::new(&[one(0)], 4)).contains("stream 0 has no steps"));
    let different = message(Streams::new(&[one(8), one(8), one(7)], 4));
    assert!(
        different.contains("stream 2 has 7 steps but stream 0 has 8"),
        "{different}"
    );
    let short = message(Streams::new(&[one(3)], 4));
    assert!(short.contains("use a window of at most 3 steps"), "{short}");

    let streams = Streams::new(&[one(8), one(8)], 4).unwrap();
    let mut net = Amp::seeded(1);
    let mut trainer = Trainer::new(Adam::default(), MeanSquaredError);
    let targets = vec![vector![0.0_f32]; 16];
    let split = FitConfig {
        validation_split: 0.5,
        ..FitConfig::default()
    };
    let error = trainer
        .fit_stateful(&mut net, &streams, &targets, &split)
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("pass validation streams to `fit_stateful_with`"),
        "{error}"
    );
    let error = trainer
        .fit_stateful(&mut net, &streams, &targets[..15], &FitConfig::default())
        .unwrap_err();
    assert!(
        error.to_string().contains("one target per step, 16 in all"),
        "{error}"
    );
    let mut bad = one(8);
    bad[5] = vector![f32::NAN];
    let streams_nan = Streams::new(&[one(8), bad], 4).unwrap();
    let error = trainer
        .fit_stateful(&mut net, &streams_nan, &targets, &FitConfig::default())
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::NonFiniteStep {
                sequence: 1,
                step: 5,
                ..
            }
        ),
        "{error}"
    );
    let zero = FitConfig {
        batch_size: 0,
        ..FitConfig::default()
    };
    assert_eq!(
        trainer.fit_stateful(&mut net, &streams, &targets, &zero),
        Err(Error::ZeroBatchSize)
    );

    // One state per sequence of the batch.
    let mut workspace = net.sequence_workspace();
    workspace.load_slices(streams.iter());
    let mut grads = net.zero_gradients();
    let mut outputs = vec![SVector::zeros(); 16];
    let error = net
        .accumulate_sequences_from(
            &mut workspace,
            &mut [AmpState::default()],
            &targets,
            &MeanSquaredError,
            &mut grads,
            &mut outputs,
        )
        .unwrap_err();
    assert_eq!(
        error,
        Error::StateCount {
            states: 1,
            sequences: 2
        }
    );
    assert!(error.to_string().contains("give one state per sequence"));
}

#[test]
fn targets_that_overflow_are_named_as_the_data_not_the_learning_rate() {
    let (inputs, mut targets) = filter_streams(2, 16);
    targets[3] = vector![1e30];
    let streams = Streams::new(&inputs, 8).unwrap();
    let mut net = Amp::seeded(1);
    let before = net.clone();
    let error = Trainer::new(Adam::default(), MeanSquaredError)
        .fit_stateful(&mut net, &streams, &targets, &FitConfig::default())
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::DataOverflow {
                epoch: 1,
                batch: 1,
                ..
            }
        ),
        "{error}"
    );
    // No update was made.
    assert_eq!(net, before);
}

/// Windows of 1 and 2 steps, shorter than the first convolution's 4 past inputs: the state
/// after each window, and each window's outputs, are `step`'s (to rounding, 1e-12).
#[test]
fn windows_shorter_than_a_convolutions_past_carry_what_step_carries() {
    let mut net = Conv64::seeded(1);
    fill(&mut net);
    let stream = signal(11, 0.4);
    let mut workspace = net.sequence_workspace();
    let mut grads = net.zero_gradients();
    let mut states = vec![Conv64State::default()];
    let mut stepped = Conv64State::default();
    let mut at = 0;
    for len in [1, 2, 1, 2, 2, 1, 2] {
        let window = &stream[at..at + len];
        at += len;
        workspace.load_slices([window].into_iter());
        let mut outputs = vec![SVector::zeros(); len];
        let targets = vec![SVector::zeros(); len];
        net.accumulate_sequences_from(
            &mut workspace,
            &mut states,
            &targets,
            &MeanSquaredError,
            &mut grads,
            &mut outputs,
        )
        .unwrap();
        for (x, y) in window.iter().zip(&outputs) {
            let expected = net.step(&mut stepped, x);
            assert!((y - expected).norm() <= 1e-12, "{y} ≠ {expected}");
        }
        // The first convolution's past is the input itself, exactly; the rest is computed in
        // another order by the training pass than by `step`, so equal to rounding.
        let (state, close) = (&states[0], |a: &[f64], b: &[f64]| {
            a.iter().zip(b).all(|(a, b)| (a - b).abs() <= 1e-12)
        });
        assert_eq!(state.conv1d1, stepped.conv1d1);
        assert!(close(
            state.simple_rnn1.h.as_slice(),
            stepped.simple_rnn1.h.as_slice()
        ));
        assert!(close(
            state.conv1d2.past(1).unwrap(),
            stepped.conv1d2.past(1).unwrap()
        ));
        assert!(close(
            state.conv1d2.output().as_slice(),
            stepped.conv1d2.output().as_slice()
        ));
        assert!(close(
            state.simple_rnn2.h.as_slice(),
            stepped.simple_rnn2.h.as_slice()
        ));
    }
    assert_eq!(at, 11);
}
