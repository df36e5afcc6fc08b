"""One-hidden-layer PyTorch classifier for face crops or AlexNet activations (reference parts 8, 10).

Inputs: ``uint8`` arrays are pixels and are scaled to [-1, 1] (x / 127.5 - 1) as the reference
did; float arrays (activations) are used as they are. Either kind may be one array (N, ...)
flattened to (N, D), or a sequence of chunk arrays (n_i, D), typically the AlexNet activation
files opened as :class:`~digitface.faces.npy_file.NpyFile`: minibatches then read their rows
chunk by chunk, and no dataset-sized array is ever built or mapped. Both give bit-identical
minibatches, hence identical runs.

Training: Adam on the mean cross-entropy; an iteration is one minibatch; each epoch is a fresh
seeded permutation of the training set cut into consecutive minibatches (the last one may be
smaller), so every image is seen once per epoch. Every ``eval_every`` iterations (and at 0 and at
the end) accuracy and mean loss of train and every evaluation split are recorded; the model kept is
the one with the best VALIDATION accuracy (ties: lower validation loss, then earlier), so the test
set never influences a choice: it is only reported.

Determinism: initial weights and minibatch order come from explicit ``torch.Generator`` objects
seeded by ``seed`` (on the CPU, so the same seed starts from the same weights on any device), and
training runs with ``torch.use_deterministic_algorithms`` on; the caller's global RNG and flags are
left as they were. On the CPU, same seed and thread count give bit-identical runs.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import time
from dataclasses import asdict, dataclass, field
from typing import Iterator, Mapping, Sequence

import numpy as np
import torch
from torch import nn

from digitface.atomic import atomic_path
from digitface.device import default_device
from digitface.faces.rows import Rows, as_rows
from digitface.progress import Progress

log = logging.getLogger(__name__)

TRAIN = "train"
VALIDATION = "validation"


@dataclass(frozen=True)
class MLPSettings:
    hidden: int = 600
    learning_rate: float = 1e-4
    batch_size: int = 20
    iterations: int = 700
    eval_every: int = 10
    eval_batch_size: int = 250  # memory per job stays flat: a batch, not a set
    n_classes: int | None = None  # None: 1 + the largest label seen
    threads: int | None = None  # CPU threads while training; None: torch's current setting


# -------------------------------------------------------------------------------------- model


class MLP(nn.Module):
    """Inputs (N, D) -> ReLU hidden layer -> class logits."""

    def __init__(self, n_inputs: int, n_hidden: int, n_classes: int):
        super().__init__()
        self.hidden = nn.Linear(n_inputs, n_hidden)
        self.out = nn.Linear(n_hidden, n_classes)

    def hidden_activations(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.hidden(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.hidden_activations(x))

    @classmethod
    def from_state_dict(cls, state: Mapping[str, torch.Tensor]) -> "MLP":
        """Rebuild a trained network from :attr:`MLPResult.state_dict`."""
        hidden, n_inputs = state["hidden.weight"].shape
        model = cls(n_inputs, hidden, state["out.weight"].shape[0])
        model.load_state_dict(state)
        return model.eval()


def init_mlp(n_inputs: int, n_hidden: int, n_classes: int, generator: torch.Generator) -> MLP:
    """An MLP with PyTorch's default Linear initialisation drawn from ``generator`` (on the CPU)."""
    with torch.random.fork_rng(devices=[]):  # the constructor's own init would draw from the global RNG
        model = MLP(n_inputs, n_hidden, n_classes)
    for layer in (model.hidden, model.out):
        bound = 1.0 / math.sqrt(layer.in_features)
        with torch.no_grad():
            layer.weight.uniform_(-bound, bound, generator=generator)
            layer.bias.uniform_(-bound, bound, generator=generator)
    return model


def initial_state(seed: int, n_inputs: int, n_hidden: int, n_classes: int) -> dict[str, torch.Tensor]:
    """The weights :func:`train_mlp` starts from for ``seed`` (the same generator, drawn the same
    way), so that what a unit learned, its weights minus these, can be shown."""
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


# ----------------------------------------------------------------------------------- training


@dataclass
class MLPResult:
    """A trained network at the validation-chosen iteration, and how it got there."""

    state_dict: dict[str, torch.Tensor]  # CPU tensors, at ``chosen_iteration``
    history: list[dict]  # {"iteration", "split", "accuracy", "loss"} rows
    chosen_iteration: int
    metrics: dict[str, dict[str, float]]  # {split: {"accuracy", "loss"}} at the chosen iteration
    last: dict[str, dict[str, float]]  # the same at the last iteration
    seed: int
    settings: dict = field(default_factory=dict)
    device: str = "cpu"
    seconds: float = 0.0

    def model(self) -> MLP:
        return MLP.from_state_dict(self.state_dict)

    def summary(self) -> dict:
        """Everything but the weights and the history, JSON-ready."""
        return {"seed": self.seed, "chosen_iteration": self.chosen_iteration, "metrics": self.metrics,
                "last": self.last, "settings": self.settings, "device": self.device,
                "seconds": round(self.seconds, 3)}


def save_state(path: str | os.PathLike, state_dict: Mapping[str, torch.Tensor]) -> None:
    """Save weights atomically (a plain tensor dict, loadable with ``weights_only=True``)."""
    with atomic_path(path) as tmp:
        torch.save(dict(state_dict), tmp)


