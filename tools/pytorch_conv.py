"""Train two small PyTorch convolutional networks (channels first, as PyTorch is) and export them,
with reference outputs, for nnet's PyTorch importer.

  conv1d  nn.Sequential(nn.Conv1d(3, 4, 3, padding=4, dilation=2), Chomp(4), nn.ReLU(),
          nn.Conv1d(4, 4, 2, stride=2, groups=2), nn.MaxPool1d(2), nn.Flatten(), nn.Linear(8, 2))
          on inputs (N, 3, 10): a causal dilated convolution as TCNs write it (pad both ends,
          drop the last 4 outputs), a grouped strided one, and a Linear after nn.Flatten of a
          (4 channels, 2 steps) output
  conv2d  nn.Sequential(nn.Conv2d(2, 4, 3, stride=2, padding=1), nn.ReLU(),
          nn.Conv2d(4, 8, (3, 2), groups=4), nn.BatchNorm2d(8),
          nn.Conv2d(8, 6, 1, groups=2, bias=False), nn.MaxPool2d(2, stride=1), nn.Flatten(),
          nn.Linear(24, 3))
          on inputs (N, 2, 9, 7): a strided convolution whose symmetric padding of 1 is Keras's
          `same` on odd sizes, a depthwise convolution (groups = in channels, multiplier 2), a
          batch normalization of its channels (eval mode: the running statistics), a grouped
          1x1 convolution without bias, and a Linear after nn.Flatten of a (6, 2, 2) output
Each is trained for 20 Adam(0.01) steps (MSE, a fresh random batch of 8 each step) so that no
weight is at its initial value.

The nnet networks that hold the same weights (channels last):
  conv1d  input (10, 3); conv1d 4 3 relu (padding = causal, dilation = 2);
          conv1d 4 2 (strides = 2, groups = 2); max_pool1d 2; flatten; dense 2;
  conv2d  input (9, 7, 2); conv2d 4 3 relu (strides = 2, padding = same);
          depthwise_conv2d (3, 2) (depth_multiplier = 2); batch_norm (epsilon = 1e-5);
          conv2d 6 1 (groups = 2, use_bias = false);
          max_pool2d 2 (strides = 1); flatten; dense 3;

Writes, for each <name> (all F32):
  pytorch_<name>.safetensors            the state dict, as safetensors.torch.save_file writes it:
                                        `0.weight` (filters, in/groups, k) or (filters,
                                        in/groups, kh, kw), `0.bias` (filters), ..., the Linear's
                                        `<i>.weight` (out, in) with its inputs in nn.Flatten's
                                        channels-first order (c, h, w), `<i>.bias`; the
                                        BatchNorm2d's `weight`, `bias`, `running_mean`,
                                        `running_var` (C) and `num_batches_tracked` (I64, 0-d)
  pytorch_<name>_reference.safetensors  x [6, ...] six input samples CONVERTED TO CHANNELS LAST
                                        for nnet ((N, L, C) or (N, H, W, C): the model was fed
                                        x.permute to channels first), out [6, OUT] the model's
                                        outputs, and every tensor in nnet's names and layouts
                                        (`conv2d1.kernel` [filters, kh*kw*in/groups] in (kernel
                                        row, kernel column, input channel) order,
                                        `depthwise_conv2d1.kernel` [channels*multiplier, kh*kw],
                                        `dense1.weight` [units, inputs] with its columns
                                        permuted from (c, h, w) to (h, w, c)): what nnet's
                                        importer must produce.

The script checks itself: a float64 NumPy forward pass in nnet's layouts and Keras's window rules
(conv_reference.py), fed with the converted tensors and the channels-last inputs, must reproduce
PyTorch's outputs; and the same pass with the Linear's columns left in PyTorch's order must not
(the permutation matters for these weights).

Usage: python tools/pytorch_conv.py [OUTPUT_DIR]   (default: tests/fixtures/conv)
"""

import sys
from pathlib import Path

import numpy as np
import safetensors
import torch
from safetensors.torch import save_file
from torch import nn

import conv_reference as ref

STEPS, BATCH, LEARNING_RATE, REFERENCE_SAMPLES = 20, 8, 0.01, 6


class Chomp(nn.Module):
    """Drops the last `n` steps: with padding d (k - 1) on both ends, a causal convolution."""

    def __init__(self, n: int):
        super().__init__()
        self.n = n

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[..., :-self.n]


