"""What the download stage keeps between runs: each actor's content store and journal, read back
into what is stored, what was tried, and what is left to fetch (:func:`resume`).

Store: a body whose sha256 equals the list's is written atomically to
``<store>/<sha256>.<ext>`` (``ext`` from the body's magic bytes, never from the URL). A sha256
already in the store (and re-hashed correct) is not fetched again. Rows sharing a sha256 are
one download: their URLs are tried in order until one verifies. The store is this job's to
repair: each run re-hashes every body its rows name and fetches again the ones missing or
damaged (a damaged file is removed first), which is how a crop job that found one asks for
them (``--forcerun`` of the batch's download manifest: :mod:`digitface.faces.data.crop_job`).

Journal: one JSON line per URL attempt ({"sha256", "url", "outcome", "seconds", "settings"}), appended
with one ``os.write`` on an O_APPEND descriptor by the workers: the one output not written by
temp-file-and-rename, because rewriting it per URL would be quadratic. A torn last line from
a kill is ignored on reading. Transient outcomes are tried again by the next run; permanent
ones are reused unless ``retry_permanent`` is set or the settings that decide them changed.

Its own module, apart from the pool that fetches (:mod:`digitface.faces.data.download`): what a
rerun may skip is decided here, from the files alone.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from digitface.atomic import naming_full_disk
from digitface.digests import sha256_file
from digitface.faces.data.fetch import FetchSettings, is_transient, outcome_settings
from digitface.faces.data.lists import ListRow
from digitface.faces.data.manifest import OK, FaceRecord, duplicate_of, sort_key

logger = logging.getLogger(__name__)


class Journal:
    """Append-only JSONL of URL attempts: {"sha256", "url", "outcome", "seconds"}; thread-safe."""

    def __init__(self, path: str | os.PathLike) -> None:
        path = self.path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o666)
        size = os.fstat(self._fd).st_size
        if size and os.pread(self._fd, 1, size - 1) != b"\n":
            os.write(self._fd, b"\n")  # end a line torn by a kill, so the next record parses

    def append(self, entry: dict) -> None:
        line = (json.dumps(entry, sort_keys=True) + "\n").encode("utf-8")
        with self._lock, naming_full_disk(self.path):
            os.write(self._fd, line)

    def close(self) -> None:
        os.fsync(self._fd)
        os.close(self._fd)

    @staticmethod
    def load(path: str | os.PathLike) -> dict[tuple[str, str], tuple[str, str | None]]:
        """The last (outcome, settings) per (sha256, url); unparsable lines (a torn write) are
        skipped; entries written without settings have None."""
        outcomes: dict[tuple[str, str], tuple[str, str | None]] = {}
        path = Path(path)
        if not path.exists():
            return outcomes
        for line in path.read_bytes().split(b"\n"):
            try:
                entry = json.loads(line)
                outcomes[(entry["sha256"], entry["url"])] = (entry["outcome"], entry.get("settings"))
            except (ValueError, KeyError, TypeError):
                continue
        return outcomes


def stored_bodies(store_dir: Path, wanted: Iterable[str]) -> dict[str, Path]:
    """sha256 -> store file for the ``wanted`` bodies already stored; a corrupt file is removed.

    Only wanted files are hashed: the store is shared, and another actor's bodies are not ours to check.
    """
    wanted = set(wanted)
    found: dict[str, Path] = {}
    for path in sorted(store_dir.iterdir()):
        sha = path.name.split(".", 1)[0]
        if sha not in wanted or sha in found:
            continue  # another run's body (or atomic_path's ".name.tmp" file), or a second copy
        if sha256_file(path) == sha:
            found[sha] = path
        else:
            logger.warning("removing corrupt store file %s", path)
            path.unlink()
    return found


@dataclass(frozen=True)
class Attempt:
    """One URL tried for one body, this run or (permanent failures) an earlier one."""

    url: str
    outcome: str
    body: str = ""  # store file name when the outcome is ok


@dataclass
class ActorDownload:
    """One actor's part of a batch: its rows, its store and journal, where local paths start."""

    rows: Sequence[ListRow]
    store_dir: str | os.PathLike
    journal_path: str | os.PathLike
    base_dir: str | os.PathLike | None = None


