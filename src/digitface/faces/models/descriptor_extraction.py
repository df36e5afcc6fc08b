"""The face-descriptor extraction job: dlib's 128-d descriptor of each 227x227 crop, in the same
chunks, cache and job grouping as the AlexNet features (:mod:`digitface.faces.models.extraction`).

A crop the network cannot take (:data:`~digitface.faces.models.face_descriptor.REASONS`) never
stops a chunk: its feature row is NaN, and its reason is kept beside the chunk's file in the
cache (``<digest>.problems.tsv``, written before the features, so a sealed chunk always has
one) and listed in the job's own problems table. The training job leaves those faces out of
the split, the same for every seed, and counts them.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from digitface.atomic import atomic_path, read_tsv, write_tsv
from digitface.faces.models.chunks import from_params, read_parts
from digitface.faces.models.extraction import fill_cache

log = logging.getLogger(__name__)

#: A job's problems table: each crop that got no descriptor, by its crop array and row.
PROBLEM_COLUMNS = ["array", "array_row", "reason"]


def problems_file(features: Path) -> Path:
    """The reasons of a cached chunk's NaN rows (one row per crop the network could not take)."""
    return features.with_name(features.name.removesuffix(".npy") + ".problems.tsv")


class _LazyDescriptor:
    """dlib's face descriptor, its model files checked and loaded (and dlib imported) on first use."""

    def __init__(self) -> None:
        self._model, self.meta = None, None

    def extract(self, pixels, path: Path) -> dict:
        """Descriptors of ``pixels`` to ``path`` (float32, NaN rows for refused crops), their
        reasons to :func:`problems_file` first."""
        if self._model is None:
            self._build()
        start = time.perf_counter()
        features, problems = self._model.describe(pixels)
        write_tsv(problems_file(path), ["row", "reason"], [[p.index, p.reason] for p in problems])
        with atomic_path(path, suffix=".npy") as tmp:
            np.save(tmp, features)
        return {"seconds": time.perf_counter() - start}

    def _build(self) -> None:
        from digitface.faces.models.face_descriptor import DIM, NETWORK, FaceDescriptor

        self._model = FaceDescriptor()
        self.meta = {"description": f"dlib {NETWORK}, 5-point landmarks in the crop's own box", "n_features": DIM}
        log.info("network: %s, %s features per face", self.meta["description"], DIM)


def chunk_problems(parts: Sequence[str | os.PathLike], cache_dir: str | os.PathLike) -> list[list]:
    """``[array, array_row, reason]`` of every crop of the jobs' chunks that got no descriptor."""
    chunks, files = read_parts(parts, cache_dir)
    rows = []
    for chunk, file in zip(chunks, files):
        reasons = problems_file(Path(file.path))
        if not reasons.exists():
            raise FileNotFoundError(
                f"{reasons} is missing beside its chunk {file.path}: delete the chunk's file and rerun its job"
            )
        rows += [[chunk.array, chunk.start + int(r["row"]), r["reason"]] for r in read_tsv(reasons)]
    return rows


def descriptor_job(
    chunks: Sequence[Sequence],
    arrays: Sequence[str],
    crops: Sequence[str | os.PathLike],
    cache_dir: str | os.PathLike,
    part_path: str | os.PathLike,
    problems_path: str | os.PathLike,
) -> dict:
    """The extract_descriptor_chunks job: its chunks as the rule's params give them, ``crops``
    the 227 crop arrays of the batches named ``arrays``; then the crops that got no descriptor."""
    summary = fill_cache(
        from_params(chunks), dict(zip(arrays, crops, strict=True)), cache_dir, part_path, _LazyDescriptor()
    )
    problems = chunk_problems([part_path], cache_dir)
    write_tsv(problems_path, PROBLEM_COLUMNS, problems)
    log.info("%d crops got no descriptor%s", len(problems), ": see " + str(problems_path) if problems else "")
    return {**summary, "problems": len(problems)}


def refused_crops(paths: Sequence[str | os.PathLike]) -> dict[tuple[str, int], str]:
    """``{(crop array, row): reason}`` from the jobs' problems tables."""
    return {(r["array"], int(r["array_row"])): r["reason"] for path in paths for r in read_tsv(path)}
