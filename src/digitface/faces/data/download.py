"""Download stage: fetch each listed image once, verify its SHA-256, keep it in a content store.

A job downloads a batch of actors (one by default) through one thread pool: every actor's rows
are queued together, interleaved over hosts, so that the slow URLs of one actor (hangs and
trickles, each held up to the total-time cap) overlap with the others' instead of ending
each actor with an idle tail. At most ``workers`` requests are in flight and ``per_host`` to
one host. Each actor keeps its own store and journal, so regrouping actors into other
batches fetches nothing again. One URL's exchange: :mod:`digitface.faces.data.fetch`.

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
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence
from urllib.parse import urlsplit

import requests

from digitface.atomic import naming_full_disk, write_bytes
from digitface.digests import sha256_file
from digitface.faces.data.fetch import (
    FETCH_ERROR,
    FetchSettings,
    fetch,
    is_transient,
    make_session,
    outcome_settings,
    sniff_extension,
    verify,
)
from digitface.faces.data.list_source import read_actor_rows
from digitface.faces.data.lists import ListRow
from digitface.faces.data.manifest import DUPLICATE_FACE_ID, OK, FaceRecord, duplicate_of, sort_key, write_manifest
from digitface.progress import Progress

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


def _host(url: str) -> str:
    """The URL's host[:port], lowercased ("" for local paths and unparsable URLs)."""
    try:
        return urlsplit(url).netloc.lower()
    except ValueError:
        return ""


class _HostLimiter:
    """One semaphore per host (netloc), created on first use."""

    def __init__(self, per_host: int) -> None:
        self._per_host = per_host
        self._lock = threading.Lock()
        self._semaphores: dict[str, threading.Semaphore] = {}

    def __call__(self, url: str) -> threading.Semaphore:
        host = _host(url)
        with self._lock:
            if host not in self._semaphores:
                self._semaphores[host] = threading.BoundedSemaphore(self._per_host)
            return self._semaphores[host]


@dataclass(frozen=True)
class _Attempt:
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
class _ActorState:
    """What one actor's download knows: its rows by sha256, what is stored, every attempt."""

    groups: dict[str, list[ListRow]]
    store_dir: Path
    journal: Journal | None = None
    base_dir: Path | None = None
    stored: dict[str, str] = field(default_factory=dict)  # sha256 -> store file name
    attempts: dict[str, dict[str, _Attempt]] = field(default_factory=lambda: defaultdict(dict))

    def records(self) -> list[FaceRecord]:
        out = []
        for sha, group in self.groups.items():
            out.extend(_records(group, self.attempts[sha], self.stored.get(sha, "")))
        return sorted(out, key=sort_key)


def _plan(actor: ActorDownload, settings: FetchSettings) -> tuple[_ActorState, list[tuple[str, list[str]]]]:
    """The actor's state after resuming from its store and journal, and what is left to fetch:
    (sha256, URLs to try in order) per image."""
    rows = sorted(actor.rows, key=lambda r: (r.image_id, r.face_id))
    if len({r.face_id for r in rows}) != len(rows):
        raise ValueError("face_id values must be unique")
    store_dir = Path(actor.store_dir)
    store_dir.mkdir(parents=True, exist_ok=True)
    groups: dict[str, list[ListRow]] = defaultdict(list)
    for row in rows:
        groups[row.sha256].append(row)
    state = _ActorState(dict(groups), store_dir, base_dir=Path(actor.base_dir) if actor.base_dir is not None else None)
    previous = Journal.load(actor.journal_path)
    current = outcome_settings(settings)
    in_store = stored_bodies(store_dir, groups)
    todo_images = []
    for sha, group in groups.items():
        urls = list(dict.fromkeys(r.url for r in group))
        if sha in in_store:
            state.stored[sha] = in_store[sha].name
            state.attempts[sha] = {u: _Attempt(u, OK) for u in urls if previous.get((sha, u), ("",))[0] == OK}
            continue
        todo = []
        for url in urls:
            old, made_with = previous.get((sha, url), (None, None))
            if old is None or old == OK or is_transient(old) or settings.retry_permanent or made_with != current:
                todo.append(url)
            else:
                state.attempts[sha][url] = _Attempt(url, old)
        if todo:
            todo_images.append((sha, todo))
    logger.info(
        "download %s: %d rows, %d images, %d already stored, %d to fetch",
        store_dir.name,
        len(rows),
        len(groups),
        len(state.stored),
        len(todo_images),
    )
    return state, todo_images


