"""The face index: one row per cropped face of every actor, with its class label, where its
pixels are (a row of its batch's crop array: :mod:`digitface.faces.data.batches`) and its split set.

It is the one table everything downstream of the crops reads, written once by the split job.
Labels follow the sorted actor slugs. The AlexNet chunks (:mod:`digitface.faces.models.chunks`) are
runs of rows of each crop array, independent of the split; the index says which of their
feature rows are in which set.
"""

from __future__ import annotations

import logging
import os
from collections import abc
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from digitface.atomic import write_tsv
from digitface.faces.data.dataset import cropped
from digitface.faces.data.lists import slugify
from digitface.faces.data.manifest import FaceRecord, read_manifest
from digitface.faces.data.npy_file import NpyFile
from digitface.faces.data.rows import Rows, RowSubset
from digitface.faces.data.split import SETS, SplitSettings, split_counts, split_table

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexRow:
    actor: str  # slug
    label: int
    face_id: int
    image_id: int
    sha256: str
    array: str  # the batch whose crop arrays hold this face
    array_row: int
    set: str
    duplicate_of: str = ""


COLUMNS = [f.name for f in fields(IndexRow)]


class _RowsOnDemand(abc.Sequence):
    """Crop-array rows read one at a time when asked for: hashing every face's pixels for the
    split then holds one face, not the data set (42,000 faces at 530 identities)."""

    def __init__(self, arrays: Mapping[str, np.ndarray], places: Sequence[tuple[str, int]]) -> None:
        self.arrays, self.places = arrays, places

    def __len__(self) -> int:
        return len(self.places)

    def __getitem__(self, i):  # an int: split_table only iterates
        array, row = self.places[i]
        return self.arrays[array][row]


def build_index(
    manifests: Mapping[str, Sequence[FaceRecord]],
    crops: Mapping[str, np.ndarray],
    settings: SplitSettings = SplitSettings(),
    seed: int = 0,
    actors: Sequence[str] | None = None,
) -> list[IndexRow]:
    """Index every cropped face (actors in sorted slug order, each in its crop-array order)
    and split it per actor after deduplication by source checksum and crop pixels
    (:mod:`digitface.faces.data.split`).

    ``manifests`` and ``crops`` are keyed by batch (one or more actors each; row ``i`` of a
    batch's crop array is the ``i``-th cropped record of its manifest); the crops (any size)
    are used only to find identical pixels. ``actors`` (slugs) fixes the labels, so an actor
    left without a crop keeps its label; by default the slugs the manifests name.
    """
    placed, named = _placed_faces(manifests, crops)
    labels = sorted(named if actors is None else actors)
    unknown = set(placed) - set(labels)
    if unknown:
        raise ValueError(f"manifests hold faces of {sorted(unknown)}, not among the actors {labels}")
    entries = [(actor, label, *place) for label, actor in enumerate(labels) for place in placed.get(actor, [])]
    # face_id, not image_id, identifies a face: one image can hold two listed faces.
    split = split_table(
        [a for a, *_ in entries],
        [r.row.face_id for *_, r in entries],
        [r.row.sha256 for *_, r in entries],
        crops=_RowsOnDemand(crops, [(array, i) for _, _, array, i, _ in entries]),
        settings=settings,
        seed=seed,
    )
    return [_index_row(*entry, s.set, s.duplicate_of) for entry, s in zip(entries, split)]


def _placed_faces(
    manifests: Mapping[str, Sequence[FaceRecord]], crops: Mapping[str, np.ndarray]
) -> tuple[dict[str, list[tuple[str, int, FaceRecord]]], set[str]]:
    """Each actor's cropped records (by slug) with where their pixels are (batch, row of its crop
    array), once each batch's crops match its cropped records; and every slug the manifests name."""
    placed: dict[str, list[tuple[str, int, FaceRecord]]] = {}
    named = set()
    for array, records in manifests.items():
        named |= {slugify(r.row.name) for r in records}
        kept = cropped(records)
        if len(kept) != len(crops[array]):
            raise ValueError(f"{array}: {len(kept)} cropped rows but {len(crops[array])} crops")
        for i, r in enumerate(kept):
            placed.setdefault(slugify(r.row.name), []).append((array, i, r))
    return placed, named


def _index_row(
    actor: str, label: int, array: str, array_row: int, record: FaceRecord, set_: str, duplicate_of: int | None
) -> IndexRow:
    return IndexRow(
        actor,
        label,
        record.row.face_id,
        record.row.image_id,
        record.row.sha256,
        array,
        array_row,
        set_,
        "" if duplicate_of is None else str(duplicate_of),
    )


