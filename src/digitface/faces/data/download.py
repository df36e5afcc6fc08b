"""Download stage: fetch each listed image once, verify its SHA-256, keep it in a content store.

A job downloads a batch of actors (one by default) through one thread pool: every actor's rows
are queued together, interleaved over hosts, so that the slow URLs of one actor (hangs and
trickles, each held up to the total-time cap) overlap with the others' instead of ending
each actor with an idle tail. At most ``workers`` requests are in flight and ``per_host`` to
one host. Each actor keeps its own store and journal, so regrouping actors into other
batches fetches nothing again.

This module is the pool. One URL's exchange: :mod:`digitface.faces.data.fetch`; the store and
journal a run resumes from: :mod:`digitface.faces.data.download_store`; the workflow's job:
:mod:`digitface.faces.data.download_job`.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Iterable, Sequence
from urllib.parse import urlsplit

import requests

from digitface.atomic import write_bytes
from digitface.faces.data.download_store import ActorDownload, ActorState, Attempt, Journal, resume
from digitface.faces.data.fetch import (
    FETCH_ERROR,
    FetchSettings,
    fetch,
    make_session,
    outcome_settings,
    sniff_extension,
    verify,
)
from digitface.faces.data.lists import ListRow
from digitface.faces.data.manifest import OK, FaceRecord
from digitface.progress import Progress

logger = logging.getLogger(__name__)

_Job = tuple[str, list[str], ActorState]  # one image: its sha256, the URLs to try in order, its actor


def download_batch(
    actors: Sequence[ActorDownload], settings: FetchSettings = FetchSettings()
) -> list[list[FaceRecord]]:
    """Download stage for a batch of actors, through one pool: each actor's records (one per
    row, sorted by ids), in the order given. Resumes from each actor's store and journal."""
    planned = [resume(actor, settings) for actor in actors]
    jobs = [(sha, urls, state) for state, todo in planned for sha, urls in todo]
    progress = Progress(logger, "download", len(jobs), settings.progress_interval)
    session = make_session(settings)
    for (state, _), actor in zip(planned, actors):
        state.journal = Journal(actor.journal_path)
    try:
        _fetch_all(jobs, session, settings, progress)
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


def _fetch_all(jobs: list[_Job], session: requests.Session, settings: FetchSettings, progress: Progress) -> None:
    """Every image through one pool, interleaved over hosts; each image's attempts go to its
    actor's state as it finishes. An interruption cancels what has not started."""
    limit = _HostLimiter(settings.per_host)
    with ThreadPoolExecutor(max_workers=settings.workers, thread_name_prefix="fetch") as pool:
        futures = {
            pool.submit(_download_image, sha, urls, state, session, settings, limit): (sha, state)
            for sha, urls, state in _interleave_hosts(jobs)
        }
        try:
            for future in as_completed(futures):
                sha, state = futures[future]
                state.add(sha, future.result())
                progress.advance()
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _download_image(
    sha256: str,
    urls: Sequence[str],
    state: ActorState,
    session: requests.Session,
    settings: FetchSettings,
    limit: _HostLimiter,
) -> list[Attempt]:
    """Try ``urls`` in order until one gives the body with ``sha256``; store it; journal each try."""
    attempts = []
    for url in urls:
        outcome, body, seconds = _fetch_one(url, state, session, settings, limit)
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
        attempts.append(Attempt(url, outcome, name))
        if outcome == OK:
            break
    return attempts


def _fetch_one(
    url: str, state: ActorState, session: requests.Session, settings: FetchSettings, limit: _HostLimiter
) -> tuple[str, bytes | None, float]:
    """One URL's exchange under its host's limit: (outcome, body or None, seconds taken)."""
    with limit(url):
        start = time.monotonic()
        try:
            outcome, body = fetch(session, url, settings, state.base_dir)
        except Exception:  # noqa: BLE001 - one row's surprise must not end the actor's job
            logger.warning("unexpected failure fetching %s (recorded as %s)", url, FETCH_ERROR, exc_info=True)
            outcome, body = FETCH_ERROR, None
        return outcome, body, round(time.monotonic() - start, 3)


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
