"""Finite-difference check of the softmax network's analytic gradients.

Central differences in float64 (``(C(θ+h) - C(θ-h)) / 2h``, error O(h²)) at seeded coordinates
of ``W`` and ``b``. The relative error ``|a - n| / max(|a| + |n|, floor)`` is scale-free; the
floor keeps coordinates whose gradient is ~0 (blank border pixels) from dividing by nothing.
The check passes when the worst coordinate's error is within the tolerance (:func:`verdict`);
the workflow's job (:func:`gradient_check_job`) fails otherwise, so nothing trains on a wrong
gradient unnoticed.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from digitface.atomic import write_json, write_tsv
from digitface.digits import softmax
from digitface.digits.split import to_features
from digitface.digits.store import load_split

log = logging.getLogger(__name__)

TABLE_COLUMNS = ["param", "index", "analytic", "numeric", "rel_error"]


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


def table_rows(rows: Sequence[GradCheckRow]) -> list[list[str]]:
    """The rows of ``gradcheck.tsv`` (:data:`TABLE_COLUMNS`), as text."""
    return [
        [r.param, ",".join(map(str, r.index)), f"{r.analytic:.12g}", f"{r.numeric:.12g}", f"{r.rel_error:.3e}"]
        for r in rows
    ]


def verdict(rows: Sequence[GradCheckRow], tolerance: float, examples: int) -> dict:
    """``gradcheck.json``: the worst relative error, and whether it is within ``tolerance``
    (equal passes)."""
    worst = max(r.rel_error for r in rows)
    return {
        "max_rel_error": worst,
        "tolerance": tolerance,
        "passed": worst <= tolerance,
        "coordinates": len(rows),
        "examples": examples,
    }


def gradient_check_job(
    data: str | os.PathLike, settings: Mapping, init: Mapping, table: str | os.PathLike, verdict_path: str | os.PathLike
) -> dict:
    """The check_gradients job: the first ``settings["examples"]`` training images, a seeded
    normal ``W`` (a zero one would make every class equally likely and exercise little of the
    softmax), the table and the verdict written; SystemExit when it fails."""
    split = load_split(data)
    n = settings["examples"]
    x, y = to_features(split["x_train"][:n]), split["y_train"][:n].astype(int)
    W, b = softmax.init_params("normal", seed=init["seed"], scale=max(init["scale"], 0.01))
    rows = check_gradients(x, y, W, b, settings["coords"], settings["h"], settings["seed"])
    text = table_rows(rows)
    write_tsv(table, TABLE_COLUMNS, text)
    for row in text:
        log.info("  %s", "  ".join(row))
    result = verdict(rows, settings["tolerance"], n)
    write_json(verdict_path, result)
    log.info(
        "max relative error %.3e (tolerance %.1e): %s",
        result["max_rel_error"],
        settings["tolerance"],
        "PASS" if result["passed"] else "FAIL",
    )
    if not result["passed"]:
        raise SystemExit(
            f"gradient check failed: max relative error {result['max_rel_error']:.3e} > {settings['tolerance']:.1e}"
        )
    return result
