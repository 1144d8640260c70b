"""Train three small PyTorch residual networks (channels first, as PyTorch is) and export them, with
reference outputs, for nnet's PyTorch importer of `residual` blocks.

  mlp      Mlp: stem nn.Linear(6, 8), ReLU; blocks = nn.Sequential(Block(8, 8), Block(8, 12)),
           each Block fc1 nn.Linear, ReLU, fc2 nn.Linear, plus its input (through `shortcut`, an
           nn.Linear(8, 12), where the widths differ), then ReLU; head nn.Linear(12, 3), softmax
  resnet   ResNet: stem nn.Conv2d(3, 4, 3, padding=1), ReLU; layer1 = BasicBlock(4, 4, stride 1),
           layer2 = BasicBlock(4, 8, stride 2), each conv1 nn.Conv2d(3x3, padding 1), bn1
           nn.BatchNorm2d, ReLU, conv2 nn.Conv2d(3x3, padding 1), bn2, plus its input (through
           `shortcut`, an nn.Conv2d(4, 8, 1, stride=2), where the shapes differ), then ReLU; the
           mean over the positions; fc nn.Linear(8, 3), softmax; on inputs (N, 3, 7, 7), where
           padding 1 is Keras's `same` also with stride 2 (odd sizes)
  wavenet  WaveNet: stem nn.Conv1d(2, 6, 1); blocks = nn.ModuleList of three WaveBlocks, each conv a
           causal nn.Conv1d(k=2, dilation d) (its input padded with d zeros on the left), tanh or
           ReLU, mix nn.Conv1d(1x1), plus its input (through `shortcut`, an nn.Conv1d(6, 8, 1),
           where the channels differ), for d = 1, 2, 4; out nn.Conv1d(8, 1, 1); on inputs (N, 2, 12)
Each is trained for 30 Adam(0.01) steps (a fresh random batch of 8 each step) so that no weight is
at its initial value and the running statistics of the batch normalizations have moved.

Each module registers the shortcut after the block's layers, so that `state_dict()` and
`named_modules()` list the modules in the order of nnet's layers (a block's projection
`residual{k}` right after its block's last layer). A safetensors file keeps no order (its header
is sorted by name), and these names (`blocks.1.fc1`, `stem`, `head`) do not give one: load them
with that order, `LoadOptions::pytorch().with_module_order([...])`, which the script prints and
writes into the file's metadata as `module_order` (comma-separated).

The nnet networks that hold the same weights (channels last): see the `nnet` metadata of each file,
or what the script prints.

Writes, for each <name> (all F32 but the I64 `num_batches_tracked`, which the import skips):
  pytorch_<name>.safetensors            the state dict (`blocks.1.shortcut.weight` [12, 8],
                                        `layer2.shortcut.weight` (8, 4, 1, 1), `layer1.bn1.running_mean`, ...)
  pytorch_<name>_reference.safetensors  x [6, ...] six inputs CONVERTED TO CHANNELS LAST for nnet,
                                        out [6, ...] the model's outputs (channels last), and every
                                        tensor in nnet's names and layouts (`conv2d3.kernel`
                                        [filters, kh*kw*in], `residual2.kernel` [filters, inputs]
                                        or [units, inputs], `batch_norm1.moving_mean`, ...)

The script checks itself: a float64 NumPy forward pass in nnet's layouts (residual_reference.py on
conv_reference.py), fed with the converted tensors and the channels-last inputs, must reproduce
PyTorch's outputs.

Usage: python tools/pytorch_residual.py [OUTPUT_DIR]   (default: tests/fixtures/residual)
"""

import sys
from pathlib import Path

import numpy as np
import safetensors
import torch
from safetensors.torch import save_file
from torch import nn
from torch.nn import functional as F

import residual_reference as ref

STEPS, BATCH, LEARNING_RATE, REFERENCE_SAMPLES = 30, 8, 0.01, 6


class Block(nn.Module):
    def __init__(self, inputs: int, units: int):
        super().__init__()
        self.fc1 = nn.Linear(inputs, units)
        self.fc2 = nn.Linear(units, units)
        self.shortcut = nn.Linear(inputs, units) if inputs != units else None

    def forward(self, x):
        h = self.fc2(torch.relu(self.fc1(x)))
        return h + (x if self.shortcut is None else self.shortcut(x))


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Linear(6, 8)
        self.blocks = nn.Sequential(Block(8, 8), Block(8, 12))
        self.head = nn.Linear(12, 3)

    def forward(self, x):
        x = torch.relu(self.stem(x))
        for block in self.blocks:
            x = torch.relu(block(x))
        return torch.softmax(self.head(x), dim=-1)


