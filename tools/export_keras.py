"""Train a small Keras `Sequential` of `Dense` layers and export it for nnet.

Writes, next to each other:
  keras_mlp.safetensors  each Dense layer's kernel [in, out] and bias [out], F32, named by the
                         variables' Keras paths (`sequential/dense/kernel`, ...)
  keras_mlp.csv          inputs x0..x3 and the outputs y0 that Keras computed for them

Load it in Rust with `nnet::io::import_keras::<Net>(&bytes)`, where `Net` declares the same
layers: `input 4; dense 16 relu; dense 8 tanh; dense 1 sigmoid;`. The kernels are transposed
to nnet's [units, inputs] weights on loading.

Usage: KERAS_BACKEND=jax python tools/export_keras.py [OUTPUT_DIR]   (default: tests/fixtures)
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import safetensors  # noqa: E402
from safetensors.numpy import save_file  # noqa: E402


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures")
    out.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(0)

    model = keras.Sequential(
        [
            keras.Input(shape=(4,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(8, activation="tanh"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy")

    rng = np.random.default_rng(0)
    x = rng.normal(size=(512, 4)).astype(np.float32)
    y = ((x[:, 0] * x[:, 1] + x[:, 2] - 0.5 * x[:, 3]) > 0).astype(np.float32)
    history = model.fit(x, y, epochs=30, batch_size=32, verbose=0)
    print(f"final training loss {history.history['loss'][-1]:.4f}")

    tensors = {}
    for layer in model.layers:
        for variable in layer.weights:
            tensors[variable.path] = np.ascontiguousarray(keras.ops.convert_to_numpy(variable), dtype=np.float32)
    metadata = {
        "producer": "tools/export_keras.py",
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "layers": "Dense(16, relu) Dense(8, tanh) Dense(1, sigmoid)",
    }
    save_file(tensors, out / "keras_mlp.safetensors", metadata=metadata)
    print("tensors:", {name: t.shape for name, t in tensors.items()})

    inputs = (rng.normal(size=(32, 4)) * 1.5).astype(np.float32)
    outputs = np.asarray(model.predict(inputs, verbose=0), dtype=np.float32)
    write_csv(out / "keras_mlp.csv", inputs, outputs)
    print(f"keras {keras.__version__} ({keras.backend.backend()}), safetensors {safetensors.__version__}, numpy {np.__version__}")
    print(f"wrote {out / 'keras_mlp.safetensors'} and {out / 'keras_mlp.csv'}")


def write_csv(path: Path, inputs: np.ndarray, outputs: np.ndarray) -> None:
    """One row per sample: the inputs, then the outputs, each float32 to 9 significant digits."""
    header = [f"x{i}" for i in range(inputs.shape[1])] + [f"y{i}" for i in range(outputs.shape[1])]
    with open(path, "w") as f:
        f.write(",".join(header) + "\n")
        for row in np.concatenate([inputs, outputs], axis=1).astype(np.float32):
            f.write(",".join(f"{v:.9g}" for v in row) + "\n")


if __name__ == "__main__":
    main()
