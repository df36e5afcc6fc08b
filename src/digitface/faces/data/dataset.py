"""Per-batch crop arrays: the declared hand-over from the data stage to the models stage.

Row ``i`` of ``<batch>_<size>.npy`` is the ``i``-th record of the batch's final manifest that
has a crop (manifest order: name, image_id, face_id; a batch is one actor by default,
:mod:`digitface.faces.data.batches`). Plain ``.npy`` (uint8, N x S x S x 3) so a
consumer can memory-map it and read only the rows it needs (AlexNet chunk jobs).
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from digitface.atomic import atomic_path
from digitface.faces.data.manifest import FaceRecord, sort_key


def cropped(records: Sequence[FaceRecord]) -> list[FaceRecord]:
    """The records that have a crop, in array-row order."""
    return [r for r in sorted(records, key=sort_key) if r.crop]


def write_crop_array(
    path: str | Path, records: Sequence[FaceRecord], pixels: Mapping[str, Mapping[int, np.ndarray]], size: int
) -> int:
    """The ``size`` crops of ``records`` (``pixels``: by crop name, then size) written as one
    uint8 ``.npy`` (atomically), face by face after the header: no stacked copy of the batch
    is made (at FaceScrub's size a batch's 227 array is hundreds of MB). Returns the rows."""
    rows = cropped(records)
    for record in rows:
        face = pixels[record.crop][size]
        if face.shape != (size, size, 3) or face.dtype != np.uint8:
            raise ValueError(f"{record.crop}: shape {face.shape} {face.dtype}, expected {(size, size, 3)} uint8")
    header = {"descr": np.dtype(np.uint8).str, "fortran_order": False, "shape": (len(rows), size, size, 3)}
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.lib.format.write_array_header_1_0(fh, header)
        for record in rows:
            fh.write(np.ascontiguousarray(pixels[record.crop][size]).data)
    return len(rows)
