"""AlexNet feature chunks: how the crops are cut, how chunks are grouped into jobs, and the
cache that keeps every chunk's features in a file of its own.

A chunk is a run of up to ``chunk_size`` consecutive rows of one batch's 227x227 crop array (a
batch holds several actors when ``faces.actors_per_job`` > 1, so a chunk may span actors). It
is defined by its crop array alone, never by the split, and its features depend on nothing but
those crops and the extraction settings (the feature set's folder name).

A job computes up to ``chunks_per_job`` consecutive chunks of the plan, the jobs as even as
they can be (across batches: no job is a few-image fragment of one small batch), so that its
fixed cost (the interpreter, torch, the network) is small next to its work. Its declared output
is a small manifest (a part) naming its chunks and their files; the files themselves live in
the feature set's cache, named by the SHA-256 of the chunk's crop pixels. A job that reruns
(its crops or its composition changed) computes only the chunks whose pixels are new: a changed
crop recomputes only its chunk, whatever the grouping. Each file has a ``.sha256`` beside it
(the digest of the file), written after the file itself, and a cached file is used only when it
matches.

Planning imports no torch: Snakemake reads the plan while it builds the DAG.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from digitface.atomic import read_tsv, write_text, write_tsv
from digitface.digests import sha256_file
from digitface.faces.data.face_index import read_index
from digitface.faces.data.npy_file import NpyFile
from digitface.faces.data.rows import Rows, RowSubset
from digitface.faces.data.split import SETS

PART_COLUMNS = ["array", "part", "start", "stop", "crops_sha256", "file"]


@dataclass(frozen=True)
class Chunk:
    """Rows ``start:stop`` of one batch's crop array (``part``: its number in that array)."""

    array: str
    part: int
    start: int
    stop: int

    def __len__(self) -> int:
        return self.stop - self.start


def chunk_plan(rows: Sequence, chunk_size: int) -> list[Chunk]:
    """Cut each crop array of the index ``rows`` into runs of ``chunk_size`` rows (the last of
    an array may be shorter), arrays in the order of their first face in the index.

    Duplicates and conflicts get features too (a few extra rows): that is what keeps a chunk
    independent of the split, so a new split recomputes no features.
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be positive")
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.array] = max(counts.get(r.array, 0), r.array_row + 1)
    plan = []
    for array, count in counts.items():
        for part in range(-(-count // chunk_size)):
            span = chunk_rows(count, part, chunk_size)
            plan.append(Chunk(array, part, span.start, span.stop))
    return plan


def chunk_rows(n_crops: int, part: int, chunk_size: int) -> range:
    """The crop-array rows of chunk ``part`` of an array of ``n_crops`` crops."""
    rows = range(part * chunk_size, min((part + 1) * chunk_size, n_crops))
    if part < 0 or not rows:
        raise ValueError(f"no chunk {part}: {n_crops} crops make {-(-n_crops // chunk_size)} chunks of {chunk_size}")
    return rows


def job_plan(plan: Sequence[Chunk], chunks_per_job: int) -> list[list[Chunk]]:
    """The chunks of each extraction job: consecutive runs of the plan, at most
    ``chunks_per_job`` each, as many jobs as that takes and as even as they can be (121 chunks at
    40 per job: 31, 30, 30, 30, not 40, 40, 40, 1): no job is a fragment whose start-up
    outweighs its work."""
    if chunks_per_job < 1:
        raise ValueError("chunks_per_job must be positive")
    jobs = -(-len(plan) // chunks_per_job)
    if not jobs:
        return []
    size, longer = divmod(len(plan), jobs)
    bounds = [0]
    for j in range(jobs):
        bounds.append(bounds[-1] + size + (j < longer))
    return [list(plan[a:b]) for a, b in zip(bounds, bounds[1:])]


def as_params(chunks: Sequence[Chunk]) -> list[list]:
    """A job's chunks as plain lists (a Snakemake param: a changed grouping reruns the job)."""
    return [[c.array, c.part, c.start, c.stop] for c in chunks]


def from_params(values: Sequence[Sequence]) -> list[Chunk]:
    return [Chunk(str(a), int(p), int(s), int(e)) for a, p, s, e in values]


