//! The examples' training, repeated with their seeds, asserting the accuracy each reaches.
//!
//! Bounds sit a little below what was measured (given beside each), so a change that makes
//! training worse fails here. `02_moons` is repeated on fewer points and `08_digits` for one
//! epoch of its 40 to stay fast in debug builds; the real data sets are used whole, with the
//! examples' configurations otherwise.

use nnet::datasets::{Dataset, Standardizer, load_csv, make_moons};
use nnet::loss::{BinaryCrossentropy, CategoricalCrossentropy};
use nnet::metrics::Metric;
use nnet::optim::Adam;
use nnet::train::{FitConfig, Trainer, Verbosity};

nnet::network! {
    /// `02_moons`: the seed article's network.
    struct SeedClassifier {
        input 2;
        dense 10 relu (init = uniform);
        dense 20 relu (init = uniform);
        dense 1 sigmoid (init = uniform);
    }
}
nnet::network! {
    /// The same with Keras's default initializer, `glorot_uniform`.
    struct GlorotClassifier { input 2; dense 10 relu; dense 20 relu; dense 1 sigmoid; }
}
nnet::network! {
    /// `03_breast_cancer`.
    struct Diagnosis { input 30; dense 16 relu; dense 8 relu; dense 1 sigmoid; }
}
nnet::network! {
    /// `04_iris`.
    struct Species { input 4; dense 10 relu; dense 3 softmax; }
}

