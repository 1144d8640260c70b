//! `fit` of a network with wide layers cuts each batch into fixed groups of samples, one per
//! thread of rayon's pool (issue 20, item 3): the same seed gives the same bits of weights and
//! loss history on 1, 2 and 8 threads, and a batch's gradient is the mean of its samples'
//! gradients computed one sample at a time (the independent truth: the per-sample pass,
//! `accumulate_each`, summed in f64).

#[path = "common/threads.rs"]
mod threads;

use nnet::__private::accumulate_each;
use nnet::loss::MeanSquaredError;
use nnet::nalgebra::SVector;
use nnet::optim::{Adam, Sgd, SgdConfig};
use nnet::train::{FitConfig, Trainer, Verbosity};
use nnet::{Network, Parameters};
use threads::{assert_same_bits_on_1_2_and_8_threads, bits, history_bits, on_threads};

nnet::network! {
    /// Wide enough to train in groups (a 128 × 128 layer), with dropout: each group draws its
    /// own masks.
    pub struct Wide {
        input 3;
        dense 128 relu;
        dropout 0.25;
        dense 128 tanh;
        dense 2;
    }
}

nnet::network! {
    /// Batch normalization ties a batch's samples together: one group.
    pub struct Normed {
        input 3;
        dense 128 relu;
        batch_norm (momentum = 0.9);
        dense 128 tanh;
        dense 2;
    }
}

nnet::network! {
    /// Without dropout: each sample's gradient alone is then the truth.
    pub struct Plain {
        input 3;
        dense 128 relu;
        dense 128 tanh;
        dense 2;
    }
}

/// `count` inputs and targets.
fn data(count: usize) -> (Vec<SVector<f32, 3>>, Vec<SVector<f32, 2>>) {
    let xs: Vec<SVector<f32, 3>> = (0..count)
        .map(|s| SVector::from_fn(|i, _| ((s * 31 + i * 17) % 23) as f32 / 11.5 - 1.0))
        .collect();
    let ys = xs
        .iter()
        .map(|x| SVector::from([x[0] * x[1] - 0.5 * x[2], (2.0 * x[0]).sin()]))
        .collect();
    (xs, ys)
}

/// `fit` from `net` for three epochs on 1, 2 and 8 threads, in batches of 100 (three groups)
/// and a last batch of 8 (one group): the weights' and the losses' bits agree.
fn same_bits_on_any_threads<N: Network<3, 2>>(net: &N) {
    let (xs, ys) = data(240);
    let config = FitConfig {
        epochs: 3,
        batch_size: 100,
        verbosity: Verbosity::Silent,
        validation_split: 0.1,
        ..FitConfig::default()
    };
    assert_same_bits_on_1_2_and_8_threads(&bits(net), || {
        let mut net = net.clone();
        let mut trainer = Trainer::new(Adam::with_learning_rate(0.01), MeanSquaredError);
        let history = trainer
            .fit(&mut net, &xs, &ys, &config)
            .expect("training succeeds");
        (bits(&net), history_bits(&history))
    });
}

#[test]
fn fit_gives_the_same_bits_on_1_2_and_8_threads() {
    same_bits_on_any_threads(&Wide::seeded(1));
    same_bits_on_any_threads(&Normed::seeded(2));
    same_bits_on_any_threads(&Plain::seeded(3));
}

/// One epoch of one batch of plain SGD, in 1 to 8 groups: the update is the learning rate
/// times the batch's mean gradient, which must be the mean of the samples' gradients computed
/// one at a time; the epoch's loss, the mean of their losses.
#[test]
fn a_batch_gradient_is_the_mean_of_its_samples_gradients() {
    let net = Plain::seeded(4);
    for count in [31, 64, 97, 300] {
        let (xs, ys) = data(count);
        let mut loss = 0.0;
        let mut sum: Vec<Vec<f64>> = (0..Plain::TENSORS)
            .map(|t| vec![0.0; net.tensor(t).len()])
            .collect();
        for (x, y) in xs.iter().zip(&ys) {
            let mut grads = net.zero_gradients();
            let mut output = [SVector::zeros()];
            loss += f64::from(accumulate_each(
                &net,
                core::slice::from_ref(x),
                core::slice::from_ref(y),
                &MeanSquaredError,
                &mut grads,
                &mut output,
            ));
            for (t, s) in sum.iter_mut().enumerate() {
                for (s, g) in s.iter_mut().zip(grads.tensor(t)) {
                    *s += f64::from(*g);
                }
            }
        }
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
                batch_size: count,
                shuffle: false,
                verbosity: Verbosity::Silent,
                ..FitConfig::default()
            };
            let history = on_threads(threads, || {
                trainer
                    .fit(&mut trained, &xs, &ys, &config)
                    .expect("training succeeds")
            });
            let n = count as f64;
            let reported = history.epochs[0].loss;
            assert!(
                (reported - loss / n).abs() < 1e-5 * (1.0 + reported.abs()),
                "{count} samples: loss {reported} vs {}",
                loss / n
            );
            for (t, sum) in sum.iter().enumerate() {
                for (j, s) in sum.iter().enumerate() {
                    let step = f64::from(net.tensor(t)[j]) - f64::from(trained.tensor(t)[j]);
                    let expected = rate * s / n;
                    let name = Plain::tensor_info(t).unwrap().name();
                    assert!(
                        (step - expected).abs() < 1e-6 + 1e-4 * expected.abs(),
                        "{count} samples, {name}[{j}]: update {step}, expected {expected}"
                    );
                }
            }
        }
    }
}
