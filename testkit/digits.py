"""A small digits split file, as the prepare_mnist job writes it, for the jobs that read one."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from digitface.digits.store import save_arrays

#: Images per part of :func:`write_split`'s file (the split file's keys: train, val, test).
COUNTS = {"train": 200, "val": 60, "test": 60}


def write_split(path: Path, counts: dict[str, int] = COUNTS, seed: int = 0) -> dict[str, np.ndarray]:
    """``x_<part>`` (n, 28, 28) uint8 and ``y_<part>`` uint8 labels, written with
    :func:`~digitface.digits.store.save_arrays`: each digit a faint fixed random picture under
    stronger noise, so a softmax network learns them, far from perfectly (about 60% after 30
    iterations at learning rate 1e-3)."""
    rng = np.random.default_rng(seed)
    pictures = np.random.default_rng(99).integers(98, 158, (10, 28, 28))
    arrays = {}
    for part, n in counts.items():
        y = rng.integers(0, 10, n).astype(np.uint8)
        noise = rng.integers(-120, 121, (n, 28, 28))
        arrays[f"x_{part}"] = np.clip(pictures[y] + noise, 0, 255).astype(np.uint8)
        arrays[f"y_{part}"] = y
    save_arrays(path, **arrays)
    return arrays