@dataclass
class ActorState:
    """What one actor's download knows: its rows by sha256, what is stored, every attempt."""

    groups: dict[str, list[ListRow]]
    store_dir: Path
    journal: Journal | None = None
    base_dir: Path | None = None
    stored: dict[str, str] = field(default_factory=dict)  # sha256 -> store file name
    attempts: dict[str, dict[str, Attempt]] = field(default_factory=lambda: defaultdict(dict))

    def add(self, sha256: str, attempts: Iterable[Attempt]) -> None:
        """This run's attempts for one body; the ok one (there is at most one) stored it."""
        for attempt in attempts:
            self.attempts[sha256][attempt.url] = attempt
            if attempt.outcome == OK:
                self.stored[sha256] = attempt.body

    def records(self) -> list[FaceRecord]:
        out = []
        for sha, group in self.groups.items():
            out.extend(_records(group, self.attempts[sha], self.stored.get(sha, "")))
        return sorted(out, key=sort_key)


def _records(rows: list[ListRow], attempts: dict[str, Attempt], stored: str) -> list[FaceRecord]:
    """Rows of one sha256 -> records: the verifying row is ok, the others duplicates of it."""
    if stored:
        verified_by = {url for url, attempt in attempts.items() if attempt.outcome == OK}
        owner = next((r for r in rows if r.url in verified_by), rows[0])
        return [
            FaceRecord(r, OK, stored, OK)
            if r is owner
            else FaceRecord(r, duplicate_of(owner.face_id), stored, duplicate_of(owner.face_id))
            for r in rows
        ]
    return [FaceRecord(r, attempts[r.url].outcome, "", attempts[r.url].outcome) for r in rows]


def resume(actor: ActorDownload, settings: FetchSettings) -> tuple[ActorState, list[tuple[str, list[str]]]]:
    """The actor's state after resuming from its store and journal, and what is left to fetch:
    (sha256, URLs to try in order) per image."""
    rows = sorted(actor.rows, key=lambda r: (r.image_id, r.face_id))
    if len({r.face_id for r in rows}) != len(rows):
        raise ValueError("face_id values must be unique")
    store_dir = Path(actor.store_dir)
    store_dir.mkdir(parents=True, exist_ok=True)
    groups = _by_body(rows)
    state = ActorState(groups, store_dir, base_dir=Path(actor.base_dir) if actor.base_dir is not None else None)
    previous = Journal.load(actor.journal_path)
    current = outcome_settings(settings)
    in_store = stored_bodies(store_dir, groups)
    todo_images = []
    for sha, group in groups.items():
        urls = list(dict.fromkeys(r.url for r in group))
        if sha in in_store:
            state.stored[sha] = in_store[sha].name
            state.attempts[sha] = {u: Attempt(u, OK) for u in urls if previous.get((sha, u), ("",))[0] == OK}
            continue
        reused, todo = _journal_verdicts(sha, urls, previous, current, settings)
        state.attempts[sha].update(reused)
        if todo:
            todo_images.append((sha, todo))
    _log_plan(state, len(rows), len(todo_images))
    return state, todo_images


def _by_body(rows: Sequence[ListRow]) -> dict[str, list[ListRow]]:
    """The rows grouped by sha256, in the rows' order: each group is one download."""
    groups: dict[str, list[ListRow]] = defaultdict(list)
    for row in rows:
        groups[row.sha256].append(row)
    return dict(groups)


def _journal_verdicts(
    sha: str,
    urls: Sequence[str],
    previous: dict[tuple[str, str], tuple[str, str | None]],
    current: str,
    settings: FetchSettings,
) -> tuple[dict[str, Attempt], list[str]]:
    """For a body not in the store: the journal's permanent failures that stand (made with the
    ``current`` settings, no retry asked for), and the URLs to try (again), in order."""
    reused, todo = {}, []
    for url in urls:
        old, made_with = previous.get((sha, url), (None, None))
        if old is None or old == OK or is_transient(old) or settings.retry_permanent or made_with != current:
            todo.append(url)
        else:
            reused[url] = Attempt(url, old)
    return reused, todo


def _log_plan(state: ActorState, n_rows: int, n_todo: int) -> None:
    logger.info(
        "download %s: %d rows, %d images, %d already stored, %d to fetch",
        state.store_dir.name,
        n_rows,
        len(state.groups),
        len(state.stored),
        n_todo,
    )
