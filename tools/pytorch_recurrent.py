"""Train three small PyTorch recurrent networks and export them, with reference outputs, for
nnet's PyTorch importer.

Each network is a module whose `self.layers = nn.ModuleList([rnn, linear])`; the Linear reads the
recurrent layer's output at the last step (many-to-one):
  lstm  nn.LSTM(3, 5, batch_first=True), nn.Linear(5, 2)
  gru   nn.GRU(2, 4, batch_first=True), nn.Linear(4, 1)
  rnn   nn.RNN(2, 3, nonlinearity="tanh", batch_first=True), nn.Linear(3, 1)
Each is trained for 20 Adam(0.02) steps (MSE, a fresh random batch of 8 sequences of 6 steps
each step) so that no weight is at its initial value and both biases are nonzero.

Writes, for each <name> (all F32):
  pytorch_<name>.safetensors            the state dict, as safetensors.torch.save_file writes it:
                                        layers.0.weight_ih_l0 [G*H, F], layers.0.weight_hh_l0
                                        [G*H, H], layers.0.bias_ih_l0 [G*H], layers.0.bias_hh_l0
                                        [G*H] (PyTorch's gate orders: LSTM i,f,g,o, GRU r,z,n,
                                        G = 1 for RNN), layers.1.weight [OUT, H], layers.1.bias
                                        [OUT]
  pytorch_<name>_reference.safetensors  x_<k> [len, F] for k = 0..3, four sequences of 5, 3, 7
                                        and 1 steps; out_<k> [OUT], the model's output after the
                                        last step; steps_<k> [len, OUT], the Linear applied to the
                                        hidden state after each step (steps_<k>[-1] = out_<k>).
                                        The state starts at 0 for every sequence.

The script checks itself: a float64 NumPy implementation written from PyTorch's documented
formulas (two biases; GRU n = tanh(W_in x + b_in + r * (W_hn h + b_hn))) must reproduce every
output, and so must a second one in Keras's form (gate order z, r, h; LSTM/RNN bias = b_ih + b_hh;
GRU bias [2, 3H] = (b_ih, b_hh) with the first two gate blocks swapped) fed with the weights
converted as nnet's importer converts them.

Usage: python tools/pytorch_recurrent.py [OUTPUT_DIR]   (default: tests/fixtures/recurrent)
"""

import sys
from pathlib import Path

import numpy as np
import safetensors
import torch
from safetensors.torch import save_file
from torch import nn

STEPS, BATCH, TRAIN_LENGTH, LEARNING_RATE = 20, 8, 6, 0.02
LENGTHS = (5, 3, 7, 1)


class Net(nn.Module):
    def __init__(self, rnn: nn.Module, linear: nn.Linear):
        super().__init__()
        self.layers = nn.ModuleList([rnn, linear])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x [batch, steps, F] -> the Linear of every step's hidden state [batch, steps, OUT]."""
        hs, _ = self.layers[0](x)
        return self.layers[1](hs)


# name: (seed, module constructor, input features, gates)
MODELS = {
    "lstm": (21, lambda: Net(nn.LSTM(3, 5, batch_first=True), nn.Linear(5, 2)), 3, 4),
    "gru": (22, lambda: Net(nn.GRU(2, 4, batch_first=True), nn.Linear(4, 1)), 2, 3),
    "rnn": (23, lambda: Net(nn.RNN(2, 3, nonlinearity="tanh", batch_first=True), nn.Linear(3, 1)), 2, 1),
}


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/recurrent")
    out.mkdir(parents=True, exist_ok=True)
    for name in MODELS:
        make(name, out)
    print(f"torch {torch.__version__}, safetensors {safetensors.__version__}, numpy {np.__version__}")