def _download_image(
    sha256: str,
    urls: Sequence[str],
    state: _ActorState,
    session: requests.Session,
    settings: FetchSettings,
    limit: _HostLimiter,
) -> list[_Attempt]:
    """Try ``urls`` in order until one gives the body with ``sha256``; store it; journal each try."""
    attempts = []
    for url in urls:
        with limit(url):
            start = time.monotonic()
            try:
                outcome, body = fetch(session, url, settings, state.base_dir)
            except Exception:  # noqa: BLE001 - one row's surprise must not end the actor's job
                logger.warning("unexpected failure fetching %s (recorded as %s)", url, FETCH_ERROR, exc_info=True)
                outcome, body = FETCH_ERROR, None
            seconds = round(time.monotonic() - start, 3)
        name = ""
        if body is not None:
            outcome = verify(body, sha256)
            if outcome == OK:
                name = f"{sha256}.{sniff_extension(body) or 'bin'}"
                write_bytes(state.store_dir / name, body)
        state.journal.append(
            {
                "sha256": sha256,
                "url": url,
                "outcome": outcome,
                "seconds": seconds,
                "settings": outcome_settings(settings),
            }
        )
        attempts.append(_Attempt(url, outcome, name))
        if outcome == OK:
            break
    return attempts


def _interleave_hosts(jobs: list[tuple]) -> list[tuple]:
    """Round-robin the jobs (``(sha256, urls, ...)``) over hosts, so workers do not queue up
    behind one host's semaphore."""
    by_host: dict[str, list[tuple]] = defaultdict(list)
    for job in jobs:
        by_host[_host(job[1][0])].append(job)
    queues = list(by_host.values())
    order = []
    for i in range(max((len(q) for q in queues), default=0)):
        order.extend(q[i] for q in queues if i < len(q))
    return order


def _records(rows: list[ListRow], attempts: dict[str, _Attempt], stored: str) -> list[FaceRecord]:
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


def download_batch(
    actors: Sequence[ActorDownload], settings: FetchSettings = FetchSettings()
) -> list[list[FaceRecord]]:
    """Download stage for a batch of actors, through one pool: each actor's records (one per
    row, sorted by ids), in the order given. Resumes from each actor's store and journal."""
    planned = [_plan(actor, settings) for actor in actors]
    jobs = [(sha, urls, state) for state, todo in planned for sha, urls in todo]
    progress = Progress(logger, "download", len(jobs), settings.progress_interval)
    session, limit = make_session(settings), _HostLimiter(settings.per_host)
    for (state, _), actor in zip(planned, actors):
        state.journal = Journal(actor.journal_path)
    try:
        with ThreadPoolExecutor(max_workers=settings.workers, thread_name_prefix="fetch") as pool:
            futures = {
                pool.submit(_download_image, sha, urls, state, session, settings, limit): (sha, state)
                for sha, urls, state in _interleave_hosts(jobs)
            }
            try:
                for future in as_completed(futures):
                    sha, state = futures[future]
                    for attempt in future.result():
                        state.attempts[sha][attempt.url] = attempt
                        if attempt.outcome == OK:
                            state.stored[sha] = attempt.body
                    progress.advance()
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    finally:
        session.close()
        for state, _ in planned:
            state.journal.close()
    return [state.records() for state, _ in planned]


def download_actor(
    rows: Iterable[ListRow],
    store_dir: str | os.PathLike,
    journal_path: str | os.PathLike,
    settings: FetchSettings = FetchSettings(),
    base_dir: str | os.PathLike | None = None,
) -> list[FaceRecord]:
    """Download stage for one actor's rows (:func:`download_batch` of one): one record per row.

    Resumes from ``store_dir`` (verified bodies) and ``journal_path`` (permanent failures).
    ``base_dir`` enables local paths in the url column (relative to it).
    """
    return download_batch([ActorDownload(list(rows), store_dir, journal_path, base_dir)], settings)[0]


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
