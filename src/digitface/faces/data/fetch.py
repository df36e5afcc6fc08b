"""Fetching one listed URL: bounded in time and size, its body checked against the list's SHA-256.

Why this shape: FaceScrub URLs point at ~thousands of third-party hosts, most of them dead,
slow or hostile, so the stage is concurrent (a thread pool, at most ``per_host`` requests
to one host at a time), bounded per URL (connect/read timeouts, a total-time cap enforced
while streaming, a size cap, a redirect cap), and resumable (a journal and a store keyed by
content, so a killed run loses at most its in-flight URLs).

Time: the total cap bounds the whole exchange, connect, headers, redirects and body: a
watchdog shuts the exchange's sockets down when it passes (:func:`digitface.http.deadline`),
so a host that trickles its headers or its redirects is cut at the cap like one that trickles
its body (whose reads also check the cap between ``read1`` calls).

Store: a body whose sha256 equals the list's is written atomically to
``<store>/<sha256>.<ext>``; ``ext`` comes from the body's magic bytes (jpg, png, gif, bmp,
webp, tif, else bin), never from the URL, so a list cannot choose file names. A sha256
already in the store (and re-hashed correct) is not fetched again. Rows sharing a sha256
are one download: their URLs are tried in order until one verifies.

Local sources (the bundled synthetic sample): with "file" in ``schemes`` and a ``base_dir``
given, a URL without a scheme, or a ``file:`` URL, is a path relative to ``base_dir``, and
it must stay inside ``base_dir``.

Outcome vocabulary of this stage (per row):
  ok                      body verified and stored by this row's URL (now or by an earlier run)
  duplicate_of:<face_id>  another row (that face_id) has the same sha256 and its body is stored
  http_<status>           final non-2xx status (5xx after the configured retries)
  connection_error        refused, reset, DNS failure, broken transfer
  timeout                 connect/read timeout, or the total-time cap hit while streaming
  too_large               Content-Length or the streamed body exceeds ``max_bytes``
  redirect_loop           more than ``max_redirects`` redirects
  scheme_not_allowed      a scheme outside ``schemes`` (also a redirect to one)
  bad_url                 unparsable URL, or a local path escaping ``base_dir`` or unusable
                          (a name too long for the filesystem, a NUL byte)
  bad_redirect            a redirect whose Location cannot be parsed (an invalid IPv6
                          literal, bytes that are not UTF-8)
  fetch_error             anything else one URL raised (logged with its traceback)
  file_not_found          a local path that is not a file
  sha_mismatch            a complete image body whose sha256 differs from the list's
  not_an_image            a complete body whose sha256 differs and that is no image
                          (an HTML error page, an empty body)
Transient outcomes (timeout, connection_error, http_5xx, http_408, http_429) are retried
by the next run; the others are permanent and reused from the journal unless
``retry_permanent`` is set or the settings that can decide them (size cap, redirect cap,
schemes: :func:`outcome_settings`) differ from those the journal recorded with them.

The stage itself: the pool, :mod:`digitface.faces.data.download`; the store and the journal of
attempts, :mod:`digitface.faces.data.download_store`.
"""

from __future__ import annotations

import hashlib
import http.client as http_client
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import requests
import urllib3

from digitface import http
from digitface.faces.data.manifest import OK

logger = logging.getLogger(__name__)

TIMEOUT = "timeout"
CONNECTION_ERROR = "connection_error"
TOO_LARGE = "too_large"
REDIRECT_LOOP = "redirect_loop"
SCHEME_NOT_ALLOWED = "scheme_not_allowed"
BAD_URL = "bad_url"
FILE_NOT_FOUND = "file_not_found"
SHA_MISMATCH = "sha_mismatch"
NOT_AN_IMAGE = "not_an_image"
BAD_REDIRECT = "bad_redirect"
FETCH_ERROR = "fetch_error"

_CHUNK = 64 * 1024
_LOCAL = "file"  # the scheme name that enables local paths and file: URLs


@dataclass(frozen=True)
class FetchSettings:
    """Download knobs; the defaults suit the live FaceScrub hosts."""

    workers: int = 16
    per_host: int = 4
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    total_timeout: float = 30.0  # per URL attempt, from the request to the body's end
    max_bytes: int = 20_000_000
    retries: int = 2  # for connect errors and status_forcelist answers
    backoff_factor: float = 0.2
    status_forcelist: tuple[int, ...] = (500, 502, 503, 504)
    max_redirects: int = 5
    schemes: tuple[str, ...] = ("http", "https")  # add "file" to admit local paths (with base_dir)
    retry_permanent: bool = False
    progress_interval: float = 10.0
    user_agent: str = "digitface-facescrub/0.1"


def outcome_settings(settings: FetchSettings) -> str:
    """The settings that can turn a URL's answer into a permanent failure (too_large,
    redirect_loop, scheme_not_allowed), as the journal records them."""
    return json.dumps(
        {"max_bytes": settings.max_bytes, "max_redirects": settings.max_redirects, "schemes": sorted(settings.schemes)},
        sort_keys=True,
    )


def is_transient(outcome: str) -> bool:
    """Whether a later run should try this URL again."""
    if outcome in (TIMEOUT, CONNECTION_ERROR, FETCH_ERROR, "http_408", "http_429"):
        return True
    return outcome.startswith("http_5")


