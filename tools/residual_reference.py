"""A float64 NumPy forward pass of nnet's residual blocks on top of `conv_reference.py`, in nnet's
layouts, for the self-checks of `keras_residual.py` and `pytorch_residual.py`.

A network is a list of layers as `conv_reference.py` reads them, where a layer may also be a block
`{"kind": "residual", "project": bool, "layers": [...]}`: its output is its input plus the output
of its layers, the input first passed through the block's projection if `project`. The projection
is nnet's `residual{k}` (k counting every block in source order, nested ones included):
  on a vector      a dense layer, `residual{k}.kernel` [units, inputs] and `residual{k}.bias`
  on a fixed shape a 1x1 convolution with the block's overall stride (the product of the strides
                   of its layers), valid padding: `residual{k}.kernel` [filters, inputs] (one tap)
                   and `residual{k}.bias`
Layers inside a block are named and counted as any other (`conv2d3`, `batch_norm2`).
"""

import conv_reference as ref
import numpy as np


def names(layers: list, counts: dict = None) -> list:
    """Each layer with its nnet name set (`dense2`, `residual1`, ...), blocks before their layers."""
    counts = {} if counts is None else counts
    for layer in layers:
        counts[layer["kind"]] = counts.get(layer["kind"], 0) + 1
        layer["name"] = f"{layer['kind']}{counts[layer['kind']]}"
        if layer["kind"] == "residual":
            names(layer["layers"], counts)
    return layers


def flat(layers: list) -> list:
    """The layers with tensors in the order of the network's tensors: a block's layers, then its
    projection (as `{"kind": "projection", "name": "residual{k}"}`)."""
    out = []
    for layer in layers:
        if layer["kind"] == "residual":
            out.extend(flat(layer["layers"]))
            if layer.get("project"):
                out.append({"kind": "projection", "name": layer["name"]})
        elif layer["kind"] in ("conv1d", "conv2d", "depthwise_conv2d", "batch_norm", "dense", "layer_norm"):
            out.append(layer)
    return out


def stride(layers: list) -> int:
    """The overall stride of a block's layers along each axis."""
    s = 1
    for layer in layers:
        if layer["kind"] == "residual":
            s *= stride(layer["layers"])
        elif layer["kind"] in ("conv1d", "conv2d", "depthwise_conv2d"):
            s *= layer.get("strides", 1)
        elif layer["kind"] in ("max_pool1d", "avg_pool1d", "max_pool2d", "avg_pool2d"):
            s *= layer.get("strides") or layer["size"]
    return s


def forward(layers: list, weights: dict, x: np.ndarray) -> np.ndarray:
    """One sample x (a vector, or channels last) through `layers`, residual blocks included."""
    h = np.asarray(x, np.float64)
    h = h[None] if h.ndim == 2 else h  # a 1-D sample as an image of height 1
    for layer in layers:
        if layer["kind"] != "residual":
            h = ref.forward([layer], weights, h)
            continue
        inner = forward(layer["layers"], weights, h)
        if layer.get("project"):
            kernel = weights[f"{layer['name']}.kernel"]
            bias = weights[f"{layer['name']}.bias"]
            if h.ndim == 1:
                shortcut = kernel @ h + bias
            else:
                # A 1-D sample has height 1, which a 1x1 window of any stride keeps.
                s = stride(layer["layers"])
                shortcut = ref.conv(h, kernel, bias, (1, 1), (s, s))
        else:
            shortcut = h
        assert shortcut.shape == inner.shape, (layer["name"], shortcut.shape, inner.shape)
        h = inner + shortcut
    return h


def network_text(name: str, input_shape, layers: list) -> str:
    """The `network!` declaration of `layers` on `input_shape` (an int for a vector, a tuple for a
    fixed shape, channels last, or `("sequence", F)`)."""
    if isinstance(input_shape, int):
        head = f"input {input_shape};"
    elif input_shape[0] == "sequence":
        head = f"input sequence {input_shape[1]};"
    else:
        head = f"input ({', '.join(map(str, input_shape))});"
    return f"pub struct {name} {{ {head} {body(layers)} }}"


def body(layers: list) -> str:
    lines = []
    for layer in layers:
        if layer["kind"] == "residual":
            project = " (project)" if layer.get("project") else ""
            lines.append(f"residual{project} {{ {body(layer['layers'])} }}")
        else:
            # conv_reference writes a whole declaration; keep its one line for this layer.
            text = ref.network_text("X", (1,), [layer])
            lines.append(text.split("input (1); ", 1)[1].rsplit(" }", 1)[0])
    return " ".join(lines)
