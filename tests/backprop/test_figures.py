"""Figures a reader understands without the code (human labels, one unit per quantity, legends
off the data, comparable colour scales, pictures that are not blank): the cost of the
gradient methods."""

from __future__ import annotations

from digitface.backprop.figures import cost_figure
from testkit.figures import decoded, figure_texts


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
    texts = " ".join(figure_texts(fig))
    assert "median of 5 repeats" in texts and "[0.90, 1.10]" in texts and "CPU seconds" in texts
    assert all(ax.get_legend() is not None for ax in fig.axes)  # below each axes, outside the data
    for ax in fig.axes:
        box = ax.get_legend().get_bbox_to_anchor().transformed(ax.transAxes.inverted())
        assert box.y0 < 0  # anchored under the axes
    decoded(fig)