def make(name: str, out: Path) -> None:
    seed, build, features, _ = MODELS[name]
    torch.manual_seed(seed)
    model = build().float()
    initial = {k: v.detach().clone() for k, v in model.state_dict().items()}
    out_units = model.layers[1].out_features

    # A fresh batch each step of a smooth sequence-to-one problem.
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    for _ in range(STEPS):
        x = torch.randn(BATCH, TRAIN_LENGTH, features)
        s = x.sum(dim=2)
        target = torch.stack([torch.tanh(s.cumsum(dim=1)[:, -1] * 0.5), torch.sin(x[:, 0, 0]) * x[:, -1, -1]], dim=1)
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x)[:, -1], target[:, :out_units])
        loss.backward()
        optimizer.step()
    model.eval()

    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    for k, v in state.items():
        assert v.dtype == torch.float32, k
        assert (v != initial[k]).all(), f"{name}: {k} has entries at their initial value"
        assert (v != 0).all(), f"{name}: {k} has zero entries"

    generator = torch.Generator().manual_seed(seed)
    reference = {}
    with torch.no_grad():
        for k, length in enumerate(LENGTHS):
            xk = torch.randn(length, features, generator=generator)
            steps = model(xk.unsqueeze(0))[0]
            # The many-to-one output from the final state PyTorch returns (h_n), and the same
            # sequence streamed one step at a time with the state carried over, must agree.
            _, final = model.layers[0](xk.unsqueeze(0))
            h_n = (final[0] if isinstance(final, tuple) else final)[0, 0]
            out_k = model.layers[1](h_n)
            state_t, streamed = None, []
            for t in range(length):
                h_t, state_t = model.layers[0](xk[t].reshape(1, 1, -1), state_t)
                streamed.append(model.layers[1](h_t[0, 0]))
            torch.testing.assert_close(out_k, steps[-1], rtol=0, atol=1e-6)
            torch.testing.assert_close(torch.stack(streamed), steps, rtol=0, atol=1e-6)
            reference[f"x_{k}"] = xk.contiguous()
            reference[f"out_{k}"] = out_k.clone().contiguous()
            reference[f"steps_{k}"] = steps.clone().contiguous()

    check(name, state, reference)

    rnn = model.layers[0]
    metadata = {
        "producer": "tools/pytorch_recurrent.py",
        "torch": torch.__version__,
        "seed": str(seed),
        "layers": f"ModuleList([{rnn!r}, {model.layers[1]!r}]), the Linear on the last step's output",
        "training": f"{STEPS} Adam({LEARNING_RATE}) steps, MSE, batches of {BATCH} sequences of {TRAIN_LENGTH} steps",
    }
    save_file(state, out / f"pytorch_{name}.safetensors", metadata=metadata)
    reference_metadata = dict(metadata, producer="tools/pytorch_recurrent.py (reference outputs)")
    save_file(reference, out / f"pytorch_{name}_reference.safetensors", metadata=reference_metadata)
    print(f"== {name}: {rnn!r}, {model.layers[1]!r}; final training loss {loss.item():.4f}")
    print("state dict:", {k: list(v.shape) for k, v in state.items()})
    print("reference:", {k: list(v.shape) for k, v in reference.items()})
    print(f"wrote {out / f'pytorch_{name}.safetensors'} and {out / f'pytorch_{name}_reference.safetensors'}")


# ---- the float64 references ------------------------------------------------------------------

def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def torch_form(name: str, s: dict, xs: np.ndarray) -> np.ndarray:
    """PyTorch's documented formulas, one sequence xs [len, F]; returns the hidden states [len, H]."""
    W, U, bi, bh = s["layers.0.weight_ih_l0"], s["layers.0.weight_hh_l0"], s["layers.0.bias_ih_l0"], s["layers.0.bias_hh_l0"]
    H = U.shape[1]
    h, c, hs = np.zeros(H), np.zeros(H), []
    for x in xs:
        if name == "rnn":
            h = np.tanh(W @ x + bi + U @ h + bh)
        elif name == "lstm":
            a = W @ x + bi + U @ h + bh
            i, f, g, o = sigmoid(a[:H]), sigmoid(a[H:2 * H]), np.tanh(a[2 * H:3 * H]), sigmoid(a[3 * H:])
            c = f * c + i * g
            h = o * np.tanh(c)
        else:  # gru, gates r, z, n
            ax, ah = W @ x + bi, U @ h + bh
            r = sigmoid(ax[:H] + ah[:H])
            z = sigmoid(ax[H:2 * H] + ah[H:2 * H])
            n = np.tanh(ax[2 * H:] + r * ah[2 * H:])
            h = (1 - z) * n + z * h
        hs.append(h)
    return np.array(hs)


