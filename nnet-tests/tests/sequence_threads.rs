//! `fit_sequences` and `fit_stateful` compute a batch's gradient in fixed groups of sequences
//! over rayon's threads (issue 20, item 3): the same seed gives the same bits of weights and
//! loss history on 1, 2 and 8 threads, and the batch's gradient is the sum of each sequence's
//! gradient computed alone (the independent truth: `accumulate_sequences` on one sequence).

#[path = "common/threads.rs"]
mod threads;

use nnet::loss::MeanSquaredError;
use nnet::nalgebra::SVector;
use nnet::optim::{Adam, Sgd, SgdConfig};
use nnet::train::{FitConfig, Trainer, Verbosity};
use nnet::vector;
use nnet::{Parameters, SequenceNetwork, Sequences, Streams};
use threads::{assert_same_bits_on_1_2_and_8_threads, bits, history_bits, on_threads};

nnet::network! {
    /// Dropout between stacked recurrent layers (each group draws its own masks), a target per
    /// step.
    pub struct Stack {
        input sequence 2;
        dense 4 tanh;
        simple_rnn 5 (return_sequences);
        dropout 0.25;
        gru 4 (return_sequences);
        dense 1;
    }
}

nnet::network! {
    /// One target per sequence.
    pub struct Last {
        input sequence 2;
        lstm 4;
        dense 2 tanh;
        dense 1;
    }
}

nnet::network! {
    /// Batch normalization ties a batch's sequences together: one group.
    pub struct Normed {
        input sequence 2;
        simple_rnn 4 (return_sequences);
        batch_norm (momentum = 0.9);
        gru 3;
        dense 1;
    }
}

/// `count` sequences of 1 to 23 steps.
fn data(count: usize) -> Sequences<2> {
    (0..count)
        .map(|i| {
            let len = 1 + (i * 7) % 23;
            (0..len)
                .map(|t| {
                    let (i, t) = (i as f32, t as f32);
                    vector![(0.37 * t + i).sin(), (0.11 * t * i).cos()]
                })
                .collect::<Vec<SVector<f32, 2>>>()
        })
        .collect()
}

/// A target per step (`per_step`) or per sequence.
fn targets(data: &Sequences<2>, per_step: bool) -> Vec<SVector<f32, 1>> {
    if per_step {
        data.steps()
            .iter()
            .map(|x| vector![0.5 * x[0] - x[1]])
            .collect()
    } else {
        data.iter()
            .map(|s| vector![s.iter().map(|x| x[0]).sum::<f32>() / s.len() as f32])
            .collect()
    }
}

/// `fit_sequences` from `seeded(seed)` for three epochs on 1, 2 and 8 threads: the weights'
/// and the losses' bits agree.
fn same_bits_on_any_threads<N: SequenceNetwork<2, 1>>(net: &N, per_step: bool) {
    let data = data(37);
    let targets = targets(&data, per_step);
    let config = FitConfig {
        epochs: 3,
        batch_size: 12,
        verbosity: Verbosity::Silent,
        validation_split: 0.1,
        ..FitConfig::default()
    };
    assert_same_bits_on_1_2_and_8_threads(&bits(net), || {
        let mut net = net.clone();
        let mut trainer = Trainer::new(Adam::with_learning_rate(0.01), MeanSquaredError);
        let history = trainer
            .fit_sequences(&mut net, &data, &targets, &config)
            .expect("training succeeds");
        (bits(&net), history_bits(&history))
    });
}

#[test]
fn fit_sequences_gives_the_same_bits_on_1_2_and_8_threads() {
    same_bits_on_any_threads(&Stack::seeded(1), true);
    same_bits_on_any_threads(&Last::seeded(2), false);
    same_bits_on_any_threads(&Normed::seeded(3), false);
}

