"""Where the FaceScrub lists come from: a local file, or a URL fetched once and checksummed.

A downloaded list must match its configured SHA-256 exactly: the lists carry every image's
checksum, so a silently changed list would silently change the data set.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import requests

from ..atomic import write_bytes
from ..http import fetch_bytes, make_session
from .lists import ListRow, Reject, format_row, read_list, slugify

log = logging.getLogger(__name__)


class ChecksumMismatch(ValueError):
    """A downloaded list is not the configured one."""


def fetch_list(
    url: str,
    sha256: str,
    dest: str | Path,
    session: requests.Session | None = None,
    timeout: tuple[float, float] = (10.0, 60.0),
    max_bytes: int = 64 * 1024 * 1024,
) -> None:
    """Download a list and write it to ``dest`` only if its SHA-256 is ``sha256``."""
    body = fetch_bytes(session or make_session(), url, timeout, max_bytes)
    got = hashlib.sha256(body).hexdigest()
    if got != sha256.lower():
        raise ChecksumMismatch(f"{url}: sha256 {got} does not match the configured {sha256}")
    write_bytes(dest, body)
    log.info("fetched %s (%d bytes, sha256 ok)", url, len(body))


def actor_rows(
    list_paths: list[str | Path], name: str
) -> tuple[dict[Path, list[ListRow]], list[ListRow], list[Reject]]:
    """Rows of one actor, by the EXACT configured name, grouped by the list file they came from
    (local URLs are relative to their own list's folder); the rows whose face_id an earlier
    list already gave this actor (a face_id names the crop file, so the later rows are
    recorded as such and not used); and every list's rejects.

    Exact names: a list may spell another person so that the folder name (slug) coincides,
    "José García" beside "Jose Garcia"; matching by slug would merge them silently
    (:func:`name_collisions` reports such rows instead).
    """
    by_list: dict[Path, list[ListRow]] = {}
    taken: dict[int, ListRow] = {}
    clashes: list[ListRow] = []
    rejects: list[Reject] = []
    for path in map(Path, list_paths):
        rows, bad = read_list(path)
        rejects += bad
        mine = []
        for row in rows:
            if row.name != name:
                continue
            if row.face_id in taken:
                clashes.append(row)
            else:
                taken[row.face_id] = row
                mine.append(row)
        if mine:
            by_list[path] = mine
    return by_list, clashes, rejects


def name_collisions(rows: list[ListRow], names: list[str]) -> list[Reject]:
    """Rows whose name is not a configured actor's but has the same folder name (slug): they
    are not used, and the rejects table says why."""
    configured = {slugify(n): n for n in names}
    return [Reject(r.source, r.line, f"name {r.name!r} differs from the configured {configured[slugify(r.name)]!r} "
                   "(same folder name): not used", format_row(r))
            for r in rows if r.name not in names and slugify(r.name) in configured]
