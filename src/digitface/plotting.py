"""Matplotlib set-up shared by every figure: a non-interactive backend and atomic saving."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from digitface.atomic import atomic_path  # noqa: E402

# Stable bytes for identical figures: no creation dates or software versions in the files.
_METADATA = {
    ".png": {"Software": None},
    ".svg": {"Date": None, "Creator": None},
    ".pdf": {"CreationDate": None, "Producer": None, "Creator": None},
}


def save_figure(fig: "plt.Figure", *paths: str | Path, dpi: int = 120) -> None:
    """Save ``fig`` to each path (format from the suffix), atomically, then close it."""
    for path in paths:
        suffix = Path(path).suffix
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=dpi, bbox_inches="tight", metadata=_METADATA.get(suffix))
    plt.close(fig)
