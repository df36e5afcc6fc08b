"""One-hidden-layer PyTorch classifier for face crops or AlexNet activations (reference parts 8, 10).

Inputs: ``uint8`` arrays are pixels and are scaled to [-1, 1] (x / 127.5 - 1) as the reference
did; float arrays (activations) are used as they are, or, with ``standardize``, shifted and scaled
per feature by the training set's mean and standard deviation (kept in the model's weights).
Random-weight AlexNet activations vary by a few thousandths from face to face: raw, they move
the hidden layer so little that the network needs several times the epochs to learn.

Either kind may be one array (N, ...) flattened to (N, D), or a sequence of chunk arrays
(n_i, D), typically the AlexNet activation files opened as
:class:`~digitface.faces.data.npy_file.NpyFile`: minibatches then read their rows chunk by chunk, and
no dataset-sized array is ever built or mapped. Both give bit-identical minibatches, hence
identical runs.

Training: Adam on the mean cross-entropy, in epochs: each epoch is a fresh seeded permutation of
the training set cut into consecutive minibatches (the last one may be smaller), so every image
is seen once per epoch. After every epoch (and before the first) the network is evaluated on the
whole VALIDATION set and on a fixed sample of ``curve_faces`` training faces (the learning
curve's train line; the same faces for every seed). The epoch kept is the one with the best
validation accuracy (ties: lower validation loss, then earlier); training stops early once
``patience`` epochs in a row have not beaten it, or after ``epochs``. Only then are the whole
training set and the test set evaluated, once, with the kept weights: the test set never
influences a choice, and evaluation stays a bounded share of the work whatever the data size.
A run whose kept epoch is its last was still improving when it ran out of epochs: the result
says so (``still_improving``).

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
from digitface.faces.data.rows import Rows, RowSubset, as_rows
from digitface.memory import reused_freed_memory
from digitface.progress import Progress

log = logging.getLogger(__name__)

TRAIN = "train"
VALIDATION = "validation"


@dataclass(frozen=True)
class MLPSettings:
    hidden: int = 600
    learning_rate: float = 1e-4
    batch_size: int = 20
    epochs: int = 50  # at most
    patience: int = 10  # epochs without a better validation result before stopping
    curve_faces: int = 1000  # training faces evaluated every epoch for the learning curve
    eval_batch_size: int = 250  # memory per job stays flat: a batch, not a set
    n_classes: int | None = None  # None: 1 + the largest label seen
    threads: int | None = None  # CPU threads while training; None: torch's current setting
    standardize: bool = False  # inputs to zero mean, unit variance per feature (training-set statistics)


# -------------------------------------------------------------------------------------- model


class MLP(nn.Module):
    """Inputs (N, D) -> ReLU hidden layer -> class logits.

    With :meth:`standardize`, inputs are first shifted and scaled per feature by statistics of
    the training set, kept in the weights (buffers ``input_mean``, ``input_scale``), so a saved
    model takes raw inputs like any other.
    """

    def __init__(self, n_inputs: int, n_hidden: int, n_classes: int):
        super().__init__()
        self.hidden = nn.Linear(n_inputs, n_hidden)
        self.out = nn.Linear(n_hidden, n_classes)
        self.register_buffer("input_mean", None)  # None: not in the state dict
        self.register_buffer("input_scale", None)

    def standardize(self, mean: np.ndarray, scale: np.ndarray) -> None:
        """Inputs become ``(x - mean) * scale`` before the hidden layer."""
        device = self.hidden.weight.device
        self.input_mean = torch.as_tensor(mean, dtype=torch.float32, device=device)
        self.input_scale = torch.as_tensor(scale, dtype=torch.float32, device=device)

    def hidden_activations(self, x: torch.Tensor) -> torch.Tensor:
        if self.input_mean is not None:
            x = (x - self.input_mean) * self.input_scale
        return torch.relu(self.hidden(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.hidden_activations(x))

    @classmethod
    def from_state_dict(cls, state: Mapping[str, torch.Tensor]) -> "MLP":
        """Rebuild a trained network from :attr:`MLPResult.state_dict`."""
        hidden, n_inputs = state["hidden.weight"].shape
        model = cls(n_inputs, hidden, state["out.weight"].shape[0])
        if "input_mean" in state:
            model.standardize(state["input_mean"], state["input_scale"])
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
    """A trained network at the validation-chosen epoch, and how it got there."""

    state_dict: dict[str, torch.Tensor]  # CPU tensors, at ``chosen_epoch``
    history: list[dict]  # {"epoch", "split", "accuracy", "loss"} rows, validation and the curve sample
    chosen_epoch: int
    epochs_run: int
    metrics: dict[str, dict[str, float]]  # {split: {"accuracy", "loss"}} of the kept weights, whole sets
    last: dict[str, dict[str, float]]  # validation and the curve sample after the last epoch
    seed: int
    settings: dict = field(default_factory=dict)
    curve_faces: int = 0  # training faces behind the curve's train line
    device: str = "cpu"
    seconds: dict[str, float] = field(default_factory=dict)  # total, training, evaluation

    @property
    def still_improving(self) -> bool:
        """The kept epoch is the last one run: more epochs might have done better."""
        return self.chosen_epoch == self.epochs_run

    def model(self) -> MLP:
        return MLP.from_state_dict(self.state_dict)

    def summary(self) -> dict:
        """Everything but the weights and the history, JSON-ready."""
        return {
            "seed": self.seed,
            "chosen_epoch": self.chosen_epoch,
            "epochs_run": self.epochs_run,
            "still_improving": self.still_improving,
            "metrics": self.metrics,
            "last": self.last,
            "settings": self.settings,
            "curve_faces": self.curve_faces,
            "device": self.device,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }


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
    was_training = model.training
    model.eval()
    correct, loss = 0, 0.0
    for start, stop in rows.slices(batch_size):
        logits = model(torch.from_numpy(rows.range(start, stop)).to(device))
        target = y[start:stop]
        loss += float(nn.functional.cross_entropy(logits, target, reduction="sum"))
        correct += int((logits.argmax(1) == target).sum())
    model.train(was_training)
    return {"accuracy": correct / len(rows), "loss": loss / len(rows)}


def input_statistics(rows: Rows, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Per feature: the mean of ``rows`` and 1 / standard deviation (0 for a feature constant
    over them: it carries nothing, and a division by its tiny spread would blow up elsewhere).
    One pass in batches, summed in float64 in a fixed order: the same for every seed."""
    total = np.zeros(rows.dim)
    squares = np.zeros(rows.dim)
    for start, stop in rows.slices(batch_size):
        block = rows.range(start, stop).astype(np.float64)
        total += block.sum(axis=0)
        squares += np.square(block).sum(axis=0)
    mean = total / len(rows)
    sd = np.sqrt(np.maximum(squares / len(rows) - np.square(mean), 0.0))
    scale = np.divide(1.0, sd, out=np.zeros_like(sd), where=sd > 1e-6 * max(float(sd.max()), 1e-30))
    return mean.astype(np.float32), scale.astype(np.float32)


