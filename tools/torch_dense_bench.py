"""PyTorch CPU beside nnet's criterion benches on the wide network (issue 20), on the same machine.

The network is `2 → 256 relu → 256 relu → 1 sigmoid` (`W256` of `nnet-benches`). Timed here:
- inference of batches of 1,024 samples under `torch.no_grad()`, eager and TorchScript
  (`torch.jit.trace` + `torch.jit.freeze`): M samples/s, the median of repeated runs;
- training: 5 epochs on 10,000 two-moons points (noise 0.1), shuffled, batches of 64,
  Adam(lr=0.001, eps=1e-7: Keras's and nnet's defaults), binary cross-entropy on the sigmoid
  output, from a fresh network each time: seconds, the median of 3 runs.

Then it runs nnet's criterion benches for the same work (`forward_batch/w256/nnet` of
`nnet-benches/benches/forward.rs`, `fit/w256/nnet` of `training.rs`; short criterion runs) and
prints both side by side. Usage, from the repository root:

    /tmp/nnet-py/bin/python tools/torch_dense_bench.py [threads] [--no-nnet]

`threads` (default 2, this machine's cores) goes to `torch.set_num_threads`; nnet's batched
passes use the threads of rayon's pool (every core). `--no-nnet` times PyTorch only.
"""

import math
import re
import statistics
import subprocess
import sys
import time

import torch
from torch import nn

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
THREADS = int(ARGS[0]) if ARGS else 2
RUN_NNET = "--no-nnet" not in sys.argv
torch.set_num_threads(THREADS)
torch.manual_seed(1)

BATCH = 1024
SAMPLES = 10_000
EPOCHS = 5
TRAIN_BATCH = 64


def wide():
    return nn.Sequential(
        nn.Linear(2, 256), nn.ReLU(),
        nn.Linear(256, 256), nn.ReLU(),
        nn.Linear(256, 1), nn.Sigmoid(),
    )


def moons(n, noise, seed):
    """Two interleaving half circles, as nnet's `data::moons` draws them (not the same points)."""
    g = torch.Generator().manual_seed(seed)
    half = n // 2
    t = torch.rand(n, generator=g) * math.pi
    outer = torch.stack([torch.cos(t[:half]), torch.sin(t[:half])], dim=1)
    inner = torch.stack([1.0 - torch.cos(t[half:]), 0.5 - torch.sin(t[half:])], dim=1)
    x = torch.cat([outer, inner]) + noise * torch.randn(n, 2, generator=g)
    y = torch.cat([torch.zeros(half), torch.ones(n - half)])
    return x, y[:, None]


def median_time(f, repeats, inner):
    f()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(inner):
            f()
        times.append((time.perf_counter() - start) / inner)
    return statistics.median(times)


def inference():
    model = wide().eval()
    x, _ = moons(BATCH, 0.1, 7)
    results = {}
    with torch.no_grad():
        results["eager"] = median_time(lambda: model(x), 15, 20)
        traced = torch.jit.freeze(torch.jit.trace(model, x))
        for _ in range(3):
            traced(x)
        results["TorchScript"] = median_time(lambda: traced(x), 15, 20)
    return {k: BATCH / t / 1e6 for k, t in results.items()}


def fit_once(x, y):
    model = wide()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001, eps=1e-7)
    loss_fn = nn.BCELoss()
    start = time.perf_counter()
    for _ in range(EPOCHS):
        order = torch.randperm(SAMPLES)
        for i in range(0, SAMPLES, TRAIN_BATCH):
            idx = order[i:i + TRAIN_BATCH]
            optimizer.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            optimizer.step()
    return time.perf_counter() - start


def fit():
    x, y = moons(SAMPLES, 0.1, 7)
    fit_once(x, y)
    return statistics.median(fit_once(x, y) for _ in range(3))


UNITS = {"ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def criterion(bench, name):
    """The median time in seconds of criterion bench `name` (a filter) of `bench`."""
    command = [
        "cargo", "bench", "-q", "-p", "nnet-benches", "--bench", bench, "--", name,
        "--warm-up-time", "1", "--measurement-time", "5",
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    match = re.search(r"time:\s+\[\S+ \S+ (\S+) (\S+) \S+ \S+\]", out)
    if not match:
        raise RuntimeError(f"no time in the output of {' '.join(command)}:\n{out}")
    return float(match.group(1)) * UNITS[match.group(2)]


def main():
    print(f"PyTorch {torch.__version__}, {THREADS} thread(s)")
    rates = inference()
    fit_time = fit()
    for name, rate in rates.items():
        print(f"  inference, batches of {BATCH}, {name}: {rate:.3f} M samples/s")
    print(f"  fit, {EPOCHS} epochs of {SAMPLES} in batches of {TRAIN_BATCH}: {fit_time:.3f} s")
    if not RUN_NNET:
        return
    nnet_batch = criterion("forward", "forward_batch/w256/nnet/")
    nnet_fit = criterion("training", "fit/w256/nnet$")
    nnet_rate = BATCH / nnet_batch / 1e6
    best = max(rates.values())
    print("nnet (criterion medians)")
    print(f"  inference, batches of {BATCH}: {nnet_rate:.3f} M samples/s "
          f"({nnet_rate / best:.2f}× PyTorch's best)")
    print(f"  fit: {nnet_fit:.3f} s ({nnet_fit / fit_time:.2f}× PyTorch's time)")


if __name__ == "__main__":
    main()