fn data_file<const F: usize>(name: &str) -> Dataset<F> {
    let path = format!("{}/examples/data/{name}", env!("CARGO_MANIFEST_DIR"));
    load_csv(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn config(batch_size: usize, epochs: usize, seed: u64) -> FitConfig {
    FitConfig {
        batch_size,
        epochs,
        seed,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    }
}

/// Test accuracy, on 1,000 fresh points, of a network trained on `n` points of two moons with
/// `02_moons`'s optimizer and loss, batch size `batch` and `epochs` epochs.
macro_rules! moons_accuracy {
    ($network:ty, $n:expr, $batch:expr, $epochs:expr) => {{
        let (train, test) = (
            make_moons($n, 0.2, 1).unwrap(),
            make_moons(1_000, 0.2, 2).unwrap(),
        );
        let (y_train, y_test) = (
            train.binary_targets().unwrap(),
            test.binary_targets().unwrap(),
        );
        let mut net = <$network>::seeded(1);
        let mut trainer =
            Trainer::new(Adam::default(), BinaryCrossentropy).with_metrics([Metric::Accuracy]);
        let config = config($batch, $epochs, 1);
        trainer
            .fit(&mut net, &train.inputs, &y_train, &config)
            .unwrap();
        let evaluation = trainer.evaluate(&net, &test.inputs, &y_test).unwrap();
        evaluation.get("accuracy").unwrap()
    }};
}

#[test]
fn moons_seed_configuration_settles_near_a_straight_boundary() {
    // The example's configuration on 600 points instead of 10,000. Measured 0.865 (0.858 to
    // 0.866 over four seeds; the example itself reaches 0.868, and a NumPy re-implementation
    // of the configuration 0.856 to 0.885 over eight seeds): the U(-0.05, 0.05) kernels leave
    // the network close to linear, and a line separates the moons only so far.
    let accuracy = moons_accuracy!(SeedClassifier, 600, 64, 30);
    assert!((0.84..0.9).contains(&accuracy), "test accuracy {accuracy}");
}

#[test]
fn moons_default_initializer_bends_the_boundary() {
    // Keras's default glorot_uniform kernels on 1,000 points, batch 8, 15 epochs. Measured
    // 0.946 (0.903 to 0.946 over four seeds; 0.967 to 0.969 with the example's 10,000 points,
    // batch 64 and 30 epochs): beyond what any straight line reaches.
    let accuracy = moons_accuracy!(GlorotClassifier, 1_000, 8, 15);
    assert!(accuracy >= 0.92, "test accuracy {accuracy}");
}

#[test]
fn breast_cancer_reaches_95_percent() {
    let data = data_file::<30>("breast_cancer.csv");
    let (train, test) = data.split(0.2, 42).unwrap();
    let scaler = Standardizer::fit(&train.inputs).unwrap();
    let (x_train, x_test) = (
        scaler.transform_all(&train.inputs),
        scaler.transform_all(&test.inputs),
    );
    let (y_train, y_test) = (
        train.binary_targets().unwrap(),
        test.binary_targets().unwrap(),
    );
    let mut net = Diagnosis::seeded(7);
    let mut trainer = Trainer::new(Adam::default(), BinaryCrossentropy).with_metrics([
        Metric::Accuracy,
        Metric::Precision,
        Metric::Recall,
    ]);
    trainer
        .fit(&mut net, &x_train, &y_train, &config(16, 20, 7))
        .unwrap();
    let evaluation = trainer.evaluate(&net, &x_test, &y_test).unwrap();
    // Measured: accuracy 0.991, precision 0.986, recall 1.0.
    for (metric, bound) in [("accuracy", 0.95), ("precision", 0.95), ("recall", 0.95)] {
        let value = evaluation.get(metric).unwrap();
        assert!(value >= bound, "test {metric} {value}");
    }
}

#[test]
fn iris_reaches_90_percent() {
    let data = data_file::<4>("iris.csv");
    let (train, test) = data.split(0.2, 42).unwrap();
    let scaler = Standardizer::fit(&train.inputs).unwrap();
    let (x_train, x_test) = (
        scaler.transform_all(&train.inputs),
        scaler.transform_all(&test.inputs),
    );
    let (y_train, y_test) = (train.one_hot::<3>().unwrap(), test.one_hot::<3>().unwrap());
    let mut net = Species::seeded(7);
    let mut trainer = Trainer::new(Adam::with_learning_rate(0.01), CategoricalCrossentropy)
        .with_metrics([Metric::Accuracy]);
    trainer
        .fit(&mut net, &x_train, &y_train, &config(16, 100, 7))
        .unwrap();
    // Measured 1.0 (30 of 30).
    let accuracy = trainer
        .evaluate(&net, &x_test, &y_test)
        .unwrap()
        .get("accuracy")
        .unwrap();
    assert!(accuracy >= 0.9, "test accuracy {accuracy}");
}

#[test]
fn shipped_data_files_load_whole() {
    let cancer = data_file::<30>("breast_cancer.csv");
    assert_eq!(cancer.len(), 569);
    assert_eq!(cancer.class_names, ["malignant", "benign"]);
    assert_eq!(
        cancer.class_counts().into_iter().collect::<Vec<_>>(),
        [(0, 212), (1, 357)]
    );
    let iris = data_file::<4>("iris.csv");
    assert_eq!(iris.len(), 150);
    assert_eq!(iris.class_names, ["setosa", "versicolor", "virginica"]);
    assert_eq!(
        iris.class_counts().into_iter().collect::<Vec<_>>(),
        [(0, 50), (1, 50), (2, 50)]
    );
    // Asking for the wrong width is an error naming the file, not a panic.
    let error = load_csv::<4>(format!(
        "{}/examples/data/breast_cancer.csv",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("breast_cancer.csv, line 1: the data has 30 features but 4"),
        "{error}"
    );
}

nnet::network! {
    /// `05_regularization`: wide, with nothing against overfitting.
    struct Plain { input 30; dense 128 relu; dense 128 relu; dense 1 sigmoid; }
}
nnet::network! {
    /// `05_regularization`: the same with dropout and an L2 penalty.
    struct Regularized {
        input 30;
        dense 128 relu (l2 = 0.001);
        dropout 0.5;
        dense 128 relu (l2 = 0.001);
        dropout 0.5;
        dense 1 sigmoid;
    }
}

#[test]
fn regularization_helps_a_little_on_50_training_rows() {
    let data = data_file::<30>("breast_cancer.csv");
    let (train, test) = data.split(0.912, 42).unwrap();
    assert_eq!((train.len(), test.len()), (50, 519));
    let scaler = Standardizer::fit(&train.inputs).unwrap();
    let (x_train, x_test) = (
        scaler.transform_all(&train.inputs),
        scaler.transform_all(&test.inputs),
    );
    let (y_train, y_test) = (
        train.binary_targets().unwrap(),
        test.binary_targets().unwrap(),
    );
    // The example trains 100 epochs; 50 here keep the test near 5 s in a debug build, and
    // Plain already overfits by then (its held-out loss is lowest after epoch 23).
    let config = config(16, 50, 7);
    let mut trainer =
        Trainer::new(Adam::default(), BinaryCrossentropy).with_metrics([Metric::Accuracy]);
    let mut plain = Plain::seeded(7);
    trainer
        .fit(&mut plain, &x_train, &y_train, &config)
        .unwrap();
    let mut regularized = Regularized::seeded(7);
    trainer
        .fit(&mut regularized, &x_train, &y_train, &config)
        .unwrap();
    let plain_test = trainer.evaluate(&plain, &x_test, &y_test).unwrap();
    let regularized_test = trainer.evaluate(&regularized, &x_test, &y_test).unwrap();
    let plain_train = trainer.evaluate(&plain, &x_train, &y_train).unwrap();
    let (plain_accuracy, regularized_accuracy) = (
        plain_test.get("accuracy").unwrap(),
        regularized_test.get("accuracy").unwrap(),
    );
    // Measured after 50 epochs: Plain 1.0 on its 50 training rows and 0.9634 held out (500 of
    // 519); Regularized 0.9730 (505 of 519); after the example's 100, 0.9653 and 0.9711. Over
    // 16 other split seeds (100 epochs) the gain averaged +0.3 points and Regularized was as
    // good or better on 11: the margin below allows for that.
    assert_eq!(plain_train.get("accuracy").unwrap(), 1.0);
    assert!(
        regularized_accuracy >= 0.96,
        "held-out accuracy {regularized_accuracy}"
    );
    assert!(
        regularized_accuracy >= plain_accuracy - 0.01,
        "Regularized {regularized_accuracy}, Plain {plain_accuracy}"
    );
    // Its cross-entropy on the held-out rows (Keras's loss without the L2 penalty) is lower:
    // measured 0.082 against 0.102 (0.095 against 0.123 after 100 epochs).
    let penalty = <Regularized as nnet::Network<30, 1>>::regularization(&regularized, None);
    let cross_entropy = regularized_test.loss - f64::from(penalty);
    assert!(
        cross_entropy < plain_test.loss,
        "Regularized {cross_entropy}, Plain {}",
        plain_test.loss
    );
}

nnet::network! {
    /// `06_sequence`: which of two frequencies a noisy sinusoid has.
    struct Frequency {
        input sequence 1;
        gru 16;
        dense 1 sigmoid;
    }
}

/// `06_sequence`'s data: noisy sinusoids of period 14 (label 1) or 10 steps, 16 to 48 long.
fn sinusoids(count: usize, seed: u64) -> (nnet::Sequences<1>, Vec<nnet::SVector<f32, 1>>) {
    use nnet::rand::{Rng, SeedableRng};
    use std::f32::consts::TAU;
    let mut rng = nnet::rand::rngs::StdRng::seed_from_u64(seed);
    let mut data = nnet::Sequences::new();
    let mut labels = Vec::with_capacity(count);
    for _ in 0..count {
        let low = rng.random_bool(0.5);
        let f = if low { 1.0 / 14.0 } else { 1.0 / 10.0 };
        let amplitude = rng.random_range(0.5..1.5);
        let phase = rng.random_range(0.0..TAU);
        let len = rng.random_range(16..=48);
        let steps: Vec<nnet::SVector<f32, 1>> = (0..len)
            .map(|t| {
                let noise = rng.random_range(-0.5..0.5);
                nnet::vector![amplitude * (TAU * f * t as f32 + phase).sin() + noise]
            })
            .collect();
        data.push(&steps);
        labels.push(nnet::vector![f32::from(low)]);
    }
    (data, labels)
}

/// `06_sequence` on fewer sequences (the example reaches 1.000 on 2,000): the GRU tells the
/// frequencies apart.
#[test]
fn sequence_gru_tells_frequencies_apart() {
    let (train, train_y) = sinusoids(200, 1);
    let (test, test_y) = sinusoids(200, 2);
    let mut net = Frequency::seeded(1);
    let mut trainer = Trainer::new(Adam::with_learning_rate(0.01), BinaryCrossentropy)
        .with_metrics([Metric::BinaryAccuracy]);
    trainer
        .fit_sequences(&mut net, &train, &train_y, &config(16, 12, 1))
        .unwrap();
    let accuracy = trainer
        .evaluate_sequences(&net, &test, &test_y)
        .unwrap()
        .metrics[0]
        .1;
    eprintln!("06_sequence (200 sequences): test accuracy {accuracy}");
    assert!(accuracy > 0.95, "test accuracy {accuracy}");
}

/// The audio, effect and ESR of `07_amp` and `09_tcn`.
#[path = "../nnet-examples/examples/amp/mod.rs"]
mod amp;

nnet::network! {
    /// `09_tcn`: six dilated causal convolutions, then the saturation, at every sample.
    struct Tcn {
        input sequence 1;
        conv1d 8 2 (padding = causal, dilation = 1);
        conv1d 8 2 (padding = causal, dilation = 2);
        conv1d 8 2 (padding = causal, dilation = 4);
        conv1d 8 2 (padding = causal, dilation = 8);
        conv1d 8 2 (padding = causal, dilation = 16);
        conv1d 8 2 (padding = causal, dilation = 32);
        dense 8 tanh;
        dense 1;
    }
}

nnet::network! {
    /// `09_tcn`'s residual TCN: each dilated convolution in a residual block.
    struct ResidualTcn {
        input sequence 1;
        conv1d 8 1 (padding = causal);
        residual { conv1d 8 2 (padding = causal, dilation = 1); }
        residual { conv1d 8 2 (padding = causal, dilation = 2); }
        residual { conv1d 8 2 (padding = causal, dilation = 4); }
        residual { conv1d 8 2 (padding = causal, dilation = 8); }
        residual { conv1d 8 2 (padding = causal, dilation = 16); }
        residual { conv1d 8 2 (padding = causal, dilation = 32); }
        dense 8 tanh;
        dense 1;
    }
}

/// `09_tcn`'s training of `$net` (a network of `input sequence 1;` with state `$state`) on a
/// quarter of a second of audio in windows of 256 samples, batches of 4, 8 epochs (the
/// example: 8 s, windows of 2,048, batches of 8, 20 epochs), then the ESR of a second of
/// unseen audio streamed with `step`.
macro_rules! amp_esr {
    ($net:ty, $state:ty) => {{
        use nnet::loss::MeanSquaredError;
        use nnet::optim::Schedule;
        use nnet::train::LearningRateScheduler;
        let input = amp::audio(0.25, 1);
        let (data, targets) = amp::windows(&input, &amp::effect(&input), 256);
        let epochs = 8;
        let mut net = <$net>::seeded(1);
        let mut trainer = Trainer::new(Adam::with_learning_rate(0.02), MeanSquaredError);
        let mut decay = LearningRateScheduler(Schedule::CosineDecay {
            initial_learning_rate: 0.02,
            decay_steps: epochs,
            alpha: 0.05,
        });
        trainer
            .fit_sequences_with(
                &mut net,
                &data,
                &targets,
                &config(4, epochs, 1),
                None,
                &mut [&mut decay],
            )
            .unwrap();
        let unseen = amp::audio(1.0, 2);
        let mut state = <$state>::default();
        let prediction: Vec<f32> = unseen
            .iter()
            .map(|&x| net.step(&mut state, &nnet::vector![x])[0])
            .collect();
        amp::esr(&amp::effect(&unseen), &prediction)
    }};
}

/// `09_tcn`'s TCN, reduced to stay near 10 s in a debug build: it learns the effect and streams
/// unseen audio. Measured ESR 0.00021 (0.0002 to 0.0016 over nearby configurations; the
/// example's ESR 0.00008).
#[test]
fn tcn_learns_the_amp_effect() {
    let esr = amp_esr!(Tcn, TcnState);
    eprintln!("09_tcn (0.25 s, 8 epochs): ESR {esr}");
    assert!(esr < 0.0004, "ESR {esr}");
}

/// `09_tcn`'s residual TCN, reduced alike: measured ESR 0.00051 (the example's full training
/// 0.00006; the dry input as the prediction 0.45).
#[test]
fn residual_tcn_learns_the_amp_effect() {
    let esr = amp_esr!(ResidualTcn, ResidualTcnState);
    eprintln!("09_tcn residual (0.25 s, 8 epochs): ESR {esr}");
    assert!(esr < 0.001, "ESR {esr}");
}

nnet::network! {
    /// `07_amp`'s GRU.
    struct Amp {
        input sequence 1;
        gru 8 (return_sequences);
        dense 1;
    }
}

/// The ESR on a second of unseen audio of `07_amp`'s GRU trained on half a second of audio
/// (the example: 8 s) with `train`, 6 epochs, batches of 4, Adam at 0.01.
fn amp_gru_esr(
    train: impl FnOnce(
        &mut Trainer<Adam, nnet::loss::MeanSquaredError>,
        &mut Amp,
        &FitConfig,
        &[f32],
        &[f32],
    ),
) -> f64 {
    let input = amp::audio(0.5, 1);
    let target = amp::effect(&input);
    let mut net = Amp::seeded(1);
    let mut trainer = Trainer::new(Adam::with_learning_rate(0.01), nnet::loss::MeanSquaredError);
    train(&mut trainer, &mut net, &config(4, 6, 1), &input, &target);
    let unseen = amp::audio(1.0, 2);
    let mut state = AmpState::default();
    let prediction: Vec<f32> = unseen
        .iter()
        .map(|&x| net.step(&mut state, &nnet::vector![x])[0])
        .collect();
    amp::esr(&amp::effect(&unseen), &prediction)
}

/// `07_amp`'s stateful training, reduced (4 streams of 1/8 s in windows of 64 samples, 6
/// epochs), against the same GRU trained as `07_amp` trained it before (windows of 2,048
/// samples, each from the zero state) on the same audio, epochs and batch size. Measured: ESR
/// 0.00056 stateful, 0.123 on the windows (94 updates per epoch, each through 64 steps of 4
/// streams, against 3 through 2,048 steps of 4 windows; the example: 9.6e-6 against 0.00040 at
/// 40 epochs).
#[test]
fn amp_gru_trained_statefully_beats_windows_from_the_zero_state() {
    let stateful = amp_gru_esr(|trainer, net, config, input, target| {
        let (streams, targets) = amp::streams(input, target, 4, 64).unwrap();
        trainer
            .fit_stateful(net, &streams, &targets, config)
            .unwrap();
    });
    let windows = amp_gru_esr(|trainer, net, config, input, target| {
        let (data, targets) = amp::windows(input, target, 2048);
        trainer.fit_sequences(net, &data, &targets, config).unwrap();
    });
    eprintln!("07_amp (0.5 s, 6 epochs): ESR stateful {stateful}, windows from zero {windows}");
    assert!(
        stateful < 0.5 * windows,
        "stateful {stateful}, windows {windows}"
    );
}

nnet::network! {
    /// `08_digits`'s CNN.
    struct DigitsCnn {
        input (8, 8, 1);
        conv2d 16 3 relu (padding = same);
        max_pool2d 2;
        conv2d 32 3 relu (padding = same);
        max_pool2d 2;
        flatten;
        dense 10 softmax;
    }
}

/// `08_digits` in one epoch instead of 40 (its CNN trains at about 3 ms an image in a debug
/// build): already most digits right.
#[test]
fn digits_cnn_reads_most_digits_after_one_epoch() {
    let data = data_file::<64>("digits.csv");
    assert_eq!((data.len(), data.class_names.len()), (1797, 10));
    let (train, test) = data.split(0.2, 42).unwrap();
    let scale = |xs: &[nnet::SVector<f32, 64>]| xs.iter().map(|x| x / 16.0).collect::<Vec<_>>();
    let (x_train, x_test) = (scale(&train.inputs), scale(&test.inputs));
    let (y_train, y_test) = (
        train.one_hot::<10>().unwrap(),
        test.one_hot::<10>().unwrap(),
    );
    let mut net = DigitsCnn::seeded(7);
    let mut trainer = Trainer::new(Adam::with_learning_rate(0.003), CategoricalCrossentropy)
        .with_metrics([Metric::Accuracy]);
    trainer
        .fit(&mut net, &x_train, &y_train, &config(32, 1, 7))
        .unwrap();
    let accuracy = trainer
        .evaluate(&net, &x_test, &y_test)
        .unwrap()
        .get("accuracy")
        .unwrap();
    // Measured 0.8056 (290 of 360; 0.725 to 0.811 with seeds 1 to 4); the example's 40 epochs
    // reach 0.9944.
    assert!(accuracy >= 0.78, "test accuracy {accuracy}");
}