# name: (seed, channels-first input shape, the module, the nnet layers as conv_reference reads them)
MODELS = {
    "conv1d": (
        41,
        (3, 10),
        lambda: nn.Sequential(
            nn.Conv1d(3, 4, 3, padding=4, dilation=2), Chomp(4), nn.ReLU(),
            nn.Conv1d(4, 4, 2, stride=2, groups=2),
            nn.MaxPool1d(2), nn.Flatten(), nn.Linear(8, 2),
        ),
        [
            {"kind": "conv1d", "filters": 4, "size": 3, "activation": "relu", "padding": "causal", "dilation": 2},
            {"kind": "conv1d", "filters": 4, "size": 2, "strides": 2, "groups": 2},
            {"kind": "max_pool1d", "size": 2},
            {"kind": "flatten"},
            {"kind": "dense", "units": 2},
        ],
    ),
    "conv2d": (
        42,
        (2, 9, 7),
        lambda: nn.Sequential(
            nn.Conv2d(2, 4, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(4, 8, (3, 2), groups=4), nn.BatchNorm2d(8),
            nn.Conv2d(8, 6, 1, groups=2, bias=False),
            nn.MaxPool2d(2, stride=1), nn.Flatten(), nn.Linear(24, 3),
        ),
        [
            {"kind": "conv2d", "filters": 4, "size": 3, "activation": "relu", "strides": 2, "padding": "same"},
            {"kind": "depthwise_conv2d", "size": (3, 2), "depth_multiplier": 2},
            {"kind": "batch_norm", "epsilon": 1e-5},
            {"kind": "conv2d", "filters": 6, "size": 1, "groups": 2, "use_bias": False},
            {"kind": "max_pool2d", "size": 2, "strides": 1},
            {"kind": "flatten"},
            {"kind": "dense", "units": 3},
        ],
    ),
}

CONV = (nn.Conv1d, nn.Conv2d)


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/conv")
    out.mkdir(parents=True, exist_ok=True)
    for name in MODELS:
        make(name, out)
    print(f"torch {torch.__version__}, safetensors {safetensors.__version__}, numpy {np.__version__}")


def channels_last(x: torch.Tensor) -> torch.Tensor:
    """(N, C, L) -> (N, L, C); (N, C, H, W) -> (N, H, W, C)."""
    return x.permute(0, *range(2, x.dim()), 1).contiguous()


def make(name: str, out: Path) -> None:
    seed, input_shape, build, layers = MODELS[name]
    layers = ref.names([dict(layer) for layer in layers])
    torch.manual_seed(seed)
    model = build().float()
    initial = {k: v.detach().clone() for k, v in model.state_dict().items()}
    out_units = model[-1].out_features

    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    for _ in range(STEPS):
        x = torch.randn(BATCH, *input_shape)
        target = torch.stack([x.mean(dim=tuple(range(1, x.dim()))), x[:, 0].flatten(1)[:, 0],
                              torch.tanh(x[:, -1].flatten(1)[:, -1])], dim=1)[:, :out_units]
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), target)
        loss.backward()
        optimizer.step()
    model.eval()

    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    for k, v in state.items():
        if k.endswith("num_batches_tracked"):
            assert v.dtype == torch.int64 and v.item() == STEPS, k
            continue
        assert v.dtype == torch.float32, k
        assert (v != initial[k]).all(), f"{name}: {k} has entries at their initial value"

    generator = torch.Generator().manual_seed(seed)
    x_ref = torch.randn(REFERENCE_SAMPLES, *input_shape, generator=generator)
    with torch.no_grad():
        y_ref = model(x_ref)
    x_nnet = channels_last(x_ref)
    nnet = to_nnet(model, layers, input_shape)
    linear = model[-1].weight.detach().double().numpy()
    check(name, layers, nnet, linear, x_nnet.double().numpy(), y_ref.double().numpy())

    input_nnet = tuple(x_nnet.shape[1:])
    metadata = {
        "producer": "tools/pytorch_conv.py",
        "torch": torch.__version__,
        "seed": str(seed),
        "layers": repr(model).replace("\n", " "),
        "input": f"{(None, *input_shape)} channels first; the reference x is channels last, {(None, *input_nnet)}",
        "training": f"{STEPS} Adam({LEARNING_RATE}) steps, MSE, batches of {BATCH}",
        "nnet": ref.network_text("Net", input_nnet, layers),
    }
    save_file(state, out / f"pytorch_{name}.safetensors", metadata=metadata)
    reference = {"x": x_nnet, "out": y_ref.contiguous(),
                 **{k: torch.from_numpy(np.ascontiguousarray(v, np.float32)) for k, v in nnet.items()}}
    save_file(reference, out / f"pytorch_{name}_reference.safetensors",
              metadata=dict(metadata, producer="tools/pytorch_conv.py (reference outputs, channels-last inputs, nnet's layouts)"))
    print(f"== {name}: final training loss {loss.item():.4f}")
    print("state dict:", {k: list(v.shape) for k, v in state.items()})
    print("nnet:", {k: list(v.shape) for k, v in nnet.items()})
    print("network!:", metadata["nnet"])
    print(f"wrote {out / f'pytorch_{name}.safetensors'} and {out / f'pytorch_{name}_reference.safetensors'}")