def set_counts(rows: Sequence[IndexRow]) -> dict[str, dict[str, int]]:
    """Per actor, how many of its faces each set holds (sets in name order, empty ones left
    out; duplicates and conflicts under their own names): :func:`split_counts`, in one pass."""
    return {actor: {s: n for s, n in sorted(sets.items()) if n} for actor, sets in split_counts(rows).items()}


def split_job(
    batches: Sequence[str],
    manifests: Sequence[str | os.PathLike],
    crops: Sequence[str | os.PathLike],
    settings: Mapping,
    actors: Sequence[str],
    index: str | os.PathLike,
) -> list[IndexRow]:
    """The split_faces job: each batch's final manifest and 64 crop array (in the order of
    ``batches``) -> the face index; ``settings``: ``face_models.split`` (its seed included)."""
    split = dict(settings)
    seed = split.pop("seed")
    rows = build_index(
        {b: read_manifest(p) for b, p in zip(batches, manifests)},
        {b: NpyFile(p) for b, p in zip(batches, crops)},
        SplitSettings(**split),
        seed=seed,
        actors=actors,
    )
    write_index(index, rows)
    counts = set_counts(rows)
    for actor in actors:
        log.info("%s: %s", actor, counts.get(actor, {}))
    return rows


def write_index(path: str | os.PathLike, rows: Sequence[IndexRow]) -> None:
    write_tsv(path, COLUMNS, [[getattr(r, c) for c in COLUMNS] for r in rows])


def read_index(path: str | os.PathLike) -> list[IndexRow]:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    if not lines or lines[0].split("\t") != COLUMNS:
        raise ValueError(f"{path}: not a face index (expected header {COLUMNS})")
    out = []
    for line in lines[1:]:
        a, label, face, image, sha, array, row, st, dup = line.split("\t")
        out.append(IndexRow(a, int(label), int(face), int(image), sha, array, int(row), st, dup))
    return out


def used(rows: Sequence[IndexRow]) -> list[IndexRow]:
    """The rows in a train/validation/test set (duplicates and conflicts are used nowhere)."""
    return [r for r in rows if r.set in SETS]


def open_crop_arrays(names: Sequence[str], paths: Sequence[str | os.PathLike]) -> dict[str, NpyFile]:
    """Each batch's crop array by name, read by rows on demand (:class:`NpyFile`: nothing
    mapped, so a job's memory does not grow with the data set)."""
    if len(names) != len(paths):
        raise ValueError(f"{len(paths)} crop arrays for {len(names)} batches")
    return {name: NpyFile(p) for name, p in zip(names, paths)}


def crop_sets(rows: Sequence[IndexRow], arrays: Mapping[str, np.ndarray]) -> dict[str, tuple[RowSubset, np.ndarray]]:
    """``{set: (rows of crops, labels)}`` over the batches' (memory-mapped) crop arrays."""
    missing = {r.array for r in rows} - set(arrays)
    if missing:
        raise ValueError(f"the index places faces in crop arrays not given: {sorted(missing)}")
    base = Rows(list(arrays.values()))
    offset = dict(zip(arrays, base.offsets[:-1]))
    return {
        name: (
            RowSubset(base, [offset[r.array] + r.array_row for r in rows if r.set == name]),
            np.array([r.label for r in rows if r.set == name], dtype=np.int64),
        )
        for name in SETS
    }


def choose_face(rows: Sequence[IndexRow], actor: str, image_id: int | None) -> IndexRow:
    """The actor's face with ``image_id`` (the list's id), or without one the actor's first
    training face; an id the actor does not have is an error naming the ids it has."""
    mine = [r for r in rows if r.actor == actor]
    if image_id is None:
        found = next((r for r in mine if r.set == "train"), None)
    else:
        found = next((r for r in mine if r.image_id == image_id), None)
    if found is None:
        ids = ", ".join(str(r.image_id) for r in mine[:12]) + (", ..." if len(mine) > 12 else "")
        what = f"image_id {image_id}" if image_id is not None else "a training image"
        raise ValueError(
            f"face_models.hidden_units: {actor} has no cropped face with {what} (its image_ids: {ids or 'none'})"
        )
    return found


def gather_crops(rows: Sequence[IndexRow], arrays: Mapping[str, np.ndarray]) -> np.ndarray:
    """The crops of ``rows`` (in that order) as one uint8 array, reading from each crop
    array only the rows asked for."""
    first = next(iter(arrays.values()))
    out = np.empty((len(rows), *first.shape[1:]), dtype=np.uint8)
    by_array: dict[str, list[int]] = {}
    for pos, r in enumerate(rows):
        by_array.setdefault(r.array, []).append(pos)
    for array, positions in by_array.items():
        src = np.array([rows[p].array_row for p in positions])
        order = np.argsort(src, kind="stable")  # read front to back
        out[np.array(positions)[order]] = arrays[array][src[order]]
    return out
