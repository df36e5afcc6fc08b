"""One classifier trained once per seed: mean ± sd of its results, and of its learning curves.

The spread over seeds says how much a number can be trusted. These functions work on what the
training jobs write (each seed's ``metrics.json``, as :meth:`MLPResult.summary` gives it, and
its history rows), so the summarizing job needs neither the models nor torch.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


def mean_sd(values: Sequence[float]) -> dict:
    v = np.asarray(values, dtype=np.float64)
    return {"mean": float(v.mean()), "sd": float(v.std(ddof=1)) if len(v) > 1 else 0.0,
            "n": int(len(v)), "values": [float(x) for x in v]}


def summarize_runs(runs: Sequence[dict]) -> dict:
    """Mean and sample sd (ddof=1) over seeds of each split's accuracy and loss at the chosen
    iteration, and of the chosen iteration itself. ``runs``: one summary per seed, with
    ``seed``, ``chosen_iteration`` and ``metrics`` ({split: {accuracy, loss}}); ``n`` (faces
    per set) and ``device`` are carried over from the first."""
    if len(runs) < 2:
        raise ValueError("need at least two seeds for a standard deviation")
    out = {"seeds": [r["seed"] for r in runs], "chosen_iteration": mean_sd([r["chosen_iteration"] for r in runs])}
    out.update({k: runs[0][k] for k in ("n", "device") if k in runs[0]})
    for split in runs[0]["metrics"]:
        out[split] = {m: mean_sd([r["metrics"][split][m] for r in runs]) for m in ("accuracy", "loss")}
    return out


def history_band(histories: Sequence[Sequence[dict]], metric: str = "accuracy") -> list[dict]:
    """Per (iteration, split): mean and sd over seeds of ``metric`` (for a learning-curve band)."""
    values: dict[tuple[int, str], list[float]] = {}
    for history in histories:
        for row in history:
            values.setdefault((row["iteration"], row["split"]), []).append(row[metric])
    return [{"iteration": it, "split": split, **{k: v for k, v in mean_sd(vals).items() if k != "values"}}
            for (it, split), vals in sorted(values.items())]
