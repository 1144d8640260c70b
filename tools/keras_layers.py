"""Reference values from Keras 3 (jax backend) for nnet's BatchNormalization, LayerNormalization,
Activation and L1L2 kernel-regularizer support.

The network, `Input(3)`, is
  dense1       Dense(5), linear, kernel_regularizer=L1L2(l1=0.001, l2=0.01)
  batch_norm1  BatchNormalization(momentum=0.9, epsilon=1e-3)
               Activation("relu")
  dense2       Dense(4, tanh, use_bias=False)
  layer_norm1  LayerNormalization(epsilon=1e-3)
  dense3       Dense(2, sigmoid)
with the normalization parameters set to non-trivial values so that a wrong formula shows.

Writes, next to each other (all F32):
  keras_layers.safetensors
      x [8, 3], y [8, 2]                the batch (y is 0/1)
      dense1.weight [5, 3], dense1.bias [5], batch_norm1.gamma/beta/moving_mean/moving_variance [5],
      dense2.weight [4, 5], layer_norm1.gamma/beta [4], dense3.weight [2, 4], dense3.bias [2]
                                        the initial weights, named as nnet names them (a dense
                                        kernel is stored as [units, inputs], i.e. Keras's kernel
                                        transposed)
      inference_output [8, 2]           model(x, training=False)  (BN uses the moving statistics)
      training_output [8, 2]            model(x, training=True)   (BN uses the batch statistics;
                                        the moving statistics are left at their initial values)
      data_loss [1]                     BinaryCrossentropy() (mean) of training_output against y
      regularization_loss [1]           sum(model.losses) = 0.001 * sum|W1| + 0.01 * sum W1^2
      loss [1]                          data_loss + regularization_loss, what Keras minimises
      grad.<name>                       d loss / d <name> for the 9 trainable tensors, training
                                        mode, by jax.grad through model.stateless_call (kernels
                                        transposed like the weights)
      after.<name>                      all 11 tensors after model.fit(x, y, batch_size=8,
                                        epochs=3, shuffle=False) with Adam(0.01) and
                                        binary_crossentropy: 3 steps on the same batch
      history_loss [3]                  the per-epoch losses fit reported (regularization included;
                                        each is the loss before that epoch's step)
  keras_layers_keras_names.safetensors
      the INITIAL weights as export_keras.py names them: each layer's variables by Keras path
      (`sequential/dense/kernel` [3, 5], `sequential/batch_normalization/moving_mean`, ...),
      kernels [in, out]; its reference output for x is `inference_output` above.

The script checks itself: an independent float64 NumPy implementation of the forward pass must
reproduce Keras's outputs and losses, central finite differences of it must match the jax
gradients, and replaying fit's three steps (moving-statistics update, Adam) must reproduce the
`after.` tensors.

Usage: KERAS_BACKEND=jax python tools/keras_layers.py [OUTPUT_DIR]   (default: tests/fixtures)
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import safetensors  # noqa: E402
from safetensors.numpy import save_file  # noqa: E402

L1, L2 = 0.001, 0.01
BN_MOMENTUM, EPS = 0.9, 1e-3
LEARNING_RATE, EPOCHS = 0.01, 3

# nnet's name for each Keras variable, in the order of model.weights (see build_model).
NAMES = {
    "sequential/dense/kernel": "dense1.weight",
    "sequential/dense/bias": "dense1.bias",
    "sequential/batch_normalization/gamma": "batch_norm1.gamma",
    "sequential/batch_normalization/beta": "batch_norm1.beta",
    "sequential/batch_normalization/moving_mean": "batch_norm1.moving_mean",
    "sequential/batch_normalization/moving_variance": "batch_norm1.moving_variance",
    "sequential/dense_1/kernel": "dense2.weight",
    "sequential/layer_normalization/gamma": "layer_norm1.gamma",
    "sequential/layer_normalization/beta": "layer_norm1.beta",
    "sequential/dense_2/kernel": "dense3.weight",
    "sequential/dense_2/bias": "dense3.bias",
}


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures")
    out.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(7)
    model = build_model()

    rng = np.random.default_rng(3)
    x = rng.normal(size=(8, 3)).astype(np.float32)
    y = (rng.uniform(size=(8, 2)) < 0.5).astype(np.float32)

    initial = nnet_weights(model)
    tensors = {"x": x, "y": y, **initial}
    keras_named = {
        v.path: np.ascontiguousarray(keras.ops.convert_to_numpy(v), dtype=np.float32)
        for layer in model.layers
        for v in layer.weights
    }
    assert sorted(keras_named) == sorted(NAMES), sorted(keras_named)

    # Outputs. A training-mode call of BatchNormalization updates the moving statistics in
    # Keras 3, so save them and put them back.
    tensors["inference_output"] = np.asarray(model(x, training=False), np.float32)
    saved = [keras.ops.convert_to_numpy(v) for v in model.non_trainable_variables]
    tensors["training_output"] = np.asarray(model(x, training=True), np.float32)
    moved = [keras.ops.convert_to_numpy(v) for v in model.non_trainable_variables]
    assert not all(np.array_equal(a, b) for a, b in zip(saved, moved)), "training call did not update stats"
    for v, value in zip(model.non_trainable_variables, saved):
        v.assign(value)

    # Losses and gradients in training mode, statelessly, the way Keras's jax trainer does.
    bce = keras.losses.BinaryCrossentropy()
    trainable = [v.value for v in model.trainable_variables]
    non_trainable = [v.value for v in model.non_trainable_variables]

    def total_loss(trainable):
        y_pred, _, losses = model.stateless_call(trainable, non_trainable, x, training=True, return_losses=True)
        data = bce(y, y_pred)
        regularization = sum(losses)
        return data + regularization, (data, regularization, y_pred)

    grads, (data_loss, regularization_loss, y_pred) = jax.grad(total_loss, has_aux=True)(trainable)
    np.testing.assert_allclose(np.asarray(y_pred), tensors["training_output"], rtol=0, atol=1e-6)
    tensors["data_loss"] = np.array([data_loss], np.float32)
    tensors["regularization_loss"] = np.array([regularization_loss], np.float32)
    tensors["loss"] = np.array([data_loss + regularization_loss], np.float32)
    for v, g in zip(model.trainable_variables, grads):
        tensors["grad." + NAMES[v.path]] = to_nnet(v.path, np.asarray(g))

    # Train: one batch per epoch, so fit takes EPOCHS Adam steps on x.
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE), loss="binary_crossentropy")
    history = model.fit(x, y, batch_size=8, epochs=EPOCHS, shuffle=False, verbose=0)
    tensors["history_loss"] = np.array(history.history["loss"], np.float32)
    tensors.update({"after." + name: t for name, t in nnet_weights(model).items()})

    check(tensors)

    metadata = {
        "producer": "tools/keras_layers.py",
        "keras": keras.__version__,
        "jax": jax.__version__,
        "backend": keras.backend.backend(),
        "layers": "Input(3) Dense(5, L1L2(0.001, 0.01)) BatchNormalization(momentum=0.9, epsilon=1e-3) "
        "Activation(relu) Dense(4, tanh, no bias) LayerNormalization(epsilon=1e-3) Dense(2, sigmoid)",
        "training": "Adam(0.01), binary_crossentropy, fit(batch_size=8, epochs=3, shuffle=False)",
    }
    save_file(tensors, out / "keras_layers.safetensors", metadata=metadata)
    initial_metadata = {k: v for k, v in metadata.items() if k != "training"}
    initial_metadata["producer"] = "tools/keras_layers.py (the initial weights, Keras names)"
    save_file(keras_named, out / "keras_layers_keras_names.safetensors", metadata=initial_metadata)

    print("tensors:", {name: list(t.shape) for name, t in tensors.items()})
    print("keras-named:", {name: list(t.shape) for name, t in keras_named.items()})
    for name in ("loss", "data_loss", "regularization_loss", "history_loss"):
        print(f"{name} = {np.array2string(tensors[name], precision=9)}")
    print(f"keras {keras.__version__} ({keras.backend.backend()}), jax {jax.__version__}, "
          f"safetensors {safetensors.__version__}, numpy {np.__version__}")
    print(f"wrote {out / 'keras_layers.safetensors'} and {out / 'keras_layers_keras_names.safetensors'}")


def build_model() -> keras.Sequential:
    model = keras.Sequential(
        [
            keras.Input(shape=(3,)),
            keras.layers.Dense(5, kernel_regularizer=keras.regularizers.L1L2(l1=L1, l2=L2)),
            keras.layers.BatchNormalization(momentum=BN_MOMENTUM, epsilon=EPS),
            keras.layers.Activation("relu"),
            keras.layers.Dense(4, activation="tanh", use_bias=False),
            keras.layers.LayerNormalization(epsilon=EPS),
            keras.layers.Dense(2, activation="sigmoid"),
        ]
    )
    # Non-trivial normalization parameters: gamma = 1 + 0.1 k, beta = 0.05 k,
    # moving_mean = 0.1 k - 0.2, moving_variance = 0.5 + 0.25 k.
    bn, ln = model.layers[1], model.layers[4]
    k5, k4 = np.arange(5, dtype=np.float32), np.arange(4, dtype=np.float32)
    bn.gamma.assign(1 + 0.1 * k5)
    bn.beta.assign(0.05 * k5)
    bn.moving_mean.assign(0.1 * k5 - 0.2)
    bn.moving_variance.assign(0.5 + 0.25 * k5)
    ln.gamma.assign(1 + 0.1 * k4)
    ln.beta.assign(0.05 * k4)
    return model


def to_nnet(path: str, value: np.ndarray) -> np.ndarray:
    """Keras's kernel [in, out] becomes nnet's weight [units, inputs]; other tensors keep their shape."""
    value = np.asarray(value, np.float32)
    return np.ascontiguousarray(value.T if path.endswith("/kernel") else value)


def nnet_weights(model: keras.Model) -> dict:
    return {NAMES[v.path]: to_nnet(v.path, keras.ops.convert_to_numpy(v)) for v in model.weights}


# ---- the independent float64 reference -------------------------------------------------------

def forward(p: dict, x: np.ndarray, training: bool):
    """The network in float64 NumPy; returns the output and BN's batch mean and (biased) variance."""
    h = x @ p["dense1.weight"].T + p["dense1.bias"]
    mean, var = h.mean(axis=0), h.var(axis=0)  # biased: divides by the batch size
    if not training:
        mean, var = p["batch_norm1.moving_mean"], p["batch_norm1.moving_variance"]
    h = p["batch_norm1.gamma"] * (h - mean) / np.sqrt(var + EPS) + p["batch_norm1.beta"]
    h = np.tanh(np.maximum(h, 0) @ p["dense2.weight"].T)
    row_mean, row_var = h.mean(axis=1, keepdims=True), h.var(axis=1, keepdims=True)  # biased too
    h = p["layer_norm1.gamma"] * (h - row_mean) / np.sqrt(row_var + EPS) + p["layer_norm1.beta"]
    out = 1 / (1 + np.exp(-(h @ p["dense3.weight"].T + p["dense3.bias"])))
    return out, (mean, var)


