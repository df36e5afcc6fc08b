"""Figures of the digits experiments: functions that draw one (and return it), and the jobs
that read a rule's inputs, draw and save (``plot_*``)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Mapping

import numpy as np

from digitface.atomic import read_tsv
from digitface.digits.store import load_arrays, load_split
from digitface.plotting import plt, save_figure

SPLIT_STYLE = {"train": "tab:blue", "validation": "tab:orange", "test": "tab:green"}


def digit_gallery(
    images: np.ndarray, labels: np.ndarray, per_digit: int = 10, seed: int = 0, title: str = ""
) -> "plt.Figure":
    """A 10 x ``per_digit`` grid: row d shows ``per_digit`` seeded random examples of digit d."""
    rng = np.random.default_rng(seed)
    fig, axes = plt.subplots(10, per_digit, figsize=(per_digit * 0.7, 10 * 0.7 + 0.5))
    for d in range(10):
        idx = np.flatnonzero(labels == d)
        chosen = rng.choice(idx, size=min(per_digit, len(idx)), replace=False)
        for j, ax in enumerate(axes[d]):
            ax.set_xticks([])
            ax.set_yticks([])
            if j < len(chosen):
                ax.imshow(images[chosen[j]], cmap="gray", vmin=0, vmax=255)
            if j == 0:
                ax.set_ylabel(str(d), rotation=0, labelpad=10, fontsize=12, va="center")
    fig.suptitle(title or f"MNIST: {per_digit} examples of each digit")
    fig.tight_layout()
    return fig


def learning_curves(history: list[dict], best_iteration: int, title: str) -> "plt.Figure":
    """Accuracy (%) and mean cost per example against iteration for each split; the iteration
    chosen on validation is marked and named. The legend sits under the axes, off the data."""
    fig, (ax_acc, ax_cost) = plt.subplots(1, 2, figsize=(11, 4.4), layout="constrained")
    for split in dict.fromkeys(r["split"] for r in history):
        rows = [r for r in history if r["split"] == split]
        it = [r["iteration"] for r in rows]
        style = {"color": SPLIT_STYLE.get(split), "label": split}
        ax_acc.plot(it, [100 * r["accuracy"] for r in rows], **style)
        ax_cost.plot(it, [r["mean_cost"] for r in rows], **style)
    chosen = next(
        (100 * r["accuracy"] for r in history if r["split"] == "validation" and r["iteration"] == best_iteration), None
    )
    label = f"chosen on validation: iteration {best_iteration}"
    if chosen is not None:
        label += f" ({chosen:.1f}%)"
        ax_acc.plot([best_iteration], [chosen], "o", color=SPLIT_STYLE["validation"], markersize=6)
    for ax in (ax_acc, ax_cost):
        ax.axvline(best_iteration, color="0.3", ls="--", lw=1, label=label if ax is ax_acc else None)
        ax.set_xlabel("iteration")
        ax.grid(alpha=0.3)
    ax_acc.set_ylabel("accuracy (%)")
    accs = [100 * r["accuracy"] for r in history if r["iteration"] > 0]
    if accs:
        ax_acc.set_ylim(max(0, min(accs) - 2), min(100, max(accs) + 1))
    ax_cost.set_ylabel("mean cost per example (−log p)")
    ax_cost.set_yscale("log")
    fig.legend(*ax_acc.get_legend_handles_labels(), loc="outside lower center", ncol=4, frameon=False)
    fig.suptitle(title)
    return fig


def weight_images(W: np.ndarray, title: str) -> "plt.Figure":
    """Each digit's 784 incoming weights as a 28x28 image, all ten on ONE symmetric colour scale
    (red positive, blue negative, white 0) with one colour bar, so digits can be compared."""
    fig, axes = plt.subplots(2, 5, figsize=(11.5, 5), layout="constrained")
    lim = float(np.abs(W).max()) or 1.0
    for d, ax in enumerate(axes.flat):
        im = ax.imshow(W[:, d].reshape(28, 28), cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_title(f"digit {d}")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(im, ax=axes, shrink=0.8, label="weight (shared scale: red pushes towards the digit)")
    fig.suptitle(title)
    return fig


#: Each optimizer's name in figure titles.
OPTIMIZER_NAMES = {"gd": "gradient descent", "momentum": "gradient descent with momentum"}


def curves_title(settings: Mapping, data_name: str) -> str:
    """A learning-curve figure's title: the method the run's settings describe, its learning
    rate, and the data."""
    method = f"gradient descent with momentum (γ = {settings['gamma']})" if settings["gamma"] else "gradient descent"
    return f"Softmax network, {method}, learning rate {settings['learning_rate']:g}\n{data_name}"


def read_history(path: str | os.PathLike) -> list[dict]:
    """A training job's ``history.tsv`` as rows with numbers."""
    return [
        {
            "iteration": int(r["iteration"]),
            "split": r["split"],
            "accuracy": float(r["accuracy"]),
            "mean_cost": float(r["mean_cost"]),
        }
        for r in read_tsv(path)
    ]


def plot_digit_gallery(data: str | os.PathLike, settings: Mapping, data_name: str, png: str | os.PathLike) -> None:
    """The plot_digit_gallery job: seeded training examples of each digit."""
    split = load_split(data)
    title = f"{settings['per_digit']} training examples of each digit ({data_name})"
    save_figure(
        digit_gallery(split["x_train"], split["y_train"], settings["per_digit"], settings["seed"], title=title), png
    )


def plot_learning_curves(
    history: str | os.PathLike,
    metrics: str | os.PathLike,
    data_name: str,
    png: str | os.PathLike,
    svg: str | os.PathLike,
) -> None:
    """The plot_learning_curves job: one run's curves, the iteration it kept marked."""
    run = json.loads(Path(metrics).read_text(encoding="utf-8"))
    title = curves_title(run["settings"], data_name)
    save_figure(learning_curves(read_history(history), run["chosen_iteration"], title), png, svg)


def plot_weights(weights: str | os.PathLike, optimizer: str, data_name: str, png: str | os.PathLike) -> None:
    """The plot_weights job: each digit's learned weights of one optimizer's kept model."""
    W = load_arrays(weights)["W"]
    save_figure(weight_images(W, f"Learned weights of each digit, {OPTIMIZER_NAMES[optimizer]}\n{data_name}"), png)
