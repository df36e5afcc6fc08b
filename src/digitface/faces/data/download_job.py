"""The download job: one batch's actors' rows, as the list source wrote them, downloaded through
one pool (:func:`digitface.faces.data.download.download_batch`), then the batch's download manifest.

Its own module, like :mod:`digitface.faces.data.crop_job`: what the workflow's files are
(rows files, stores, journals, the manifest) is known here, not in the stage itself.
"""

from __future__ import annotations

import os
from typing import Sequence

from digitface.faces.data.download import download_batch
from digitface.faces.data.download_store import ActorDownload
from digitface.faces.data.fetch import FetchSettings
from digitface.faces.data.list_source import read_actor_rows
from digitface.faces.data.manifest import DUPLICATE_FACE_ID, FaceRecord, write_manifest


def download_job(
    rows_files: Sequence[str | os.PathLike],
    stores: Sequence[str | os.PathLike],
    journals: Sequence[str | os.PathLike],
    settings: dict,
    manifest: str | os.PathLike,
) -> None:
    """The download job: each of the batch's actors' rows (``rows_files``, with their stores
    and journals) fetched through one pool, then the batch's download manifest."""
    fetch_settings = FetchSettings(**{**settings, "schemes": tuple(settings["schemes"])})
    actors, records = [], []
    for rows_file, store, journal in zip(rows_files, stores, journals):
        by_base, clashes = read_actor_rows(rows_file)
        # A face_id another list already gave this actor would share its crop file: recorded, not used.
        records += [FaceRecord(row, DUPLICATE_FACE_ID, "", DUPLICATE_FACE_ID) for row in clashes]
        # Local paths in a list's url column are relative to that list's folder, and stay inside it.
        actors += [ActorDownload(rows, store, journal, base_dir) for base_dir, rows in by_base.items()]
    for found in download_batch(actors, fetch_settings):
        records += found
    write_manifest(manifest, records)
