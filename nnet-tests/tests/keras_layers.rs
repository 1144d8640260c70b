//! Dense layers with regularizers, batch normalization, an activation layer and layer
//! normalization against Keras 3: inference and training-mode outputs, the loss with its
//! regularization, every gradient, and the weights and moving statistics after three Adam steps
//! of `fit`. The reference values come from `tools/keras_layers.py` (real Keras 3.15.1 on jax),
//! which checks itself against an independent float64 NumPy computation; see `tools/README.md`.

#[path = "common/fixtures.rs"]
mod fixtures;

use nnet::loss::BinaryCrossentropy;
use nnet::optim::Adam;
use nnet::train::{FitConfig, Trainer, Verbosity};
use nnet::{Network, Parameters, SVector};

use fixtures::{Tensors, column_major};

nnet::network! {
    /// `Dense(5, kernel_regularizer=L1L2(0.001, 0.01))`, `BatchNormalization(momentum=0.9)`,
    /// `Activation("relu")`, `Dense(4, tanh, use_bias=False)`, `LayerNormalization()`,
    /// `Dense(2, sigmoid)`.
    pub struct KerasNorm {
        input 3;
        dense 5 (l1 = 0.001, l2 = 0.01);
        batch_norm (momentum = 0.9);
        activation relu;
        dense 4 tanh (use_bias = false);
        layer_norm;
        dense 2 sigmoid;
    }
}

const FIXTURE: &[u8] = include_bytes!("../../tests/fixtures/keras_layers.safetensors");

/// The network with the fixture's tensors under `prefix` (`""` initial, `"after."` trained).
fn network(tensors: &Tensors, prefix: &str) -> KerasNorm {
    let mut net = KerasNorm::zeroed();
    for i in 0..KerasNorm::TENSORS {
        let name = KerasNorm::tensor_info(i).unwrap().name();
        net.tensor_mut(i)
            .copy_from_slice(&column_major(tensors, &format!("{prefix}{name}")));
    }
    net
}

fn rows<const N: usize>(tensors: &Tensors, name: &str) -> Vec<SVector<f32, N>> {
    let (shape, values) = &tensors[name];
    assert_eq!(shape[1], N);
    values
        .chunks_exact(N)
        .map(SVector::from_column_slice)
        .collect()
}

fn assert_close(found: &[f32], expected: &[f32], tolerance: f32, what: &str) {
    assert_eq!(found.len(), expected.len(), "{what}");
    for (i, (f, e)) in found.iter().zip(expected).enumerate() {
        let error = (f - e).abs() / e.abs().max(1.0);
        assert!(error <= tolerance, "{what}[{i}]: nnet {f}, Keras {e}");
    }
}

#[test]
fn inference_matches_keras() {
    let tensors = fixtures::read(FIXTURE);
    let net = network(&tensors, "");
    let x = rows::<3>(&tensors, "x");
    let expected = rows::<2>(&tensors, "inference_output");
    for (x, e) in x.iter().zip(&expected) {
        assert_close(
            net.forward(x).as_slice(),
            e.as_slice(),
            1e-5,
            "inference output",
        );
        assert_close(
            net.inference().forward(x).as_slice(),
            e.as_slice(),
            1e-5,
            "folded output",
        );
    }
}

#[test]
fn training_pass_loss_and_gradients_match_keras() {
    let tensors = fixtures::read(FIXTURE);
    let net = network(&tensors, "");
    let x = rows::<3>(&tensors, "x");
    let y = rows::<2>(&tensors, "y");
    let mut grads = net.zero_gradients();
    let mut workspace = net.workspace(8);
    let mut outputs = vec![SVector::zeros(); 8];
    let sum = net.accumulate_batch(
        &mut workspace,
        &x,
        &y,
        &BinaryCrossentropy,
        &mut grads,
        &mut outputs,
    );

    let expected = rows::<2>(&tensors, "training_output");
    for (o, e) in outputs.iter().zip(&expected) {
        assert_close(o.as_slice(), e.as_slice(), 1e-5, "training output");
    }
    let data_loss = sum / 8.0;
    assert_close(&[data_loss], &tensors["data_loss"].1, 1e-5, "data loss");
    grads.scale(1.0 / 8.0);
    let penalty = net.regularization(Some(&mut grads));
    assert_close(
        &[penalty],
        &tensors["regularization_loss"].1,
        1e-5,
        "regularization loss",
    );
    assert_close(&[data_loss + penalty], &tensors["loss"].1, 1e-5, "loss");

    for i in KerasNorm::trainable() {
        let name = KerasNorm::tensor_info(i).unwrap().name();
        let expected = column_major(&tensors, &format!("grad.{name}"));
        // The bias before a training-mode batch normalization has a gradient of exactly 0:
        // the batch mean cancels it. Keras's value is float32 noise (±5e-9).
        let tolerance = if name == "dense1.bias" { 1e-6 } else { 1e-4 };
        let found = grads.tensor(i);
        for (j, (f, e)) in found.iter().zip(&expected).enumerate() {
            let error = (f - e).abs() / e.abs().max(1e-2);
            assert!(
                error <= tolerance || (f - e).abs() <= 1e-7,
                "∂L/∂{name}[{j}]: nnet {f}, Keras {e}"
            );
        }
    }
}

#[test]
fn three_adam_steps_of_fit_match_keras() {
    let tensors = fixtures::read(FIXTURE);
    let mut net = network(&tensors, "");
    let x = rows::<3>(&tensors, "x");
    let y = rows::<2>(&tensors, "y");
    let mut trainer = Trainer::new(Adam::with_learning_rate(0.01), BinaryCrossentropy);
    let config = FitConfig {
        batch_size: 8,
        epochs: 3,
        shuffle: false,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    };
    let history = trainer.fit(&mut net, &x, &y, &config).unwrap();
    // An f32 network reports f32 values, widened to f64: narrowing them back is exact.
    let losses: Vec<f32> = history.epochs.iter().map(|e| e.loss as f32).collect();
    assert_close(&losses, &tensors["history_loss"].1, 1e-5, "history loss");
    for i in 0..KerasNorm::TENSORS {
        let name = KerasNorm::tensor_info(i).unwrap().name();
        let expected = column_major(&tensors, &format!("after.{name}"));
        if name == "dense1.bias" {
            // Adam scales Keras's float32 noise up to 7.8e-5 (see above); nnet's is 0 or noise.
            assert_close(net.tensor(i), &expected, 1e-3, &name);
        } else {
            assert_close(net.tensor(i), &expected, 2e-5, &name);
        }
    }
}

#[test]
fn keras_named_weights_import_and_reproduce_keras() {
    // The same initial model as Keras names its variables: per class (`dense_1`,
    // `batch_normalization`), kernels `[inputs, units]`.
    let tensors = fixtures::read(FIXTURE);
    let bytes = include_bytes!("../../tests/fixtures/keras_layers_keras_names.safetensors");
    let imported: KerasNorm = nnet::io::import_keras(bytes).unwrap();
    assert_eq!(imported, network(&tensors, ""));
    let x = rows::<3>(&tensors, "x");
    let expected = rows::<2>(&tensors, "inference_output");
    for (x, e) in x.iter().zip(&expected) {
        assert_close(
            imported.forward(x).as_slice(),
            e.as_slice(),
            1e-5,
            "imported output",
        );
    }
}
