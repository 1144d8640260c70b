"""Train three small Keras 3 functional models of `Add` blocks (jax backend) and export them, with
reference outputs, for nnet's Keras importer of `residual` blocks.

  mlp      Input((6,)), Dense(8, relu), an identity block [Dense(8, relu), Dense(8)] added to its
           input, Activation(relu), a projected block [Dense(12, relu), Dense(12)] added to
           Dense(12) of its input, Activation(relu), Dense(3, softmax)
  resnet   Input((7, 7, 3)), Conv2D(4, 3, same, relu), a ResNet basic block [Conv2D(4, 3, same),
           BatchNormalization, relu, Conv2D(4, 3, same), BatchNormalization] added to its input,
           relu, a strided one [Conv2D(8, 3, strides=2, same), BatchNormalization, relu,
           Conv2D(8, 3, same), BatchNormalization] added to Conv2D(8, 1, strides=2) of its
           input, relu, GlobalAveragePooling2D, Dense(3, softmax)
  wavenet  Input((12, 2)), Conv1D(6, 1), blocks [Conv1D(6, 2, causal, dilation d, tanh),
           Conv1D(6, 1)] added to their input for d = 1, 2, then [Conv1D(8, 2, causal,
           dilation 4, relu), Conv1D(8, 1)] added to Conv1D(8, 1) of its input, Conv1D(1, 1):
           one output per step
Each is trained for 8 epochs of Adam(0.01) on 64 random samples (batches of 8), so that no weight
is at its initial value and the moving statistics of the batch normalizations are far from 0
and 1.

The shortcut layer of a projected block (`Dense` or a 1x1 `Conv1D`/`Conv2D`) is created AFTER the
block's layers, so that Keras numbers it after them (`dense_5` after `dense_4`): nnet's importer
matches the k-th Keras layer of a class to the network's k-th layer of that kind, the projection
`residual{k}` counted right after its block's last layer.

Writes, for each <name> (all F32):
  keras_<name>.safetensors            every variable under its Keras path (`dense_3/kernel`
                                      [in, out], `conv2d_5/kernel` (kh, kw, in, filters),
                                      `batch_normalization_1/moving_mean`, ...)
  keras_<name>_reference.safetensors  x [6, ...] six inputs, out [6, ...] the model's outputs
                                      (inference mode), and every tensor under nnet's name and
                                      layout (`dense2.weight` [units, inputs], `conv2d3.kernel`
                                      [filters, kh*kw*in], `residual2.kernel` [units, inputs] or
                                      [filters, inputs], `residual2.bias`, ...)
  keras_mlp_shortcut_first.safetensors  the mlp's weights in a model whose shortcut `Dense` is
                                      created BEFORE its block's layers (so numbered before them):
                                      a file the importer must refuse for the same network

The script checks itself: a float64 NumPy forward pass in nnet's layouts (residual_reference.py on
conv_reference.py), fed with the converted tensors, must reproduce Keras's outputs.

Usage: KERAS_BACKEND=jax python tools/keras_residual.py [OUTPUT_DIR]   (default: tests/fixtures/residual)
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

import residual_reference as ref  # noqa: E402

EPOCHS, BATCH, SAMPLES, LEARNING_RATE, REFERENCE_SAMPLES = 8, 8, 64, 0.01, 6
L = keras.layers


def block(layers, project=False):
    return {"kind": "residual", "project": project, "layers": layers}


def wavenet_block(channels, dilation, activation, project=False):
    return block([
        {"kind": "conv1d", "filters": channels, "size": 2, "activation": activation, "padding": "causal",
         "dilation": dilation},
        {"kind": "conv1d", "filters": channels, "size": 1, "padding": "causal"},
    ], project)


def basic_block(filters, strides, project=False):
    first = {"kind": "conv2d", "filters": filters, "size": 3, "padding": "same"}
    if strides != 1:
        first["strides"] = strides
    return block([
        first,
        {"kind": "batch_norm"},
        {"kind": "activation", "activation": "relu"},
        {"kind": "conv2d", "filters": filters, "size": 3, "padding": "same"},
        {"kind": "batch_norm"},
    ], project)


RELU = {"kind": "activation", "activation": "relu"}

# name: (seed, input shape, the layers as residual_reference / network! read them)
MODELS = {
    "mlp": (51, (6,), [
        {"kind": "dense", "units": 8, "activation": "relu"},
        block([{"kind": "dense", "units": 8, "activation": "relu"}, {"kind": "dense", "units": 8}]),
        RELU,
        block([{"kind": "dense", "units": 12, "activation": "relu"}, {"kind": "dense", "units": 12}], project=True),
        RELU,
        {"kind": "dense", "units": 3, "activation": "softmax"},
    ]),
    "resnet": (52, (7, 7, 3), [
        {"kind": "conv2d", "filters": 4, "size": 3, "activation": "relu", "padding": "same"},
        basic_block(4, 1),
        RELU,
        basic_block(8, 2, project=True),
        RELU,
        {"kind": "global_avg_pool"},
        {"kind": "dense", "units": 3, "activation": "softmax"},
    ]),
    "wavenet": (53, (12, 2), [
        {"kind": "conv1d", "filters": 6, "size": 1, "padding": "causal"},
        wavenet_block(6, 1, "tanh"),
        wavenet_block(6, 2, "tanh"),
        wavenet_block(8, 4, "relu", project=True),
        {"kind": "conv1d", "filters": 1, "size": 1, "padding": "causal"},
    ]),
}


def keras_layer(layer: dict, rank: int):
    """The Keras layer of one nnet layer (not a block) on inputs of `rank` axes per sample."""
    kind, activation = layer["kind"], layer.get("activation")
    if kind == "dense":
        return L.Dense(layer["units"], activation=activation)
    if kind in ("conv1d", "conv2d"):
        cls = L.Conv1D if kind == "conv1d" else L.Conv2D
        return cls(layer["filters"], layer["size"], strides=layer.get("strides", 1),
                   padding=layer.get("padding", "valid"), dilation_rate=layer.get("dilation", 1),
                   activation=activation)
    if kind == "batch_norm":
        return L.BatchNormalization(epsilon=layer.get("epsilon", 1e-3))
    if kind == "activation":
        return L.Activation(activation)
    if kind == "global_avg_pool":
        return L.GlobalAveragePooling1D() if rank == 2 else L.GlobalAveragePooling2D()
    raise ValueError(kind)


def build(layers: list, x, created: list, shortcut_first: bool = False):
    """Applies `layers` to the Keras tensor x; appends every layer with weights to `created` in
    the order they are created (the shortcut after its block's layers unless `shortcut_first`)."""
    for layer in layers:
        if layer["kind"] != "residual":
            keras_layer_ = keras_layer(layer, len(x.shape) - 1)
            x = keras_layer_(x)
            if layer["kind"] not in ("activation", "global_avg_pool"):
                created.append(keras_layer_)
            continue
        shortcut_layer = None
        if layer.get("project") and shortcut_first:
            shortcut_layer = shortcut_of(layer, x)
            created.append(shortcut_layer)
        h = build(layer["layers"], x, created, shortcut_first)
        if layer.get("project") and not shortcut_first:
            shortcut_layer = shortcut_of(layer, x)
            created.append(shortcut_layer)
        shortcut = x if shortcut_layer is None else shortcut_layer(x)
        x = L.Add()([shortcut, h])
    return x


def shortcut_of(block_: dict, x):
    """The projection of a block: Dense on vectors, a 1x1 convolution with the block's stride."""
    out = [layer for layer in block_["layers"] if "units" in layer or "filters" in layer][-1]
    rank = len(x.shape) - 1
    if rank == 1:
        return L.Dense(out["units"])
    cls = L.Conv1D if rank == 2 else L.Conv2D
    return cls(out["filters"], 1, strides=ref.stride(block_["layers"]))


def model_of(input_shape, layers, shortcut_first=False):
    created = []
    inputs = keras.Input(shape=input_shape)
    outputs = build(layers, inputs, created, shortcut_first)
    return keras.Model(inputs, outputs), created


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/residual")
    out.mkdir(parents=True, exist_ok=True)
    for name in MODELS:
        make(name, out)
    print(f"keras {keras.__version__} ({keras.backend.backend()}), jax {jax.__version__}, "
          f"safetensors {safetensors.__version__}, numpy {np.__version__}")


def make(name: str, out: Path) -> None:
    seed, input_shape, layers = MODELS[name]
    layers = ref.names([dict(layer) for layer in layers])
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    model, created = model_of(input_shape, layers)
    out_shape = tuple(model.output.shape[1:])

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(SAMPLES, *input_shape)).astype(np.float32)
    softmax = layers[-1].get("activation") == "softmax"
    if softmax:
        y = np.eye(out_shape[-1], dtype=np.float32)[rng.integers(0, out_shape[-1], SAMPLES)]
    else:
        y = np.cumsum(x[..., :1], axis=1).astype(np.float32) * 0.3
    initial = keras_tensors(created)
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE),
                  loss="categorical_crossentropy" if softmax else "mse")
    history = model.fit(x * 1.5 + 0.5, y, batch_size=BATCH, epochs=EPOCHS, shuffle=True, verbose=0)
    tensors = keras_tensors(created)
    for path, value in tensors.items():
        # A ReLU that is off for every sample leaves its row of the next kernel alone.
        assert (value != initial[path]).mean() > 0.8, f"{name}: {path} has entries at their initial value"
        if path.endswith("moving_mean"):
            assert np.abs(value).max() > 0.05, f"{name}: {path} is still near 0"
        if path.endswith("moving_variance"):
            assert np.abs(value - 1).max() > 0.05, f"{name}: {path} is still near 1"

    x_ref = (rng.normal(size=(REFERENCE_SAMPLES, *input_shape)) * 1.5 + 0.5).astype(np.float32)
    y_ref = np.asarray(model(x_ref, training=False), np.float32)
    nnet = to_nnet(created, layers)
    check(name, layers, nnet, x_ref, y_ref)

    metadata = {
        "producer": "tools/keras_residual.py",
        "keras": keras.__version__,
        "jax": jax.__version__,
        "backend": keras.backend.backend(),
        "layers": " ".join(layer.name for layer in created),
        "input": str(input_shape),
        "training": f"{EPOCHS} epochs of Adam({LEARNING_RATE}), batches of {BATCH}, {SAMPLES} random samples",
        "nnet": ref.network_text("Net", input_shape if len(input_shape) > 1 else input_shape[0], layers),
    }
    save_file(tensors, out / f"keras_{name}.safetensors", metadata=metadata)
    reference = {"x": x_ref, "out": y_ref, **{k: v.astype(np.float32) for k, v in nnet.items()}}
    reference = {k: np.ascontiguousarray(v) for k, v in reference.items()}
    save_file(reference, out / f"keras_{name}_reference.safetensors",
              metadata=dict(metadata, producer="tools/keras_residual.py (reference outputs, nnet's layouts)"))
    print(f"== {name}: final training loss {history.history['loss'][-1]:.4f}")
    print("keras:", {k: list(v.shape) for k, v in tensors.items()})
    print("nnet:", {k: list(v.shape) for k, v in nnet.items()})
    print("network!:", metadata["nnet"])
    print(f"wrote {out / f'keras_{name}.safetensors'} and {out / f'keras_{name}_reference.safetensors'}")

    if name == "mlp":
        # The same weights in a model that creates each shortcut before its block's layers.
        keras.backend.clear_session()
        other, other_created = model_of(input_shape, layers, shortcut_first=True)
        by_role = {id_: layer for id_, layer in zip(roles(layers, False), created)}
        for role, layer in zip(roles(layers, True), other_created):
            layer.set_weights(by_role[role].get_weights())
        np.testing.assert_allclose(np.asarray(other(x_ref, training=False)), y_ref, rtol=1e-6, atol=1e-6)
        first = keras_tensors(other_created)
        save_file(first, out / "keras_mlp_shortcut_first.safetensors",
                  metadata=dict(metadata, producer="tools/keras_residual.py (shortcut created first)",
                                layers=" ".join(layer.name for layer in other_created)))
        print("shortcut first:", {k: list(v.shape) for k, v in first.items()})
        print(f"wrote {out / 'keras_mlp_shortcut_first.safetensors'}")


