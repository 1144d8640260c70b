"""Reference values from Keras 3 (jax backend) for nnet's recurrent layers: SimpleRNN, GRU
(reset_after=True, Keras 3's default) and LSTM (unit_forget_bias=True).

Three models, each `Sequential([Input(shape=(None, F)), ...])` built after
`keras.utils.clear_session()` and `keras.utils.set_random_seed(SEED)` with Keras's default
initializers (kernels glorot_uniform, recurrent kernels orthogonal, biases zeros, LSTM forget-gate
bias 1):
  gru       F = 3: GRU(4), Dense(2)                                          many-to-one, MSE
  lstm_seq  F = 2: LSTM(5, return_sequences=True), Dense(1, sigmoid)         many-to-many, binary
                   cross-entropy (a 0/1 target per step)
  stack     F = 3: SimpleRNN(4, return_sequences=True), LSTM(3, return_sequences=True), GRU(2),
                   Dense(1)                                                  many-to-one, MSE
The batch is 4 sequences of 6 steps, x ~ N(0, 1) and y (N(0, 1), or 0/1 for lstm_seq) from
numpy's default_rng.

Writes, for each model <name> (all F32):
  keras_<name>.safetensors
      x [4, 6, F], y [4, OUT] (many-to-one) or [4, 6, OUT] (lstm_seq)
      the initial weights under nnet's names (layers named {kind}{k} per kind, in order):
        <rnn>.kernel [G*U, IN]           Keras's kernel [IN, G*U] transposed (gate blocks in
                                         Keras's order: LSTM i,f,c,o; GRU z,r,h; G = 1 for
                                         SimpleRNN)
        <rnn>.recurrent_kernel [G*U, U]  Keras's recurrent_kernel [U, G*U] transposed
        simple_rnn/lstm .bias [G*U]      Keras's bias
        gru .bias [3U, 2]                Keras's bias [2, 3U] transposed: column 0 the input
                                         bias, column 1 the recurrent bias
        dense1.weight [out, in]          Keras's kernel transposed, dense1.bias [out]
      inference_output                 model(x): [4, OUT], or [4, 6, OUT] for lstm_seq
      step_outputs [4, 6, OUT]         for the many-to-one models, step_outputs[:, t] =
                                       model(x[:, :t+1]) (what streaming the sequence one step at
                                       a time gives after step t, the state starting at 0); for
                                       lstm_seq it equals inference_output
      loss [1]                         the loss of inference_output against y, mean over the
                                       batch (and over the steps for lstm_seq), what fit
                                       minimises (no dropout, so training mode is the same)
      grad.<name>                      d loss / d <name> for every tensor above, by jax.grad
                                       through model.stateless_call, in nnet's layout
      after.<name>                     every tensor after model.fit(x, y, batch_size=4, epochs=3,
                                       shuffle=False) with Adam(learning_rate=0.01): 3 steps
      history_loss [3]                 the per-epoch losses fit reported (each is the loss before
                                       that epoch's step, so history_loss[0] = loss)
  keras_<name>_keras_names.safetensors
      the same INITIAL weights named by their Keras 3 variable paths, in Keras's shapes:
      `sequential/gru/gru_cell/kernel` [IN, 3U], `.../recurrent_kernel` [U, 3U],
      `.../bias` [2, 3U], `sequential/lstm/lstm_cell/bias` [4U], `sequential/simple_rnn/
      simple_rnn_cell/...`, `sequential/dense/kernel` [in, out], `sequential/dense/bias`

The script checks itself: an independent float64 NumPy implementation of the three cells must
reproduce Keras's outputs (whole sequences and every prefix) and losses, central finite
differences of it must match the jax gradients, and replaying fit's three Adam steps on it must
reproduce history_loss and the `after.` tensors. It fails loudly otherwise.

Usage: KERAS_BACKEND=jax python tools/keras_recurrent.py [OUTPUT_DIR]
       (default: tests/fixtures/recurrent)
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

BATCH, STEPS = 4, 6
LEARNING_RATE, EPOCHS = 0.01, 3
LAYERS = keras.layers

# name: (seed, features, layer constructors, loss, many_to_many, description)
MODELS = {
    "gru": (
        11,
        3,
        lambda: [LAYERS.GRU(4), LAYERS.Dense(2)],
        "mse",
        False,
        "Input((None, 3)) GRU(4) Dense(2)",
    ),
    "lstm_seq": (
        12,
        2,
        lambda: [LAYERS.LSTM(5, return_sequences=True), LAYERS.Dense(1, activation="sigmoid")],
        "binary_crossentropy",
        True,
        "Input((None, 2)) LSTM(5, return_sequences=True) Dense(1, sigmoid)",
    ),
    "stack": (
        13,
        3,
        lambda: [
            LAYERS.SimpleRNN(4, return_sequences=True),
            LAYERS.LSTM(3, return_sequences=True),
            LAYERS.GRU(2),
            LAYERS.Dense(1),
        ],
        "mse",
        False,
        "Input((None, 3)) SimpleRNN(4, return_sequences=True) LSTM(3, return_sequences=True) GRU(2) Dense(1)",
    ),
}

KINDS = {"SimpleRNN": "simple_rnn", "GRU": "gru", "LSTM": "lstm", "Dense": "dense"}


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/recurrent")
    out.mkdir(parents=True, exist_ok=True)
    for name in MODELS:
        make(name, out)
    print(f"keras {keras.__version__} ({keras.backend.backend()}), jax {jax.__version__}, "
          f"safetensors {safetensors.__version__}, numpy {np.__version__}")


def make(name: str, out: Path) -> None:
    seed, features, layers, loss_name, many_to_many, description = MODELS[name]
    keras.utils.clear_session()  # default layer names (gru, dense, ...) for every model
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(shape=(None, features)), *layers()])
    names = nnet_names(model)
    out_units = model.layers[-1].units

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(BATCH, STEPS, features)).astype(np.float32)
    if many_to_many:
        y = (rng.uniform(size=(BATCH, STEPS, out_units)) < 0.5).astype(np.float32)
    else:
        y = rng.normal(size=(BATCH, out_units)).astype(np.float32)

    tensors = {"x": x, "y": y, **nnet_weights(model, names)}
    keras_named = {
        v.path: np.ascontiguousarray(keras.ops.convert_to_numpy(v), dtype=np.float32) for v in model.weights
    }

    tensors["inference_output"] = np.asarray(model(x), np.float32)
    if many_to_many:
        tensors["step_outputs"] = tensors["inference_output"].copy()
        prefixes = np.stack([np.asarray(model(x[:, : t + 1]), np.float32)[:, t] for t in range(STEPS)], axis=1)
        np.testing.assert_allclose(prefixes, tensors["step_outputs"], rtol=0, atol=1e-6)
    else:
        tensors["step_outputs"] = np.stack(
            [np.asarray(model(x[:, : t + 1]), np.float32) for t in range(STEPS)], axis=1
        )
        np.testing.assert_array_equal(tensors["step_outputs"][:, -1], tensors["inference_output"])

    # The loss and its gradients, statelessly, the way Keras's jax trainer computes them.
    loss_fn = keras.losses.get(loss_name)
    loss_obj = keras.losses.MeanSquaredError() if loss_name == "mse" else keras.losses.BinaryCrossentropy()
    trainable = [v.value for v in model.trainable_variables]
    non_trainable = [v.value for v in model.non_trainable_variables]
    # The only non-trainable variables are the RNN layers' dropout seed generators (unused).
    assert all("seed_generator" in v.path for v in model.non_trainable_variables)

    def total_loss(trainable):
        y_pred, _ = model.stateless_call(trainable, non_trainable, x, training=True)
        return loss_obj(y, y_pred), y_pred

    grads, y_pred = jax.grad(total_loss, has_aux=True)(trainable)
    np.testing.assert_allclose(np.asarray(y_pred), tensors["inference_output"], rtol=0, atol=1e-6)
    tensors["loss"] = np.array([total_loss(trainable)[0]], np.float32)
    for v, g in zip(model.trainable_variables, grads):
        tensors["grad." + names[v.path]] = to_nnet(np.asarray(g))

    # Train: one batch per epoch, so fit takes EPOCHS Adam steps on x.
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE), loss=loss_fn)
    history = model.fit(x, y, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0)
    tensors["history_loss"] = np.array(history.history["loss"], np.float32)
    tensors.update({"after." + n: t for n, t in nnet_weights(model, names).items()})

    print(f"== {name}: {description}")
    check(name, model, names, tensors, keras_named)

    metadata = {
        "producer": "tools/keras_recurrent.py",
        "keras": keras.__version__,
        "jax": jax.__version__,
        "backend": keras.backend.backend(),
        "seed": str(seed),
        "layers": description,
        "loss": loss_name,
        "training": f"Adam({LEARNING_RATE}), {loss_name}, fit(batch_size={BATCH}, epochs={EPOCHS}, shuffle=False)",
    }
    save_file(tensors, out / f"keras_{name}.safetensors", metadata=metadata)
    initial_metadata = {k: v for k, v in metadata.items() if k != "training"}
    initial_metadata["producer"] = "tools/keras_recurrent.py (the initial weights, Keras names)"
    save_file(keras_named, out / f"keras_{name}_keras_names.safetensors", metadata=initial_metadata)

    print("tensors:", {n: list(t.shape) for n, t in tensors.items()})
    print("keras-named:", {n: list(t.shape) for n, t in keras_named.items()})
    for n in ("loss", "history_loss"):
        print(f"{n} = {np.array2string(tensors[n], precision=9)}")
    print(f"wrote {out / f'keras_{name}.safetensors'} and {out / f'keras_{name}_keras_names.safetensors'}")


def nnet_names(model: keras.Model) -> dict:
    """Keras variable path -> nnet name: layers are {kind}{k}, counted per kind in order."""
    counts, names = {}, {}
    for layer in model.layers:
        kind = KINDS[type(layer).__name__]
        counts[kind] = counts.get(kind, 0) + 1
        for v in layer.weights:
            leaf = v.path.rsplit("/", 1)[1]
            if kind == "dense":
                leaf = {"kernel": "weight", "bias": "bias"}[leaf]
            names[v.path] = f"{kind}{counts[kind]}.{leaf}"
    return names


def to_nnet(value: np.ndarray) -> np.ndarray:
    """Every 2-D Keras tensor (kernel [in, G*U], recurrent_kernel [U, G*U], GRU bias [2, 3U],
    dense kernel [in, out]) is transposed into nnet's file shape; vectors keep theirs."""
    value = np.asarray(value, np.float32)
    return np.ascontiguousarray(value.T if value.ndim == 2 else value)


