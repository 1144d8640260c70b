//! `#[scalar = f64]` networks: every generated pass in `f64`, gradients checked by finite
//! differences to 1e-9 relative, training, and the `f32` default left as it was.
//!
//! The finite differences are central differences at `h` and `h/2` combined by Richardson
//! extrapolation (error `O(h⁴)`), computed from the network's own `f64` forward pass or loss:
//! in `f64` they agree with an exact gradient to about 1e-12, so a 1e-9 bound tests the
//! backward passes and not the arithmetic.

use nnet::loss::{
    BinaryCrossentropy, CategoricalCrossentropy, Huber, Loss, MeanAbsoluteError, MeanSquaredError,
    SparseCategoricalCrossentropy,
};
use nnet::prelude::*;
use nnet::{SVector, activation::Activation};

nnet::network! {
    #[scalar = f64]
    struct Smooth {
        input 3;
        dense 6 tanh;
        dense 5 sigmoid;
        dense 5 elu (alpha = 0.7);
        dense 4 gelu;
        dense 4 silu;
        dense 3 softmax;
    }
}

nnet::network! {
    #[scalar = f64]
    struct Mixed {
        input 3;
        dense 6 softplus;
        dense 5 selu (init = lecun_normal);
        dense 5 leaky_relu (alpha = 0.2);
        dense 4 softsign;
        dense 4 exponential (init = uniform);
        dense 2 linear;
    }
}

nnet::network! {
    #[scalar = f64]
    struct Normalized {
        input 4;
        dense 6 tanh;
        batch_norm (momentum = 0.9);
        dense 5 sigmoid;
        layer_norm;
        dense 2;
    }
}

nnet::network! {
    #[scalar = f64]
    struct GruNet { input sequence 3; gru 4; dense 2 tanh; }
}

nnet::network! {
    #[scalar = f64]
    struct LstmNet { input sequence 3; lstm 4 (return_sequences); simple_rnn 3; dense 2; }
}

nnet::network! {
    #[scalar = f64]
    struct RnnNet { input sequence 2; simple_rnn 5 (return_sequences); dense 1 sigmoid; }
}

nnet::network! {
    #[scalar = f64]
    struct Moons { input 2; dense 16 tanh; dense 16 tanh; dense 1 sigmoid; }
}

nnet::network! {
    struct Moons32 { input 2; dense 16 tanh; dense 16 tanh; dense 1 sigmoid; }
}

/// The largest relative error allowed: `|a − n| / max(|a|, |n|, s)` for an analytic `a` and a
/// numeric `n`, where the floor `s` is 10⁻³ of the largest derivative of the check (below it the
/// differences' rounding, about 10⁻¹³ of the loss, is all that is left to compare).
const TOLERANCE: f64 = 1e-9;

/// The step of the finite differences.
const H: f64 = 1e-2;

/// `f'(0)` of `f` by two rounds of Richardson extrapolation of central differences at `h`,
/// `h/2` and `h/4`: error `O(h⁶)`.
fn derivative(mut f: impl FnMut(f64) -> f64, h: f64) -> f64 {
    let mut central = |h: f64| (f(h) - f(-h)) / (2.0 * h);
    let (d1, d2, d3) = (central(h), central(h / 2.0), central(h / 4.0));
    let (r1, r2) = ((4.0 * d2 - d1) / 3.0, (4.0 * d3 - d2) / 3.0);
    (16.0 * r2 - r1) / 15.0
}

/// The worst relative error over pairs `(analytic, numeric)` (see [`TOLERANCE`]).
fn worst_error(pairs: &[(f64, f64)]) -> f64 {
    let floor = 1e-3 * pairs.iter().map(|p| p.1.abs()).fold(0.0, f64::max);
    pairs
        .iter()
        .map(|&(a, n)| (a - n).abs() / a.abs().max(n.abs()).max(floor).max(f64::MIN_POSITIVE))
        .fold(0.0, f64::max)
}

/// `(analytic, numeric)` for every trainable parameter: `analytic` the gradient (as
/// `Parameters` lists it), `numeric` central differences of `loss` over the parameters of `net`.
fn parameter_pairs<N: Parameters<f64> + Clone>(
    net: &N,
    analytic: &impl Parameters<f64>,
    mut loss: impl FnMut(&N) -> f64,
) -> Vec<(f64, f64)> {
    let mut pairs = Vec::new();
    let mut probe = net.clone();
    for t in 0..N::TENSORS {
        if !N::tensor_info(t).is_some_and(|i| i.trainable) {
            continue;
        }
        for j in 0..net.tensor(t).len() {
            let numeric = derivative(
                |h| {
                    probe.copy_from(net);
                    probe.tensor_mut(t)[j] += h;
                    loss(&probe)
                },
                H,
            );
            pairs.push((analytic.tensor(t)[j], numeric));
        }
    }
    pairs
}

