//! Recurrent networks against Keras 3: a GRU (many-to-one), an LSTM with `return_sequences`
//! (a target per step) and a stack of SimpleRNN, LSTM and GRU. For each: the outputs of whole
//! sequences and of every prefix (streaming), the loss, every gradient, and the weights after
//! three Adam steps of `fit`, plus the import of the Keras-named file. The reference values
//! come from `tools/keras_recurrent.py` (real Keras 3.15.1 on jax), which checks itself against
//! an independent float64 NumPy implementation of the cells; see `tools/README.md`.

#[path = "common/fixtures.rs"]
mod fixtures;

use nnet::loss::{BinaryCrossentropy, Loss, MeanSquaredError};
use nnet::optim::Adam;
use nnet::train::{FitConfig, Trainer, Verbosity};
use nnet::{Parameters, SVector, SequenceNetwork, Sequences};

use fixtures::{Tensors, column_major};

nnet::network! {
    /// `GRU(4)`, `Dense(2)`.
    pub struct KerasGru {
        input sequence 3;
        gru 4;
        dense 2;
    }
}

nnet::network! {
    /// `LSTM(5, return_sequences=True)`, `Dense(1, sigmoid)`.
    pub struct KerasLstmSeq {
        input sequence 2;
        lstm 5 (return_sequences);
        dense 1 sigmoid;
    }
}

nnet::network! {
    /// `SimpleRNN(4, return_sequences=True)`, `LSTM(3, return_sequences=True)`, `GRU(2)`,
    /// `Dense(1)`.
    pub struct KerasStack {
        input sequence 3;
        simple_rnn 4 (return_sequences);
        lstm 3 (return_sequences);
        gru 2;
        dense 1;
    }
}

/// The network with the fixture's tensors under `prefix` (`""` initial, `"after."` trained).
fn network<N: nnet::Architecture<Scalar = f32>>(tensors: &Tensors, prefix: &str) -> N {
    let mut net = N::zeroed();
    for i in 0..N::TENSORS {
        let name = N::tensor_info(i).unwrap().name();
        net.tensor_mut(i)
            .copy_from_slice(&column_major(tensors, &format!("{prefix}{name}")));
    }
    net
}

