"""What the MLP's training loop is fed: the checked sets and their labels, the epochs'
minibatches, the learning curve's training sample and the inputs' statistics.

Inputs: ``uint8`` arrays are pixels and are scaled to [-1, 1] (x / 127.5 - 1) as the reference
did; float arrays (activations) are used as they are, or, with ``standardize``, shifted and
scaled per feature by the training set's mean and standard deviation (:func:`input_statistics`,
kept in the model's weights).

Either kind may be one array (N, ...) flattened to (N, D), or a sequence of chunk arrays
(n_i, D), typically the AlexNet activation files opened as
:class:`~digitface.faces.data.npy_file.NpyFile`: minibatches then read their rows chunk by chunk, and
no dataset-sized array is ever built or mapped. Both give bit-identical minibatches, hence
identical runs.

Its own module, apart from the loop (:mod:`digitface.faces.models.mlp`): which rows a step or a
measurement sees is decided here, once, from seeds; the loop only walks through them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
import torch

from digitface.faces.data.rows import Rows, RowSubset, as_rows

TRAIN = "train"
VALIDATION = "validation"
CURVE = "curve"  # the labels of the learning curve's training sample


@dataclass
class TrainingData:
    """The training set, the evaluated sets and their labels on the device."""

    train: Rows
    labels: dict[str, torch.Tensor]  # by set name, and CURVE
    sets: dict[str, Rows]  # "train" (whole), "validation", the other splits
    curve: Rows  # the fixed training sample of the learning curve

    @classmethod
    def check(
        cls, x_train, y_train, splits: Mapping[str, tuple], curve_faces: int, device: torch.device
    ) -> "TrainingData":
        """The sets as rows, once their names, sizes and widths agree; labels on ``device``."""
        if VALIDATION not in splits:
            raise ValueError("splits must include 'validation': it chooses the epoch kept")
        if TRAIN in splits:
            raise ValueError("'train' is the training set itself; do not pass it in splits")
        train = as_rows(x_train)
        given = {TRAIN: (train, y_train), **{k: (as_rows(x), y) for k, (x, y) in splits.items()}}
        _check_sizes(given, train.dim)
        labels = {k: _labels(y, device) for k, (_, y) in given.items()}
        sample = curve_sample(len(train), curve_faces)
        labels[CURVE] = labels[TRAIN][torch.from_numpy(sample).to(device)]
        return cls(train, labels, {k: rows for k, (rows, _) in given.items()}, RowSubset(train, sample))


def _check_sizes(given: Mapping[str, tuple[Rows, object]], dim: int) -> None:
    """Every set has one label per input and the training set's number of features."""
    for name, (rows, y) in given.items():
        if len(rows) != len(y):
            raise ValueError(f"{name}: {len(rows)} inputs but {len(y)} labels")
        if rows.dim != dim:
            raise ValueError(f"{name}: {rows.dim} features, training set has {dim}")


def _labels(y, device) -> torch.Tensor:
    return torch.as_tensor(np.asarray(y, dtype=np.int64), device=device)


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
