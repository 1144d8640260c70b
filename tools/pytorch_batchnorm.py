"""Train a small PyTorch `nn.Sequential` with `nn.BatchNorm1d` and export it for nnet.

The network is Linear(3, 5), BatchNorm1d(5, eps=1e-3, momentum=0.1), ReLU, Linear(5, 2). It is
trained for 20 SGD steps so that the running statistics are far from their initial 0 and 1,
then put in eval mode, where BatchNorm1d normalizes with the running statistics.

Writes, next to each other:
  pytorch_batchnorm.safetensors  the state dict as exported: `0.weight` [5, 3], `0.bias` [5],
                                 `1.weight` [5] (gamma), `1.bias` [5] (beta), `1.running_mean` [5],
                                 `1.running_var` [5], `3.weight` [2, 5], `3.bias` [2], all F32,
                                 and `1.num_batches_tracked` [] I64 (= 20), which a real export
                                 contains and an importer must skip
  pytorch_batchnorm.csv          inputs x0..x2 and the eval-mode outputs y0..y1 PyTorch computed

Load it in Rust with `nnet::io::import_pytorch::<Net>(&bytes)`, where `Net` declares the same
layers: input 3, dense 5 (linear), batch normalization with epsilon 1e-3, ReLU, dense 2 (linear).

Note PyTorch's conventions: momentum=0.1 means running = 0.9 * running + 0.1 * batch (Keras
calls the same thing momentum=0.9), and running_var is updated with the UNBIASED batch variance
(divided by n - 1) although training-mode outputs use the biased one. The script checks both.

Usage: python tools/pytorch_batchnorm.py [OUTPUT_DIR]   (default: tests/fixtures)
"""

import sys
from pathlib import Path

import numpy as np
import safetensors
import torch
from safetensors.torch import save_file
from torch import nn

EPS, MOMENTUM, STEPS, BATCH = 1e-3, 0.1, 20, 16


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures")
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(5)

    model = nn.Sequential(
        nn.Linear(3, 5),
        nn.BatchNorm1d(5, eps=EPS, momentum=MOMENTUM),
        nn.ReLU(),
        nn.Linear(5, 2),
    )

    # A fresh batch of a smooth regression problem each step; inputs offset and scaled so the
    # batch statistics are clearly not mean 0, variance 1.
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    running_mean, running_var = torch.zeros(5), torch.ones(5)  # our own replay of the statistics
    for _ in range(STEPS):
        x = torch.randn(BATCH, 3) * 1.5 + 0.5
        y = torch.stack([torch.sin(x[:, 0]) + x[:, 1] * x[:, 2], x[:, 0] - 0.5 * x[:, 2] ** 2], dim=1)
        with torch.no_grad():
            h = model[0](x)
        running_mean = (1 - MOMENTUM) * running_mean + MOMENTUM * h.mean(0)
        running_var = (1 - MOMENTUM) * running_var + MOMENTUM * h.var(0, unbiased=True)
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
    model.eval()
    print(f"final training loss {loss.item():.4f}")
    bn = model[1]
    torch.testing.assert_close(bn.running_mean, running_mean, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(bn.running_var, running_var, rtol=1e-5, atol=1e-6)

    state = {name: t.detach().contiguous() for name, t in model.state_dict().items()}
    assert state["1.num_batches_tracked"].dtype == torch.int64 and state["1.num_batches_tracked"].item() == STEPS
    metadata = {
        "producer": "tools/pytorch_batchnorm.py",
        "torch": torch.__version__,
        "layers": "Linear(3,5) BatchNorm1d(5, eps=1e-3, momentum=0.1) ReLU Linear(5,2), eval mode",
    }
    save_file(state, out / "pytorch_batchnorm.safetensors", metadata=metadata)

    generator = torch.Generator().manual_seed(1)
    inputs = torch.randn(16, 3, generator=generator) * 1.5 + 0.5
    with torch.no_grad():
        outputs = model(inputs)

    # The eval-mode formula, by hand: gamma * (h - running_mean) / sqrt(running_var + eps) + beta.
    s = {k: v.double() for k, v in state.items()}
    h = inputs.double() @ s["0.weight"].T + s["0.bias"]
    h = s["1.weight"] * (h - s["1.running_mean"]) / torch.sqrt(s["1.running_var"] + EPS) + s["1.bias"]
    expected = torch.relu(h) @ s["3.weight"].T + s["3.bias"]
    torch.testing.assert_close(outputs.double(), expected, rtol=0, atol=1e-5)

    write_csv(out / "pytorch_batchnorm.csv", inputs.numpy(), outputs.numpy())
    print("tensors:", {name: (list(t.shape), str(t.dtype)) for name, t in state.items()})
    print(f"torch {torch.__version__}, safetensors {safetensors.__version__}, numpy {np.__version__}")
    print(f"wrote {out / 'pytorch_batchnorm.safetensors'} and {out / 'pytorch_batchnorm.csv'}")


def write_csv(path: Path, inputs: np.ndarray, outputs: np.ndarray) -> None:
    """One row per sample: the inputs, then the outputs, each float32 to 9 significant digits."""
    header = [f"x{i}" for i in range(inputs.shape[1])] + [f"y{i}" for i in range(outputs.shape[1])]
    with open(path, "w") as f:
        f.write(",".join(header) + "\n")
        for row in np.concatenate([inputs, outputs], axis=1).astype(np.float32):
            f.write(",".join(f"{v:.9g}" for v in row) + "\n")


if __name__ == "__main__":
    main()
