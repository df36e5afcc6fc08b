"""Files pinned by a checksum, fetched from the first of several sources that serves them.

Why one module: the MNIST IDX files and the ImageNet AlexNet weights are data the workflow
obtains like any other input, and both must be exactly the pinned bytes. A source is a local
path, a ``file://`` URL or an ``http(s)://`` URL. Bytes go to ``<dest>.part`` while they
stream, under a size cap; a transfer that breaks leaves the part file behind and the next
attempt (the next source, or the next run after a kill) resumes it with an HTTP ``Range``
request. Only a file whose digest is the pinned one is renamed onto ``dest``; a complete file
with other bytes is deleted and the next source tried. Every failure is kept, so the final
error names each source and what it did, and the file and folder a user can fill by hand.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import requests
import urllib3

from digitface.digests import sha256_file
from digitface.http import make_session

log = logging.getLogger(__name__)

_CHUNK = 1 << 20


class SourcesExhausted(RuntimeError):
    """No source gave the pinned bytes; the message says what each one did."""


class SourceFailed(Exception):
    """One source could not give the pinned bytes (the reason is the message)."""


@dataclass(frozen=True)
class Transfer:
    """Limits of one download: timeouts (seconds), retries of connection errors and 5xx,
    and the largest number of bytes accepted."""

    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    retries: int = 2
    max_bytes: int = 300_000_000


def part_path(dest: str | os.PathLike) -> Path:
    """Where the bytes of ``dest`` accumulate until they are verified."""
    dest = Path(dest)
    return dest.with_name(dest.name + ".part")


def _copy_local(path: Path, part: Path, max_bytes: int) -> None:
    if not path.is_file():
        raise SourceFailed(f"{path} does not exist")
    size = path.stat().st_size
    if size > max_bytes:
        raise SourceFailed(f"{path} has {size} bytes, more than the cap of {max_bytes}")
    with open(path, "rb") as src, open(part, "wb") as out:
        shutil.copyfileobj(src, out, _CHUNK)


def _stream_http(session: requests.Session, url: str, part: Path, transfer: Transfer) -> None:
    """Append the rest of ``url`` to ``part`` (resuming what is there), at most ``max_bytes``."""
    have = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    timeout = (transfer.connect_timeout, transfer.read_timeout)
    try:
        with session.get(url, stream=True, timeout=timeout, headers=headers) as resp:
            if resp.status_code == 416 and have:
                return  # the part file already holds every byte; the digest decides
            if resp.status_code >= 400:
                raise SourceFailed(f"HTTP {resp.status_code}")
            resumed = resp.status_code == 206 and resp.headers.get("Content-Range", "").startswith(f"bytes {have}-")
            if not resumed:
                have = 0
            announced = int(resp.headers.get("Content-Length") or 0)
            if have + announced > transfer.max_bytes:
                raise SourceFailed(f"announces {have + announced} bytes, more than the cap of {transfer.max_bytes}")
            with open(part, "ab" if resumed else "wb") as out:
                size = have
                # read1 hands over whatever arrived, so a transfer that breaks keeps its bytes
                while block := resp.raw.read1(_CHUNK):
                    size += len(block)
                    if size > transfer.max_bytes:
                        raise SourceFailed(f"sent more than the cap of {transfer.max_bytes} bytes")
                    out.write(block)
            if resumed:
                log.info("%s: resumed at byte %d", url, have)
    except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
        raise SourceFailed(f"{type(exc).__name__}: {exc}") from None


def _stream_resuming(session: requests.Session, url: str, part: Path, transfer: Transfer) -> None:
    """:func:`_stream_http`, resumed up to ``transfer.retries`` times while a broken transfer
    still makes progress: a dropped connection costs no rerun of the job, while a source that
    refuses, is missing or serves nothing fails at once (retrying would not change it)."""
    for attempt in range(transfer.retries + 1):
        before = part.stat().st_size if part.exists() else 0
        try:
            return _stream_http(session, url, part, transfer)
        except SourceFailed:
            grew = part.exists() and part.stat().st_size > before
            if not grew or attempt == transfer.retries:
                raise
            log.warning("%s: the transfer broke after %d bytes; resuming", url, part.stat().st_size)


def _local_path(source: str) -> Path | None:
    parts = urlsplit(source)
    if parts.scheme == "file":
        return Path(unquote(parts.path))
    if parts.scheme in ("http", "https"):
        return None
    return Path(source)


def fetch_verified(
    sources: Sequence[str],
    dest: str | os.PathLike,
    check: Callable[[Path], str | None],
    transfer: Transfer = Transfer(),
    session: requests.Session | None = None,
    what: str = "file",
    resume: bool = True,
) -> str:
    """Put the pinned bytes at ``dest`` from the first source that serves them; return it.

    ``check(path)`` returns None when the complete file at ``path`` is the pinned one, else
    why not (e.g. "sha256 ab12... is not the pinned cd34..."). ``resume``: a transfer that
    breaks keeps its bytes for the next attempt, which asks only for the rest; right when every
    source serves the same bytes (a file pinned by its own digest), wrong when they may differ
    (re-compressed copies), so those start afresh. Raises :class:`SourcesExhausted` naming
    every source's failure.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = part_path(dest)
    own_session = session is None
    session = session or make_session(transfer.retries, 0.5, retry_reads=False)
    failures = []
    try:
        for source in sources:
            problem = _try_source(source, part, check, transfer, session, resume)
            if problem is None:
                _put_in_place(part, dest)
                log.info("%s from %s: verified (%d bytes)", what, source, dest.stat().st_size)
                return source
            failures.append(f"{source}: {problem}")
            log.warning("%s source failed: %s", what, failures[-1])
    finally:
        if own_session:
            session.close()
    raise SourcesExhausted(f"no source gave a valid {what}:\n  " + "\n  ".join(failures))


def _try_source(
    source: str,
    part: Path,
    check: Callable[[Path], str | None],
    transfer: Transfer,
    session: requests.Session,
    resume: bool,
) -> str | None:
    """Why ``source`` did not put the pinned bytes at ``part``, or None if it did. A broken
    transfer keeps its part file for the next source to resume (if ``resume``); complete bytes
    that fail the check are removed."""
    local = _local_path(source)
    try:
        if local is not None:
            _copy_local(local, part, transfer.max_bytes)
        else:
            _stream_resuming(session, source, part, transfer)
    except (SourceFailed, OSError) as exc:
        if not resume:
            part.unlink(missing_ok=True)
        return str(exc)
    problem = check(part)
    if problem is not None:
        part.unlink()
    return problem


def _put_in_place(part: Path, dest: Path) -> None:
    """The verified part file, flushed to disk, renamed onto ``dest``."""
    with open(part, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(part, dest)


def sha256_check(expected: str) -> Callable[[Path], str | None]:
    """A ``check`` for :func:`fetch_verified`: the file's SHA-256 must be ``expected``."""

    def check(path: Path) -> str | None:
        got = sha256_file(path)
        return None if got == expected else f"sha256 {got} is not the pinned {expected}"

    return check
