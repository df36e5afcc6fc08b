"""Atomic file writes: a killed job never leaves a half-written output behind.

Every writer goes to a temporary file in the destination's directory (same filesystem), is
flushed and fsynced, then renamed over the destination, which POSIX makes atomic.
:func:`read_tsv` reads back what :func:`write_tsv` writes.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterator

_UMASK = os.umask(0)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_path(dest: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``dest``; rename it onto ``dest`` only on success.

    ``suffix`` defaults to ``dest``'s own suffix so that libraries that pick a format from
    the extension (matplotlib, numpy, Pillow) behave as they would on ``dest``.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        dir=dest.parent, prefix=f".{dest.name}.", suffix=suffix if suffix is not None else dest.suffix
    )
    os.close(fd)
    tmp_path = Path(tmp)
    os.chmod(tmp_path, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs should look like open()'s
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, dest)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_bytes(dest: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``dest`` atomically."""
    with atomic_path(dest) as tmp:
        tmp.write_bytes(data)


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
