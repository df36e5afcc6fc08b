"""The face classifier itself (reference parts 8, 10): one ReLU hidden layer, its seeded initial
weights, its weights on disk, its logits, and the deterministic torch settings it runs under.

Its own module, apart from the training loop (:mod:`digitface.faces.models.mlp`): the figures
and the hidden-unit study rebuild a trained network from its saved weights and never train.

Inputs reach the network as float32 rows (:mod:`digitface.faces.data.rows` scales pixels).
With :meth:`MLP.standardize` they are first shifted and scaled per feature by statistics of the
training set, kept in the weights: random-weight AlexNet activations vary by a few thousandths
from face to face, and raw they move the hidden layer so little that the network needs several
times the epochs to learn.

Initial weights are drawn from an explicit ``torch.Generator`` on the CPU, so the same seed
starts from the same weights on any device. Weights are saved as a plain tensor dict and
loaded with ``torch.load(weights_only=True)``: no arbitrary pickles are executed.
"""

from __future__ import annotations

import contextlib
import math
import os
from typing import Iterator, Mapping

import numpy as np
import torch
from torch import nn

from digitface.atomic import atomic_path
from digitface.faces.data.rows import as_rows


class MLP(nn.Module):
    """Inputs (N, D) -> ReLU hidden layer -> class logits; ``n_hidden`` 0: no hidden layer, the
    inputs' linear softmax (the baseline for an embedding that should need no hidden layer).

    With :meth:`standardize`, inputs are first shifted and scaled per feature by statistics of
    the training set, kept in the weights (buffers ``input_mean``, ``input_scale``), so a saved
    model takes raw inputs like any other.
    """

    def __init__(self, n_inputs: int, n_hidden: int, n_classes: int):
        super().__init__()
        self.hidden = nn.Linear(n_inputs, n_hidden) if n_hidden else None
        self.out = nn.Linear(n_hidden or n_inputs, n_classes)
        self.register_buffer("input_mean", None)  # None: not in the state dict
        self.register_buffer("input_scale", None)

    def standardize(self, mean: np.ndarray, scale: np.ndarray) -> None:
        """Inputs become ``(x - mean) * scale`` before the hidden layer."""
        device = self.out.weight.device
        self.input_mean = torch.as_tensor(mean, dtype=torch.float32, device=device)
        self.input_scale = torch.as_tensor(scale, dtype=torch.float32, device=device)

    def hidden_activations(self, x: torch.Tensor) -> torch.Tensor:
        if self.input_mean is not None:
            x = (x - self.input_mean) * self.input_scale
        return x if self.hidden is None else torch.relu(self.hidden(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.hidden_activations(x))

    @classmethod
    def from_state_dict(cls, state: Mapping[str, torch.Tensor]) -> "MLP":
        """Rebuild a trained network from :attr:`~digitface.faces.models.mlp_result.MLPResult.state_dict`."""
        n_classes, width = state["out.weight"].shape
        hidden, n_inputs = state["hidden.weight"].shape if "hidden.weight" in state else (0, width)
        model = cls(n_inputs, hidden, n_classes)
        if "input_mean" in state:
            model.standardize(state["input_mean"], state["input_scale"])
        model.load_state_dict(state)
        return model.eval()


def init_mlp(n_inputs: int, n_hidden: int, n_classes: int, generator: torch.Generator) -> MLP:
    """An MLP with PyTorch's default Linear initialisation drawn from ``generator`` (on the CPU)."""
    with torch.random.fork_rng(devices=[]):  # the constructor's own init would draw from the global RNG
        model = MLP(n_inputs, n_hidden, n_classes)
    for layer in (model.hidden, model.out) if model.hidden is not None else (model.out,):
        bound = 1.0 / math.sqrt(layer.in_features)
        with torch.no_grad():
            layer.weight.uniform_(-bound, bound, generator=generator)
            layer.bias.uniform_(-bound, bound, generator=generator)
    return model


def initial_state(seed: int, n_inputs: int, n_hidden: int, n_classes: int) -> dict[str, torch.Tensor]:
    """The weights :func:`~digitface.faces.models.mlp.train_mlp` starts from for ``seed`` (the same
    generator, drawn the same way), so that what a unit learned, its weights minus these, can be shown."""
    return init_mlp(n_inputs, n_hidden, n_classes, torch.Generator().manual_seed(seed)).state_dict()


@contextlib.contextmanager
def deterministic(threads: int | None = None) -> Iterator[None]:
    """Deterministic algorithms (and optionally a thread count) inside, the caller's setting after."""
    # cuBLAS needs a fixed workspace for reproducible results; it reads this when first used.
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    was_det = torch.are_deterministic_algorithms_enabled()
    was_warn = torch.is_deterministic_algorithms_warn_only_enabled()
    was_threads = torch.get_num_threads()
    torch.use_deterministic_algorithms(True, warn_only=True)
    if threads:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(was_det, warn_only=was_warn)
        torch.set_num_threads(was_threads)


def save_state(path: str | os.PathLike, state_dict: Mapping[str, torch.Tensor]) -> None:
    """Save weights atomically (a plain tensor dict, loadable with ``weights_only=True``)."""
    with atomic_path(path) as tmp:
        torch.save(dict(state_dict), tmp)


def load_state(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Weights saved by :func:`save_state`, on the CPU; no arbitrary pickles are executed."""
    return torch.load(path, map_location="cpu", weights_only=True)


@torch.inference_mode()
def predict(model: MLP, x, batch_size: int = 500, device: str | torch.device | None = None) -> np.ndarray:
    """Class logits (N, C) of ``model`` for inputs given as for :func:`~digitface.faces.models.mlp.train_mlp`."""
    device = torch.device(device) if device is not None else next(model.parameters()).device
    model = model.to(device).eval()
    rows = as_rows(x)
    return np.concatenate(
        [model(torch.from_numpy(rows.range(a, b)).to(device)).cpu().numpy() for a, b in rows.slices(batch_size)]
    )
