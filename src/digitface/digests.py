"""The two digests the workflow keys data by: of a file's bytes, and of an image's pixels.

One home for each: the stores, the pinned downloads and the crop cache hash files the same
way, and the crop stage and the split find identical pictures the same way.
"""

from __future__ import annotations

import hashlib
import os

import numpy as np


def sha256_file(path: str | os.PathLike) -> str:
    """The SHA-256 of a file, read in blocks."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def pixel_digest(pixels: np.ndarray) -> str:
    """SHA-256 of an image's shape, type and pixels (e.g. ``np.asarray`` of a PIL image):
    equal digests, identical pictures."""
    pixels = np.ascontiguousarray(pixels)
    h = hashlib.sha256(f"{pixels.dtype.str}{pixels.shape}".encode())
    h.update(pixels.tobytes())
    return h.hexdigest()
