"""The backprop-cost figure: time against width K (log-log) and depth N (semi-log)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from digitface.plotting import plt, save_figure

COLORS = {"paths": "tab:red", "finite differences": "tab:orange", "backprop": "tab:blue"}
NAMES = {
    "paths": "chain-rule paths, each weight",
    "finite differences": "finite differences, each weight",
    "backprop": "backpropagation",
}


def _errorbars(ax, rows, x, color, label):
    xs = np.array([r[x] for r in rows], dtype=float)
    med = np.array([r["seconds"] for r in rows])
    err = [med - np.array([r["low"] for r in rows]), np.array([r["high"] for r in rows]) - med]
    ax.errorbar(xs, med, yerr=err, fmt="o-", color=color, capsize=3, markersize=4, label=label)


def cost_figure(points: list[dict], fits: list[dict], repeats: int) -> "plt.Figure":
    """``points``: medians per size with their low/high over repeats; ``fits``: slopes with
    95% intervals. The legend sits under the axes."""
    fig, (ax_k, ax_n) = plt.subplots(1, 2, figsize=(12, 5.6), layout="constrained")
    for method, color in COLORS.items():
        k_rows = [r for r in points if r["method"] == method and r["vary"] == "K"]
        n_rows = [r for r in points if r["method"] == method and r["vary"] == "N"]
        if not k_rows or not n_rows:
            continue
        fk = next(f for f in fits if f["method"] == method and "K^a" in f["fit"])
        fn = next(f for f in fits if f["method"] == method and "K^a" not in f["fit"])
        _errorbars(
            ax_k,
            k_rows,
            "width",
            color,
            f"{NAMES[method]} (N = {k_rows[0]['n_layers']}): slope {fk['measured']:.2f} "
            f"[{fk['ci95'][0]:.2f}, {fk['ci95'][1]:.2f}], predicted {fk['predicted']:.0f}",
        )
        _errorbars(
            ax_n,
            n_rows,
            "n_layers",
            color,
            f"{NAMES[method]} (K = {n_rows[0]['width']}): {fn['fit'].split(' at')[0]}, "
            f"fit {fn['measured']:.2f} [{fn['ci95'][0]:.2f}, {fn['ci95'][1]:.2f}], "
            f"predicted {fn['predicted']:.2f}",
        )
    ax_k.set_xscale("log")
    ax_k.set_yscale("log")
    ax_n.set_yscale("log")
    ax_k.set_xlabel("units per layer K")
    ax_n.set_xlabel("layers N (input and output included)")
    for ax in (ax_k, ax_n):
        ax.set_ylabel("CPU seconds for the whole gradient (one example)")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), frameon=False)
    ax_n.xaxis.get_major_locator().set_params(integer=True)
    fig.suptitle(
        "Gradient of every weight: chain-rule paths per weight vs finite differences vs backpropagation\n"
        f"CPU time on this machine, one thread: median of {repeats} repeats (bars: fastest to slowest), "
        "slopes with 95% bootstrap intervals"
    )
    return fig


def plot_cost(summary: str | os.PathLike, png: str | os.PathLike) -> None:
    """The plot_backprop_cost job: the figure of what the measuring job's summary holds."""
    measured = json.loads(Path(summary).read_text(encoding="utf-8"))
    save_figure(cost_figure(measured["points"], measured["fits"], measured["repeats"]), png)
