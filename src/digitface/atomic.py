"""Atomic file writes: a killed job never leaves a half-written output behind.

Every writer goes to a temporary file in the destination's directory (same filesystem), is
flushed and fsynced, then renamed over the destination, which POSIX makes atomic.
:func:`read_tsv` reads back what :func:`write_tsv` writes.

A disk that fills up (or a file-size limit) surfaces in many shapes: ``OSError(ENOSPC)``,
numpy's ``OSError: 800 requested and 512 written``, a short write deep inside a library.
Whatever the shape, :func:`atomic_path` re-raises it as one error that says what happened and
names the file being written, and leaves no temporary file behind.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator

_UMASK = os.umask(0)
os.umask(_UMASK)

_DISK_FULL = {
    errno.ENOSPC: "no space left on device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EFBIG: "file too large for this system's limits",
}
_SHORT_WRITE = re.compile(r"\d+ requested and \d+ written")


class DiskFullError(OSError):
    """A write ran out of space (or hit a size limit); the message names the file."""


def _disk_full(exc: OSError, dest: Path) -> DiskFullError | None:
    """The error to raise instead of ``exc`` if it means the disk is full, else None."""
    what = _DISK_FULL.get(exc.errno) or (
        "no space left on device (a short write)" if _SHORT_WRITE.search(str(exc)) else None
    )
    if what is None:
        return None
    return DiskFullError(exc.errno or errno.ENOSPC, f"{what} while writing {dest}")


@contextlib.contextmanager
def naming_full_disk(dest: str | os.PathLike) -> Iterator[None]:
    """Inside, an error that means the disk is full is re-raised as :class:`DiskFullError`
    naming ``dest``; other errors pass unchanged."""
    try:
        yield
    except DiskFullError:
        raise
    except OSError as exc:
        full = _disk_full(exc, Path(dest))
        if full is None:
            raise
        raise full from exc


@contextlib.contextmanager
def _replacing(
    dest: Path, suffix: str | None, staging: str | os.PathLike | None, durable: bool
) -> Iterator[tuple[int, Path]]:
    """A new temporary file (its open descriptor and its path) that replaces ``dest`` when the
    block succeeds, and is removed when it fails (see :func:`atomic_path`)."""
    suffix = suffix if suffix is not None else dest.suffix
    with naming_full_disk(dest):
        dest.parent.mkdir(parents=True, exist_ok=True)
        if staging is not None:
            # The job's own folder: one name per destination is unique there, and open() gives
            # the file the permissions any new file gets (the crop job writes two per face).
            tmp_path = Path(staging) / f".{dest.parent.name}.{dest.name}{suffix}"
            fd = os.open(tmp_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        else:
            fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=suffix)
            tmp_path = Path(tmp)
            os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs should look like open()'s
        replaced = False
        try:
            yield fd, tmp_path
            if durable:
                os.fsync(fd)  # the file's data, through whichever descriptor it was written
            os.replace(tmp_path, dest)
            replaced = True
        finally:
            os.close(fd)
            if not replaced:
                tmp_path.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_path(
    dest: str | os.PathLike,
    suffix: str | None = None,
    *,
    staging: str | os.PathLike | None = None,
    durable: bool = True,
) -> Iterator[Path]:
    """Yield a temporary path; rename it onto ``dest`` only on success.

    ``suffix`` defaults to ``dest``'s own suffix so that libraries that pick a format from
    the extension (matplotlib, numpy, Pillow) behave as they would on ``dest``. The temporary
    file lies beside ``dest``, or in ``staging``, a folder on the same filesystem that a job
    owns: a killed job's temporary files are then all in one place, for its rerun to remove
    (:func:`fresh_staging`). There the temporary file is named after ``dest`` (its folder's name
    and its own), so the job writes a destination from one thread at a time.
    ``durable=False`` skips the fsync before the rename: a kill still never leaves a
    half-written ``dest`` (the rename is atomic), but a power cut may, so it is for files that
    are checked before they are reused (the crop pictures).
    """
    with _replacing(Path(dest), suffix, staging, durable) as (_, tmp):
        yield tmp


def fresh_staging(folder: str | os.PathLike) -> Path:
    """``folder`` emptied (what a killed run of the same job left there is removed) and made."""
    folder = Path(folder)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def write_bytes(
    dest: str | os.PathLike, data: bytes, *, staging: str | os.PathLike | None = None, durable: bool = True
) -> None:
    """Write ``data`` to ``dest`` atomically (``staging``, ``durable``: as for :func:`atomic_path`),
    through the descriptor the temporary file was created with: one open per file (the crop
    job writes two files per face)."""
    with _replacing(Path(dest), None, staging, durable) as (fd, _), open(fd, "wb", closefd=False) as fh:
        fh.write(data)


def write_text(dest: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``dest`` atomically."""
    write_bytes(dest, text.encode("utf-8"))


def write_json(dest: str | os.PathLike, obj: Any) -> None:
    """Write ``obj`` as indented, key-sorted JSON (stable bytes for stable inputs)."""
    write_text(dest, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def write_tsv(dest: str | os.PathLike, header: list[str], rows: list[list[Any]]) -> None:
    """Write a tab-separated table with a header line atomically."""
    lines = ["\t".join(header)]
    lines += ["\t".join(str(v) for v in row) for row in rows]
    write_text(dest, "\n".join(lines) + "\n")


def read_tsv(path: str | os.PathLike) -> list[dict[str, str]]:
    """The rows of a table written by :func:`write_tsv`, as ``{column: text}``."""
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))
