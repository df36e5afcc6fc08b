"""Figures a reader understands without the code (human labels, one unit per quantity, legends
off the data, comparable colour scales, pictures that are not blank): the digits' learning curves,
their titles, weights and gallery."""

from __future__ import annotations

import numpy as np
from PIL import Image

from digitface.digits.figures import (
    curves_title,
    learning_curves,
    plot_digit_gallery,
    plot_learning_curves,
    plot_weights,
    weight_images,
)
from testkit.digits import write_split
from testkit.figures import curve_history, decoded, figure_texts


def test_digit_curves_use_percent_and_keep_the_legend_off_the_axes():
    fig = learning_curves(curve_history(), 40, "Softmax network, gradient descent\nbundled MNIST sample")
    ax_acc = fig.axes[0]
    assert ax_acc.get_ylabel() == "accuracy (%)" and max(ax_acc.lines[0].get_ydata()) > 1
    assert all(ax.get_legend() is None for ax in fig.axes) and fig.legends
    assert any("chosen on validation: iteration 40" in t for t in figure_texts(fig))
    decoded(fig)


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
    decoded(fig)