def epoch_batches(n: int, batch_size: int, generator: torch.Generator) -> list[np.ndarray]:
    """One epoch's minibatches: consecutive slices of a fresh permutation of ``range(n)``."""
    perm = torch.randperm(n, generator=generator).numpy()
    return [perm[start : start + batch_size] for start in range(0, n, batch_size)]


def curve_sample(n: int, size: int) -> np.ndarray:
    """The training rows the learning curve is measured on: all of them, or ``size`` drawn
    once (sorted; the same for every seed, so that the seeds' curves are comparable)."""
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, size, replace=False))


def _better(row: dict, best: dict | None) -> bool:
    """Higher accuracy wins; ties go to lower loss; full ties keep the earlier row."""
    if best is None:
        return True
    return (row["accuracy"], -row["loss"]) > (best["accuracy"], -best["loss"])


def choose_epoch(history: Sequence[dict], split: str = VALIDATION) -> int:
    """The epoch whose ``split`` row is best by :func:`_better` (the rule train_mlp applies)."""
    best = None
    for row in sorted((r for r in history if r["split"] == split), key=lambda r: r["epoch"]):
        if _better(row, best):
            best = row
    if best is None:
        raise ValueError(f"no {split!r} rows in the history")
    return best["epoch"]


class EarlyStopping:
    """Keeps the weights of the best validation epoch; says when ``patience`` epochs in a row
    have not beaten it."""

    def __init__(self, patience: int) -> None:
        self.patience = patience
        self.best: dict | None = None
        self.epoch = 0
        self.state: dict[str, torch.Tensor] | None = None
        self.since_best = 0

    def update(self, epoch: int, validation: dict, model: nn.Module) -> None:
        if _better(validation, self.best):
            self.best, self.epoch, self.since_best = validation, epoch, 0
            self.state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
        else:
            self.since_best += 1

    @property
    def stop(self) -> bool:
        return self.since_best >= self.patience