#[test]
fn fit_stateful_gives_the_same_bits_on_1_2_and_8_threads() {
    // 11 signals of 60 steps in windows of 7 (the last one 4), batches of 10 and 1 signals.
    let signals: Vec<Vec<SVector<f32, 2>>> = data(60).iter().take(11).map(<[_]>::to_vec).collect();
    let signals: Vec<Vec<SVector<f32, 2>>> = (0..11)
        .map(|s| {
            (0..60)
                .map(|t| signals[s][t % signals[s].len()] * (1.0 + 0.01 * t as f32))
                .collect()
        })
        .collect();
    let streams = Streams::new(&signals, 7).expect("equal lengths");
    let targets: Vec<SVector<f32, 1>> = signals
        .iter()
        .flatten()
        .map(|x| vector![x[0] * x[1]])
        .collect();
    let config = FitConfig {
        epochs: 3,
        batch_size: 10,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    };
    assert_same_bits_on_1_2_and_8_threads(&bits(&Stack::seeded(4)), || {
        let mut net = Stack::seeded(4);
        let mut trainer = Trainer::new(Adam::with_learning_rate(0.01), MeanSquaredError);
        let history = trainer
            .fit_stateful(&mut net, &streams, &targets, &config)
            .expect("training succeeds");
        (bits(&net), history_bits(&history))
    });
}

/// The loss summed over `targets` and its gradients for the sequences of `data`, computed by
/// `accumulate_sequences` one sequence at a time (each in a fresh workspace) and summed in f64.
fn per_sequence_sum<N: SequenceNetwork<2, 1>>(
    net: &N,
    data: &Sequences<2>,
    targets: &[SVector<f32, 1>],
) -> (f64, Vec<Vec<f64>>) {
    let mut sum = vec![Vec::new(); N::TENSORS];
    for (t, s) in sum.iter_mut().enumerate() {
        *s = vec![0.0; net.tensor(t).len()];
    }
    let mut loss = 0.0;
    let mut at = 0;
    for (i, sequence) in data.iter().enumerate() {
        let n = if N::RETURN_SEQUENCES {
            sequence.len()
        } else {
            1
        };
        let mut workspace = net.sequence_workspace();
        workspace.load(data, &[i]);
        let mut grads = net.zero_gradients();
        let mut outputs = vec![SVector::zeros(); n];
        loss += f64::from(net.accumulate_sequences(
            &mut workspace,
            &targets[at..at + n],
            &MeanSquaredError,
            &mut grads,
            &mut outputs,
        ));
        for (t, s) in sum.iter_mut().enumerate() {
            for (s, g) in s.iter_mut().zip(grads.tensor(t)) {
                *s += f64::from(*g);
            }
        }
        at += n;
    }
    (loss, sum)
}

/// One epoch of one batch of plain SGD: the update is the learning rate times the batch's mean
/// gradient, which must be the mean of the sequences' gradients computed alone; the epoch's
/// loss, the mean of their losses.
fn one_batch_is_the_sum_of_sequences<N: SequenceNetwork<2, 1>>(net: &N, per_step: bool) {
    let data = data(21);
    let targets = targets(&data, per_step);
    let (loss, sum) = per_sequence_sum(net, &data, &targets);
    let count = targets.len() as f64;
    let rate = 0.5;
    for threads in [1, 2] {
        let mut trained = net.clone();
        let mut trainer = Trainer::new(
            Sgd::new(SgdConfig {
                learning_rate: rate,
                ..SgdConfig::default()
            }),
            MeanSquaredError,
        );
        let config = FitConfig {
            epochs: 1,
            batch_size: 21,
            shuffle: false,
            verbosity: Verbosity::Silent,
            ..FitConfig::default()
        };
        let history = on_threads(threads, || {
            trainer
                .fit_sequences(&mut trained, &data, &targets, &config)
                .expect("training succeeds")
        });
        let reported = history.epochs[0].loss;
        assert!(
            (reported - loss / count).abs() < 1e-5 * (1.0 + reported.abs()),
            "loss {reported} vs {}",
            loss / count
        );
        for (t, sum) in sum.iter().enumerate() {
            for (j, s) in sum.iter().enumerate() {
                let step = f64::from(net.tensor(t)[j]) - f64::from(trained.tensor(t)[j]);
                let expected = rate * s / count;
                let name = N::tensor_info(t).unwrap().name();
                assert!(
                    (step - expected).abs() < 1e-6 + 1e-4 * expected.abs(),
                    "{name}[{j}]: update {step}, expected {expected}"
                );
            }
        }
    }
}

