"""Reading and writing the digits stage's files (npz arrays only, never pickles)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from digitface.atomic import atomic_path
from digitface.digits.split import to_features

SPLIT_KEYS = ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test")
#: Names used in tables and figures for the three parts of a split.
SPLIT_NAMES = {"train": ("x_train", "y_train"), "validation": ("x_val", "y_val"), "test": ("x_test", "y_test")}


def save_arrays(path: str | Path, **arrays: np.ndarray) -> None:
    """Compressed npz, written atomically; byte-identical for identical arrays."""
    with atomic_path(path) as tmp:
        np.savez_compressed(tmp, **arrays)


def load_arrays(path: str | Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


def load_split(path: str | Path) -> dict[str, np.ndarray]:
    arrays = load_arrays(path)
    missing = [k for k in SPLIT_KEYS if k not in arrays]
    if missing:
        raise KeyError(f"{path}: missing arrays {missing}")
    return arrays


def load_feature_splits(path: str | Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{train, validation, test: (features in [0, 1], integer labels)}`` of a split file."""
    data = load_split(path)
    return {name: (to_features(data[x]), data[y].astype(int)) for name, (x, y) in SPLIT_NAMES.items()}


def train_and_validation(splits: dict[str, tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Training and validation images pooled: what a refit (or the reference's protocol,
    which holds nothing out) trains on."""
    return (
        np.concatenate([splits["train"][0], splits["validation"][0]]),
        np.concatenate([splits["train"][1], splits["validation"][1]]),
    )