def nnet_weights(model: keras.Model, names: dict) -> dict:
    return {names[v.path]: to_nnet(keras.ops.convert_to_numpy(v)) for v in model.weights}


# ---- the independent float64 reference -------------------------------------------------------

def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def rnn_layer(kind: str, p: dict, prefix: str, xs: np.ndarray) -> np.ndarray:
    """One recurrent layer over xs [batch, steps, in] in float64, state starting at 0; returns
    the hidden state after every step [batch, steps, units]. Weights in nnet's layout."""
    W, U = p[prefix + ".kernel"], p[prefix + ".recurrent_kernel"]  # [G*u, in], [G*u, u]
    b = p[prefix + ".bias"]
    u = U.shape[1]
    h = np.zeros((xs.shape[0], u))
    c = np.zeros((xs.shape[0], u))
    hs = []
    for t in range(xs.shape[1]):
        x = xs[:, t]
        if kind == "simple_rnn":
            h = np.tanh(x @ W.T + h @ U.T + b)
        elif kind == "lstm":
            a = x @ W.T + h @ U.T + b
            i, f, g, o = (a[:, k * u:(k + 1) * u] for k in range(4))
            c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
            h = sigmoid(o) * np.tanh(c)
        elif kind == "gru":
            ax = x @ W.T + b[:, 0]  # input projections plus input bias, blocks z, r, h
            ah = h @ U.T + b[:, 1]  # recurrent projections plus recurrent bias
            z = sigmoid(ax[:, :u] + ah[:, :u])
            r = sigmoid(ax[:, u:2 * u] + ah[:, u:2 * u])
            hh = np.tanh(ax[:, 2 * u:] + r * ah[:, 2 * u:])
            h = z * h + (1 - z) * hh
        else:
            raise ValueError(kind)
        hs.append(h)
    return np.stack(hs, axis=1)