def to_keras(name: str, s: dict) -> dict:
    """The weights as Keras holds them (and nnet, transposed): kernel [F, G*H], recurrent_kernel
    [H, G*H], bias [G*H] or, for the GRU, [2, 3H]; the GRU's gate blocks reordered r,z,n -> z,r,h."""
    W, U, bi, bh = s["layers.0.weight_ih_l0"], s["layers.0.weight_hh_l0"], s["layers.0.bias_ih_l0"], s["layers.0.bias_hh_l0"]
    if name == "gru":
        H = U.shape[1]
        order = np.concatenate([np.arange(H, 2 * H), np.arange(H), np.arange(2 * H, 3 * H)])
        return {"kernel": W[order].T, "recurrent_kernel": U[order].T, "bias": np.stack([bi[order], bh[order]])}
    return {"kernel": W.T, "recurrent_kernel": U.T, "bias": bi + bh}


def keras_form(name: str, k: dict, xs: np.ndarray) -> np.ndarray:
    """Keras 3's formulas (LSTM i,f,c,o; GRU z,r,h with reset_after), one sequence xs [len, F]."""
    W, U, b = k["kernel"], k["recurrent_kernel"], k["bias"]
    H = U.shape[0]
    h, c, hs = np.zeros(H), np.zeros(H), []
    for x in xs:
        if name == "rnn":
            h = np.tanh(x @ W + h @ U + b)
        elif name == "lstm":
            a = x @ W + h @ U + b
            i, f, g, o = (a[j * H:(j + 1) * H] for j in range(4))
            c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
            h = sigmoid(o) * np.tanh(c)
        else:
            ax, ah = x @ W + b[0], h @ U + b[1]
            z = sigmoid(ax[:H] + ah[:H])
            r = sigmoid(ax[H:2 * H] + ah[H:2 * H])
            hh = np.tanh(ax[2 * H:] + r * ah[2 * H:])
            h = z * h + (1 - z) * hh
        hs.append(h)
    return np.array(hs)


def check(name: str, state: dict, reference: dict) -> None:
    s = {k: v.double().numpy() for k, v in state.items()}
    keras_weights = to_keras(name, s)
    worst_torch = worst_keras = 0.0
    for k in range(len(LENGTHS)):
        xs = reference[f"x_{k}"].double().numpy()
        steps = reference[f"steps_{k}"].double().numpy()
        for form, hs in (("torch", torch_form(name, s, xs)), ("keras", keras_form(name, keras_weights, xs))):
            expected = hs @ s["layers.1.weight"].T + s["layers.1.bias"]
            np.testing.assert_allclose(steps, expected, rtol=1e-5, atol=1e-6, err_msg=f"{name} steps_{k} ({form} form)")
            np.testing.assert_allclose(reference[f"out_{k}"].double().numpy(), expected[-1], rtol=1e-5, atol=1e-6,
                                       err_msg=f"{name} out_{k} ({form} form)")
            deviation = float(np.abs(steps - expected).max())
            if form == "torch":
                worst_torch = max(worst_torch, deviation)
            else:
                worst_keras = max(worst_keras, deviation)
    print(f"self-check {name}: PyTorch's outputs vs float64 PyTorch formulas max |diff| {worst_torch:.2e}, "
          f"vs float64 Keras formulas on the converted weights {worst_keras:.2e}")


if __name__ == "__main__":
    main()