/// `L = Σ_k w_k · output_k` through the generated per-sample backward pass of a vector network:
/// the worst relative error over every parameter and every input.
fn check_vector_network<N: Network<IN, OUT, f64>, const IN: usize, const OUT: usize>(
    net: &N,
    x: SVector<f64, IN>,
) -> f64 {
    let w = SVector::<f64, OUT>::from_fn(|k, _| 0.3 + 0.7 * k as f64 - 0.4 * (k % 2) as f64);
    let mut grads = net.zero_gradients();
    let trace = net.forward_trace(&x);
    let dx = net.backward(&x, &trace, &w, &mut grads);
    let mut pairs = parameter_pairs(net, &grads, |n| n.forward(&x).dot(&w));
    for i in 0..IN {
        let numeric = derivative(
            |h| {
                let mut shifted = x;
                shifted[i] += h;
                net.forward(&shifted).dot(&w)
            },
            H,
        );
        pairs.push((dx[i], numeric));
    }
    worst_error(&pairs)
}

fn input<const N: usize>(seed: usize) -> SVector<f64, N> {
    SVector::from_fn(|i, _| ((i * 7 + seed * 3) % 11) as f64 / 5.0 - 1.0)
}

#[test]
fn dense_networks_of_every_smooth_activation_match_finite_differences() {
    let (mut smooth, mut checked) = (0, 0);
    for seed in 0..8 {
        let clear = |z: &[f64]| z.iter().all(|v| v.abs() > 4.0 * H);
        // elu with α ≠ 1 (layer 3) has a kink in its slope at 0, as below.
        let (net, x) = (Smooth::seeded(seed), input::<3>(seed as usize));
        if clear(net.forward_trace(&x).z3.as_slice()) {
            smooth += 1;
            let worst = check_vector_network(&net, x);
            println!("Smooth, seed {seed}: {worst:e}");
            assert!(worst <= TOLERANCE, "Smooth, seed {seed}: {worst:e}");
        }
        // selu (layer 2) and leaky_relu (layer 3) have a kink at 0: only inputs whose
        // pre-activations there stay clear of it by more than the differences' steps compare.
        let (net, x) = (Mixed::seeded(seed), input::<3>(seed as usize + 5));
        let trace = net.forward_trace(&x);
        if clear(trace.z2.as_slice()) && clear(trace.z3.as_slice()) {
            checked += 1;
            let worst = check_vector_network(&net, x);
            println!("Mixed, seed {seed}: {worst:e}");
            assert!(worst <= TOLERANCE, "Mixed, seed {seed}: {worst:e}");
        }
    }
    assert!(
        smooth >= 3,
        "only {smooth} Smooth networks clear of the kinks"
    );
    assert!(
        checked >= 3,
        "only {checked} Mixed networks clear of the kinks"
    );
}

#[test]
fn normalization_layers_match_finite_differences_per_sample_and_in_training() {
    let mut net = Normalized::seeded(4);
    // Moving statistics away from their initial values, so that inference normalizes.
    for (i, v) in net.batch_norm1.moving_mean.iter_mut().enumerate() {
        *v = 0.1 * i as f64 - 0.2;
    }
    for (i, v) in net.batch_norm1.moving_variance.iter_mut().enumerate() {
        *v = 0.5 + 0.3 * i as f64;
    }
    let worst = check_vector_network(&net, input::<4>(1));
    println!("per sample: {worst:e}");
    assert!(worst <= TOLERANCE, "per sample: {worst:e}");

    // The training pass: batch statistics, through the batched backward pass.
    let xs: Vec<SVector<f64, 4>> = (0..6).map(input::<4>).collect();
    let ys: Vec<SVector<f64, 2>> = (0..6)
        .map(|i| SVector::from([0.5 - 0.2 * i as f64, 0.1 * i as f64]))
        .collect();
    // The loss and the gradient of one training pass.
    let batch = |n: &Normalized| {
        let mut workspace = n.workspace(xs.len());
        let mut grads = n.zero_gradients();
        let mut outputs = vec![SVector::zeros(); xs.len()];
        let loss = n.accumulate_batch(
            &mut workspace,
            &xs,
            &ys,
            &MeanSquaredError,
            &mut grads,
            &mut outputs,
        );
        (loss, grads)
    };
    let batch_loss = |n: &Normalized| batch(n).0;
    let (_, grads) = batch(&net);
    let error = worst_error(&parameter_pairs(&net, &grads, batch_loss));
    println!("training pass: {error:e}");
    assert!(error <= TOLERANCE, "training pass: {error:e}");
}