@dataclass
class _Data:
    """The training set, the evaluated sets and their labels on the device."""

    train: Rows
    labels: dict[str, torch.Tensor]
    sets: dict[str, Rows]  # "train" (whole), "validation", the other splits
    curve: Rows  # the fixed training sample of the learning curve

    @classmethod
    def check(cls, x_train, y_train, splits: Mapping[str, tuple], curve_faces: int, device: torch.device) -> "_Data":
        if VALIDATION not in splits:
            raise ValueError("splits must include 'validation': it chooses the epoch kept")
        if TRAIN in splits:
            raise ValueError("'train' is the training set itself; do not pass it in splits")
        train = as_rows(x_train)
        given = {TRAIN: (train, y_train), **{k: (as_rows(x), y) for k, (x, y) in splits.items()}}
        for name, (rows, y) in given.items():
            if len(rows) != len(y):
                raise ValueError(f"{name}: {len(rows)} inputs but {len(y)} labels")
            if rows.dim != train.dim:
                raise ValueError(f"{name}: {rows.dim} features, training set has {train.dim}")
        labels = {k: _labels(y, device) for k, (_, y) in given.items()}
        sample = curve_sample(len(train), curve_faces)
        labels["curve"] = labels[TRAIN][torch.from_numpy(sample).to(device)]
        return cls(train, labels, {k: rows for k, (rows, _) in given.items()}, RowSubset(train, sample))


def _labels(y, device) -> torch.Tensor:
    return torch.as_tensor(np.asarray(y, dtype=np.int64), device=device)


def train_mlp(
    x_train,
    y_train,
    splits: Mapping[str, tuple],
    settings: MLPSettings = MLPSettings(),
    seed: int = 0,
    device: str | torch.device | None = None,
) -> MLPResult:
    """Train one network; ``splits`` maps names to (x, y) and must contain ``"validation"``.

    ``x_*`` are arrays or sequences of chunk arrays (module docstring); ``y_*`` integer labels.
    """
    t0 = time.perf_counter()
    device = torch.device(device) if device is not None else default_device()
    data = _Data.check(x_train, y_train, splits, settings.curve_faces, device)
    n_classes = settings.n_classes or 1 + max(int(labels.max()) for labels in data.labels.values())
    evaluating = Stopwatch()
    with deterministic(settings.threads), reused_freed_memory():
        model = _new_network(data.train, n_classes, settings, seed, device)
        history, stopper, epochs_run, last = _fit(model, data, settings, seed, device, evaluating)
        model.load_state_dict(stopper.state)
        with evaluating:
            metrics = {
                name: evaluate(model, rows, data.labels[name], settings.eval_batch_size, device)
                for name, rows in data.sets.items()
            }
    total = time.perf_counter() - t0
    result = MLPResult(
        state_dict=stopper.state,
        history=history,
        chosen_epoch=stopper.epoch,
        epochs_run=epochs_run,
        metrics=metrics,
        last=last,
        seed=seed,
        settings=asdict(settings),
        curve_faces=len(data.curve),
        device=str(device),
        seconds={"total": total, "training": total - evaluating.seconds, "evaluation": evaluating.seconds},
    )
    _log_outcome(result, "patience ran out" if stopper.stop else f"the last of {settings.epochs} epochs")
    return result


def _new_network(train: Rows, n_classes: int, settings: MLPSettings, seed: int, device: torch.device) -> MLP:
    """The seed's initial weights (drawn on the CPU: the same on any device), standardizing the
    inputs by the training set's statistics if the settings ask for it."""
    model = init_mlp(train.dim, settings.hidden, n_classes, torch.Generator().manual_seed(seed)).to(device)
    if settings.standardize:
        model.standardize(*input_statistics(train, settings.eval_batch_size))
    return model