#[test]
fn a_batch_gradient_is_the_sum_of_its_sequences_gradients() {
    // Without dropout: each sequence's gradient alone is then the truth.
    nnet::network! {
        pub struct Steps {
            input sequence 2;
            dense 4 tanh;
            simple_rnn 5 (return_sequences);
            gru 4 (return_sequences);
            dense 1;
        }
    }
    one_batch_is_the_sum_of_sequences(&Steps::seeded(5), true);
    one_batch_is_the_sum_of_sequences(&Last::seeded(6), false);
}

/// A trainer keeps the groups' buffers from one call to the next (sized and filled by the
/// earlier call); a call that finds them gives the bits of a fresh trainer's call, on 1 and 2
/// threads: for `fit_sequences` after `fit_sequences` of other data and another batch size,
/// and for `fit_stateful` after both.
#[test]
fn kept_buffers_give_the_bits_of_a_fresh_trainer() {
    let adam = || Adam::with_learning_rate(0.01);
    let config = |batch_size: usize| FitConfig {
        epochs: 2,
        batch_size,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    };
    let (first, second) = (data(37), data(19));
    let (first_y, second_y) = (targets(&first, true), targets(&second, true));
    let signals: Vec<Vec<SVector<f32, 2>>> = (0..5)
        .map(|s| {
            (0..30)
                .map(|t| vector![(0.3 * t as f32 + s as f32).sin(), 0.1 * s as f32])
                .collect()
        })
        .collect();
    let streams = Streams::new(&signals, 6).expect("equal lengths");
    let streams_y: Vec<SVector<f32, 1>> = signals
        .iter()
        .flatten()
        .map(|x| vector![x[0] - x[1]])
        .collect();
    for threads in [1, 2] {
        on_threads(threads, || {
            // Fresh trainers: the truth.
            let mut fresh_seq = Stack::seeded(8);
            let seq_history = Trainer::new(adam(), MeanSquaredError)
                .fit_sequences(&mut fresh_seq, &second, &second_y, &config(5))
                .expect("training succeeds");
            let mut fresh_stateful = Stack::seeded(9);
            let stateful_history = Trainer::new(adam(), MeanSquaredError)
                .fit_stateful(&mut fresh_stateful, &streams, &streams_y, &config(3))
                .expect("training succeeds");

            // One trainer for the three calls, its optimizer's state reset between them.
            let mut trainer = Trainer::new(adam(), MeanSquaredError);
            trainer
                .fit_sequences(&mut Stack::seeded(7), &first, &first_y, &config(12))
                .expect("training succeeds");
            trainer.optimizer = adam();
            let mut kept_seq = Stack::seeded(8);
            let history = trainer
                .fit_sequences(&mut kept_seq, &second, &second_y, &config(5))
                .expect("training succeeds");
            assert_eq!(bits(&kept_seq), bits(&fresh_seq), "{threads} threads");
            assert_eq!(history_bits(&history), history_bits(&seq_history));
            trainer.optimizer = adam();
            let mut kept_stateful = Stack::seeded(9);
            let history = trainer
                .fit_stateful(&mut kept_stateful, &streams, &streams_y, &config(3))
                .expect("training succeeds");
            assert_eq!(
                bits(&kept_stateful),
                bits(&fresh_stateful),
                "{threads} threads"
            );
            assert_eq!(history_bits(&history), history_bits(&stateful_history));
        });
    }
}
