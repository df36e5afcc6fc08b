"""FaceScrub list parsing: turn the tab-separated lists into validated rows, never crash on a bad one.

Format (no header): ``name  image_id  face_id  url  x1,y1,x2,y2  sha256``. Real lists have
defects (the course's actresses file ends in a truncated 4-field row without a newline), so
a row that does not parse becomes a :class:`Reject` with its line number and reason, and the
caller decides what to do with it. Everything a later stage turns into a file name is
validated here: ids are non-negative integers, the sha256 is 64 hex digits, and the name
must have a non-empty :func:`slugify` slug.
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

_NOT_SLUG = re.compile(r"[^a-z0-9_-]+")
_UINT = re.compile(r"[0-9]{1,18}")  # bounded: int() of a 5,000-digit string raises
_BOX = re.compile(r"(-?[0-9]{1,9}),(-?[0-9]{1,9}),(-?[0-9]{1,9}),(-?[0-9]{1,9})")
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
# The one definition of a valid row (ASCII digits only: "\d" would accept other scripts' digits).
_ROW = re.compile(r"([^\t]+)\t(" + _UINT.pattern + r")\t(" + _UINT.pattern + r")\t([^\t\s](?:[^\t]*[^\t\s])?)\t"
                  + _BOX.pattern + r"\t([0-9a-fA-F]{64})")


@dataclass(frozen=True, slots=True)
class ListRow:
    """One face of one image: a parsed, validated list line (``line`` is 1-based in ``source``)."""

    name: str
    image_id: int
    face_id: int
    url: str
    bbox: tuple[int, int, int, int]
    sha256: str
    source: str
    line: int


@dataclass(frozen=True, slots=True)
class Reject:
    """A list line that could not be used, and why."""

    source: str
    line: int
    reason: str
    text: str


@functools.lru_cache(maxsize=4096)  # a list repeats each name hundreds of times
def slugify(name: str) -> str:
    """A stable ASCII slug safe as a file or folder name: "Lorraine Bracco" -> "lorraine_bracco".

    Accents are folded (NFKD, combining marks dropped), runs of anything outside
    ``[a-z0-9_-]`` become one "_", and leading/trailing "_"/"-" are stripped, so the slug
    never contains a path separator or "..". Raises ValueError if nothing is left.
    """
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SLUG.sub("_", folded.lower()).strip("_-")
    if not slug:
        raise ValueError(f"name {name!r} has no ASCII letter or digit to make a slug from")
    return slug


def _has_slug(name: str) -> bool:
    try:
        slugify(name)
    except ValueError:
        return False
    return True


def _explain(fields: list[str]) -> str:
    """Why a line failed :data:`_ROW` (only called for rejects, so it may be slow)."""
    if len(fields) != 6:
        return f"expected 6 tab-separated fields, got {len(fields)}"
    name, image_id, face_id, url, box, sha = fields
    try:
        slugify(name)
    except ValueError as exc:
        return str(exc)
    if not (_UINT.fullmatch(image_id) and _UINT.fullmatch(face_id)):
        return f"image_id {image_id!r} / face_id {face_id!r} are not integers in 0..10^18"
    if not url.strip() or url != url.strip():
        return f"url {url!r} is empty or has surrounding whitespace"
    if not _BOX.fullmatch(box):
        return f"bbox {box!r} is not four comma-separated integers (at most 9 digits)"
    if not _HEX64.fullmatch(sha):
        return f"sha256 {sha!r} is not 64 hex digits"
    return "malformed row"


def parse_list(data: bytes, source: str) -> tuple[list[ListRow], list[Reject]]:
    """Parse a whole list (bytes, UTF-8); returns (rows, rejects) in file order.

    Blank lines are skipped silently; a trailing "\\r" is tolerated. A row repeating an
    earlier face_id is rejected (face_id names the crop file, so it must be unique).
    """
    rows: list[ListRow] = []
    rejects: list[Reject] = []
    seen: dict[int, int] = {}
    for number, raw in enumerate(data.split(b"\n"), start=1):
        raw = raw.rstrip(b"\r")
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            rejects.append(Reject(source, number, f"not UTF-8: {exc.reason}", raw.decode("utf-8", "replace")))
            continue
        match = _ROW.fullmatch(text)
        if match is None or not _has_slug(match[1]):
            rejects.append(Reject(source, number, _explain(text.split("\t")), text))
            continue
        name, image_id, face_id, url, x1, y1, x2, y2, sha = match.groups()
        face = int(face_id)
        if face in seen:
            rejects.append(Reject(source, number, f"duplicate face_id {face} (line {seen[face]})", text))
            continue
        seen[face] = number
        rows.append(ListRow(name, int(image_id), face, url, (int(x1), int(y1), int(x2), int(y2)), sha.lower(),
                            source, number))
    return rows, rejects


def format_row(row: ListRow) -> str:
    """The row as a list line (the inverse of :func:`parse_list` for one valid row)."""
    box = ",".join(str(v) for v in row.bbox)
    return "\t".join([row.name, str(row.image_id), str(row.face_id), row.url, box, row.sha256])


def read_list(path: str | os.PathLike) -> tuple[list[ListRow], list[Reject]]:
    """:func:`parse_list` on a file; ``source`` is the file's name."""
    path = Path(path)
    return parse_list(path.read_bytes(), path.name)


def select_actors(rows: Iterable[ListRow], names: Iterable[str]) -> list[ListRow]:
    """The rows of the named people, in input order; an unknown name is an error (a config typo)."""
    wanted = set(names)
    selected = [row for row in rows if row.name in wanted]
    missing = wanted - {row.name for row in selected}
    if missing:
        raise ValueError(f"no list rows for: {', '.join(sorted(missing))}")
    return selected
