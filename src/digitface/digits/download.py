"""Fetch the four MNIST IDX files from a list of mirrors, verifying the *decompressed* content.

Mirrors wrap the same IDX bytes in different gzip streams, so a checksum of the ``.gz`` would
tie us to one mirror; the published MD5 of the decompressed files identifies the data itself.
A mirror that is down, answers an error, or serves bytes that fail the check is skipped and the
next one is tried; only a verified body is renamed into place (:mod:`digitface.pinned`).

The check streams: the body is decompressed a block at a time while it is hashed, and a body
that inflates beyond the official file's size is refused there, so a small file that would
inflate to gigabytes (a gzip bomb) costs a few megabytes of reading, never the memory. A
broken transfer is not resumed from another mirror: their gzip bytes differ.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import requests

from digitface.pinned import SourcesExhausted, Transfer, fetch_verified

log = logging.getLogger(__name__)

#: MD5 of the decompressed official files (the widely published values).
OFFICIAL_MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}
#: Their sizes in bytes: header plus pixels or labels.
OFFICIAL_SIZES = {
    "train-images-idx3-ubyte": 16 + 60_000 * 784,
    "train-labels-idx1-ubyte": 8 + 60_000,
    "t10k-images-idx3-ubyte": 16 + 10_000 * 784,
    "t10k-labels-idx1-ubyte": 8 + 10_000,
}
_BLOCK = 1 << 20


class MirrorsExhausted(SourcesExhausted):
    """Every mirror failed for one file; the message lists what each one did."""


@dataclass(frozen=True)
class DownloadSettings:
    timeout_connect: float = 10.0
    timeout_read: float = 60.0
    max_bytes: int = 64 * 1024 * 1024
    retries: int = 2


def idx_check(expected_md5: str, max_inflated: int) -> Callable[[Path], str | None]:
    """A check for :func:`digitface.pinned.fetch_verified`: the file (gzip or plain) must
    decompress to at most ``max_inflated`` bytes whose MD5 is ``expected_md5``."""

    def check(path: Path) -> str | None:
        with open(path, "rb") as fh:
            opener = gzip.open if fh.read(2) == b"\x1f\x8b" else open
        digest, size = hashlib.md5(), 0
        try:
            with opener(path, "rb") as fh:
                while block := fh.read(_BLOCK):
                    size += len(block)
                    if size > max_inflated:
                        return f"decompresses to more than the official {max_inflated} bytes"
                    digest.update(block)
        except (OSError, EOFError, zlib.error) as exc:
            return f"{type(exc).__name__}: {exc}"
        got = digest.hexdigest()
        return None if got == expected_md5 else f"md5 of decompressed content {got} != {expected_md5}"

    return check


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
    check = idx_check(expected_md5 or OFFICIAL_MD5[stem], OFFICIAL_SIZES.get(stem, settings.max_bytes * 16))
    transfer = Transfer(settings.timeout_connect, settings.timeout_read, settings.retries, settings.max_bytes)
    urls = [mirror.rstrip("/") + f"/{stem}.gz" for mirror in mirrors]
    try:
        return fetch_verified(urls, dest, check, transfer, session=session, what=stem, resume=False)
    except SourcesExhausted as exc:
        raise MirrorsExhausted(str(exc).replace("no source gave a valid", "no mirror served a valid")) from None


def download_mnist(stem: str, mirrors: list[str], settings: Mapping, dest: str | Path) -> str:
    """The download_mnist job: one IDX file (``stem``) from the first mirror that serves it
    verified; ``settings``: the ``digits.download`` settings (:class:`DownloadSettings`)."""
    return download_idx(stem, mirrors, dest, settings=DownloadSettings(**settings))
