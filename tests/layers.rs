//! The layer kinds beyond dense inside whole networks: training mode in `fit` and never in
//! `forward`/`predict`, seeded dropout, batch statistics and their gradient, folding for
//! inference, weights, summary and the gradient of a whole training batch against finite
//! differences.

use nnet::loss::{BinaryCrossentropy, Loss, MeanSquaredError};
use nnet::optim::{Adam, Sgd};
use nnet::train::{FitConfig, Trainer, Verbosity};
use nnet::{Architecture, Network, Parameters, SVector, io, vector};

nnet::network! {
    /// Every new kind, folded and unfolded batch normalization, dropout twice.
    pub struct Mixed {
        input 3;
        dense 16 (l2 = 0.001);
        batch_norm (momentum = 0.9);
        activation relu;
        dropout 0.3;
        dense 8 tanh (use_bias = false);
        batch_norm;
        layer_norm (epsilon = 0.01);
        dropout 0.1;
        dense 1 sigmoid;
    }
}

nnet::network! {
    /// The same without the layers that train differently.
    pub struct Plain { input 3; dense 16 relu; dense 8 tanh; dense 1 sigmoid; }
}

fn data(n: usize) -> (Vec<SVector<f32, 3>>, Vec<SVector<f32, 1>>) {
    let x: Vec<SVector<f32, 3>> = (0..n)
        .map(|i| {
            let t = i as f32 * 0.37;
            vector![
                t.sin() * 2.0 + 1.0,
                (t * 1.7).cos() * 3.0 - 2.0,
                (i % 7) as f32 - 3.0
            ]
        })
        .collect();
    let y = x
        .iter()
        .map(|p| vector![f32::from(u8::from(p[0] * p[1] > p[2]))])
        .collect();
    (x, y)
}

fn config(seed: u64, epochs: usize) -> FitConfig {
    FitConfig {
        batch_size: 16,
        epochs,
        seed,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    }
}

fn trained(seed: u64, epochs: usize) -> Mixed {
    let (x, y) = data(200);
    let mut net = Mixed::seeded(3);
    let mut trainer = Trainer::new(Adam::default(), BinaryCrossentropy);
    trainer
        .fit(&mut net, &x, &y, &config(seed, epochs))
        .unwrap();
    net
}

#[test]
fn same_seed_same_masks_same_weights() {
    let a = trained(11, 3);
    let b = trained(11, 3);
    for i in 0..Mixed::TENSORS {
        let (ta, tb) = (a.tensor(i), b.tensor(i));
        assert!(
            ta.iter().zip(tb).all(|(p, q)| p.to_bits() == q.to_bits()),
            "{} differs between two runs with one seed",
            Mixed::tensor_info(i).unwrap().name()
        );
    }
    let c = trained(12, 3);
    assert_ne!(a, c, "another seed, other masks (and order)");
}

#[test]
fn dropout_and_batch_statistics_run_in_fit_only() {
    let (x, y) = data(64);
    let net = trained(5, 2);
    // `forward` and `predict` are deterministic and agree sample by sample.
    let predicted = net.predict(&x);
    for (xi, p) in x.iter().zip(&predicted) {
        assert_eq!(net.forward(xi), *p);
        assert_eq!(net.forward(xi), net.forward(xi));
    }
    // The training pass differs from inference: masks and batch statistics.
    let mut grads = net.zero_gradients();
    let mut workspace = net.workspace(64);
    let mut outputs = vec![SVector::zeros(); 64];
    net.accumulate_batch(
        &mut workspace,
        &x,
        &y,
        &BinaryCrossentropy,
        &mut grads,
        &mut outputs,
    );
    let differing = outputs
        .iter()
        .zip(&predicted)
        .filter(|(o, p)| o != p)
        .count();
    assert!(
        differing > 32,
        "only {differing} of 64 training outputs differ from inference"
    );
    // `evaluate` is inference: its loss is the mean loss of `predict`, plus the penalty.
    let trainer = Trainer::new(Adam::default(), BinaryCrossentropy);
    let evaluation = trainer.evaluate(&net, &x, &y).unwrap();
    let mean: f32 = predicted
        .iter()
        .zip(&y)
        .map(|(p, t)| BinaryCrossentropy.value(p, t))
        .sum::<f32>()
        / 64.0;
    let expected = f64::from(mean + net.regularization(None));
    assert!((evaluation.loss - expected).abs() <= 1e-6 * expected.abs().max(1.0));
}

