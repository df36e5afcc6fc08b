"""Where the FaceScrub lists come from, and each actor's rows out of them.

A list is a local file, or a URL fetched once and pinned by its SHA-256 (the lists carry every
image's checksum, so a silently changed list would silently change the data set). The lists
are then read once for all actors (:func:`actors_rows`), and each actor's rows go to a file of
their own that its download job reads.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Sequence

from digitface.atomic import read_tsv, write_tsv
from digitface.digests import sha256_file
from digitface.faces.data.lists import ListRow, Reject, format_row, parse_list, slugify
from digitface.pinned import Transfer, fetch_verified

log = logging.getLogger(__name__)
REJECT_COLUMNS = ["source", "line", "reason", "text"]


def fetch_list(url: str, sha256: str, dest: str | Path, transfer: Transfer = Transfer(max_bytes=64 * 2**20)) -> None:
    """Download a list to ``dest`` only if its SHA-256 is ``sha256`` (:mod:`digitface.pinned`:
    streamed under a size cap, checked, renamed into place; else an error naming the URL)."""

    def check(path: Path) -> str | None:
        got = sha256_file(path)
        return None if got == sha256.lower() else f"sha256 {got} does not match the configured {sha256}"

    fetch_verified([url], dest, check, transfer, what="face list")


def name_collisions(rows: list[ListRow], names: list[str]) -> list[Reject]:
    """Rows whose name is not a configured actor's but has the same folder name (slug): they
    are not used, and the rejects table says why."""
    configured = {slugify(n): n for n in names}
    return [
        Reject(
            r.source,
            r.line,
            f"name {r.name!r} differs from the configured {configured[slugify(r.name)]!r} (same folder name): not used",
            format_row(r),
        )
        for r in rows
        if r.name not in names and slugify(r.name) in configured
    ]


ACTOR_ROWS = ["name", "image_id", "face_id", "url", "bbox", "sha256", "source", "line", "base_dir", "clash"]


def actors_rows(
    list_paths: list[str | Path], names: list[str]
) -> tuple[dict[str, list[tuple[ListRow, Path, bool]]], list[Reject]]:
    """Every configured actor's rows from every list, read once: {name: [(row, its list's
    folder, whether an earlier list already gave this face_id)]} and every list's rejects.
    One pass for all actors, so the download jobs need not each read every list."""
    wanted = set(names)
    out: dict[str, list[tuple[ListRow, Path, bool]]] = {n: [] for n in names}
    taken: dict[str, set[int]] = {n: set() for n in names}
    rejects: list[Reject] = []
    for path in map(Path, list_paths):
        rows, bad = parse_list(path.read_bytes(), path.name)
        rejects += bad + name_collisions(rows, names)
        for row in rows:
            if row.name in wanted:
                out[row.name].append((row, path.parent, row.face_id in taken[row.name]))
                taken[row.name].add(row.face_id)
    return out, rejects


def write_actor_rows(path: str | Path, rows: list[tuple[ListRow, Path, bool]]) -> None:
    """One actor's rows, where they came from and whether they clash (atomically)."""
    write_tsv(
        path,
        ACTOR_ROWS,
        [
            [
                r.name,
                r.image_id,
                r.face_id,
                r.url,
                ",".join(map(str, r.bbox)),
                r.sha256,
                r.source,
                r.line,
                base,
                "duplicate_face_id" if clash else "",
            ]
            for r, base, clash in rows
        ],
    )


def read_actor_rows(path: str | Path) -> tuple[dict[Path, list[ListRow]], list[ListRow]]:
    """The rows written by :func:`write_actor_rows`: grouped by their list's folder (local URLs
    are relative to it), and the clashing ones apart."""
    by_base: dict[Path, list[ListRow]] = {}
    clashes: list[ListRow] = []
    for r in read_tsv(path):
        x1, y1, x2, y2 = (int(v) for v in r["bbox"].split(","))
        row = ListRow(
            r["name"],
            int(r["image_id"]),
            int(r["face_id"]),
            r["url"],
            (x1, y1, x2, y2),
            r["sha256"],
            r["source"],
            int(r["line"]),
        )
        if r["clash"]:
            clashes.append(row)
        else:
            by_base.setdefault(Path(r["base_dir"]), []).append(row)
    return by_base, clashes


def unlisted_actors(by_actor: dict[str, list]) -> list[str]:
    """The configured actors no list has a row of (sorted): a misspelt name, most likely."""
    return sorted(name for name, rows in by_actor.items() if not rows)


def index_lists(
    list_paths: Sequence[str | Path], names: Sequence[str], actor_files: Sequence[str | Path], rejects_file: str | Path
) -> None:
    """The index_face_lists job: every list read once, each actor's rows to its file (in the
    order of ``names``) and every unusable line to the rejects table; SystemExit naming the
    actors no list has."""
    names = list(names)
    by_actor, rejects = actors_rows(list(list_paths), names)
    missing = unlisted_actors(by_actor)
    if missing:
        raise SystemExit(f"faces.actors not found in any list (names must match exactly): {', '.join(missing)}")
    for name, path in zip(names, actor_files):
        write_actor_rows(path, by_actor[name])
        log.info("%s: %d rows", name, len(by_actor[name]))
    write_tsv(
        rejects_file, REJECT_COLUMNS, [[r.source, r.line, r.reason, r.text.replace("\t", "\\t")] for r in rejects]
    )
