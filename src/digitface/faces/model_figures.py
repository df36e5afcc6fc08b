"""Figures for the face classifiers: learning curves and hidden-unit weight pictures.

Functions return matplotlib figures; save them with :func:`digitface.plotting.save_figure`.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from digitface.faces.hidden_units import UnitContribution
from digitface.plotting import plt

_COLORS = {"train": "tab:blue", "validation": "tab:orange", "test": "tab:green"}


def _series(rows: Sequence[dict], split: str, key: str) -> tuple[np.ndarray, np.ndarray]:
    pts = sorted((r["iteration"], r[key]) for r in rows if r["split"] == split)
    return np.array([p[0] for p in pts]), np.array([p[1] for p in pts], dtype=float)


def learning_curve_figure(history: Sequence[dict], chosen_iteration: int | None = None, *,
                          band: Sequence[dict] | None = None, title: str = "", note: str = "",
                          metric: str = "accuracy") -> "plt.Figure":
    """Accuracy (or loss) of each split against iteration, the validation-chosen iteration marked.

    ``history``: rows {"iteration", "split", metric} of one run (e.g. the median seed's);
    ``band``: optional rows {"iteration", "split", "mean", "sd"} over seeds
    (:func:`digitface.faces.mlp.history_band`), drawn as mean ± sd; ``note`` goes under the
    axes (e.g. "random AlexNet weights, not ImageNet").
    """
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    splits = [s for s in _COLORS if any(r["split"] == s for r in history)]
    splits += sorted({r["split"] for r in history} - set(splits))
    for split in splits:
        color = _COLORS.get(split)
        if band is not None:
            it, mean = _series(band, split, "mean")
            _, sd = _series(band, split, "sd")
            if len(it):
                ax.fill_between(it, mean - sd, mean + sd, color=color, alpha=0.2, linewidth=0,
                                label=f"{split} mean ± sd over seeds")
        it, val = _series(history, split, metric)
        ax.plot(it, val, color=color, label=split, linewidth=1.5)
    if chosen_iteration is not None:
        ax.axvline(chosen_iteration, color="0.3", linestyle="--", linewidth=1,
                   label=f"chosen on validation (iteration {chosen_iteration})")
    ax.set_xlabel("iteration (minibatches)")
    ax.set_ylabel(metric)
    if metric == "accuracy":
        ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right" if metric == "accuracy" else "upper right")
    if title:
        ax.set_title(title)
    if note:
        fig.text(0.01, 0.01, note, fontsize=7, color="0.35", va="bottom")
        fig.subplots_adjust(bottom=0.2)
    return fig


def hidden_units_figure(image: np.ndarray, units: Sequence[UnitContribution],
                        pictures: Sequence[np.ndarray], actor: str, *, title: str = "",
                        columns: int = 6) -> "plt.Figure":
    """The input image, then each top unit's incoming-weight picture titled with its contribution
    (activation x outgoing weight to ``actor``). Pictures are mid-grey at zero weight."""
    if len(units) != len(pictures):
        raise ValueError(f"{len(units)} units but {len(pictures)} pictures")
    n = len(units) + 1
    cols = min(columns, n)
    rows = -(-n // cols)
    # Constrained layout keeps each row's two-line titles clear of the pictures above them.
    fig, axes = plt.subplots(rows, cols, figsize=(1.9 * cols, 2.3 * rows + 0.3), squeeze=False,
                             layout="constrained")
    for ax in axes.ravel():
        ax.axis("off")
    axes[0, 0].imshow(np.asarray(image))
    axes[0, 0].set_title(f"input: {actor}", fontsize=8)
    for k, (unit, pic) in enumerate(zip(units, pictures), start=1):
        ax = axes.ravel()[k]
        ax.imshow(pic, interpolation="nearest")
        ax.set_title(f"unit {unit.unit}\n{unit.contribution:+.3g} = {unit.activation:.3g}×{unit.weight:+.3g}",
                     fontsize=7)
    fig.suptitle(title or f"hidden units that push towards {actor} (activation × outgoing weight)", fontsize=9)
    return fig
