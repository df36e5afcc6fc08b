"""Fetch the four MNIST IDX files from a list of mirrors, verifying the *decompressed* content.

Mirrors wrap the same IDX bytes in different gzip streams, so a checksum of the ``.gz`` would
tie us to one mirror; the published MD5 of the decompressed files identifies the data itself.
A mirror that is down, answers an error, or serves bytes that fail the check is skipped and the
next one is tried; only a verified body is written (atomically).
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import zlib
from dataclasses import dataclass
from pathlib import Path

import requests

from ..atomic import write_bytes
from ..http import fetch_bytes, make_session

log = logging.getLogger(__name__)

#: MD5 of the decompressed official files (the widely published values).
OFFICIAL_MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}


class MirrorsExhausted(RuntimeError):
    """Every mirror failed for one file; the message lists what each one did."""


@dataclass(frozen=True)
class DownloadSettings:
    timeout_connect: float = 10.0
    timeout_read: float = 60.0
    max_bytes: int = 64 * 1024 * 1024
    retries: int = 2
    backoff: float = 0.5


def _decompressed_md5(body: bytes) -> str:
    raw = gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body
    return hashlib.md5(raw).hexdigest()


def download_idx(
    stem: str,
    mirrors: list[str],
    dest: str | Path,
    expected_md5: str | None = None,
    settings: DownloadSettings = DownloadSettings(),
    session: requests.Session | None = None,
) -> str:
    """Download ``<mirror>/<stem>.gz`` from the first mirror that serves verified bytes.

    Returns the URL that succeeded. Raises :class:`MirrorsExhausted` naming every failure.
    """
    expected = expected_md5 or OFFICIAL_MD5[stem]
    session = session or make_session(settings.retries, settings.backoff)
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + f"/{stem}.gz"
        try:
            body = fetch_bytes(
                session, url, (settings.timeout_connect, settings.timeout_read), settings.max_bytes
            )
            got = _decompressed_md5(body)
        except (requests.RequestException, ValueError, OSError, EOFError, zlib.error) as exc:
            failures.append(f"{url}: {type(exc).__name__}: {exc}")
            log.warning("mirror failed: %s", failures[-1])
            continue
        if got != expected:
            failures.append(f"{url}: md5 of decompressed content {got} != {expected}")
            log.warning("mirror failed: %s", failures[-1])
            continue
        write_bytes(dest, body)
        log.info("downloaded %s (%d bytes, md5 ok)", url, len(body))
        return url
    raise MirrorsExhausted(f"no mirror served a valid {stem}:\n  " + "\n  ".join(failures))