#[test]
fn moving_statistics_follow_the_batches_and_stay_out_of_the_optimizer() {
    let (x, y) = data(64);
    let mut net = Mixed::seeded(3);
    let before = net.clone();
    // A learning rate of zero: the optimizer moves nothing, only the moving statistics move.
    let mut trainer = Trainer::new(Sgd::with_learning_rate(1e-30), BinaryCrossentropy);
    let config = FitConfig {
        batch_size: 64,
        epochs: 1,
        shuffle: false,
        ..config(1, 1)
    };
    trainer.fit(&mut net, &x, &y, &config).unwrap();
    // The first dense layer's outputs over the batch, by hand: their mean and biased variance.
    let z: Vec<SVector<f32, 16>> = x.iter().map(|x| before.dense1.forward(x)).collect();
    for j in 0..16 {
        let mean = z.iter().map(|v| f64::from(v[j])).sum::<f64>() / 64.0;
        let var = z
            .iter()
            .map(|v| (f64::from(v[j]) - mean).powi(2))
            .sum::<f64>()
            / 64.0;
        let expected_mean = 0.1 * mean; // 0.9 · 0 + 0.1 · mean
        let expected_var = 0.9 + 0.1 * var; // 0.9 · 1 + 0.1 · var
        let found = (
            net.batch_norm1.moving_mean[j],
            net.batch_norm1.moving_variance[j],
        );
        assert!(
            (f64::from(found.0) - expected_mean).abs() < 1e-5,
            "unit {j}: {found:?}"
        );
        assert!(
            (f64::from(found.1) - expected_var).abs() < 1e-4 * expected_var,
            "unit {j}: {found:?}"
        );
    }
}

#[test]
fn folded_inference_equals_forward() {
    let net = trained(7, 5);
    // Training moved the statistics away from their initial values: folding has work to do.
    assert!(net.batch_norm1.moving_mean.abs().max() > 1e-3);
    let inference = net.inference();
    // `batch_norm1` folds into `dense1`; `batch_norm2` follows `dense2`'s tanh and stays.
    assert_ne!(inference.dense1.weights, net.dense1.weights);
    assert_eq!(inference.batch_norm2, net.batch_norm2);
    let (x, _) = data(100);
    for x in &x {
        let (a, b) = (net.forward(x), inference.forward(x));
        assert!((a - b).abs().max() <= 1e-5, "{a:?} vs {b:?}");
    }
}

nnet::network! {
    /// Batch normalization folded into a dense layer without bias.
    pub struct Unbiased { input 4; dense 6 (use_bias = false); batch_norm; activation elu; dense 2; }
}

nnet::network! {
    /// Keras's other habit: normalization after the activation, folded into the next layer.
    pub struct AfterActivation {
        input 3;
        dense 8 relu;
        batch_norm;
        dropout 0.2;
        dense 6 tanh (use_bias = false);
        batch_norm;
        dense 4;
        batch_norm;
        activation relu;
        batch_norm;
        layer_norm;
        dense 1 sigmoid;
    }
}

/// Statistics and parameters away from their initial values, different per layer `k`.
fn perturb<const N: usize>(norm: &mut nnet::layer::BatchNorm<N>, k: usize) {
    for j in 0..N {
        let f = (k * 8 + j) as f32;
        norm.gamma[j] = 0.6 + 0.1 * f;
        norm.beta[j] = 0.05 * f - 0.2;
        norm.moving_mean[j] = 0.3 * (f * 0.7).sin();
        norm.moving_variance[j] = 0.4 + 0.2 * f;
    }
}