def load_state(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Weights saved by :func:`save_state`, on the CPU; no arbitrary pickles are executed."""
    return torch.load(path, map_location="cpu", weights_only=True)


@torch.inference_mode()
def evaluate(model: MLP, rows: Rows, y: torch.Tensor, batch_size: int, device: torch.device) -> dict[str, float]:
    """Accuracy and mean cross-entropy of ``model`` on all of ``rows``, in batches."""
    correct, loss = 0, 0.0
    for start, stop in rows.slices(batch_size):
        logits = model(torch.from_numpy(rows.range(start, stop)).to(device))
        target = y[start:stop]
        loss += float(nn.functional.cross_entropy(logits, target, reduction="sum"))
        correct += int((logits.argmax(1) == target).sum())
    return {"accuracy": correct / len(rows), "loss": loss / len(rows)}


def minibatches(n: int, batch_size: int, iterations: int, generator: torch.Generator) -> Iterator[np.ndarray]:
    """``iterations`` index arrays: consecutive slices of a fresh permutation each epoch."""
    done = 0
    while done < iterations:
        perm = torch.randperm(n, generator=generator).numpy()
        for start in range(0, n, batch_size):
            if done == iterations:
                return
            yield perm[start:start + batch_size]
            done += 1


def _labels(y, device) -> torch.Tensor:
    return torch.as_tensor(np.asarray(y, dtype=np.int64), device=device)


def _better(row: dict, best: dict | None) -> bool:
    """Higher accuracy wins; ties go to lower loss; full ties keep the earlier row."""
    if best is None:
        return True
    return (row["accuracy"], -row["loss"]) > (best["accuracy"], -best["loss"])


def choose_iteration(history: Sequence[dict], split: str = VALIDATION) -> int:
    """The iteration whose ``split`` row is best by :func:`_better` (the rule train_mlp applies)."""
    best = None
    for row in sorted((r for r in history if r["split"] == split), key=lambda r: r["iteration"]):
        if _better(row, best):
            best = row
    if best is None:
        raise ValueError(f"no {split!r} rows in the history")
    return best["iteration"]


def train_mlp(x_train, y_train, splits: Mapping[str, tuple], settings: MLPSettings = MLPSettings(),
              seed: int = 0, device: str | torch.device | None = None) -> MLPResult:
    """Train one network; ``splits`` maps names to (x, y) and must contain ``"validation"``.

    ``x_*`` are arrays or sequences of chunk arrays (module docstring); ``y_*`` integer labels.
    """
    if VALIDATION not in splits:
        raise ValueError("splits must include 'validation': it chooses the iteration kept")
    if TRAIN in splits:
        raise ValueError("'train' is the training set itself; do not pass it in splits")
    t0 = time.perf_counter()
    device = torch.device(device) if device is not None else default_device()
    train = as_rows(x_train)
    evals = {TRAIN: (train, y_train), **{k: (as_rows(x), y) for k, (x, y) in splits.items()}}
    for name, (rows, y) in evals.items():
        if len(rows) != len(y):
            raise ValueError(f"{name}: {len(rows)} inputs but {len(y)} labels")
        if rows.dim != train.dim:
            raise ValueError(f"{name}: {rows.dim} features, training set has {train.dim}")
    n_classes = settings.n_classes or 1 + max(int(np.max(y)) for _, y in evals.values())
    labels = {k: _labels(y, device) for k, (_, y) in evals.items()}

    with deterministic(settings.threads):
        g_init = torch.Generator().manual_seed(seed)  # initial_state draws exactly these weights
        g_batch = torch.Generator().manual_seed(seed + 1_000_003)
        model = init_mlp(train.dim, settings.hidden, n_classes, g_init).to(device)
        fused = device.type in ("cpu", "cuda")
        opt = torch.optim.Adam(model.parameters(), lr=settings.learning_rate, fused=fused)
        history: list[dict] = []
        best_row, best_state, best_it = None, None, 0
        snapshots: dict[int, dict] = {}

        def record(iteration: int) -> None:
            nonlocal best_row, best_state, best_it
            model.eval()
            rows_now = {}
            for name, (rows, _) in evals.items():
                m = evaluate(model, rows, labels[name], settings.eval_batch_size, device)
                rows_now[name] = m
                history.append({"iteration": iteration, "split": name, **m})
            model.train()
            snapshots[iteration] = rows_now
            if _better(rows_now[VALIDATION], best_row):
                best_row, best_it = rows_now[VALIDATION], iteration
                best_state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}

        record(0)
        it = 0
        progress = Progress(log, f"seed {seed}: iterations", settings.iterations, interval=10.0)
        model.train()
        for idx in minibatches(len(train), settings.batch_size, settings.iterations, g_batch):
            xb = torch.from_numpy(train.take(idx)).to(device)
            loss = nn.functional.cross_entropy(model(xb), labels[TRAIN][torch.from_numpy(idx).to(device)])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            it += 1
            if it % settings.eval_every == 0 or it == settings.iterations:
                record(it)
            progress.advance()

    result = MLPResult(
        state_dict=best_state, history=history, chosen_iteration=best_it,
        metrics=snapshots[best_it], last=snapshots[it], seed=seed, settings=asdict(settings),
        device=str(device), seconds=time.perf_counter() - t0,
    )
    log.info("seed %d: chose iteration %d of %d (validation accuracy %.4f, test %s) in %.1f s on %s",
             seed, best_it, it, best_row["accuracy"],
             f"{result.metrics['test']['accuracy']:.4f}" if "test" in result.metrics else "n/a",
             result.seconds, device)
    return result


@torch.inference_mode()
def predict(model: MLP, x, batch_size: int = 500, device: str | torch.device | None = None) -> np.ndarray:
    """Class logits (N, C) of ``model`` for inputs given as for :func:`train_mlp`."""
    device = torch.device(device) if device is not None else next(model.parameters()).device
    model = model.to(device).eval()
    rows = as_rows(x)
    return np.concatenate([model(torch.from_numpy(rows.range(a, b)).to(device)).cpu().numpy()
                           for a, b in rows.slices(batch_size)])