def forward(layers: list, p: dict, x: np.ndarray, many_to_many: bool) -> np.ndarray:
    """layers: [(kind, nnet prefix, return_sequences or activation)] in order."""
    h = x
    for kind, prefix, extra in layers:
        if kind == "dense":
            h = h @ p[prefix + ".weight"].T + p[prefix + ".bias"]
            if extra == "sigmoid":
                h = sigmoid(h)
        else:
            h = rnn_layer(kind, p, prefix, h)
            if not extra:
                h = h[:, -1]
    return h


def loss_of(out: np.ndarray, y: np.ndarray, loss_name: str) -> float:
    if loss_name == "mse":
        return float(np.mean((out - y) ** 2))
    out = np.clip(out, 1e-7, 1 - 1e-7)  # keras.backend.epsilon()
    return float(-np.mean(y * np.log(out) + (1 - y) * np.log(1 - out)))


def numeric_grads(f, p: dict, step=1e-6) -> dict:
    """Central differences of f(p) in float64, for every entry of every tensor."""
    grads = {}
    for name in p:
        g = np.zeros_like(p[name])
        for i in np.ndindex(p[name].shape):
            q = dict(p)
            q[name] = p[name].copy()
            q[name][i] += step
            plus = f(q)
            q[name][i] -= 2 * step
            minus = f(q)
            g[i] = (plus - minus) / (2 * step)
        grads[name] = g
    return grads