def to_nnet(model: nn.Sequential, layers: list, input_shape: tuple) -> dict:
    """Every parameter in nnet's name and layout: a conv weight (F, in/g, kh[, kw]) permuted to
    (F, kh[, kw], in/g) and flattened to [F, taps * in/g]; a Linear after nn.Flatten of a
    (C, *positions) output with its columns permuted from (c, positions) to (positions, c)."""
    with_tensors = [layer for layer in layers if layer["kind"] in ("conv1d", "conv2d", "depthwise_conv2d",
                                                                   "batch_norm", "dense")]
    modules = [m for m in model if isinstance(m, (*CONV, nn.BatchNorm2d, nn.Linear))]
    assert len(with_tensors) == len(modules)
    nnet = {}
    # The shape each module reads, channels first, to know what nn.Flatten flattened.
    probe = torch.zeros(1, *input_shape)
    flattened = None
    with torch.no_grad():
        for module in model:
            if isinstance(module, nn.Flatten):
                flattened = tuple(probe.shape[1:])
            probe = module(probe)
    for ours, module in zip(with_tensors, modules):
        weight = module.weight.detach().double().numpy()
        if isinstance(module, nn.BatchNorm2d):
            nnet[f"{ours['name']}.gamma"] = weight
            nnet[f"{ours['name']}.beta"] = module.bias.detach().double().numpy()
            nnet[f"{ours['name']}.moving_mean"] = module.running_mean.double().numpy()
            nnet[f"{ours['name']}.moving_variance"] = module.running_var.double().numpy()
            continue
        if isinstance(module, CONV):
            kernel = np.moveaxis(weight, 1, -1).reshape(weight.shape[0], -1)
            nnet[f"{ours['name']}.kernel"] = kernel
        else:
            if flattened is not None:
                channels, positions = flattened[0], int(np.prod(flattened[1:]))
                units = weight.shape[0]
                weight = weight.reshape(units, channels, positions).transpose(0, 2, 1).reshape(units, -1)
            nnet[f"{ours['name']}.weight"] = weight
        if module.bias is not None:
            nnet[f"{ours['name']}.bias"] = module.bias.detach().double().numpy()
    return nnet


def check(name: str, layers: list, nnet: dict, linear: np.ndarray, x: np.ndarray, y: np.ndarray) -> None:
    """nnet's pass on the converted weights reproduces PyTorch's outputs; with the Linear's
    weight as PyTorch holds it (columns in (c, h, w) order), it does not."""
    worst = 0.0
    for sample, expected in zip(x, y):
        found = ref.forward(layers, nnet, sample)
        np.testing.assert_allclose(found, expected, rtol=1e-5, atol=1e-6, err_msg=name)
        worst = max(worst, float(np.abs(found - expected).max()))
    dense = next(k for k in nnet if k.startswith("dense") and k.endswith(".weight"))
    unpermuted = dict(nnet, **{dense: linear})
    wrong = max(float(np.abs(ref.forward(layers, unpermuted, s) - e).max()) for s, e in zip(x, y))
    assert wrong > 1e-3, f"{name}: the flatten permutation does not change the outputs ({wrong:.2e})"
    print(f"self-check {name}: PyTorch's outputs vs the float64 pass in nnet's layouts, max |diff| {worst:.2e}; "
          f"with the Linear's columns left in PyTorch's (c, h, w) order, {wrong:.2e}")


if __name__ == "__main__":
    main()
