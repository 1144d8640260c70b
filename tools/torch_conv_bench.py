"""PyTorch CPU beside nnet's image CNN benchmarks (issue 18), on the same machine.

Times the same networks and epoch as `nnet-benches/benches/cnn.rs`:
- the CNN of `examples/08_digits.rs` and the MLPerf Tiny keyword-spotting DS-CNN, inference of
  one sample (batch 1) and of batches of 256, eager and TorchScript (`torch.jit.trace` +
  `torch.jit.freeze`), under `torch.no_grad()`, channels first (NCHW, PyTorch's layout; nnet
  is channels last). Both end in their softmax, as nnet's do. The DS-CNN is built as nnet's
  `inference()` form is: its batch normalizations folded into the convolutions before them,
  so each block is a depthwise convolution, a relu, a 1 × 1 convolution and a relu;
- one training epoch of the digits CNN on the first 1,437 images of
  `examples/data/digits.csv` (pixels / 16, as the bench), shuffled, batches of 32,
  Adam(lr=0.003, eps=1e-7: Keras's and nnet's epsilon), cross-entropy on the logits (the fused
  softmax and categorical cross-entropy nnet takes).

Prints medians over repeated runs: µs per call, and M samples/s for batches. Usage, from the
repository root:

    /tmp/nnet-py/bin/python tools/torch_conv_bench.py [threads]

`threads` (default 1) goes to `torch.set_num_threads`; nnet's per-sample and batched inference
run on one thread, its `fit` on the threads rayon has (two here).
"""

import statistics
import warnings
import sys
import time

import numpy as np
import torch
from torch import nn

warnings.filterwarnings("ignore", category=FutureWarning)
THREADS = int(sys.argv[1]) if len(sys.argv) > 1 else 1
torch.set_num_threads(THREADS)
torch.manual_seed(1)


def digits_cnn(softmax=True):
    # input (8, 8, 1); conv2d 16 3 relu (padding = same); max_pool2d 2;
    # conv2d 32 3 relu (padding = same); max_pool2d 2; flatten; dense 10 softmax;
    layers = [
        nn.Conv2d(1, 16, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(2 * 2 * 32, 10),
    ]
    return nn.Sequential(*layers, *([nn.Softmax(dim=1)] if softmax else []))


def ds_cnn():
    # input (49, 10, 1); conv2d 64 (10, 4) relu (strides = 2, padding = same); then four
    # times depthwise 3 same, (batch_norm folded), relu, conv2d 64 1, (batch_norm folded),
    # relu; avg_pool2d (25, 5); flatten; dense 12 softmax. Keras's `same` with stride 2 on
    # 49 × 10 pads (4, 5) rows and (1, 2) columns; PyTorch's padding is symmetric, so an
    # explicit ZeroPad2d gives the same output size (25 × 5) and the same work.
    layers = [nn.ZeroPad2d((1, 2, 4, 5)), nn.Conv2d(1, 64, (10, 4), stride=2), nn.ReLU()]
    for _ in range(4):
        layers += [
            nn.Conv2d(64, 64, 3, padding=1, groups=64), nn.ReLU(),
            nn.Conv2d(64, 64, 1), nn.ReLU(),
        ]
    layers += [nn.AvgPool2d((25, 5)), nn.Flatten(), nn.Linear(64, 12), nn.Softmax(dim=1)]
    return nn.Sequential(*layers)


def median_time(f, repeats, inner):
    f()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(inner):
            f()
        times.append((time.perf_counter() - start) / inner)
    return statistics.median(times)


def inference(name, model, shape):
    model.eval()
    one = torch.randn(1, *shape)
    batch = torch.randn(256, *shape)
    with torch.no_grad():
        scripted = torch.jit.freeze(torch.jit.trace(model, one))
        for variant, m in (("eager", model), ("TorchScript", scripted)):
            t1 = median_time(lambda: m(one), 15, 200)
            tb = median_time(lambda: m(batch), 9, 5)
            print(
                f"{name:8} {variant:11} one sample {t1 * 1e6:9.2f} µs   "
                f"batch of 256 {tb * 1e6:10.1f} µs ({256 / tb / 1e6:.3f} M samples/s)"
            )


def digits_epoch():
    data = np.loadtxt("examples/data/digits.csv", delimiter=",", skiprows=1, dtype=np.float32)
    x = torch.from_numpy(data[:1437, :64] / 16.0).reshape(-1, 1, 8, 8)
    y = torch.from_numpy(data[:1437, 64].astype(np.int64))
    model = digits_cnn(softmax=False)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.003, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()

    def epoch():
        perm = torch.randperm(len(x))
        for start in range(0, len(x), 32):
            idx = perm[start:start + 32]
            optimizer.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            optimizer.step()

    t = median_time(epoch, 5, 1)
    print(f"digits CNN, one training epoch (1,437 images, batches of 32, Adam): {t * 1e3:.1f} ms")


if __name__ == "__main__":
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s)")
    inference("digits", digits_cnn(), (1, 8, 8))
    inference("DS-CNN", ds_cnn(), (1, 49, 10))
    digits_epoch()