def losses(p: dict, x: np.ndarray, y: np.ndarray):
    out, stats = forward(p, x, training=True)
    out = np.clip(out, 1e-7, 1 - 1e-7)  # keras.backend.epsilon()
    data = -np.mean(y * np.log(out) + (1 - y) * np.log(1 - out))
    w = p["dense1.weight"]
    regularization = L1 * np.abs(w).sum() + L2 * np.square(w).sum()
    return data, regularization, stats


TRAINABLE = [n for n in NAMES.values() if "moving" not in n]


def numeric_grads(p: dict, x, y, step=1e-6) -> dict:
    """Central differences of the total loss in float64, for every trainable entry."""
    grads = {}
    for name in TRAINABLE:
        g = np.zeros_like(p[name])
        for i in np.ndindex(p[name].shape):
            q = {k: v.copy() for k, v in p.items()}
            q[name][i] += step
            plus = sum(losses(q, x, y)[:2])
            q[name][i] -= 2 * step
            minus = sum(losses(q, x, y)[:2])
            g[i] = (plus - minus) / (2 * step)
        grads[name] = g
    return grads


def check(t: dict) -> None:
    p = {n: t[n].astype(np.float64) for n in NAMES.values()}
    x, y = t["x"].astype(np.float64), t["y"].astype(np.float64)

    np.testing.assert_allclose(forward(p, x, training=False)[0], t["inference_output"], atol=1e-6)
    np.testing.assert_allclose(forward(p, x, training=True)[0], t["training_output"], atol=1e-6)
    data, regularization, _ = losses(p, x, y)
    np.testing.assert_allclose([data, regularization], [t["data_loss"][0], t["regularization_loss"][0]], rtol=1e-6)
    np.testing.assert_allclose(t["history_loss"][0], t["loss"][0], rtol=1e-6)

    numeric = numeric_grads(p, x, y)
    worst = 0.0
    for name in TRAINABLE:
        np.testing.assert_allclose(t["grad." + name], numeric[name], rtol=1e-4, atol=1e-6, err_msg=name)
        worst = max(worst, np.abs(t["grad." + name] - numeric[name]).max())
    print(f"jax gradients agree with float64 central differences (max |diff| {worst:.2e}); e.g. "
          f"d/d dense1.weight[0,0]: jax {t['grad.dense1.weight'][0, 0]:.7g}, numeric {numeric['dense1.weight'][0, 0]:.7g}; "
          f"d/d batch_norm1.gamma[2]: jax {t['grad.batch_norm1.gamma'][2]:.7g}, numeric {numeric['batch_norm1.gamma'][2]:.7g}")

    # Replay fit: each step runs the training-mode forward pass (which moves the statistics by
    # the batch's mean and biased variance), then one Adam step (Keras's form, epsilon 1e-7).
    m = {n: np.zeros_like(p[n]) for n in TRAINABLE}
    v = {n: np.zeros_like(p[n]) for n in TRAINABLE}
    history = []
    for step in range(1, EPOCHS + 1):
        data, regularization, (mean, var) = losses(p, x, y)
        history.append(data + regularization)
        grads = numeric_grads(p, x, y)
        grads["dense1.bias"][:] = 0.0  # exactly zero: BN's batch mean cancels the bias
        p["batch_norm1.moving_mean"] = BN_MOMENTUM * p["batch_norm1.moving_mean"] + (1 - BN_MOMENTUM) * mean
        p["batch_norm1.moving_variance"] = BN_MOMENTUM * p["batch_norm1.moving_variance"] + (1 - BN_MOMENTUM) * var
        alpha = LEARNING_RATE * np.sqrt(1 - 0.999**step) / (1 - 0.9**step)
        for n in TRAINABLE:
            m[n] += (grads[n] - m[n]) * (1 - 0.9)
            v[n] += (grads[n] ** 2 - v[n]) * (1 - 0.999)
            p[n] -= alpha * m[n] / (np.sqrt(v[n]) + 1e-7)
    np.testing.assert_allclose(history, t["history_loss"], rtol=1e-5)
    for n in NAMES.values():
        # dense1.bias has a zero true gradient, so Keras moves it by float32 noise through Adam.
        atol = 1e-3 if n == "dense1.bias" else 2e-5
        np.testing.assert_allclose(p[n], t["after." + n], atol=atol, err_msg="after." + n)
    print("the float64 replay of fit reproduces history_loss and every after. tensor "
          f"(after.dense1.bias moved by float32 noise only: max |change| "
          f"{np.abs(t['after.dense1.bias'] - t['dense1.bias']).max():.2e})")


if __name__ == "__main__":
    main()
