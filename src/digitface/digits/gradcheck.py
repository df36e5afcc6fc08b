"""Finite-difference check of the softmax network's analytic gradients.

Central differences in float64 (``(C(θ+h) - C(θ-h)) / 2h``, error O(h²)) at seeded coordinates
of ``W`` and ``b``. The relative error ``|a - n| / max(|a| + |n|, floor)`` is scale-free; the
floor keeps coordinates whose gradient is ~0 (blank border pixels) from dividing by nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import softmax


@dataclass(frozen=True)
class GradCheckRow:
    param: str
    index: tuple[int, ...]
    analytic: float
    numeric: float
    rel_error: float


def relative_error(a: float, n: float, floor: float = 1e-12) -> float:
    return abs(a - n) / max(abs(a) + abs(n), floor)


def check_gradients(
    x: np.ndarray,
    y: np.ndarray,
    W: np.ndarray,
    b: np.ndarray,
    n_coords: int = 20,
    h: float = 1e-5,
    seed: int = 0,
) -> list[GradCheckRow]:
    """Compare analytic and central-difference gradients at ``n_coords`` coordinates each of
    ``W`` and ``b`` (all of ``b`` if it has fewer). Weight coordinates are drawn among pixels
    that are non-zero in the batch, where the gradient is not trivially 0 on both sides."""
    x, W, b = (np.asarray(a, dtype=np.float64) for a in (x, W, b))
    dW, db = softmax.gradients(x, W, b, y)
    rng = np.random.default_rng(seed)
    active = np.flatnonzero(np.any(x != 0, axis=0))
    rows = rng.choice(active, size=n_coords, replace=len(active) < n_coords)
    coords = [("W", (int(r), int(rng.integers(W.shape[1])))) for r in rows]
    b_idx = rng.permutation(b.shape[0])[: min(n_coords, b.shape[0])]
    coords += [("b", (int(j),)) for j in b_idx]
    table = []
    for name, index in coords:
        param, grad = (W, dW) if name == "W" else (b, db)
        original = param[index]
        param[index] = original + h
        c_plus = softmax.cost(x, W, b, y)
        param[index] = original - h
        c_minus = softmax.cost(x, W, b, y)
        param[index] = original
        numeric = (c_plus - c_minus) / (2 * h)
        analytic = float(grad[index])
        table.append(GradCheckRow(name, index, analytic, numeric, relative_error(analytic, numeric)))
    return table
