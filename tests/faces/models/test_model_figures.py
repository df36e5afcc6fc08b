"""Figures a reader understands without the code (human labels, one unit per quantity, legends
off the data, comparable colour scales, pictures that are not blank): the face models'
learning curves and hidden units."""

from __future__ import annotations

import numpy as np

from digitface.faces.models.hidden_units import UnitContribution
from digitface.faces.models.model_figures import hidden_units_figure, learning_curve_figure
from testkit.figures import curve_history, decoded, figure_texts


def test_face_curves_use_percent_name_the_seeds_and_keep_the_legend_off():
    history = [
        {"epoch": r["iteration"] // 10, "split": r["split"], "accuracy": r["accuracy"]}
        for r in curve_history(key="accuracy")
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
    texts = " ".join(figure_texts(fig))
    assert "synthetic faces" in texts and "results/" not in texts and "_person_" not in texts
    decoded(fig)


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
    texts = " ".join(figure_texts(fig))
    assert "Lorraine Bracco" in texts and "image_id 7" in texts and "adds +0.30 to the score" in texts
    assert "ranked by how much each adds" in texts and "drives it most" in texts
    decoded(fig)
