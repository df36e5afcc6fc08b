"""Figures of the digits experiments (each returns a Matplotlib figure; saving is the caller's)."""

from __future__ import annotations

import numpy as np

from ..plotting import plt

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
    """Accuracy and mean cost per example against iteration for each split; the iteration
    chosen on validation is marked."""
    fig, (ax_acc, ax_cost) = plt.subplots(1, 2, figsize=(11, 4))
    for split in dict.fromkeys(r["split"] for r in history):
        rows = [r for r in history if r["split"] == split]
        it = [r["iteration"] for r in rows]
        style = {"color": SPLIT_STYLE.get(split), "label": split}
        ax_acc.plot(it, [100 * r["accuracy"] for r in rows], **style)
        ax_cost.plot(it, [r["mean_cost"] for r in rows], **style)
    for ax in (ax_acc, ax_cost):
        ax.axvline(best_iteration, color="gray", ls="--", lw=1, label="chosen on validation")
        ax.set_xlabel("iteration")
        ax.grid(alpha=0.3)
        ax.legend()
    ax_acc.set_ylabel("accuracy (%)")
    accs = [100 * r["accuracy"] for r in history if r["iteration"] > 0]
    if accs:
        ax_acc.set_ylim(max(0, min(accs) - 2), min(100, max(accs) + 1))
    ax_cost.set_ylabel("cost per example (mean −log p)")
    ax_cost.set_yscale("log")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def weight_images(W: np.ndarray, title: str) -> "plt.Figure":
    """Each digit's 784 incoming weights as a 28x28 image (blue negative, red positive; the
    colour scale is symmetric per digit so 0 is always white)."""
    fig, axes = plt.subplots(2, 5, figsize=(11, 5))
    for d, ax in enumerate(axes.flat):
        w = W[:, d].reshape(28, 28)
        lim = float(np.abs(w).max()) or 1.0
        im = ax.imshow(w, cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_title(f"digit {d}")
        ax.set_xticks([])
        ax.set_yticks([])
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