/// The gradient of a sequence network's summed loss through time, against finite differences.
fn check_sequence_network<N, const F: usize, const OUT: usize>(
    net: &N,
    data: &Sequences<F, f64>,
    targets: &[SVector<f64, OUT>],
) -> f64
where
    N: SequenceNetwork<F, OUT, f64>,
{
    let indices: Vec<usize> = (0..data.len()).collect();
    let run = |n: &N, grads: &mut N::Gradients| {
        let mut workspace = n.sequence_workspace();
        workspace.load(data, &indices);
        let mut outputs = vec![SVector::zeros(); targets.len()];
        n.accumulate_sequences(
            &mut workspace,
            targets,
            &MeanSquaredError,
            grads,
            &mut outputs,
        )
    };
    let mut grads = net.zero_gradients();
    run(net, &mut grads);
    worst_error(&parameter_pairs(net, &grads, |n| {
        let mut scratch = n.zero_gradients();
        run(n, &mut scratch)
    }))
}

fn sequences<const F: usize>(lengths: &[usize]) -> Sequences<F, f64> {
    lengths
        .iter()
        .enumerate()
        .map(|(s, &len)| {
            (0..len)
                .map(|t| SVector::from_fn(|i, _| ((s * 5 + t * 3 + i) % 7) as f64 / 3.5 - 1.0))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn recurrent_networks_match_finite_differences_through_time() {
    let data = sequences::<3>(&[4, 2, 5]);
    let targets: Vec<SVector<f64, 2>> = (0..3)
        .map(|i| SVector::from([0.3 * i as f64 - 0.4, 0.2]))
        .collect();
    let worst = check_sequence_network(&GruNet::seeded(1), &data, &targets);
    println!("gru: {worst:e}");
    assert!(worst <= TOLERANCE, "gru: {worst:e}");
    let worst = check_sequence_network(&LstmNet::seeded(2), &data, &targets);
    println!("lstm, simple_rnn: {worst:e}");
    assert!(worst <= TOLERANCE, "lstm, simple_rnn: {worst:e}");

    let data = sequences::<2>(&[3, 6]);
    let per_step: Vec<SVector<f64, 1>> = (0..9).map(|t| SVector::from([(t % 2) as f64])).collect();
    let worst = check_sequence_network(&RnnNet::seeded(3), &data, &per_step);
    println!("simple_rnn per step: {worst:e}");
    assert!(worst <= TOLERANCE, "simple_rnn per step: {worst:e}");
}

#[test]
fn streaming_steps_end_where_forward_ends_in_f64() {
    let net = GruNet::seeded(7);
    let sequence: Vec<SVector<f64, 3>> = sequences::<3>(&[6]).get(0).unwrap().to_vec();
    let mut state = GruNetState::default();
    let mut last = SVector::zeros();
    for x in &sequence {
        last = net.step(&mut state, x);
    }
    assert_eq!(last, net.forward(&sequence));
}

/// `∂loss/∂z` of `value_and_delta` (fused or through the activation) against finite
/// differences of `loss(act(z))`, for one output activation.
fn loss_error<L: Loss<N, f64>, A: Activation<f64>, const N: usize>(
    loss: &L,
    activation: A,
    z: SVector<f64, N>,
    target: &L::Target,
) -> f64 {
    let output = |z: &SVector<f64, N>| {
        let mut a = *z;
        activation.activate(a.as_mut_slice());
        a
    };
    let (_, delta) = loss.value_and_delta(&activation, &z, &output(&z), target);
    let mut pairs = Vec::new();
    for i in 0..N {
        let numeric = derivative(
            |h| {
                let mut shifted = z;
                shifted[i] += h;
                loss.value(&output(&shifted), target)
            },
            H,
        );
        pairs.push((delta[i], numeric));
    }
    worst_error(&pairs)
}

#[test]
fn every_loss_matches_finite_differences_in_f64() {
    use nnet::activation::{Linear, Sigmoid, Softmax, Tanh};
    let z = SVector::<f64, 3>::from([0.4, -1.1, 0.7]);
    let probabilities = SVector::<f64, 3>::from([0.2, 0.7, 0.1]);
    let labels = SVector::<f64, 3>::from([1.0, 0.0, 1.0]);
    let values = SVector::<f64, 3>::from([0.3, -0.45, 2.0]);
    let checks = [
        (
            "binary, sigmoid (fused)",
            loss_error(&BinaryCrossentropy, Sigmoid, z, &labels),
        ),
        (
            "binary, linear",
            loss_error(
                &BinaryCrossentropy,
                Linear,
                SVector::from([0.3, 0.6, 0.8]),
                &probabilities,
            ),
        ),
        (
            "categorical, softmax (fused)",
            loss_error(&CategoricalCrossentropy, Softmax, z, &probabilities),
        ),
        (
            "categorical, sigmoid",
            loss_error(&CategoricalCrossentropy, Sigmoid, z, &labels),
        ),
        (
            "sparse, softmax (fused)",
            loss_error(&SparseCategoricalCrossentropy, Softmax, z, &1),
        ),
        (
            "sparse, sigmoid",
            loss_error(&SparseCategoricalCrossentropy, Sigmoid, z, &2),
        ),
        ("mse", loss_error(&MeanSquaredError, Linear, z, &values)),
        ("mse, tanh", loss_error(&MeanSquaredError, Tanh, z, &values)),
        ("mae", loss_error(&MeanAbsoluteError, Linear, z, &values)),
        (
            "huber",
            loss_error(&Huber::new(0.5).unwrap(), Linear, z, &values),
        ),
    ];
    for (name, worst) in checks {
        println!("{name}: {worst:e}");
        assert!(worst <= TOLERANCE, "{name}: {worst:e}");
    }
}

/// The moons data set as `f64` (standardized by construction: both features are of order 1).
fn moons() -> (Vec<SVector<f64, 2>>, Vec<SVector<f64, 1>>) {
    let data = nnet::datasets::make_moons(200, 0.1, 3)
        .unwrap()
        .convert::<f64>();
    let targets = data.binary_targets().unwrap();
    (data.inputs, targets)
}

#[test]
fn an_f64_network_trains_to_a_real_accuracy() {
    let (x, y) = moons();
    let mut net = Moons::seeded(0);
    let mut trainer = Trainer::new(
        Adam::new(AdamConfig {
            learning_rate: 0.02,
            ..AdamConfig::default()
        }),
        BinaryCrossentropy,
    )
    .with_metrics([Metric::Accuracy]);
    let config = FitConfig {
        batch_size: 16,
        epochs: 60,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    };
    let history = trainer.fit(&mut net, &x, &y, &config).unwrap();
    let first = history.epochs[0].loss;
    let evaluation = trainer.evaluate(&net, &x, &y).unwrap();
    let accuracy = evaluation.get("accuracy").unwrap();
    assert!(
        accuracy >= 0.97,
        "accuracy {accuracy}, loss {}",
        evaluation.loss
    );
    assert!(
        evaluation.loss < first / 4.0,
        "{first} → {}",
        evaluation.loss
    );

    // Same seed, same data: the same f64 weights.
    let mut again = Moons::seeded(0);
    trainer.optimizer.reset();
    trainer.fit(&mut again, &x, &y, &config).unwrap();
    assert_eq!(again, net);
}

#[test]
fn f64_is_closer_to_exact_than_f32() {
    // The same weights in both scalars: the f32 network's weights widened exactly.
    let narrow = Moons32::seeded(9);
    let mut wide = Moons::zeroed();
    for t in 0..<Moons as Parameters<f64>>::TENSORS {
        for (w, &v) in wide.tensor_mut(t).iter_mut().zip(narrow.tensor(t)) {
            *w = f64::from(v);
        }
    }
    let x32 = nnet::vector![0.3_f32, -0.8];
    let x64 = x32.map(f64::from);
    let (y32, y64) = (narrow.forward(&x32)[0], wide.forward(&x64)[0]);
    // An exact reference: the f64 pass by hand, with libm's functions.
    let h1 = (wide.dense1.weights * x64 + wide.dense1.bias).map(f64::tanh);
    let h2 = (wide.dense2.weights * h1 + wide.dense2.bias).map(f64::tanh);
    let z = (wide.dense3.weights * h2 + wide.dense3.bias)[0];
    let exact = 1.0 / (1.0 + (-z).exp());
    assert!((y64 - exact).abs() <= 1e-15, "{y64} vs {exact}");
    assert!((f64::from(y32) - exact).abs() <= 1e-6);
    assert!((f64::from(y32) - exact).abs() > (y64 - exact).abs());
}

#[test]
fn f32_stays_the_default() {
    let net = Moons32::seeded(1);
    let y: SVector<f32, 1> = net.forward(&nnet::vector![0.1, 0.2]);
    assert!(y[0] > 0.0 && y[0] < 1.0);
    assert_eq!(<f32 as nnet::Scalar>::NAME, "f32");
    assert_eq!(<f64 as nnet::Scalar>::NAME, "f64");
}

nnet::network! {
    /// The network of `tests/fixtures/classifier.safetensors` (`Classifier::seeded(42)` of the
    /// root package's tests), in f64.
    #[scalar = f64]
    struct Classifier64 {
        input 2;
        dense 10 relu;
        dense 20 leaky_relu (alpha = 0.1);
        dense 1 sigmoid;
    }
}

nnet::network! {
    /// `Classifier64`'s weights baked in from the same file widened to F64 by
    /// `fixtures/classifier_f64.safetensors` (each F32 value as the same F64).
    #[scalar = f64]
    #[weights = "tests/fixtures/classifier_f64.safetensors"]
    struct Baked64 {
        input 2;
        dense 10 relu;
        dense 20 leaky_relu (alpha = 0.1);
        dense 1 sigmoid;
    }
}

nnet::network! {
    struct Classifier32 {
        input 2;
        dense 10 relu;
        dense 20 leaky_relu (alpha = 0.1);
        dense 1 sigmoid;
    }
}

/// The dtype of every tensor of a safetensors file.
fn dtypes(bytes: &[u8]) -> Vec<nnet::io::safetensors::Dtype> {
    let file = nnet::io::safetensors::SafeTensors::parse(bytes, 1 << 20).unwrap();
    file.tensors().iter().map(|t| t.dtype).collect()
}

#[test]
fn f64_weights_round_trip_bit_for_bit_as_f64_tensors() {
    use nnet::io::safetensors::Dtype;
    let mut net = Normalized::seeded(11);
    // Values no f32 holds, so that a trip through f32 would show.
    nnet::Parameters::tensor_mut(&mut net, 0)[0] = 1.0 + f64::EPSILON;
    nnet::Parameters::tensor_mut(&mut net, 3)[1] = std::f64::consts::PI * 1e-300;
    let bytes = nnet::io::to_safetensors(&net);
    assert!(dtypes(&bytes).iter().all(|&d| d == Dtype::F64));
    let back: Normalized = nnet::io::from_safetensors(&bytes).unwrap();
    for t in 0..<Normalized as Parameters<f64>>::TENSORS {
        let (a, b) = (net.tensor(t), back.tensor(t));
        assert!(a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()));
    }
    assert_eq!(back, net);

    let dir = std::env::temp_dir().join(format!("nnet-f64-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("gru.safetensors");
    let gru = GruNet::seeded(5);
    nnet::io::save(&gru, &path).unwrap();
    assert_eq!(nnet::io::load::<GruNet>(&path).unwrap(), gru);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn f32_files_load_into_f64_networks_only_when_asked() {
    use nnet::io::LoadOptions;
    let narrow = Classifier32::seeded(42);
    let bytes = nnet::io::to_safetensors(&narrow);
    let error = nnet::io::from_safetensors::<Classifier64>(&bytes)
        .unwrap_err()
        .to_string();
    for words in ["F32", "F64", "convert_dtype"] {
        assert!(error.contains(words), "{words} missing from: {error}");
    }
    let options = LoadOptions::default().converting_dtype();
    let wide: Classifier64 = nnet::io::from_safetensors_with(&bytes, &options).unwrap();
    for t in 0..<Classifier64 as Parameters<f64>>::TENSORS {
        let widened: Vec<f64> = narrow.tensor(t).iter().map(|&v| f64::from(v)).collect();
        assert_eq!(wide.tensor(t), &widened[..]);
    }

    // And back: F64 into f32 only when asked, each value rounded to the nearest f32.
    let mut precise = Classifier64::seeded(3);
    nnet::Parameters::tensor_mut(&mut precise, 0)[0] = 0.1;
    let bytes = nnet::io::to_safetensors(&precise);
    let error = nnet::io::from_safetensors::<Classifier32>(&bytes)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("F64") && error.contains("convert_dtype"),
        "{error}"
    );
    let rounded: Classifier32 = nnet::io::from_safetensors_with(&bytes, &options).unwrap();
    assert_eq!(rounded.tensor(0)[0], 0.1_f32);
}

#[test]
fn weights_baked_into_an_f64_network_are_the_f64_file() {
    let bytes = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/classifier_f64.safetensors"),
    )
    .unwrap();
    assert!(
        dtypes(&bytes)
            .iter()
            .all(|&d| d == nnet::io::safetensors::Dtype::F64)
    );
    let loaded: Classifier64 = nnet::io::from_safetensors(&bytes).unwrap();
    assert_eq!(Baked64::TRAINED.dense2.weights, loaded.dense2.weights);
    let x = SVector::from([0.25, -0.5]);
    assert_eq!(Baked64::TRAINED.forward(&x), loaded.forward(&x));
    // The f32 fixture's values, widened exactly.
    let narrow = Classifier32::seeded(42);
    let widened: Vec<f64> = narrow.tensor(2).iter().map(|&v| f64::from(v)).collect();
    assert_eq!(loaded.tensor(2), &widened[..]);
}

/// An `f64` vector (`nnet::vector!` makes `f32` ones).
fn v<const N: usize>(values: [f64; N]) -> SVector<f64, N> {
    SVector::from(values)
}

nnet::network! {
    /// One weight of zero and no bias: the output is 0 until training moves the weight, so the
    /// loss is the targets' own size.
    #[scalar = f64]
    struct AtZero { input 1; dense 1 (init = zeros, use_bias = false); }
}

/// A regression of `AtZero` on targets of `size`, with a learning rate too small to move the
/// weight: the history and the evaluation.
fn zeroed_fit(size: f64) -> (nnet::train::History, nnet::train::Evaluation) {
    let x: Vec<SVector<f64, 1>> = (0..8).map(|i| v([f64::from(i) * 0.1])).collect();
    let y: Vec<SVector<f64, 1>> = vec![v([size]); 8];
    let mut net = AtZero::seeded(0);
    let mut trainer = Trainer::new(Sgd::with_learning_rate(1e-300), MeanSquaredError)
        .with_metrics([Metric::MeanSquaredError, Metric::MeanAbsoluteError]);
    let config = FitConfig {
        batch_size: 4,
        epochs: 2,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    };
    let history = trainer.fit(&mut net, &x, &y, &config).unwrap();
    let evaluation = trainer.evaluate(&net, &x, &y).unwrap();
    (history, evaluation)
}

/// Issue 21: histories, evaluations and metrics were `f32`, so an `f64` network whose loss is
/// 1e40 reported `inf`, and one whose loss is 3.2e-51 reported 0.
#[test]
fn an_f64_network_reports_losses_and_metrics_beyond_f32() {
    for size in [1e20, 1e-20, 8e-26] {
        let (history, evaluation) = zeroed_fit(size);
        let loss = size * size;
        let close = |got: f64| (got - loss).abs() <= 1e-12 * loss;
        for logs in &history.epochs {
            assert!(close(logs.loss), "{size}: loss {}", logs.loss);
            assert!(close(logs.get("mse").unwrap()), "{size}: {logs:?}");
            let mae = logs.get("mae").unwrap();
            assert!((mae - size).abs() <= 1e-12 * size, "{size}: mae {mae}");
        }
        assert!(close(evaluation.loss), "{size}: {evaluation:?}");
        assert!(
            close(evaluation.get("mse").unwrap()),
            "{size}: {evaluation:?}"
        );
        assert_eq!(history.series("loss").unwrap().len(), 2);
    }
}

nnet::network! {
    #[scalar = f64]
    struct Ones64 { input 2; dense 2 (init = ones); dense 1 (init = ones); }
}

/// What overflows `f64` is blamed on the data, with magnitudes beyond `f32` named as they are
/// (as `f32` they read `inf`).
#[test]
fn f64_data_overflow_names_the_data_in_f64() {
    let mut x: Vec<SVector<f64, 2>> = (0..8).map(|i| v([f64::from(i) * 0.1, 0.5])).collect();
    let y = vec![v([1.0]); 8];
    x[3] = v([1e300, -2.0]);
    let config = FitConfig {
        batch_size: 8,
        epochs: 1,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    };
    let err = Trainer::new(Adam::default(), MeanSquaredError)
        .fit(&mut Ones64::seeded(0), &x, &y, &config)
        .unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(err, nnet::Error::DataOverflow { row: Some(3), .. }),
        "{message}"
    );
    assert!(message.contains("1e300"), "{message}");
    assert!(message.contains("overflow f64"), "{message}");
}

/// `fit_sequences` tells data that overflow `f64` from divergence, as `fit` does.
#[test]
fn f64_sequence_data_overflow_names_the_data() {
    let data: Sequences<3, f64> = (0..6)
        .map(|i| vec![v([0.1 * f64::from(i), 0.2, -0.3]); 4])
        .collect::<Vec<_>>()
        .into();
    let mut y = vec![v([0.5, -0.5]); 6];
    y[4] = v([1e200, 0.0]);
    let config = FitConfig {
        batch_size: 3,
        epochs: 1,
        shuffle: false,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    };
    let err = Trainer::new(Adam::default(), MeanSquaredError)
        .fit_sequences(&mut GruNet::seeded(0), &data, &y, &config)
        .unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(err, nnet::Error::DataOverflow { row: Some(4), .. }),
        "{message}"
    );
    assert!(message.contains("sequence 4"), "{message}");
    assert!(message.contains("scale the targets"), "{message}");
    assert!(!message.contains("lower the learning rate"), "{message}");
}

/// Early stopping watched only `f32` networks (`Parameters<f32>`); an `f64` network stops and
/// gets its best weights back too.
#[test]
fn early_stopping_restores_an_f64_network() {
    let (x, y) = moons();
    let mut trainer = Trainer::new(Sgd::with_learning_rate(30.0), BinaryCrossentropy);
    let mut stopper = EarlyStopping::new("loss").restore_best_weights(true);
    let config = FitConfig {
        batch_size: 200,
        epochs: 100,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    };
    let mut net = Moons::seeded(2);
    let history = trainer
        .fit_with(&mut net, &x, &y, &config, None, &mut [&mut stopper])
        .unwrap();
    assert!(history.stopped_epoch.is_some(), "{history}");
    let best = history
        .series("loss")
        .unwrap()
        .into_iter()
        .fold(f64::INFINITY, f64::min);
    assert_eq!(stopper.best(), Some(best));
}

// ------------------------------------------------------------------------------------------
// Issue 21: the layers' settings reach an f64 network as written, not rounded to f32
// (`epsilon = 0.001` was 0.0010000000475, `momentum = 0.99` 0.9900000095).
// ------------------------------------------------------------------------------------------

nnet::network! {
    #[scalar = f64]
    struct Settings64 {
        input 3;
        dense 4 leaky_relu (alpha = 0.1, l1 = 0.01, l2 = 0.001);
        batch_norm;
        dropout 0.3;
        layer_norm (epsilon = 0.00001);
        dense 2 elu (alpha = 0.7);
    }
}

nnet::network! {
    struct Settings32 {
        input 3;
        dense 4 leaky_relu (alpha = 0.1, l1 = 0.01, l2 = 0.001);
        batch_norm;
        dropout 0.3;
        layer_norm (epsilon = 0.00001);
        dense 2 elu (alpha = 0.7);
    }
}

#[test]
fn an_f64_network_holds_its_settings_as_written() {
    let net = Settings64::seeded(0);
    assert_eq!(net.dense1.activation.alpha, 0.1_f64);
    assert_eq!(net.dense1.regularizer.l1, 0.01_f64);
    assert_eq!(net.dense1.regularizer.l2, 0.001_f64);
    assert_eq!(net.batch_norm1.momentum, 0.99_f64);
    assert_eq!(net.batch_norm1.epsilon, 0.001_f64);
    assert_eq!(net.dropout1.rate, 0.3_f64);
    assert_eq!(net.layer_norm1.epsilon, 0.00001_f64);
    assert_eq!(net.dense2.activation.alpha, 0.7_f64);
}

/// An `f32` network computes with the `f32` of each setting, as it did when settings were `f32`.
#[test]
fn an_f32_network_rounds_its_settings_to_f32() {
    let net = Settings32::seeded(0);
    assert_eq!(net.dense1.activation.alpha, 0.1_f32);
    assert_eq!(net.dense1.regularizer.l1 as f32, 0.01_f32);
    assert_eq!(net.dense1.regularizer.l2 as f32, 0.001_f32);
    assert_eq!(net.batch_norm1.momentum as f32, 0.99_f32);
    assert_eq!(net.batch_norm1.epsilon as f32, 0.001_f32);
    assert_eq!(net.dropout1.rate as f32, 0.3_f32);
    assert_eq!(net.layer_norm1.epsilon as f32, 0.00001_f32);
    assert_eq!(net.dense2.activation.alpha, 0.7_f32);
    // The saved architecture is the same text for both scalars.
    assert_eq!(Settings32::architecture(), Settings64::architecture());
}

nnet::network! {
    #[scalar = f64]
    struct Norm64 { input 3; batch_norm; }
}

nnet::network! {
    #[scalar = f64]
    struct LayerNorm64 { input 4; layer_norm; }
}

/// `|got − want| ≤ 1e-15 · max(|want|, 1)`: float64 to rounding.
fn assert_f64_close(what: &str, got: f64, want: f64) {
    assert!(
        (got - want).abs() <= 1e-15 * want.abs().max(1.0),
        "{what}: {got:e}, want {want:e} (off by {:e})",
        got - want
    );
}

/// Batch normalization of an `f64` network, at inference and in a training step (its outputs
/// with the batch's statistics, and the moving statistics after it), against the formulas in
/// float64 with Keras's `momentum = 0.99` and `epsilon = 0.001`.
#[test]
fn an_f64_batch_norm_matches_float64_to_rounding() {
    let (momentum, epsilon) = (0.99_f64, 0.001_f64);
    let mut net = Norm64::seeded(0);
    net.batch_norm1.gamma = v([1.5, 0.5, 2.0]);
    net.batch_norm1.beta = v([0.1, -0.2, 0.0]);
    net.batch_norm1.moving_mean = v([0.3, -1.0, 2.0]);
    net.batch_norm1.moving_variance = v([0.002, 0.5, 3.0]);

    // Inference: the moving statistics. A small variance makes ε count.
    let x = v([0.35, 0.2, -1.0]);
    let y = net.forward(&x);
    let bn = &net.batch_norm1;
    for j in 0..3 {
        let want = bn.gamma[j] * (x[j] - bn.moving_mean[j])
            / (bn.moving_variance[j] + epsilon).sqrt()
            + bn.beta[j];
        assert_f64_close(&format!("inference, unit {j}"), y[j], want);
    }

    // A training pass: the batch's mean and biased variance.
    let xs: Vec<SVector<f64, 3>> = (0..5)
        .map(|i| {
            let i = f64::from(i);
            v([0.01 * i, 0.3 - 0.7 * i, 1.0 + 0.25 * i * i])
        })
        .collect();
    let ys = vec![v([0.0; 3]); xs.len()];
    let stats = |j: usize| {
        let n = xs.len() as f64;
        let mean = xs.iter().map(|x| x[j]).sum::<f64>() / n;
        let variance = xs
            .iter()
            .map(|x| (x[j] - mean) * (x[j] - mean))
            .sum::<f64>()
            / n;
        (mean, variance)
    };
    let mut workspace = net.workspace(xs.len());
    let mut grads = net.zero_gradients();
    let mut outputs = vec![SVector::zeros(); xs.len()];
    net.accumulate_batch(
        &mut workspace,
        &xs,
        &ys,
        &MeanSquaredError,
        &mut grads,
        &mut outputs,
    );
    for j in 0..3 {
        let (mean, variance) = stats(j);
        for (k, (x, y)) in xs.iter().zip(&outputs).enumerate() {
            let want = bn.gamma[j] * (x[j] - mean) / (variance + epsilon).sqrt() + bn.beta[j];
            assert_f64_close(&format!("training, sample {k} unit {j}"), y[j], want);
        }
    }

    // A training step (one batch, a learning rate too small to move γ and β): the moving
    // statistics follow the batch's with the momentum as written.
    let (mean_before, variance_before) = (bn.moving_mean, bn.moving_variance);
    let config = FitConfig {
        batch_size: xs.len(),
        epochs: 1,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    };
    Trainer::new(Sgd::with_learning_rate(1e-300), MeanSquaredError)
        .fit(&mut net, &xs, &ys, &config)
        .unwrap();
    for j in 0..3 {
        let (mean, variance) = stats(j);
        let want_mean = mean_before[j] * momentum + mean * (1.0 - momentum);
        let want_variance = variance_before[j] * momentum + variance * (1.0 - momentum);
        assert_f64_close(
            &format!("moving mean {j}"),
            net.batch_norm1.moving_mean[j],
            want_mean,
        );
        assert_f64_close(
            &format!("moving variance {j}"),
            net.batch_norm1.moving_variance[j],
            want_variance,
        );
    }
}

/// Layer normalization of an `f64` network against its formula in float64 with Keras's
/// `epsilon = 0.001`.
#[test]
fn an_f64_layer_norm_matches_float64_to_rounding() {
    let mut net = LayerNorm64::seeded(0);
    net.layer_norm1.gamma = v([1.5, 0.5, 2.0, -1.0]);
    net.layer_norm1.beta = v([0.1, -0.2, 0.0, 0.3]);
    // Nearly equal inputs: a small variance makes ε count.
    let x = v([1.0, 1.01, 0.98, 1.03]);
    let y = net.forward(&x);
    let mean = x.iter().sum::<f64>() / 4.0;
    let variance = x.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / 4.0;
    let ln = &net.layer_norm1;
    for j in 0..4 {
        let want = ln.gamma[j] * (x[j] - mean) / (variance + 0.001).sqrt() + ln.beta[j];
        assert_f64_close(&format!("unit {j}"), y[j], want);
    }
}
