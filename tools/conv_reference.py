"""A float64 NumPy forward pass of nnet's convolution, pooling, flatten and dense layers, in
nnet's layouts, for the self-checks of `keras_conv.py` and `pytorch_conv.py`.

A sample is channels last, `(steps, channels)` or `(height, width, channels)` (a 1-D sample is
held as height 1). The windows follow Keras's rules, which nnet's are (see `nnet-kinds`'s
`window.rs`): output length `valid` floor((n - span) / s) + 1, `same` ceil(n / s) with the extra
zero on the right, `causal` d (k - 1) zeros on the left; span = d (k - 1) + 1.

The weights are in nnet's layouts, which is the point: the scripts convert the frameworks'
tensors the way nnet's importers do, and this pass fed with them must reproduce what the
framework computed.
  conv kernel       [filters, kh * kw * channels / groups], each row one filter in (kernel row,
                    kernel column, input channel of its group) order
  depthwise kernel  [channels * multiplier, kh * kw], row c * multiplier + m reading channel c
  dense weight      [units, inputs], inputs in the channels-last order of `flatten`

A network is a list of layers, each a dict with `kind` (the word of `network!`) and its options;
`network_text` writes the `network!` declaration of the same list.
"""

import math

import numpy as np


def axis(n: int, k: int, s: int, d: int, padding: str) -> tuple:
    """Output positions and zeros before the first input, Keras's."""
    span = d * (k - 1) + 1
    if padding == "valid":
        return ((n - span) // s + 1 if n >= span else 0), 0
    out = math.ceil(n / s)
    if padding == "causal":
        return out, d * (k - 1)
    total = max((out - 1) * s + span - n, 0)
    return out, total // 2


def pair(value) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def as_image(x: np.ndarray) -> np.ndarray:
    return x[None] if x.ndim == 2 else x


def conv(x, kernel, bias, size, strides=1, dilation=1, padding="valid", groups=1):
    """A convolution of x [H, W, C] by an nnet kernel [F, kh * kw * C / groups]; a depthwise
    convolution is the one with groups = C."""
    (kh, kw), (sh, sw), (dh, dw) = pair(size), pair(strides), pair(dilation)
    height, width, channels = x.shape
    filters = kernel.shape[0]
    group_in, group_out = channels // groups, filters // groups
    assert kernel.shape[1] == kh * kw * group_in, (kernel.shape, kh, kw, group_in)
    oh, top = axis(height, kh, sh, dh, padding)
    ow, left = axis(width, kw, sw, dw, padding)
    out = np.zeros((oh, ow, filters))
    for r in range(oh):
        for c in range(ow):
            for f in range(filters):
                g = f // group_out
                patch = np.zeros((kh, kw, group_in))
                for i in range(kh):
                    for j in range(kw):
                        row, col = r * sh - top + i * dh, c * sw - left + j * dw
                        if 0 <= row < height and 0 <= col < width:
                            patch[i, j] = x[row, col, g * group_in:(g + 1) * group_in]
                out[r, c, f] = kernel[f] @ patch.reshape(-1) + (0.0 if bias is None else bias[f])
    return out


def pool(x, size, strides=None, padding="valid", op="max"):
    """The maximum or mean of each channel over a window; a `same` window's cells outside the
    input are left out (the mean divides by the cells inside)."""
    (kh, kw) = pair(size)
    (sh, sw) = pair(size if strides is None else strides)
    height, width, channels = x.shape
    oh, top = axis(height, kh, sh, 1, padding)
    ow, left = axis(width, kw, sw, 1, padding)
    out = np.zeros((oh, ow, channels))
    for r in range(oh):
        for c in range(ow):
            rows = [r * sh - top + i for i in range(kh) if 0 <= r * sh - top + i < height]
            cols = [c * sw - left + j for j in range(kw) if 0 <= c * sw - left + j < width]
            window = x[np.ix_(rows, cols)].reshape(-1, channels)
            out[r, c] = window.max(axis=0) if op == "max" else window.mean(axis=0)
    return out


def activate(x, name):
    if name in (None, "linear"):
        return x
    if name == "relu":
        return np.maximum(x, 0)
    if name == "tanh":
        return np.tanh(x)
    if name == "softmax":
        e = np.exp(x - x.max())
        return e / e.sum()
    raise ValueError(name)


def forward(layers: list, weights: dict, x: np.ndarray) -> np.ndarray:
    """One sample x (channels last) through `layers`, with nnet's weights by nnet's names."""
    one_d = x.ndim == 2
    h = as_image(np.asarray(x, np.float64))
    for layer in layers:
        kind, name = layer["kind"], layer.get("name")
        w = {k.split(".", 1)[1]: v for k, v in weights.items() if k.startswith(f"{name}.")}
        if kind in ("conv1d", "conv2d", "depthwise_conv2d"):
            size, strides, dilation = layer["size"], layer.get("strides", 1), layer.get("dilation", 1)
            if kind == "conv1d":
                size, strides, dilation = (1, size), (1, strides), (1, dilation)
            groups = h.shape[2] if kind == "depthwise_conv2d" else layer.get("groups", 1)
            h = conv(h, w["kernel"], w.get("bias"), size, strides, dilation, layer.get("padding", "valid"), groups)
            h = activate(h, layer.get("activation"))
        elif kind in ("max_pool1d", "avg_pool1d", "max_pool2d", "avg_pool2d"):
            size, strides = layer["size"], layer.get("strides")
            if kind.endswith("1d"):
                size, strides = (1, size), (None if strides is None else (1, strides))
            h = pool(h, size, strides, layer.get("padding", "valid"), kind[:3])
        elif kind == "global_avg_pool":
            h = h.reshape(-1, h.shape[2]).mean(axis=0)
        elif kind == "global_max_pool":
            h = h.reshape(-1, h.shape[2]).max(axis=0)
        elif kind == "flatten":
            h = h.reshape(-1)
        elif kind == "batch_norm":
            eps = layer.get("epsilon", 1e-3)
            h = w["gamma"] * (h - w["moving_mean"]) / np.sqrt(w["moving_variance"] + eps) + w["beta"]
        elif kind == "activation":
            h = activate(h, layer["activation"])
        elif kind == "dense":
            h = activate(w["weight"] @ h + w.get("bias", 0.0), layer.get("activation"))
        else:
            raise ValueError(kind)
        if one_d and h.ndim == 3:
            assert h.shape[0] == 1
    return h.reshape(-1) if h.ndim == 1 else h


def network_text(name: str, input_shape: tuple, layers: list) -> str:
    """The `network!` declaration of `layers` on `input_shape` (channels last)."""
    lines = [f"input ({', '.join(map(str, input_shape))});"]
    for layer in layers:
        kind = layer["kind"]
        words = [kind]
        if "filters" in layer:
            words.append(str(layer["filters"]))
        if "size" in layer:
            size = layer["size"]
            words.append(f"({size[0]}, {size[1]})" if isinstance(size, tuple) else str(size))
        if "units" in layer:
            words.append(str(layer["units"]))
        if layer.get("activation") not in (None, "linear"):
            words.append(layer["activation"])
        options = [f"{k} = {fmt(layer[k])}" for k in ("strides", "padding", "dilation", "groups",
                                                      "depth_multiplier", "use_bias", "epsilon") if k in layer]
        if options:
            words.append(f"({', '.join(options)})")
        lines.append(" ".join(words) + ";")
    return f"pub struct {name} {{ " + " ".join(lines) + " }"


def fmt(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return f"({', '.join(map(str, value))})"
    return str(value)


def names(layers: list) -> list:
    """Each layer with its nnet name (`conv2d1`, `depthwise_conv2d1`, `dense1`, ...) set."""
    counts = {}
    for layer in layers:
        counts[layer["kind"]] = counts.get(layer["kind"], 0) + 1
        layer["name"] = f"{layer['kind']}{counts[layer['kind']]}"
    return layers
