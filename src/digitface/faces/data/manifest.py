"""Per-row outcome records, the per-actor manifest TSV and the per-actor summary table.

The manifest keeps EVERY list row of an actor with what happened to it, so a reader can
audit the data set (which faces are missing and why) without rerunning anything. It is
also the hand-over between the download and crop stages. Rows are sorted by
(image_id, face_id) and written with fixed columns, so reruns with the same outcomes give
byte-identical files.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from digitface.atomic import write_tsv
from digitface.faces.data.lists import ListRow

OK = "ok"
DUPLICATE_PREFIX = "duplicate_of:"
#: A row whose face_id an earlier list already gave the same actor (its crop file is taken).
DUPLICATE_FACE_ID = "duplicate_face_id"
FETCHED = frozenset({OK, "sha_mismatch", "not_an_image"})  # download outcomes where a body arrived

COLUMNS = [
    "name",
    "image_id",
    "face_id",
    "url",
    "bbox",
    "sha256",
    "source",
    "line",
    "download",
    "body",
    "outcome",
    "crop",
]
SUMMARY_COUNTS = ["listed", "fetched", "verified", "cropped", "images"]


@dataclass(frozen=True)
class FaceRecord:
    """A list row and its fate.

    download: the download-stage outcome; body: the verified file's name in the store ("" if
    none); outcome: the row's outcome so far (the download outcome, then the crop outcome);
    crop: the crop's file name inside each size folder ("" if none).
    """

    row: ListRow
    download: str
    body: str = ""
    outcome: str = ""
    crop: str = ""


def duplicate_of(face_id: int) -> str:
    """The outcome of a row that adds nothing new: same body (download) or same crop (crop stage)."""
    return f"{DUPLICATE_PREFIX}{face_id}"


def sort_key(record: FaceRecord) -> tuple[str, int, int]:
    """Manifest order: by person (a batch's manifest holds several), then by ids."""
    return record.row.name, record.row.image_id, record.row.face_id


def _bbox_text(bbox: tuple[int, int, int, int]) -> str:
    return ",".join(str(v) for v in bbox)


def write_manifest(path: str | os.PathLike, records: Iterable[FaceRecord]) -> None:
    """Write the manifest TSV (atomically), one line per record, sorted by (name, image_id, face_id)."""
    lines = []
    for rec in sorted(records, key=sort_key):
        r = rec.row
        lines.append(
            [
                r.name,
                r.image_id,
                r.face_id,
                r.url,
                _bbox_text(r.bbox),
                r.sha256,
                r.source,
                r.line,
                rec.download,
                rec.body,
                rec.outcome,
                rec.crop,
            ]
        )
    write_tsv(path, COLUMNS, lines)


def read_manifest(path: str | os.PathLike) -> list[FaceRecord]:
    """Read a manifest written by :func:`write_manifest` back into records."""
    text = Path(path).read_text(encoding="utf-8")
    lines = text.split("\n")
    if lines[0].split("\t") != COLUMNS:
        raise ValueError(f"{path}: not a face manifest (header {lines[0]!r})")
    records = []
    for line in lines[1:]:
        if not line:
            continue
        (name, image_id, face_id, url, bbox, sha, source, number, download, body, outcome, crop) = line.split("\t")
        x1, y1, x2, y2 = (int(v) for v in bbox.split(","))
        row = ListRow(name, int(image_id), int(face_id), url, (x1, y1, x2, y2), sha, source, int(number))
        records.append(FaceRecord(row, download, body, outcome, crop))
    return records


def reason(outcome: str) -> str:
    """The failure reason an outcome counts under (every ``duplicate_of:<id>`` is one reason)."""
    return "duplicate" if outcome.startswith(DUPLICATE_PREFIX) else outcome


def summarize(records: Sequence[FaceRecord]) -> dict[str, int]:
    """Counts for one actor.

    listed: list rows; fetched: rows whose URL gave a complete body (or share one);
    verified: rows whose verified body is in the store; cropped: rows with a crop;
    images: distinct sha256 among cropped rows; then one count per failure reason.
    """
    counts = {
        "listed": len(records),
        "fetched": sum(1 for r in records if r.download in FETCHED or r.download.startswith(DUPLICATE_PREFIX)),
        "verified": sum(1 for r in records if r.body),
        "cropped": sum(1 for r in records if r.crop),
        "images": len({r.row.sha256 for r in records if r.crop}),
    }
    counts.update(Counter(reason(r.outcome) for r in records if r.outcome != OK))
    return counts


def by_person(records: Iterable[FaceRecord], names: Iterable[str]) -> dict[str, list[FaceRecord]]:
    """``{name: records}`` for every name (a batch's manifest holds several people's rows)."""
    out: dict[str, list[FaceRecord]] = {name: [] for name in names}
    for record in records:
        if record.row.name not in out:
            raise ValueError(f"a manifest row of {record.row.name!r}, who is not configured")
        out[record.row.name].append(record)
    return out


def write_summary(path: str | os.PathLike, by_actor: Mapping[str, Sequence[FaceRecord]]) -> None:
    """One line per actor (sorted by name): the fixed counts, then every failure reason seen, sorted."""
    tables = {actor: summarize(records) for actor, records in by_actor.items()}
    reasons = sorted({key for counts in tables.values() for key in counts} - set(SUMMARY_COUNTS))
    header = ["actor", *SUMMARY_COUNTS, *reasons]
    rows = [[actor, *(tables[actor].get(key, 0) for key in header[1:])] for actor in sorted(tables)]
    write_tsv(path, header, rows)


def summarize_manifests(manifests: Iterable[str | os.PathLike], actors: Iterable[str], path: str | os.PathLike) -> None:
    """The summarize_faces_data job: every batch's final manifest -> one summary line per actor."""
    records = [record for manifest in manifests for record in read_manifest(manifest)]
    write_summary(path, by_person(records, actors))
