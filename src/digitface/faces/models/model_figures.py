"""Figures for the face classifiers: learning curves and hidden-unit weight pictures.

The figure functions return matplotlib figures (save them with
:func:`digitface.plotting.save_figure`); :func:`plot_hidden_units` is the job that reads the
index, crops and model, explains one image and saves its figure and numbers.
"""

from __future__ import annotations

import os
import textwrap
from typing import Sequence

import numpy as np

from digitface.atomic import write_json
from digitface.faces.data.face_index import IndexRow, choose_face, crop_sets, gather_crops, open_crop_arrays, read_index
from digitface.faces.models.hidden_units import UnitContribution, UnitEvidence, unit_evidence, weight_picture
from digitface.faces.models.mlp_network import load_state
from digitface.plotting import plt, save_figure

_COLORS = {"train": "tab:blue", "validation": "tab:orange", "test": "tab:green"}


def _series(rows: Sequence[dict], split: str, key: str) -> tuple[np.ndarray, np.ndarray]:
    pts = sorted((r["epoch"], r[key]) for r in rows if r["split"] == split)
    return np.array([p[0] for p in pts]), np.array([p[1] for p in pts], dtype=float)


def learning_curve_figure(
    history: Sequence[dict],
    chosen_epoch: int | None = None,
    *,
    band: Sequence[dict] | None = None,
    title: str = "",
    note: str = "",
    chosen: Sequence[int] = (),
    test: float | None = None,
) -> "plt.Figure":
    """Accuracy (%) of each split against epoch.

    ``history``: rows {"epoch", "split", "accuracy"} of one run (the median seed's);
    ``band``: rows {"epoch", "split", "mean", "sd"} over seeds
    (:func:`digitface.faces.models.seeds.history_band`), drawn as mean ± sd; ``chosen_epoch``: the
    shown run's choice (dashed line); ``chosen``: every seed's choice (ticks on the axis);
    ``test``: the shown run's test accuracy, measured once at its kept epoch (a point).
    The legend and ``note`` sit under the axes, off the data.
    """
    fig, ax = plt.subplots(figsize=(7.2, 5.0), layout="constrained")
    for split in _splits(history):
        if band is not None:
            _draw_band(ax, band, split)
        it, val = _series(history, split, "accuracy")
        ax.plot(it, 100 * val, color=_COLORS.get(split), label=f"{split} (the median seed)", linewidth=1.5)
    if chosen_epoch is not None:
        _mark_kept_epoch(ax, chosen_epoch, test)
    _mark_seeds_choices(ax, chosen)
    _label_curve_axes(ax, title)
    fig.legend(
        *ax.get_legend_handles_labels(),
        loc="outside lower center",
        ncol=2,
        fontsize=8,
        frameon=False,
        title=note or None,
        title_fontsize=7,
    )
    return fig


def _splits(history: Sequence[dict]) -> list[str]:
    """The history's splits: train, validation, test first, then any other, by name."""
    splits = [s for s in _COLORS if any(r["split"] == s for r in history)]
    return splits + sorted({r["split"] for r in history} - set(splits))


def _draw_band(ax, band: Sequence[dict], split: str) -> None:
    """The split's mean ± sd over seeds, shaded (nothing if the band has no rows for it)."""
    it, mean = _series(band, split, "mean")
    _, sd = _series(band, split, "sd")
    if len(it):
        ax.fill_between(
            it,
            100 * (mean - sd),
            100 * (mean + sd),
            color=_COLORS.get(split),
            alpha=0.2,
            linewidth=0,
            label=f"{split}: mean ± sd over seeds",
        )


def _mark_kept_epoch(ax, chosen_epoch: int, test: float | None) -> None:
    """The shown run's kept epoch (a dashed line) and its test accuracy there (a point)."""
    ax.axvline(
        chosen_epoch,
        color="0.3",
        linestyle="--",
        linewidth=1,
        label=f"kept on validation, the median seed (epoch {chosen_epoch})",
    )
    if test is not None:
        ax.plot(
            [chosen_epoch],
            [100 * test],
            marker="o",
            color=_COLORS["test"],
            linestyle="none",
            label=f"test at the kept epoch, the median seed ({100 * test:.1f}%)",
        )


def _mark_seeds_choices(ax, chosen: Sequence[int]) -> None:
    """Every seed's kept epoch, a tick on the epoch axis (one legend entry for all)."""
    for i, it in enumerate(chosen):
        ax.plot(
            [it],
            [0],
            marker="^",
            color="0.3",
            markersize=7,
            clip_on=False,
            label="kept epoch of each seed" if i == 0 else None,
        )


def _label_curve_axes(ax, title: str) -> None:
    ax.set_xlabel("epoch (passes over the training set)")
    ax.set_ylabel("accuracy (%)")
    ax.set_ylim(0, 102)
    ax.grid(alpha=0.3)
    if title:
        ax.set_title(title, fontsize=10)