def sniff_extension(data: bytes) -> str | None:
    """The image type from magic bytes, as a file extension; None if not a known image format."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if data.startswith(b"BM"):
        return "bmp"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith((b"II*\x00", b"MM\x00*")):
        return "tif"
    return None


def verify(body: bytes, sha256: str) -> str:
    """ok, sha_mismatch (another image) or not_an_image (no image at all)."""
    if hashlib.sha256(body).hexdigest() == sha256:
        return OK
    return SHA_MISMATCH if sniff_extension(body) else NOT_AN_IMAGE


def make_session(settings: FetchSettings) -> requests.Session:
    """The shared session (:func:`digitface.http.make_session`) tuned for bulk downloads: a
    pool per worker, connect errors and 5xx retried with backoff, read errors and Retry-After
    not (a hung or throttling host must not hold a worker)."""
    return http.make_session(
        settings.retries,
        settings.backoff_factor,
        settings.workers,
        settings.max_redirects,
        retry_reads=False,
        respect_retry_after=False,
        statuses=settings.status_forcelist,
        user_agent=settings.user_agent,
    )


def _get(
    session: requests.Session, url: str, settings: FetchSettings, limit: http.Deadline, answers: list[int]
) -> tuple[str, bytes | None]:
    """GET with the caps; the body is read with read1 so a trickle ends within a read of the
    cap. ``answers`` collects the status of every response, redirects included."""
    hook = {"response": lambda resp, *args, **kwargs: answers.append(resp.status_code)}
    with session.get(url, stream=True, timeout=(settings.connect_timeout, settings.read_timeout), hooks=hook) as resp:
        if not 200 <= resp.status_code < 300:
            return f"http_{resp.status_code}", None
        length = resp.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > settings.max_bytes:
            return TOO_LARGE, None
        chunks, size = [], 0
        while True:
            if limit.remaining() <= 0:
                return TIMEOUT, None
            chunk = resp.raw.read1(_CHUNK, decode_content=True)
            if not chunk:
                return OK, b"".join(chunks)
            size += len(chunk)
            if size > settings.max_bytes:
                return TOO_LARGE, None
            chunks.append(chunk)


def _failure(exc: Exception, limit: http.Deadline, answered: bool) -> str:
    """The outcome an exception of one exchange stands for (re-raised if it is none of them);
    ``answered``: a response had arrived, so an unparsable URL came from a redirect."""
    if limit.expired.is_set():
        return TIMEOUT  # the watchdog cut the exchange: whatever broke, time ran out
    if isinstance(exc, requests.exceptions.TooManyRedirects):
        return REDIRECT_LOOP
    if isinstance(exc, requests.exceptions.InvalidSchema):  # also a ValueError: before those
        return SCHEME_NOT_ALLOWED
    if answered and isinstance(
        exc,
        (
            requests.exceptions.InvalidURL,
            requests.exceptions.MissingSchema,
            urllib3.exceptions.LocationParseError,
            ValueError,
        ),
    ):
        return BAD_REDIRECT
    if isinstance(
        exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema, urllib3.exceptions.LocationParseError)
    ):
        return BAD_URL
    if isinstance(exc, (requests.exceptions.Timeout, urllib3.exceptions.TimeoutError)):
        return TIMEOUT
    if isinstance(
        exc, (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError, http_client.HTTPException)
    ):
        return CONNECTION_ERROR
    if isinstance(exc, ValueError):  # incl. UnicodeError: a Location requests cannot parse
        return BAD_REDIRECT if answered else BAD_URL
    raise exc


def _fetch_http(session: requests.Session, url: str, settings: FetchSettings) -> tuple[str, bytes | None]:
    """One exchange, connect to the body's last byte (redirects included), bounded by the
    total cap however the server behaves (:func:`digitface.http.deadline`)."""
    answers: list[int] = []
    with http.deadline(settings.total_timeout) as limit:
        try:
            result = _get(session, url, settings, limit, answers)
        except Exception as exc:  # noqa: BLE001 - classified, or re-raised by _failure
            return _failure(exc, limit, bool(answers)), None
    # A cut exchange can look like an answer (headers ended early by the closed socket).
    return (TIMEOUT, None) if limit.expired.is_set() else result


def _read_local(url: str, base_dir: Path, settings: FetchSettings) -> tuple[str, bytes | None]:
    """A bundled file: ``url`` is a path (or file: URL) relative to ``base_dir``, and must stay inside it."""
    parts = urlsplit(url)
    relative = unquote(parts.path) if parts.scheme else url
    root = base_dir.resolve()
    try:
        path = (root / relative).resolve()
        if not path.is_relative_to(root):
            return BAD_URL, None
        if not path.is_file():
            return FILE_NOT_FOUND, None
        if path.stat().st_size > settings.max_bytes:
            return TOO_LARGE, None
        return OK, path.read_bytes()
    except (OSError, ValueError):  # a name too long, a NUL byte, unreadable: this row's fault
        return BAD_URL, None


def fetch(
    session: requests.Session, url: str, settings: FetchSettings, base_dir: Path | None = None
) -> tuple[str, bytes | None]:
    """Fetch one URL: (``ok``, body) or (failure outcome, None). The sha256 is not checked here."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return BAD_URL, None
    scheme = parts.scheme.lower()
    if scheme in ("http", "https") and scheme in settings.schemes:
        return _fetch_http(session, url, settings)
    local = scheme == "file" or (not scheme and not parts.netloc)
    if local and _LOCAL in settings.schemes and base_dir is not None and parts.netloc in ("", "localhost"):
        return _read_local(url, base_dir, settings)
    return SCHEME_NOT_ALLOWED, None
