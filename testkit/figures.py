"""Checking a figure as a reader sees it: the PNG it saves decodes and is not blank, the words
it shows, and a made-up learning-curve history to draw."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from digitface.plotting import plt


def decoded(fig) -> np.ndarray:
    """The figure as it will be saved: a PNG that decodes, is not blank and has a size."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=60)
    plt.close(fig)
    pixels = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("L"), dtype=float)
    assert pixels.shape[0] > 100 and pixels.shape[1] > 100 and pixels.std() > 5
    return pixels


def figure_texts(fig) -> list[str]:
    """Every non-empty text the figure shows (titles, labels, legends, annotations)."""
    texts = [t.get_text() for t in fig.findobj(match=lambda a: hasattr(a, "get_text"))]
    return [t for t in texts if t]


def curve_history(splits=("train", "validation", "test"), key="accuracy"):
    """Rows of a learning curve every 10 iterations to 100, ``key`` rising from 0.5."""
    return [
        {"iteration": it, "split": s, key: 0.5 + it / 400, "mean_cost": 1.0 / (1 + it), "loss": 1.0}
        for it in range(0, 101, 10)
        for s in splits
    ]