#[test]
fn batch_norm_after_an_activation_folds_into_the_next_dense_layer() {
    let mut net = AfterActivation::seeded(6);
    perturb(&mut net.batch_norm1, 0);
    perturb(&mut net.batch_norm2, 1);
    perturb(&mut net.batch_norm3, 2);
    net.batch_norm4.moving_mean = SVector::from_element(0.25);
    let inference = net.inference();
    // batch_norm1 folds into dense2's inputs (across the dropout), batch_norm2 into dense3's,
    // batch_norm3 into dense3's outputs (it has no activation), and batch_norm4, between an
    // activation and a layer normalization, stays.
    assert_eq!(inference.batch_norm4, net.batch_norm4);
    assert_ne!(inference.dense2.weights, net.dense2.weights);
    assert!(
        core::mem::size_of_val(&inference) < core::mem::size_of_val(&net),
        "three normalizations are gone"
    );
    for i in 0..30 {
        let x = SVector::<f32, 3>::from_fn(|j, _| ((i * 3 + j) as f32 * 0.61).sin() * 2.5);
        let (a, b) = (net.forward(&x), inference.forward(&x));
        assert!((a - b).abs().max() <= 1e-5, "{a:?} vs {b:?}");
    }
}

#[test]
fn folding_gives_a_bias_to_a_layer_without_one() {
    let mut net = Unbiased::seeded(9);
    net.batch_norm1.gamma = SVector::from_fn(|j, _| 0.5 + j as f32 * 0.3);
    net.batch_norm1.beta = SVector::from_fn(|j, _| j as f32 * 0.1 - 0.2);
    net.batch_norm1.moving_mean = SVector::from_fn(|j, _| j as f32 * 0.2 - 0.5);
    net.batch_norm1.moving_variance = SVector::from_fn(|j, _| 0.3 + j as f32 * 0.4);
    let inference = net.inference();
    for i in 0..20 {
        let x = SVector::<f32, 4>::from_fn(|j, _| ((i * 4 + j) as f32 * 0.77).sin() * 3.0);
        let (a, b) = (net.forward(&x), inference.forward(&x));
        assert!((a - b).abs().max() <= 1e-5, "{a:?} vs {b:?}");
    }
}

/// `Σ` of the batch losses at the network's current tensors, in the training pass of step 0.
fn batch_loss(
    net: &Mixed,
    x: &[SVector<f32, 3>],
    y: &[SVector<f32, 1>],
) -> (f64, <Mixed as Network<3, 1>>::Gradients) {
    let mut grads = net.zero_gradients();
    let mut workspace = net.workspace(x.len());
    workspace.set_training_step(99, 0);
    let mut outputs = vec![SVector::zeros(); x.len()];
    let sum = net.accumulate_batch(
        &mut workspace,
        x,
        y,
        &MeanSquaredError,
        &mut grads,
        &mut outputs,
    );
    (f64::from(sum), grads)
}

#[test]
fn training_batch_gradient_matches_finite_differences() {
    // Through dropout (fixed masks: the same step), both batch normalizations over the whole
    // batch, layer normalization and a dense layer without bias.
    let (x, y) = data(12);
    let net = trained(4, 1);
    let (_, grads) = batch_loss(&net, &x, &y);
    let h = 1e-2_f32;
    let mut checked = 0;
    for t in Mixed::trainable() {
        let name = Mixed::tensor_info(t).unwrap().name();
        let len = net.tensor(t).len();
        for j in (0..len).step_by(len.div_ceil(6)) {
            let mut up = net.clone();
            up.tensor_mut(t)[j] += h;
            let mut down = net.clone();
            down.tensor_mut(t)[j] -= h;
            let numeric =
                (batch_loss(&up, &x, &y).0 - batch_loss(&down, &x, &y).0) / f64::from(2.0 * h);
            let analytic = f64::from(grads.tensor(t)[j]);
            let error = (numeric - analytic).abs() / analytic.abs().max(1e-2);
            assert!(
                error < 2e-2,
                "∂L/∂{name}[{j}]: analytic {analytic}, numeric {numeric}"
            );
            checked += 1;
        }
    }
    assert!(checked > 40);
}

