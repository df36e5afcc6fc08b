"""Figures a reader understands without the code: human labels, one unit per quantity,
legends off the data, comparable colour scales, and pictures that are not blank."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from digitface.backprop.figures import cost_figure
from digitface.digits.figures import (
    curves_title,
    learning_curves,
    plot_digit_gallery,
    plot_learning_curves,
    plot_weights,
    weight_images,
)
from digitface.faces.models.hidden_units import UnitContribution
from digitface.faces.models.model_figures import hidden_units_figure, learning_curve_figure
from digitface.plotting import plt
from testkit.digits import write_split


def _decoded(fig) -> np.ndarray:
    """The figure as it will be saved: a PNG that decodes, is not blank and has a size."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=60)
    plt.close(fig)
    pixels = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("L"), dtype=float)
    assert pixels.shape[0] > 100 and pixels.shape[1] > 100 and pixels.std() > 5
    return pixels


def _texts(fig) -> list[str]:
    texts = [t.get_text() for t in fig.findobj(match=lambda a: hasattr(a, "get_text"))]
    return [t for t in texts if t]


def _history(splits=("train", "validation", "test"), key="accuracy"):
    return [
        {"iteration": it, "split": s, key: 0.5 + it / 400, "mean_cost": 1.0 / (1 + it), "loss": 1.0}
        for it in range(0, 101, 10)
        for s in splits
    ]


def test_digit_curves_use_percent_and_keep_the_legend_off_the_axes():
    fig = learning_curves(_history(), 40, "Softmax network, gradient descent\nbundled MNIST sample")
    ax_acc = fig.axes[0]
    assert ax_acc.get_ylabel() == "accuracy (%)" and max(ax_acc.lines[0].get_ydata()) > 1
    assert all(ax.get_legend() is None for ax in fig.axes) and fig.legends
    assert any("chosen on validation: iteration 40" in t for t in _texts(fig))
    _decoded(fig)


def test_digit_curve_titles_name_the_method_its_settings_describe():
    assert (
        curves_title({"gamma": 0.0, "learning_rate": 1e-4}, "sample")
        == "Softmax network, gradient descent, learning rate 0.0001\nsample"
    )
    assert curves_title({"gamma": 0.9, "learning_rate": 1e-4}, "sample").startswith(
        "Softmax network, gradient descent with momentum (γ = 0.9), learning rate 0.0001"
    )


def test_the_digit_figure_jobs_draw_what_a_training_job_wrote(tmp_path):
    from digitface.digits.training import train_softmax_job

    write_split(tmp_path / "split.npz")
    run = tmp_path / "history.tsv", tmp_path / "metrics.json", tmp_path / "weights.npz"
    train_softmax_job(
        tmp_path / "split.npz",
        {"learning_rate": 1e-3, "iterations": 10, "gamma": 0.9},
        {"kind": "zeros"},
        False,
        "momentum",
        1,
        *run,
    )
    plot_learning_curves(run[0], run[1], "a test split", tmp_path / "curves.png", tmp_path / "curves.svg")
    plot_weights(run[2], "momentum", "a test split", tmp_path / "weights.png")
    plot_digit_gallery(tmp_path / "split.npz", {"per_digit": 3, "seed": 0}, "a test split", tmp_path / "gallery.png")
    for name in ("curves.png", "weights.png", "gallery.png"):
        with Image.open(tmp_path / name) as png:
            assert np.asarray(png.convert("L"), dtype=float).std() > 5
    assert (tmp_path / "curves.svg").read_text().lstrip().startswith("<?xml")


def test_digit_weights_share_one_symmetric_colour_scale():
    W = np.random.default_rng(0).normal(size=(784, 10)) * np.linspace(0.1, 1.0, 10)  # digits differ in range
    fig = weight_images(W, "Learned weights")
    images = [im for ax in fig.axes for im in ax.get_images()]
    assert len(images) == 10
    limits = {im.get_clim() for im in images}
    assert len(limits) == 1 and limits.pop() == (-np.abs(W).max(), np.abs(W).max())
    assert len(fig.axes) == 11  # ten digits and ONE colour bar
    _decoded(fig)


def test_face_curves_use_percent_name_the_seeds_and_keep_the_legend_off():
    history = [
        {"epoch": r["iteration"] // 10, "split": r["split"], "accuracy": r["accuracy"]}
        for r in _history(key="accuracy")
        if r["split"] != "test"
    ]
    band = [{"epoch": r["epoch"], "split": r["split"], "mean": r["accuracy"], "sd": 0.02} for r in history]
    fig = learning_curve_figure(
        history,
        4,
        band=band,
        title="MLP on 64x64 RGB crops (synthetic faces)",
        note="3 seeds",
        chosen=[3, 4, 6],
        test=0.8,
    )
    ax = fig.axes[0]
    assert ax.get_ylabel() == "accuracy (%)" and ax.get_ylim()[1] > 100
    assert ax.get_xlabel().startswith("epoch")
    assert ax.get_legend() is None and fig.legends
    texts = " ".join(_texts(fig))
    assert "synthetic faces" in texts and "results/" not in texts and "_person_" not in texts
    _decoded(fig)


def test_hidden_units_are_named_explained_and_not_noise():
    units = [UnitContribution(i, 0.1 * (3 - i), 1.0, 0.1) for i in range(3)]
    pics = [np.full((8, 8, 3), 0.5 + 0.1 * i) for i in range(3)]
    faces = [np.random.default_rng(i).integers(0, 256, (8, 8, 3), dtype=np.uint8) for i in range(3)]
    fig = hidden_units_figure(
        faces[0],
        units,
        pics,
        faces,
        "Lorraine Bracco",
        title="Lorraine Bracco, image_id 7 (train set)",
        explanation="Units ranked by how much each adds to Lorraine Bracco's score.",
    )
    texts = " ".join(_texts(fig))
    assert "Lorraine Bracco" in texts and "image_id 7" in texts and "adds +0.30 to the score" in texts
    assert "ranked by how much each adds" in texts and "drives it most" in texts
    _decoded(fig)


def test_backprop_figure_shows_spread_and_intervals():
    points, fits = [], []
    for method in ("paths", "finite differences", "backprop"):
        for vary, key in (("K", "width"), ("N", "n_layers")):
            for size in (2, 4, 8):
                row = {
                    "method": method,
                    "vary": vary,
                    "n_layers": 4,
                    "width": 4,
                    "seconds": 1e-3 * size,
                    "low": 0.9e-3 * size,
                    "high": 1.2e-3 * size,
                }
                row[key] = size
                points.append(row)
        fits += [
            {"method": method, "fit": "time ∝ K^a at N=4", "measured": 1.0, "ci95": [0.9, 1.1], "predicted": 2.0},
            {"method": method, "fit": "time ∝ N^a at K=4", "measured": 1.0, "ci95": [0.9, 1.1], "predicted": 1.0},
        ]
    fig = cost_figure(points, fits, repeats=5)
    texts = " ".join(_texts(fig))
    assert "median of 5 repeats" in texts and "[0.90, 1.10]" in texts and "CPU seconds" in texts
    assert all(ax.get_legend() is not None for ax in fig.axes)  # below each axes, outside the data
    for ax in fig.axes:
        box = ax.get_legend().get_bbox_to_anchor().transformed(ax.transAxes.inverted())
        assert box.y0 < 0  # anchored under the axes
    _decoded(fig)