def roles(layers: list, shortcut_first: bool) -> list:
    """The nnet name of each layer with weights, in the order `build` creates them."""
    out = []
    for layer in layers:
        if layer["kind"] == "residual":
            if layer.get("project") and shortcut_first:
                out.append(layer["name"])
            out.extend(roles(layer["layers"], shortcut_first))
            if layer.get("project") and not shortcut_first:
                out.append(layer["name"])
        elif layer["kind"] not in ("activation", "global_avg_pool"):
            out.append(layer["name"])
    return out


def keras_tensors(created: list) -> dict:
    return {
        v.path: np.ascontiguousarray(keras.ops.convert_to_numpy(v), dtype=np.float32)
        for layer in created
        for v in layer.weights
    }


def to_nnet(created: list, layers: list) -> dict:
    """Every variable in nnet's name and layout: a convolution's kernel (taps..., in, filters)
    flattened over its leading axes and transposed to [filters, taps * in]; a dense kernel
    [in, out] transposed; vectors as they are. A projection's kernel is `residual{k}.kernel`."""
    ours = ref.flat(layers)
    assert len(ours) == len(created), (ours, created)
    nnet = {}
    for layer, theirs in zip(ours, created):
        for v in theirs.weights:
            value = keras.ops.convert_to_numpy(v).astype(np.float64)
            variable = v.path.rsplit("/", 1)[1]
            if variable == "kernel":
                value = value.reshape(-1, value.shape[-1]).T
                tensor = "weight" if layer["kind"] == "dense" else "kernel"
            else:
                tensor = variable
            nnet[f"{layer['name']}.{tensor}"] = value
    return nnet


def check(name: str, layers: list, nnet: dict, x: np.ndarray, y: np.ndarray) -> None:
    worst = 0.0
    for sample, expected in zip(x, y):
        found = ref.forward(layers, nnet, sample).reshape(expected.shape)
        np.testing.assert_allclose(found, expected, rtol=1e-5, atol=1e-6, err_msg=name)
        worst = max(worst, float(np.abs(found - expected).max()))
    print(f"self-check {name}: Keras's outputs vs the float64 pass in nnet's layouts, max |diff| {worst:.2e}")


if __name__ == "__main__":
    main()
