"""Crop stage: each actor's verified bodies cropped to every size, with duplicates found.

How one image is cut: :mod:`digitface.faces.data.crop_image`; the crop files and what makes
them reusable: :mod:`digitface.faces.data.crop_files`; the settings:
:mod:`digitface.faces.data.crop_settings`; the workflow's job: :mod:`digitface.faces.data.crop_job`.

Outcomes added by this stage: ``ok``, ``not_an_image`` (Pillow cannot decode it, truncated
files included), ``bad_bbox``, ``decompression_bomb``, ``unsupported_pixels``, ``store_damaged`` (the stored body is
missing or its SHA-256 is no longer the list's: the store is the download job's, so the file is
left for it to replace; the workflow's crop job then fails naming it and the command that
repairs it, :func:`digitface.faces.data.crop_job.damaged_store_message`), and ``duplicate_of:<face_id>`` for a
row whose full-resolution crop has exactly the pixels of an earlier row's crop. That covers
two rows of one body with one box, and also one photo re-hosted with different bytes: the
replica has such a pair (Lorraine Bracco images 20839 and 20911, two hosts, two sha256s,
identical pixels and box), which would otherwise put one face in both train and test sets.
Earlier means: the row owning the body (download ``ok``) before rows sharing it, then by
(image_id, face_id).

Trust: every body is read and its SHA-256 checked against the list before anything is made
from it, including when cached crops are reused, so a damaged store never yields a crop.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Iterable

from digitface.atomic import write_bytes
from digitface.faces.data.crop_files import Pixels, crop_name, crop_tag, encode_crops, existing_digest, read_crops
from digitface.faces.data.crop_image import crop_face
from digitface.faces.data.crop_settings import CropSettings
from digitface.faces.data.manifest import OK, FaceRecord, duplicate_of, sort_key
from digitface.progress import Progress

logger = logging.getLogger(__name__)

STORE_DAMAGED = "store_damaged"


def crop_actor(
    records: Iterable[FaceRecord],
    store_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    settings: CropSettings = CropSettings(),
    pixels: dict[str, Pixels] | None = None,
    staging: str | os.PathLike | None = None,
) -> list[FaceRecord]:
    """Crop stage for download records: every record comes back, with its final outcome.

    Rows without a verified body keep their download outcome. The others are cropped and
    written by a thread pool; the duplicate check then runs here in a fixed order (the
    body's owner first, then by ids), so the outcome does not depend on thread timing, and
    removes a duplicate's files (a kill in between leaves them for the next run to remove).
    ``pixels``, if given, receives every kept crop's arrays by crop name and size, so that the
    caller stacks its arrays without reading the files back. ``staging``: where the files are
    written before they are renamed into place (the job's own folder, see
    :func:`~digitface.atomic.fresh_staging`; default: beside them).
    """
    records = sorted(records, key=sort_key)
    store_dir, out_dir = Path(store_dir), Path(out_dir)
    todo = sorted((r for r in records if r.body), key=lambda r: (r.download != OK, sort_key(r)))
    done = [r for r in records if not r.body]
    crop_one = functools.partial(_crop_files, store_dir=store_dir, out_dir=out_dir, settings=settings, staging=staging)
    kept = _FirstCrops(out_dir, settings.sizes, pixels)
    progress = Progress(logger, "crop", len(todo), settings.progress_interval)
    with ThreadPoolExecutor(max_workers=settings.workers, thread_name_prefix="crop") as pool:
        for record, (outcome, digest, made) in zip(todo, pool.map(crop_one, todo)):
            done.append(kept.final(record, outcome, digest, made))
            progress.advance()
    return sorted(done, key=sort_key)


class _FirstCrops:
    """The crops kept so far, by pixel digest: a later crop with the same pixels is a duplicate
    of the first, and its files are removed. Records come in the order that decides "first"."""

    def __init__(self, out_dir: Path, sizes: Iterable[int], pixels: dict[str, Pixels] | None) -> None:
        self.out_dir, self.sizes, self.pixels = out_dir, tuple(sizes), pixels
        self.first: dict[str, int] = {}  # pixel digest -> face_id

    def final(self, record: FaceRecord, outcome: str, digest: str, made: Pixels | None) -> FaceRecord:
        """The record with its crop outcome: a failure, a duplicate, or a kept crop."""
        name = crop_name(record.row)
        if outcome != OK:
            return replace(record, outcome=outcome, crop="")
        if digest in self.first:
            for size in self.sizes:
                (self.out_dir / str(size) / name).unlink()
            return replace(record, outcome=duplicate_of(self.first[digest]), crop="")
        self.first[digest] = record.row.face_id
        if self.pixels is not None:
            self.pixels[name] = made
        return replace(record, outcome=OK, crop=name)


def _crop_files(
    record: FaceRecord, *, store_dir: Path, out_dir: Path, settings: CropSettings, staging: Path | None
) -> tuple[str, str, Pixels | None]:
    """Runs in a worker: (outcome, pixel digest, the crops' pixels), reusing the files on disk
    or writing new ones (the pixels come back either way: the job's arrays are made of them)."""
    data = read_verified(store_dir / record.body, record.row.sha256)
    if data is None:
        return STORE_DAMAGED, "", None
    tag = crop_tag(record.row, settings)
    paths = {s: out_dir / str(s) / crop_name(record.row) for s in settings.sizes}
    digest = existing_digest(paths.values(), tag)
    if digest:
        pixels = read_crops(paths)
        if pixels is not None:
            return OK, digest, pixels
    outcome, face = crop_face(data, record.row.bbox, settings)
    if face is None:
        return outcome, "", None
    digest, made = encode_crops(face, tag, settings.sizes)
    for size, path in paths.items():
        # No fsync: a reused crop is checked first (its tag, then its pixels decode), and the
        # job's arrays, which are fsynced, are made from these pixels, not from the files.
        write_bytes(path, made[size][1], staging=staging, durable=False)
    return OK, digest, {size: pixels for size, (pixels, _) in made.items()}


def read_verified(path: Path, sha256: str) -> bytes | None:
    """The body at ``path`` if its SHA-256 is ``sha256``; None if it is missing or damaged (the
    file is left as it is: repairing the store is the download job's business)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        logger.warning("store file %s is missing", path)
        return None
    if hashlib.sha256(data).hexdigest() != sha256:
        logger.warning("store file %s is damaged (its sha256 is not the list's)", path)
        return None
    return data
