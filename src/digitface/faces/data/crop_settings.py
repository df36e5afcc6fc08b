"""The crop stage's settings (the schema's ``faces.crop`` block; a test checks the defaults agree).

Its own module: both halves of the stage read them, the cutting of one image
(:mod:`digitface.faces.data.crop_image`) and the per-actor crop (:mod:`digitface.faces.data.crop`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CropSettings:
    """Crop knobs; sizes are the square side lengths written, one folder each."""

    sizes: tuple[int, ...] = (64, 227)
    min_bbox_fraction: float = 0.8
    max_pixels: int = 50_000_000
    workers: int = 2
    progress_interval: float = 10.0