/// `x` `[4, 6, F]` as four sequences.
fn sequences<const F: usize>(tensors: &Tensors) -> Sequences<F> {
    let (shape, values) = &tensors["x"];
    assert_eq!(shape[2], F);
    values
        .chunks(shape[1] * F)
        .map(|s| {
            s.chunks(F)
                .map(SVector::<f32, F>::from_column_slice)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The rows of `name` as vectors of `N`.
fn rows<const N: usize>(tensors: &Tensors, name: &str) -> Vec<SVector<f32, N>> {
    tensors[name]
        .1
        .chunks(N)
        .map(SVector::<f32, N>::from_column_slice)
        .collect()
}

fn assert_close(found: &[f32], expected: &[f32], tolerance: f32, what: &str) {
    assert_eq!(found.len(), expected.len(), "{what}: lengths");
    for (i, (f, e)) in found.iter().zip(expected).enumerate() {
        assert!(
            (f - e).abs() <= tolerance * (1.0 + e.abs()),
            "{what}[{i}]: nnet {f}, Keras {e}"
        );
    }
}

/// Everything one fixture holds, checked against nnet.
fn check<N, L, const F: usize, const OUT: usize>(bytes: &[u8], keras_names: &[u8], loss: L)
where
    N: SequenceNetwork<F, OUT> + nnet::Architecture,
    L: Loss<OUT, Target = SVector<f32, OUT>>,
{
    let tensors = fixtures::read(bytes);
    let net: N = network(&tensors, "");
    let data = sequences::<F>(&tensors);
    let targets = rows::<OUT>(&tensors, "y");

    // Whole sequences, and streaming: the output after every step is the output on that
    // prefix.
    let step_outputs = rows::<OUT>(&tensors, "step_outputs");
    let inference = rows::<OUT>(&tensors, "inference_output");
    for (s, sequence) in data.iter().enumerate() {
        let mut state = N::State::default();
        for (t, x) in sequence.iter().enumerate() {
            let streamed = net.step(&mut state, x);
            let expected = step_outputs[s * sequence.len() + t];
            assert_close(streamed.as_slice(), expected.as_slice(), 1e-5, "step");
        }
        let last = if N::RETURN_SEQUENCES {
            inference[(s + 1) * sequence.len() - 1]
        } else {
            inference[s]
        };
        assert_close(
            net.forward(sequence).as_slice(),
            last.as_slice(),
            1e-5,
            "forward",
        );
    }
    let predicted = net.predict_sequences(&data);
    assert_eq!(predicted.len(), inference.len());
    for (p, e) in predicted.iter().zip(&inference) {
        assert_close(p.as_slice(), e.as_slice(), 1e-5, "predict_sequences");
    }

    // The loss and every gradient of the training pass (Keras's mean over the outputs).
    let trainer = Trainer::new(Adam::with_learning_rate(0.01), loss);
    let evaluation = trainer.evaluate_sequences(&net, &data, &targets).unwrap();
    assert_close(&[evaluation.loss as f32], &tensors["loss"].1, 1e-5, "loss");
    let mut workspace = net.sequence_workspace();
    workspace.load(&data, &[0, 1, 2, 3]);
    let mut grads = net.zero_gradients();
    let mut outputs = vec![SVector::zeros(); targets.len()];
    let sum = net.accumulate_sequences(
        &mut workspace,
        &targets,
        &trainer.loss,
        &mut grads,
        &mut outputs,
    );
    assert_close(
        &[sum / targets.len() as f32],
        &tensors["loss"].1,
        1e-5,
        "training loss",
    );
    grads.scale(1.0 / targets.len() as f32);
    for i in 0..N::TENSORS {
        let name = N::tensor_info(i).unwrap().name();
        let expected = column_major(&tensors, &format!("grad.{name}"));
        assert_close(grads.tensor(i), &expected, 1e-4, &format!("grad.{name}"));
    }

    // Three Adam steps of `fit` (one batch of four, no shuffling).
    let mut trained = net.clone();
    let mut trainer = trainer;
    let config = FitConfig {
        epochs: 3,
        batch_size: 4,
        shuffle: false,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    };
    let history = trainer
        .fit_sequences(&mut trained, &data, &targets, &config)
        .unwrap();
    // An f32 network reports f32 values, widened to f64: narrowing them back is exact.
    let losses: Vec<f32> = history.epochs.iter().map(|e| e.loss as f32).collect();
    assert_close(&losses, &tensors["history_loss"].1, 2e-5, "history_loss");
    for i in 0..N::TENSORS {
        let name = N::tensor_info(i).unwrap().name();
        let expected = column_major(&tensors, &format!("after.{name}"));
        assert_close(trained.tensor(i), &expected, 2e-5, &format!("after.{name}"));
    }

    // The same initial weights under Keras's variable paths and shapes.
    let imported: N = nnet::io::import_keras(keras_names).unwrap();
    assert_eq!(imported, net);
}

#[test]
fn gru_matches_keras() {
    check::<KerasGru, _, 3, 2>(
        include_bytes!("../../tests/fixtures/recurrent/keras_gru.safetensors"),
        include_bytes!("../../tests/fixtures/recurrent/keras_gru_keras_names.safetensors"),
        MeanSquaredError,
    );
}

#[test]
fn lstm_with_return_sequences_matches_keras() {
    check::<KerasLstmSeq, _, 2, 1>(
        include_bytes!("../../tests/fixtures/recurrent/keras_lstm_seq.safetensors"),
        include_bytes!("../../tests/fixtures/recurrent/keras_lstm_seq_keras_names.safetensors"),
        BinaryCrossentropy,
    );
}

#[test]
fn stacked_recurrent_layers_match_keras() {
    check::<KerasStack, _, 3, 1>(
        include_bytes!("../../tests/fixtures/recurrent/keras_stack.safetensors"),
        include_bytes!("../../tests/fixtures/recurrent/keras_stack_keras_names.safetensors"),
        MeanSquaredError,
    );
}