def hidden_units_figure(
    image: np.ndarray,
    units: Sequence[UnitContribution],
    changes: Sequence[np.ndarray],
    drivers: Sequence[np.ndarray],
    actor: str,
    *,
    title: str = "",
    explanation: str = "",
    columns: int = 5,
) -> "plt.Figure":
    """The input image and, for each top unit, what it learned (its weights minus their initial
    values, as an RGB picture: grey is no change) above the training face that drives it most."""
    if not len(units) == len(changes) == len(drivers):
        raise ValueError(f"{len(units)} units, {len(changes)} pictures, {len(drivers)} faces")
    cols = max(1, min(columns, len(units)))
    blocks = -(-len(units) // cols)
    fig = plt.figure(figsize=(2.0 * cols + 2.2, 4.3 * blocks + 1.2), layout="constrained")
    grid = fig.add_gridspec(2 * blocks + 1, cols + 1, height_ratios=[1] * (2 * blocks) + [0.35])
    ax = fig.add_subplot(grid[0:2, 0])
    ax.imshow(np.asarray(image))
    ax.set_title(f"the input:\n{actor}", fontsize=8)
    ax.axis("off")
    for k, (unit, change, driver) in enumerate(zip(units, changes, drivers)):
        _draw_unit(fig, grid, 2 * (k // cols), 1 + k % cols, k, unit, change, driver)
    fig.suptitle(title or f"hidden units that push towards {actor}", fontsize=9)
    _draw_explanation(fig.add_subplot(grid[-1, :]), explanation, width=int(28 * (cols + 1)))
    return fig


def _draw_unit(fig, grid, row: int, col: int, k: int, unit: UnitContribution, change, driver) -> None:
    """The ``k``-th unit's column in its block: what it learned above the face that drives it most."""
    top = fig.add_subplot(grid[row, col])
    top.imshow(change, interpolation="nearest")
    top.set_title(f"#{k + 1}: unit {unit.unit}\nadds {unit.contribution:+.2f} to the score", fontsize=7)
    top.axis("off")
    bottom = fig.add_subplot(grid[row + 1, col])
    bottom.imshow(np.asarray(driver))
    bottom.set_title("drives it most", fontsize=7)
    bottom.axis("off")


def _draw_explanation(note, explanation: str, width: int) -> None:
    """The words under the figure, wrapped to ``width`` characters, in their own axes."""
    note.axis("off")
    note.text(
        0,
        1,
        textwrap.fill(explanation, width=width),
        fontsize=7,
        color="0.25",
        va="top",
        ha="left",
        transform=note.transAxes,
    )


def hidden_units_explanation(name: str, evidence: UnitEvidence, training_faces: int) -> str:
    """The words under the hidden-unit figure: how units are ranked, what is drawn, and how much
    of what they learned is made of training faces (beside what the initial weights give)."""
    spanned = (
        f"the {training_faces} training faces"
        if evidence.span_faces == training_faces
        else f"{evidence.span_faces} of the {training_faces} training faces (evenly spread)"
    )
    return (
        f"Units ranked by how much each adds to {name}'s score for this image: its activation on the image "
        f"times the weight from the unit to {name}'s output (units that push away from {name} are not shown). "
        "Top: what the unit learned, its weights minus their random initial values (grey: no change; one "
        "colour scale for all). Bottom: the training face that activates it most. The learned changes lie "
        f"{100 * np.median(evidence.learned):.0f}% (median) in the span of {spanned}; the "
        f"initial weights {100 * np.median(evidence.untrained):.1f}%."
    )


def hidden_units_stats(
    name: str, chosen: IndexRow, train: Sequence[IndexRow], evidence: UnitEvidence, pixels: int
) -> dict:
    """The figure's numbers (``hidden_units_<actor>.json``): the image, and per unit its
    contribution, span shares and driving face."""
    return {
        "actor": name,
        "image_id": chosen.image_id,
        "face_id": chosen.face_id,
        "set": chosen.set,
        "training_faces": len(train),
        "span_faces": evidence.span_faces,
        "pixels": int(pixels),
        "units": [
            {
                "unit": u.unit,
                "contribution": u.contribution,
                "activation": u.activation,
                "weight": u.weight,
                "learned_span_fraction": float(f),
                "initial_span_fraction": float(g),
                "driving_face_id": train[i].face_id,
            }
            for u, f, g, i in zip(evidence.units, evidence.learned, evidence.untrained, evidence.drivers)
        ],
    }


def plot_hidden_units(
    index: str | os.PathLike,
    batches: Sequence[str],
    crops: Sequence[str | os.PathLike],
    model: str | os.PathLike,
    actor: str,
    name: str,
    image_id: int | None,
    top: int,
    seed: int,
    data: str,
    png: str | os.PathLike,
    stats: str | os.PathLike,
) -> dict:
    """The plot_hidden_units job: the ``top`` hidden units of the MLP trained with ``seed`` that
    push the actor's configured image (``image_id``; none: the first training face) towards
    the actor (``actor``: slug, ``name``: as listed), drawn with what each learned and the
    training face that drives it most; ``data`` names the data in the title."""
    rows = read_index(index)
    chosen = choose_face(rows, actor, image_id)
    arrays = open_crop_arrays(batches, crops)
    image = gather_crops([chosen], arrays)[0]
    state = load_state(model)
    train = [r for r in rows if r.set == "train"]
    evidence = unit_evidence(state, image, chosen.label, top, seed, crop_sets(rows, arrays)["train"][0])
    scale = float(np.abs(evidence.changes).max()) if len(evidence.units) else 1.0
    fig = hidden_units_figure(
        image,
        evidence.units,
        [weight_picture(c, scale=scale) for c in evidence.changes],
        list(gather_crops([train[i] for i in evidence.drivers], arrays)),
        name,
        explanation=hidden_units_explanation(name, evidence, len(train)),
        title=f"{name}, image_id {chosen.image_id} ({chosen.set} set): the hidden units that "
        f"push it towards {name}\n{data}",
    )
    save_figure(fig, png)
    numbers = hidden_units_stats(name, chosen, train, evidence, state["hidden.weight"].shape[1])
    write_json(stats, numbers)
    return numbers
