"""Training of the one-hidden-layer face classifier (reference parts 8, 10), on face crops or
AlexNet activations: :func:`train_mlp`.

Adam on the mean cross-entropy, in epochs: each epoch is a fresh seeded permutation of
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

The loop only: the network and its weights on disk are :mod:`~digitface.faces.models.mlp_network`,
what it is fed (inputs, minibatches, the curve's sample) :mod:`~digitface.faces.models.mlp_data`,
its settings and result :mod:`~digitface.faces.models.mlp_result`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from typing import Mapping, Sequence

import numpy as np
import torch
from torch import nn

from digitface.device import default_device
from digitface.faces.data.rows import Rows
from digitface.faces.models.mlp_data import CURVE, TRAIN, VALIDATION, TrainingData, epoch_batches, input_statistics
from digitface.faces.models.mlp_network import MLP, deterministic, init_mlp
from digitface.faces.models.mlp_result import MLPResult, MLPSettings
from digitface.memory import reused_freed_memory
from digitface.progress import Progress

log = logging.getLogger(__name__)


def train_mlp(
    x_train,
    y_train,
    splits: Mapping[str, tuple],
    settings: MLPSettings = MLPSettings(),
    seed: int = 0,
    device: str | torch.device | None = None,
) -> MLPResult:
    """Train one network; ``splits`` maps names to (x, y) and must contain ``"validation"``.

    ``x_*`` are arrays or sequences of chunk arrays (:mod:`~digitface.faces.models.mlp_data`);
    ``y_*`` integer labels.
    """
    t0 = time.perf_counter()
    device = torch.device(device) if device is not None else default_device()
    data = TrainingData.check(x_train, y_train, splits, settings.curve_faces, device)
    n_classes = settings.n_classes or 1 + max(int(labels.max()) for labels in data.labels.values())
    evaluating = Stopwatch()
    with deterministic(settings.threads), reused_freed_memory():
        model = _new_network(data.train, n_classes, settings, seed, device)
        epochs = _fit(model, data, settings, seed, device, evaluating)
        model.load_state_dict(epochs.stopper.state)
        with evaluating:
            metrics = _evaluate_sets(model, data, settings.eval_batch_size, device)
    total = time.perf_counter() - t0
    result = MLPResult(
        state_dict=epochs.stopper.state,
        history=epochs.history,
        chosen_epoch=epochs.stopper.epoch,
        epochs_run=epochs.run,
        metrics=metrics,
        last=epochs.last,
        seed=seed,
        settings=asdict(settings),
        curve_faces=len(data.curve),
        device=str(device),
        seconds={"total": total, "training": total - evaluating.seconds, "evaluation": evaluating.seconds},
    )
    _log_outcome(result, "patience ran out" if epochs.stopper.stop else f"the last of {settings.epochs} epochs")
    return result


def _new_network(train: Rows, n_classes: int, settings: MLPSettings, seed: int, device: torch.device) -> MLP:
    """The seed's initial weights (drawn on the CPU: the same on any device), standardizing the
    inputs by the training set's statistics if the settings ask for it."""
    model = init_mlp(train.dim, settings.hidden, n_classes, torch.Generator().manual_seed(seed)).to(device)
    if settings.standardize:
        model.standardize(*input_statistics(train, settings.eval_batch_size))
    return model


@dataclass
class _Epochs:
    """What the epochs left behind."""

    history: list[dict]  # the learning curve's rows
    stopper: EarlyStopping  # holding the best epoch's weights
    run: int  # epochs run
    last: dict[str, dict[str, float]]  # the last measurement


def _fit(
    model: MLP, data: TrainingData, settings: MLPSettings, seed: int, device: torch.device, evaluating: Stopwatch
) -> _Epochs:
    """Epochs until patience runs out or ``settings.epochs`` are done, measured before the first
    and after each."""
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
            return _Epochs(history, stopper, epoch, last)
        epoch += 1
        batches = epoch_batches(len(data.train), settings.batch_size, g_batch)
        train_epoch(model, opt, data.train, data.labels[TRAIN], batches, device)


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


def _measure(model: MLP, data: TrainingData, batch_size: int, device: torch.device) -> dict[str, dict[str, float]]:
    """The learning curve's point: the whole validation set and the fixed training sample."""
    return {
        VALIDATION: evaluate(model, data.sets[VALIDATION], data.labels[VALIDATION], batch_size, device),
        TRAIN: evaluate(model, data.curve, data.labels[CURVE], batch_size, device),
    }


def _evaluate_sets(model: MLP, data: TrainingData, batch_size: int, device: torch.device) -> dict[str, dict]:
    """The kept weights on every whole set, once."""
    return {name: evaluate(model, rows, data.labels[name], batch_size, device) for name, rows in data.sets.items()}


def _history_rows(epoch: int, measured: Mapping[str, dict]) -> list[dict]:
    return [{"epoch": epoch, "split": name, **m} for name, m in measured.items()]


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


class Stopwatch:
    """Seconds spent inside ``with`` blocks, summed."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __enter__(self) -> "Stopwatch":
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds += time.perf_counter() - self._start


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