def max_rel(a, b) -> float:
    """max |a - b| relative to the largest |b| of the tensor (float32 results, float64 reference)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-30))


def check(name: str, model: keras.Model, names: dict, t: dict, keras_named: dict) -> None:
    _, _, _, loss_name, many_to_many, _ = MODELS[name]
    layers, counts = [], {}
    for layer in model.layers:
        kind = KINDS[type(layer).__name__]
        counts[kind] = counts.get(kind, 0) + 1
        extra = layer.activation.__name__ if kind == "dense" else layer.return_sequences
        layers.append((kind, f"{kind}{counts[kind]}", extra))
    weight_names = list(names.values())
    p = {n: t[n].astype(np.float64) for n in weight_names}
    x, y = t["x"].astype(np.float64), t["y"].astype(np.float64)

    # The Keras-named file holds the same numbers as the nnet-named tensors.
    for path, n in names.items():
        np.testing.assert_array_equal(to_nnet(keras_named[path]), t[n], err_msg=path)

    # Keras's default initial biases: zeros, except the LSTM's forget-gate block (unit_forget_bias).
    for kind, prefix, _ in layers:
        if kind in ("lstm", "gru", "simple_rnn"):
            expected = np.zeros_like(p[prefix + ".bias"])
            if kind == "lstm":
                u = expected.shape[0] // 4
                expected[u:2 * u] = 1.0
            np.testing.assert_array_equal(p[prefix + ".bias"], expected, err_msg=prefix + ".bias")

    # Forward: the whole batch, then every prefix.
    ref = forward(layers, p, x, many_to_many)
    np.testing.assert_allclose(t["inference_output"], ref, rtol=1e-5, atol=1e-6, err_msg="inference_output")
    dev_out = np.abs(t["inference_output"] - ref).max()
    if many_to_many:
        ref_steps = ref
    else:
        ref_steps = np.stack([forward(layers, p, x[:, : s + 1], False) for s in range(STEPS)], axis=1)
    np.testing.assert_allclose(t["step_outputs"], ref_steps, rtol=1e-5, atol=1e-6, err_msg="step_outputs")
    dev_steps = np.abs(t["step_outputs"] - ref_steps).max()
    ref_loss = loss_of(ref, y, loss_name)
    np.testing.assert_allclose(t["loss"][0], ref_loss, rtol=1e-5, err_msg="loss")
    np.testing.assert_allclose(t["history_loss"][0], t["loss"][0], rtol=1e-5, err_msg="history_loss[0]")

    def f(q):
        return loss_of(forward(layers, q, x, many_to_many), y, loss_name)

    numeric = numeric_grads(f, p)
    worst_grad = 0.0
    for n in weight_names:
        np.testing.assert_allclose(t["grad." + n], numeric[n], rtol=1e-4, atol=1e-6, err_msg="grad." + n)
        assert max_rel(t["grad." + n], numeric[n]) < 1e-5, ("grad." + n, max_rel(t["grad." + n], numeric[n]))
        worst_grad = max(worst_grad, max_rel(t["grad." + n], numeric[n]))

    # Replay fit: each step is one Adam step (Keras's form, epsilon 1e-7) on the float64 numeric
    # gradient of the loss at the current weights.
    m = {n: np.zeros_like(p[n]) for n in weight_names}
    v = {n: np.zeros_like(p[n]) for n in weight_names}
    history = []
    for step in range(1, EPOCHS + 1):
        history.append(f(p))
        grads = numeric_grads(f, p)
        alpha = LEARNING_RATE * np.sqrt(1 - 0.999**step) / (1 - 0.9**step)
        for n in weight_names:
            m[n] += (grads[n] - m[n]) * (1 - 0.9)
            v[n] += (grads[n] ** 2 - v[n]) * (1 - 0.999)
            p[n] = p[n] - alpha * m[n] / (np.sqrt(v[n]) + 1e-7)
    np.testing.assert_allclose(t["history_loss"], history, rtol=1e-5, err_msg="history_loss")
    dev_history = float(np.max(np.abs(np.array(history) - t["history_loss"]) / np.abs(history)))
    worst_after = 0.0
    for n in weight_names:
        np.testing.assert_allclose(t["after." + n], p[n], rtol=1e-5, atol=1e-6, err_msg="after." + n)
        worst_after = max(worst_after, float(np.abs(t["after." + n] - p[n]).max()))
        moved = np.abs(t["after." + n] - t[n]).min()
        assert moved > 1e-4, ("after." + n, "an entry did not move", moved)
    print(f"self-check {name}: outputs max |diff| {dev_out:.2e}, step outputs {dev_steps:.2e}, "
          f"loss {abs(t['loss'][0] - ref_loss):.2e} (of {ref_loss:.6f}); jax gradients vs float64 central "
          f"differences: max |diff| / max |grad| per tensor {worst_grad:.2e}; Adam replay: history_loss "
          f"rel {dev_history:.2e}, after. max |diff| {worst_after:.2e}")


if __name__ == "__main__":
    main()