class BasicBlock(nn.Module):
    def __init__(self, inputs: int, filters: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(inputs, filters, 3, stride=stride, padding=1)
        self.bn1 = nn.BatchNorm2d(filters)
        self.conv2 = nn.Conv2d(filters, filters, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(filters)
        project = stride != 1 or inputs != filters
        self.shortcut = nn.Conv2d(inputs, filters, 1, stride=stride) if project else None

    def forward(self, x):
        h = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(h + (x if self.shortcut is None else self.shortcut(x)))


class ResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)
        self.layer1 = BasicBlock(4, 4, 1)
        self.layer2 = BasicBlock(4, 8, 2)
        self.fc = nn.Linear(8, 3)

    def forward(self, x):
        x = self.layer2(self.layer1(torch.relu(self.stem(x))))
        return torch.softmax(self.fc(x.mean(dim=(2, 3))), dim=-1)


class WaveBlock(nn.Module):
    def __init__(self, inputs: int, channels: int, dilation: int, activation):
        super().__init__()
        self.dilation, self.activation = dilation, activation
        self.conv = nn.Conv1d(inputs, channels, 2, dilation=dilation)
        self.mix = nn.Conv1d(channels, channels, 1)
        self.shortcut = nn.Conv1d(inputs, channels, 1) if inputs != channels else None

    def forward(self, x):
        h = self.mix(self.activation(self.conv(F.pad(x, (self.dilation, 0)))))
        return h + (x if self.shortcut is None else self.shortcut(x))


class WaveNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv1d(2, 6, 1)
        self.blocks = nn.ModuleList([WaveBlock(6, 6, 1, torch.tanh), WaveBlock(6, 6, 2, torch.tanh),
                                     WaveBlock(6, 8, 4, torch.relu)])
        self.out = nn.Conv1d(8, 1, 1)

    def forward(self, x):
        x = self.stem(x)
        for block in self.blocks:
            x = block(x)
        return self.out(x)


def block(layers, project=False):
    return {"kind": "residual", "project": project, "layers": layers}


RELU = {"kind": "activation", "activation": "relu"}
BN = {"kind": "batch_norm", "epsilon": 1e-5}


def basic_block(filters, strides, project=False):
    first = {"kind": "conv2d", "filters": filters, "size": 3, "padding": "same"}
    if strides != 1:
        first["strides"] = strides
    return block([first, dict(BN), RELU, {"kind": "conv2d", "filters": filters, "size": 3, "padding": "same"},
                  dict(BN)], project)


def wave_block(channels, dilation, activation, project=False):
    return block([
        {"kind": "conv1d", "filters": channels, "size": 2, "activation": activation, "padding": "causal",
         "dilation": dilation},
        {"kind": "conv1d", "filters": channels, "size": 1, "padding": "causal"},
    ], project)


# name: (seed, channels-first input shape, the module, the nnet layers as residual_reference reads them)
MODELS = {
    "mlp": (61, (6,), Mlp, [
        {"kind": "dense", "units": 8, "activation": "relu"},
        block([{"kind": "dense", "units": 8, "activation": "relu"}, {"kind": "dense", "units": 8}]),
        RELU,
        block([{"kind": "dense", "units": 12, "activation": "relu"}, {"kind": "dense", "units": 12}], project=True),
        RELU,
        {"kind": "dense", "units": 3, "activation": "softmax"},
    ]),
    "resnet": (62, (3, 7, 7), ResNet, [
        {"kind": "conv2d", "filters": 4, "size": 3, "activation": "relu", "padding": "same"},
        basic_block(4, 1),
        RELU,
        basic_block(8, 2, project=True),
        RELU,
        {"kind": "global_avg_pool"},
        {"kind": "dense", "units": 3, "activation": "softmax"},
    ]),
    "wavenet": (63, (2, 12), WaveNet, [
        {"kind": "conv1d", "filters": 6, "size": 1, "padding": "causal"},
        wave_block(6, 1, "tanh"),
        wave_block(6, 2, "tanh"),
        wave_block(8, 4, "relu", project=True),
        {"kind": "conv1d", "filters": 1, "size": 1, "padding": "causal"},
    ]),
}


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/residual")
    out.mkdir(parents=True, exist_ok=True)
    for name in MODELS:
        make(name, out)
    print(f"torch {torch.__version__}, safetensors {safetensors.__version__}, numpy {np.__version__}")


def channels_last(x: torch.Tensor) -> torch.Tensor:
    """(N, C) stays; (N, C, L) -> (N, L, C); (N, C, H, W) -> (N, H, W, C)."""
    return x.permute(0, *range(2, x.dim()), 1).contiguous() if x.dim() > 2 else x.contiguous()


def module_order(model: nn.Module) -> list:
    """The modules with tensors of their own, in registration order (the state dict's)."""
    return [name for name, module in model.named_modules()
            if name and any(True for _ in module.parameters(recurse=False))]


def make(name: str, out: Path) -> None:
    seed, input_shape, build, layers = MODELS[name]
    layers = ref.names([dict(layer) for layer in layers])
    torch.manual_seed(seed)
    model = build().float()
    initial = {k: v.detach().clone() for k, v in model.state_dict().items()}

    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    with torch.no_grad():
        outputs = int(np.prod(model.eval()(torch.zeros(1, *input_shape)).shape[1:]))
    model.train()
    teacher = torch.randn(int(np.prod(input_shape)), outputs)
    for _ in range(STEPS):
        x = torch.randn(BATCH, *input_shape) * 1.5 + 0.5
        y = model(x)
        target = (x.flatten(1) @ teacher).reshape(y.shape)
        if name != "wavenet":
            target = torch.softmax(target, dim=-1)
        else:
            target = torch.cumsum(x[:, :1], dim=2) * 0.3
        optimizer.zero_grad()
        loss = F.mse_loss(y, target)
        loss.backward()
        optimizer.step()
    model.eval()

    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    for k, v in state.items():
        if k.endswith("num_batches_tracked"):
            assert v.dtype == torch.int64 and v.item() == STEPS, k
            continue
        assert v.dtype == torch.float32, k
        # A ReLU that is off for every sample leaves its column of the next weight alone.
        assert (v != initial[k]).float().mean() > 0.6, f"{name}: {k} has entries at their initial value"

    generator = torch.Generator().manual_seed(seed)
    x_ref = torch.randn(REFERENCE_SAMPLES, *input_shape, generator=generator) * 1.5 + 0.5
    with torch.no_grad():
        y_ref = model(x_ref)
    x_nnet, y_nnet = channels_last(x_ref), channels_last(y_ref)
    order = module_order(model)
    nnet = to_nnet(model, order, layers)
    check(name, layers, nnet, x_nnet.double().numpy(), y_nnet.double().numpy())

    input_nnet = tuple(x_nnet.shape[1:])
    metadata = {
        "producer": "tools/pytorch_residual.py",
        "torch": torch.__version__,
        "seed": str(seed),
        "layers": repr(model).replace("\n", " "),
        "input": f"{(None, *input_shape)} channels first; the reference x is channels last, {(None, *input_nnet)}",
        "training": f"{STEPS} Adam({LEARNING_RATE}) steps, MSE, batches of {BATCH}",
        "module_order": ",".join(order),
        "nnet": ref.network_text("Net", input_nnet if len(input_nnet) > 1 else input_nnet[0], layers),
    }
    save_file(state, out / f"pytorch_{name}.safetensors", metadata=metadata)
    reference = {"x": x_nnet, "out": y_nnet,
                 **{k: torch.from_numpy(np.ascontiguousarray(v, np.float32)) for k, v in nnet.items()}}
    save_file(reference, out / f"pytorch_{name}_reference.safetensors",
              metadata=dict(metadata, producer="tools/pytorch_residual.py (reference outputs, channels last, nnet's layouts)"))
    print(f"== {name}: final training loss {loss.item():.4f}")
    print("state dict:", {k: list(v.shape) for k, v in state.items()})
    print("module order:", order)
    print("nnet:", {k: list(v.shape) for k, v in nnet.items()})
    print("network!:", metadata["nnet"])
    print(f"wrote {out / f'pytorch_{name}.safetensors'} and {out / f'pytorch_{name}_reference.safetensors'}")


def to_nnet(model: nn.Module, order: list, layers: list) -> dict:
    """Every parameter in nnet's name and layout, the modules in `order` taking nnet's layers with
    tensors one after the other: a conv weight (F, in, taps...) permuted to (F, taps..., in) and
    flattened to [F, taps * in] (a 1x1 shortcut's to [F, in]); a Linear's weight as it is."""
    ours = ref.flat(layers)
    modules = dict(model.named_modules())
    assert len(ours) == len(order), (ours, order)
    nnet = {}
    for layer, module_name in zip(ours, order):
        module = modules[module_name]
        weight = module.weight.detach().double().numpy()
        prefix = layer["name"]
        if isinstance(module, nn.BatchNorm2d):
            assert layer["kind"] == "batch_norm", (layer, module_name)
            nnet[f"{prefix}.gamma"] = weight
            nnet[f"{prefix}.beta"] = module.bias.detach().double().numpy()
            nnet[f"{prefix}.moving_mean"] = module.running_mean.double().numpy()
            nnet[f"{prefix}.moving_variance"] = module.running_var.double().numpy()
            assert np.abs(module.running_mean.numpy()).max() > 0.05, module_name
            continue
        if isinstance(module, (nn.Conv1d, nn.Conv2d)):
            assert layer["kind"] in ("conv1d", "conv2d", "projection"), (layer, module_name)
            nnet[f"{prefix}.kernel"] = np.moveaxis(weight, 1, -1).reshape(weight.shape[0], -1)
        else:
            assert layer["kind"] in ("dense", "projection"), (layer, module_name)
            nnet[f"{prefix}.{'kernel' if layer['kind'] == 'projection' else 'weight'}"] = weight
        nnet[f"{prefix}.bias"] = module.bias.detach().double().numpy()
    return nnet


def check(name: str, layers: list, nnet: dict, x: np.ndarray, y: np.ndarray) -> None:
    worst = 0.0
    for sample, expected in zip(x, y):
        found = ref.forward(layers, nnet, sample).reshape(expected.shape)
        np.testing.assert_allclose(found, expected, rtol=1e-5, atol=1e-6, err_msg=name)
        worst = max(worst, float(np.abs(found - expected).max()))
    print(f"self-check {name}: PyTorch's outputs vs the float64 pass in nnet's layouts, max |diff| {worst:.2e}")


if __name__ == "__main__":
    main()