#[test]
fn weights_round_trip_with_moving_statistics() {
    let net = trained(2, 2);
    let bytes = io::to_safetensors(&net);
    let back: Mixed = io::from_safetensors(&bytes).unwrap();
    assert_eq!(back, net);
    // The moving statistics are in the file, under their Keras-like names.
    let text = String::from_utf8_lossy(&bytes);
    for name in [
        "batch_norm1.moving_mean",
        "batch_norm2.moving_variance",
        "layer_norm1.gamma",
    ] {
        assert!(text.contains(name), "{name}");
    }
    assert!(
        !text.contains("dense2.bias"),
        "no bias for use_bias = false"
    );
    assert!(
        Mixed::architecture().contains("batch_norm (momentum = 0.9); activation relu; dropout 0.3")
    );
    // Another architecture is refused, naming what is missing.
    let error = io::from_safetensors::<Plain>(&bytes)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("batch_norm1") || error.contains("dense2.bias"),
        "{error}"
    );
}

#[test]
fn summary_counts_non_trainable_parameters_as_keras() {
    // dense1 3·16+16 = 64, batch_norm1 4·16 = 64 (32 trainable), dense2 16·8 = 128,
    // batch_norm2 4·8 = 32 (16 trainable), layer_norm1 2·8 = 16, dense3 8+1 = 9.
    assert_eq!(Mixed::PARAMS, 64 + 32 + 128 + 16 + 16 + 9);
    let summary = Mixed::summary();
    assert!(
        summary.contains("batch_norm1 (BatchNormalization)"),
        "{summary}"
    );
    assert!(summary.contains("dropout1 (Dropout)"), "{summary}");
    assert!(summary.contains("Total params: 313"), "{summary}");
    assert!(summary.contains("Trainable params: 265"), "{summary}");
    assert!(summary.contains("Non-trainable params: 48"), "{summary}");
}

#[test]
fn regularization_is_in_the_loss_fit_reports() {
    let (x, y) = data(32);
    let net = Mixed::seeded(3);
    let expected = 0.001 * net.dense1.weights.iter().map(|w| w * w).sum::<f32>();
    assert!((net.regularization(None) - expected).abs() <= 1e-6 * expected);
    // One batch, no shuffling, a learning rate too small to matter: the epoch's loss is the
    // training pass's mean loss plus the penalty at the starting weights.
    let mut trained = net.clone();
    let mut trainer = Trainer::new(Sgd::with_learning_rate(1e-30), BinaryCrossentropy);
    let config = FitConfig {
        batch_size: 32,
        epochs: 1,
        shuffle: false,
        ..config(8, 1)
    };
    let history = trainer.fit(&mut trained, &x, &y, &config).unwrap();
    let mut grads = net.zero_gradients();
    let mut workspace = net.workspace(32);
    workspace.set_training_step(8, 0);
    let mut outputs = vec![SVector::zeros(); 32];
    let sum = net.accumulate_batch(
        &mut workspace,
        &x,
        &y,
        &BinaryCrossentropy,
        &mut grads,
        &mut outputs,
    );
    let reported = history.epochs[0].loss;
    assert!(
        (reported - f64::from(sum / 32.0 + expected)).abs() <= 1e-5,
        "{reported} vs {}",
        sum / 32.0 + expected
    );
}

#[test]
fn a_network_with_batch_norm_learns_a_real_task() {
    let (x, y) = data(400);
    let (vx, vy) = data(600);
    let (vx, vy) = (&vx[400..], &vy[400..]);
    let mut net = Mixed::seeded(1);
    let mut trainer = Trainer::new(Adam::with_learning_rate(0.01), BinaryCrossentropy)
        .with_metrics([nnet::Metric::Accuracy]);
    trainer.fit(&mut net, &x, &y, &config(3, 30)).unwrap();
    let accuracy = trainer
        .evaluate(&net, vx, vy)
        .unwrap()
        .get("accuracy")
        .unwrap();
    assert!(accuracy > 0.85, "accuracy {accuracy}");
}
