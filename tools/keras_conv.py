"""Train three small Keras 3 convolutional networks (jax backend) and export them, with reference
outputs, for nnet's Keras importer.

  conv1d  Input((8, 3)), Conv1D(4, 3, padding="causal", dilation_rate=2),
          Conv1D(3, 2, strides=2, padding="same", activation="relu"), MaxPooling1D(2), Flatten(),
          Dense(2)
  conv2d  Input((7, 6, 2)), Conv2D(6, (3, 2), padding="same", activation="relu"),
          DepthwiseConv2D(3, depth_multiplier=2), Conv2D(4, 1, groups=2), AveragePooling2D(2),
          Flatten(), Dense(3, activation="softmax")
  dscnn   Input((9, 7, 2)), Conv2D(4, 3, strides=2, padding="same", use_bias=False),
          BatchNormalization(), Activation("relu"),
          DepthwiseConv2D((2, 3), padding="same", dilation_rate=(1, 2)), BatchNormalization(),
          Activation("relu"), Conv2D(6, 1), MaxPooling2D(2, padding="same"),
          GlobalAveragePooling2D(), Dense(2)
Each is trained for 5 epochs of Adam(0.01) on 32 random samples (batches of 8) so that no weight
is at its initial value.

Writes, for each <name> (all F32):
  keras_<name>.safetensors            every variable under its Keras path, as export_keras.py
                                      writes them: `sequential/conv1d/kernel` (k, in/groups,
                                      filters), `sequential/conv2d/kernel` (kh, kw, in/groups,
                                      filters), `sequential/depthwise_conv2d/kernel` (kh,
                                      kw, channels, multiplier; Keras 3 names it `kernel`, Keras
                                      2 `depthwise_kernel`), `.../bias` (filters),
                                      `sequential/batch_normalization/gamma`, ...,
                                      `sequential/dense/kernel` (in, out)
  keras_<name>_reference.safetensors  x [6, ...] six input samples (channels last, Keras's and
                                      nnet's layout), out [6, OUT] the model's outputs
                                      (inference mode), and every tensor in nnet's names and
                                      layouts (`conv2d1.kernel` [filters, kh*kw*in/groups],
                                      `depthwise_conv2d1.kernel` [channels*multiplier, kh*kw],
                                      `dense1.weight` [units, inputs], `batch_norm1.gamma`, ...):
                                      the Keras tensors flattened over their leading axes and
                                      transposed, which is what nnet's importer must produce.

The script checks itself: a float64 NumPy forward pass in nnet's layouts (conv_reference.py),
fed with the converted tensors, must reproduce Keras's outputs; it also prints the `network!`
declaration of each model.

Usage: KERAS_BACKEND=jax python tools/keras_conv.py [OUTPUT_DIR]   (default: tests/fixtures/conv)
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

import conv_reference as ref  # noqa: E402

EPOCHS, BATCH, SAMPLES, LEARNING_RATE, REFERENCE_SAMPLES = 5, 8, 32, 0.01, 6
L = keras.layers

# name: (seed, input shape, the Keras layers, the same layers for conv_reference / network!)
MODELS = {
    "conv1d": (
        31,
        (8, 3),
        lambda: [
            L.Conv1D(4, 3, padding="causal", dilation_rate=2),
            L.Conv1D(3, 2, strides=2, padding="same", activation="relu"),
            L.MaxPooling1D(2),
            L.Flatten(),
            L.Dense(2),
        ],
        [
            {"kind": "conv1d", "filters": 4, "size": 3, "padding": "causal", "dilation": 2},
            {"kind": "conv1d", "filters": 3, "size": 2, "activation": "relu", "strides": 2, "padding": "same"},
            {"kind": "max_pool1d", "size": 2},
            {"kind": "flatten"},
            {"kind": "dense", "units": 2},
        ],
    ),
    "conv2d": (
        32,
        (7, 6, 2),
        lambda: [
            L.Conv2D(6, (3, 2), padding="same", activation="relu"),
            L.DepthwiseConv2D(3, depth_multiplier=2),
            L.Conv2D(4, 1, groups=2),
            L.AveragePooling2D(2),
            L.Flatten(),
            L.Dense(3, activation="softmax"),
        ],
        [
            {"kind": "conv2d", "filters": 6, "size": (3, 2), "activation": "relu", "padding": "same"},
            {"kind": "depthwise_conv2d", "size": 3, "depth_multiplier": 2},
            {"kind": "conv2d", "filters": 4, "size": 1, "groups": 2},
            {"kind": "avg_pool2d", "size": 2},
            {"kind": "flatten"},
            {"kind": "dense", "units": 3, "activation": "softmax"},
        ],
    ),
    "dscnn": (
        33,
        (9, 7, 2),
        lambda: [
            L.Conv2D(4, 3, strides=2, padding="same", use_bias=False),
            L.BatchNormalization(),
            L.Activation("relu"),
            L.DepthwiseConv2D((2, 3), padding="same", dilation_rate=(1, 2)),
            L.BatchNormalization(),
            L.Activation("relu"),
            L.Conv2D(6, 1),
            L.MaxPooling2D(2, padding="same"),
            L.GlobalAveragePooling2D(),
            L.Dense(2),
        ],
        [
            {"kind": "conv2d", "filters": 4, "size": 3, "strides": 2, "padding": "same", "use_bias": False},
            {"kind": "batch_norm"},
            {"kind": "activation", "activation": "relu"},
            {"kind": "depthwise_conv2d", "size": (2, 3), "padding": "same", "dilation": (1, 2)},
            {"kind": "batch_norm"},
            {"kind": "activation", "activation": "relu"},
            {"kind": "conv2d", "filters": 6, "size": 1},
            {"kind": "max_pool2d", "size": 2, "padding": "same"},
            {"kind": "global_avg_pool"},
            {"kind": "dense", "units": 2},
        ],
    ),
}

# nnet's tensor for each Keras variable name, per kind.
TENSORS = {
    "kernel": "kernel",
    "bias": "bias",
    "gamma": "gamma",
    "beta": "beta",
    "moving_mean": "moving_mean",
    "moving_variance": "moving_variance",
}


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/conv")
    out.mkdir(parents=True, exist_ok=True)
    for name in MODELS:
        make(name, out)
    print(f"keras {keras.__version__} ({keras.backend.backend()}), jax {jax.__version__}, "
          f"safetensors {safetensors.__version__}, numpy {np.__version__}")


def make(name: str, out: Path) -> None:
    seed, input_shape, build, layers = MODELS[name]
    layers = ref.names([dict(layer) for layer in layers])
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(shape=input_shape), *build()])
    out_units = model.layers[-1].units
    softmax = model.layers[-1].activation.__name__ == "softmax"

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(SAMPLES, *input_shape)).astype(np.float32)
    if softmax:
        y = np.eye(out_units, dtype=np.float32)[rng.integers(0, out_units, SAMPLES)]
    else:
        y = rng.normal(size=(SAMPLES, out_units)).astype(np.float32)
    initial = keras_tensors(model)
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE),
                  loss="categorical_crossentropy" if softmax else "mse")
    history = model.fit(x, y, batch_size=BATCH, epochs=EPOCHS, shuffle=True, verbose=0)
    tensors = keras_tensors(model)
    for path, value in tensors.items():
        assert (value != initial[path]).all(), f"{name}: {path} has entries at their initial value"

    x_ref = rng.normal(size=(REFERENCE_SAMPLES, *input_shape)).astype(np.float32)
    y_ref = np.asarray(model(x_ref, training=False), np.float32)
    nnet = to_nnet(model, layers)
    check(name, layers, nnet, x_ref, y_ref)

    metadata = {
        "producer": "tools/keras_conv.py",
        "keras": keras.__version__,
        "jax": jax.__version__,
        "backend": keras.backend.backend(),
        "layers": " ".join(describe(layer) for layer in model.layers),
        "input": str(input_shape),
        "training": f"{EPOCHS} epochs of Adam({LEARNING_RATE}), batches of {BATCH}, {SAMPLES} random samples",
        "nnet": ref.network_text("Net", input_shape, layers),
    }
    save_file(tensors, out / f"keras_{name}.safetensors", metadata=metadata)
    reference = {"x": x_ref, "out": y_ref, **{k: v.astype(np.float32) for k, v in nnet.items()}}
    reference = {k: np.ascontiguousarray(v) for k, v in reference.items()}
    save_file(reference, out / f"keras_{name}_reference.safetensors",
              metadata=dict(metadata, producer="tools/keras_conv.py (reference outputs, nnet's layouts)"))
    print(f"== {name}: final training loss {history.history['loss'][-1]:.4f}")
    print("keras:", {k: list(v.shape) for k, v in tensors.items()})
    print("nnet:", {k: list(v.shape) for k, v in nnet.items()})
    print("network!:", metadata["nnet"])
    print(f"wrote {out / f'keras_{name}.safetensors'} and {out / f'keras_{name}_reference.safetensors'}")


def keras_tensors(model: keras.Model) -> dict:
    return {
        v.path: np.ascontiguousarray(keras.ops.convert_to_numpy(v), dtype=np.float32)
        for layer in model.layers
        for v in layer.weights
    }


def describe(layer) -> str:
    config = layer.get_config()
    keys = ("filters", "kernel_size", "strides", "padding", "dilation_rate", "groups", "depth_multiplier",
            "use_bias", "pool_size", "units", "activation")
    shown = {k: config[k] for k in keys if k in config}
    return f"{type(layer).__name__}({', '.join(f'{k}={v}' for k, v in shown.items())})"


def to_nnet(model: keras.Model, layers: list) -> dict:
    """Every variable in nnet's name and layout: a kernel flattened over its leading axes to
    [taps * in/groups, filters] (a depthwise kernel (kh, kw, C, M) to [taps, C * M]) and
    transposed; a dense kernel [in, out] transposed; vectors as they are."""
    with_tensors = [layer for layer in layers if layer["kind"] in ("conv1d", "conv2d", "depthwise_conv2d",
                                                                   "batch_norm", "dense")]
    keras_with = [layer for layer in model.layers if layer.weights]
    assert len(with_tensors) == len(keras_with), (with_tensors, keras_with)
    nnet = {}
    for ours, theirs in zip(with_tensors, keras_with):
        for v in theirs.weights:
            value = keras.ops.convert_to_numpy(v).astype(np.float64)
            variable = v.path.rsplit("/", 1)[1]
            if ours["kind"] == "depthwise_conv2d" and variable == "kernel":
                kh, kw, channels, multiplier = value.shape
                value = value.reshape(kh * kw, channels * multiplier).T
            elif variable == "kernel":
                value = value.reshape(-1, value.shape[-1]).T
            tensor = "weight" if ours["kind"] == "dense" and variable == "kernel" else TENSORS[variable]
            nnet[f"{ours['name']}.{tensor}"] = value
    return nnet


def check(name: str, layers: list, nnet: dict, x: np.ndarray, y: np.ndarray) -> None:
    worst = 0.0
    for sample, expected in zip(x, y):
        found = ref.forward(layers, nnet, sample.astype(np.float64))
        np.testing.assert_allclose(found, expected, rtol=1e-5, atol=1e-6, err_msg=name)
        worst = max(worst, float(np.abs(found - expected).max()))
    print(f"self-check {name}: Keras's outputs vs the float64 pass in nnet's layouts, max |diff| {worst:.2e}")


if __name__ == "__main__":
    main()