def crops_digest(crops: np.ndarray) -> str:
    """The SHA-256 of a chunk's crop pixels and their shape: the chunk's name in the cache."""
    h = hashlib.sha256(repr((crops.shape, crops.dtype.str)).encode())
    h.update(np.ascontiguousarray(crops).data)
    return h.hexdigest()


def cached_file(cache_dir: Path, digest: str, rows: int) -> Path | None:
    """The cache's features for crops with ``digest``, if present, whole and unchanged (its
    ``.sha256`` says so) with ``rows`` rows; a damaged entry is removed."""
    path = cache_dir / f"{digest}.npy"
    check = path.with_name(path.name + ".sha256")
    if not (path.exists() and check.exists()):
        return None
    try:
        good = check.read_text().strip() == sha256_file(path) and len(NpyFile(path)) == rows
    except (OSError, ValueError):
        good = False
    if not good:
        path.unlink(missing_ok=True)
        check.unlink(missing_ok=True)
        return None
    return path


def seal(path: Path) -> None:
    """Write ``path``'s digest beside it: from now on the cache may use it."""
    write_text(path.with_name(path.name + ".sha256"), sha256_file(path) + "\n")


def write_part(path: str | os.PathLike, entries: Sequence[tuple[Chunk, str]]) -> None:
    """A job's manifest: each chunk, the digest of its crops and its cache file's name."""
    write_tsv(path, PART_COLUMNS, [[c.array, c.part, c.start, c.stop, d, f"{d}.npy"] for c, d in entries])


def read_parts(paths: Sequence[str | os.PathLike], cache_dir: str | os.PathLike) -> tuple[list[Chunk], list[NpyFile]]:
    """The chunks of the jobs' manifests, in order, and their feature files (read by rows)."""
    chunks, files = [], []
    for path in paths:
        for r in read_tsv(path):
            chunk = Chunk(r["array"], int(r["part"]), int(r["start"]), int(r["stop"]))
            file = NpyFile(Path(cache_dir) / r["file"])
            if len(file) != len(chunk):
                raise ValueError(
                    f"{path}: chunk {chunk.part} of {chunk.array} has {len(chunk)} crops but "
                    f"{file.path} has {len(file)} feature rows (rerun the extraction)"
                )
            chunks.append(chunk)
            files.append(file)
    return chunks, files


def feature_sets(rows: Sequence, plan: Sequence[Chunk], chunks: Sequence) -> dict[str, tuple[RowSubset, np.ndarray]]:
    """``{set: (feature rows, labels)}`` for the index ``rows`` over the chunk arrays of
    ``plan`` (same order); every face of the index must be in a chunk."""
    if len(chunks) != len(plan):
        raise ValueError(f"{len(chunks)} feature files for {len(plan)} planned chunks")
    where: dict[tuple[str, int], int] = {}  # (crop array, its row) -> feature row
    offset = 0
    for c, features in zip(plan, chunks):
        if len(features) != len(c):
            raise ValueError(
                f"chunk {c.part} of {c.array}: {len(features)} feature rows for "
                f"{len(c)} crops (a stale chunk file? rerun its job)"
            )
        where.update({(c.array, i): offset + i - c.start for i in range(c.start, c.stop)})
        offset += len(features)
    base = Rows(list(chunks))
    return {
        name: (
            RowSubset(base, [where[r.array, r.array_row] for r in rows if r.set == name]),
            np.array([r.label for r in rows if r.set == name], dtype=np.int64),
        )
        for name in SETS
    }


_JOBS: dict[tuple, list[list[Chunk]]] = {}


def extraction_jobs(index: str | os.PathLike, chunk_size: int, chunks_per_job: int) -> list[list[Chunk]]:
    """:func:`job_plan` of the face index at ``index``, read once per version of the file
    (Snakemake asks for it once per job while it builds the DAG)."""
    stat = os.stat(index)
    version = (str(index), stat.st_mtime_ns, stat.st_size)
    key = (*version, chunk_size, chunks_per_job)  # one plan per feature set's chunking
    if key not in _JOBS:
        for stale in [k for k in _JOBS if k[:3] != version]:
            del _JOBS[stale]
        _JOBS[key] = job_plan(chunk_plan(read_index(index), chunk_size), chunks_per_job)
    return _JOBS[key]
