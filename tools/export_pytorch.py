"""Train a small PyTorch `nn.Sequential` and export it for nnet.

Writes, next to each other:
  pytorch_mlp.safetensors  the state dict (`0.weight` [16, 4], `0.bias`, `2.weight`, ...), F32
  pytorch_mlp.csv          inputs x0..x3 and the outputs y0..y2 that PyTorch computed for them

Load it in Rust with `nnet::io::import_pytorch::<Net>(&bytes)`, where `Net` declares the same
layers: `input 4; dense 16 relu; dense 8 tanh; dense 3 softmax;`.

Usage: python tools/export_pytorch.py [OUTPUT_DIR]   (default: tests/fixtures)
"""

import sys
from pathlib import Path

import numpy as np
import safetensors
import torch
from safetensors.torch import save_file
from torch import nn


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures")
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)

    model = nn.Sequential(
        nn.Linear(4, 16),
        nn.ReLU(),
        nn.Linear(16, 8),
        nn.Tanh(),
        nn.Linear(8, 3),
        nn.Softmax(dim=-1),
    )

    # A three-class problem that needs the hidden layers.
    x = torch.randn(512, 4)
    y = ((x[:, 0] + x[:, 1] * x[:, 2] > 0).long() + (x[:, 3] > 0.8).long())
    logits = model[:-1]  # train on logits; the softmax is part of the exported network
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(300):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(logits(x), y)
        loss.backward()
        optimizer.step()
    print(f"final training loss {loss.item():.4f}")

    state = {name: t.detach().contiguous() for name, t in model.state_dict().items()}
    metadata = {
        "producer": "tools/export_pytorch.py",
        "torch": torch.__version__,
        "layers": "Linear(4,16) ReLU Linear(16,8) Tanh Linear(8,3) Softmax",
    }
    save_file(state, out / "pytorch_mlp.safetensors", metadata=metadata)

    generator = torch.Generator().manual_seed(1)
    inputs = torch.randn(32, 4, generator=generator) * 1.5
    with torch.no_grad():
        outputs = model(inputs)
    write_csv(out / "pytorch_mlp.csv", inputs.numpy(), outputs.numpy())
    print(f"torch {torch.__version__}, safetensors {safetensors.__version__}, numpy {np.__version__}")
    print(f"wrote {out / 'pytorch_mlp.safetensors'} and {out / 'pytorch_mlp.csv'}")


def write_csv(path: Path, inputs: np.ndarray, outputs: np.ndarray) -> None:
    """One row per sample: the inputs, then the outputs, each float32 to 9 significant digits."""
    header = [f"x{i}" for i in range(inputs.shape[1])] + [f"y{i}" for i in range(outputs.shape[1])]
    with open(path, "w") as f:
        f.write(",".join(header) + "\n")
        for row in np.concatenate([inputs, outputs], axis=1).astype(np.float32):
            f.write(",".join(f"{v:.9g}" for v in row) + "\n")


if __name__ == "__main__":
    main()