def _fit(
    model: MLP, data: _Data, settings: MLPSettings, seed: int, device: torch.device, evaluating: Stopwatch
) -> tuple[list[dict], EarlyStopping, int, dict]:
    """Epochs until patience runs out or ``settings.epochs`` are done, measured before the first
    and after each: (the learning curve's rows, the stopper holding the best epoch's weights,
    epochs run, the last measurement)."""
    opt = torch.optim.Adam(model.parameters(), lr=settings.learning_rate, fused=device.type in ("cpu", "cuda"))
    g_batch = torch.Generator().manual_seed(seed + 1_000_003)  # minibatch order, apart from the weights'
    stopper = EarlyStopping(settings.patience)
    progress = Progress(log, f"seed {seed}: epochs", settings.epochs, interval=10.0)
    history: list[dict] = []
    epoch = 0
    while True:
        with evaluating:
            last = _measure(model, data, settings.eval_batch_size, device)
        history += _history_rows(epoch, last)
        stopper.update(epoch, last[VALIDATION], model)
        if epoch:
            progress.advance()
        if epoch >= settings.epochs or stopper.stop:
            return history, stopper, epoch, last
        epoch += 1
        train_epoch(
            model,
            opt,
            data.train,
            data.labels[TRAIN],
            epoch_batches(len(data.train), settings.batch_size, g_batch),
            device,
        )


def _log_outcome(result: MLPResult, why: str) -> None:
    metrics = result.metrics
    log.info(
        "seed %d: kept epoch %d of %d (%s; validation accuracy %.4f, test %s) in %.1f s on %s, %.0f%% of it evaluating",
        result.seed,
        result.chosen_epoch,
        result.epochs_run,
        why,
        metrics[VALIDATION]["accuracy"],
        f"{metrics['test']['accuracy']:.4f}" if "test" in metrics else "n/a",
        result.seconds["total"],
        result.device,
        100 * result.seconds["evaluation"] / result.seconds["total"],
    )
    if result.still_improving:
        log.warning(
            "seed %d: the kept epoch is the last one run: still improving on validation, more epochs "
            "(the MLP's `epochs` setting) may do better",
            result.seed,
        )


def train_epoch(
    model: MLP,
    opt: torch.optim.Optimizer,
    train: Rows,
    labels: torch.Tensor,
    batches: Sequence[np.ndarray],
    device: torch.device,
) -> None:
    """One optimizer step per minibatch (index arrays into ``train``)."""
    model.train()
    for idx in batches:
        xb = torch.from_numpy(train.take(idx)).to(device)
        loss = nn.functional.cross_entropy(model(xb), labels[torch.from_numpy(idx).to(device)])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()


def _measure(model: MLP, data: _Data, batch_size: int, device: torch.device) -> dict[str, dict[str, float]]:
    """The learning curve's point: the whole validation set and the fixed training sample."""
    return {
        VALIDATION: evaluate(model, data.sets[VALIDATION], data.labels[VALIDATION], batch_size, device),
        TRAIN: evaluate(model, data.curve, data.labels["curve"], batch_size, device),
    }


def _history_rows(epoch: int, measured: Mapping[str, dict]) -> list[dict]:
    return [{"epoch": epoch, "split": name, **m} for name, m in measured.items()]


class Stopwatch:
    """Seconds spent inside ``with`` blocks, summed."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __enter__(self) -> "Stopwatch":
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds += time.perf_counter() - self._start


@torch.inference_mode()
def predict(model: MLP, x, batch_size: int = 500, device: str | torch.device | None = None) -> np.ndarray:
    """Class logits (N, C) of ``model`` for inputs given as for :func:`train_mlp`."""
    device = torch.device(device) if device is not None else next(model.parameters()).device
    model = model.to(device).eval()
    rows = as_rows(x)
    return np.concatenate(
        [model(torch.from_numpy(rows.range(a, b)).to(device)).cpu().numpy() for a, b in rows.slices(batch_size)]
    )
