"""FaceScrub list parsing: turn the tab-separated lists into validated rows, never crash on a bad one.

Format (no header): ``name  image_id  face_id  url  x1,y1,x2,y2  sha256``. Real lists have
defects (the course's actresses file ends in a truncated 4-field row without a newline), so
a row that does not parse becomes a :class:`Reject` with its line number and reason, and the
caller decides what to do with it. Everything a later stage turns into a file name is
validated here: ids are non-negative integers, the sha256 is 64 hex digits, and the name
must have a non-empty :func:`slugify` slug.
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterator

_NOT_SLUG = re.compile(r"[^a-z0-9_-]+")
_UINT = re.compile(r"[0-9]{1,18}")  # bounded: int() of a 5,000-digit string raises
_BOX = re.compile(r"(-?[0-9]{1,9}),(-?[0-9]{1,9}),(-?[0-9]{1,9}),(-?[0-9]{1,9})")
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
# The one definition of a valid row (ASCII digits only: "\d" would accept other scripts' digits).
_ROW = re.compile(
    r"([^\t]+)\t("
    + _UINT.pattern
    + r")\t("
    + _UINT.pattern
    + r")\t([^\t\s](?:[^\t]*[^\t\s])?)\t"
    + _BOX.pattern
    + r"\t([0-9a-fA-F]{64})"
)


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


#: The longest slug: file names hold two slugs (a batch "<first>..<last>_227.npy") or a slug
#: and two ids, and file systems allow 255 bytes per name.
MAX_SLUG = 80


@functools.lru_cache(maxsize=4096)  # a list repeats each name hundreds of times
def slugify(name: str) -> str:
    """A stable ASCII slug safe as a file or folder name: "Lorraine Bracco" -> "lorraine_bracco".

    Accents are folded (NFKD, combining marks dropped), runs of anything outside
    ``[a-z0-9_-]`` become one "_", and leading/trailing "_"/"-" are stripped, so the slug
    never contains a path separator or "..". A slug longer than :data:`MAX_SLUG` keeps its
    first 71 characters and ends in "_" and 8 hex digits of the name's SHA-256, so that every
    file named after it fits any file system and two long names stay apart. Raises ValueError
    if nothing is left.
    """
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SLUG.sub("_", folded.lower()).strip("_-")
    if not slug:
        raise ValueError(f"name {name!r} has no ASCII letter or digit to make a slug from")
    if len(slug) > MAX_SLUG:
        slug = slug[:71].rstrip("_-") + "_" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
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


#: The header line of the lists as FaceScrub's site distributes them (the course's copies have none).
HEADER = ("name", "image_id", "face_id", "url", "bbox", "sha256")
_UTF16 = {codecs.BOM_UTF16_LE: "utf-16-le", codecs.BOM_UTF16_BE: "utf-16-be"}


def list_lines(data: bytes, source: str) -> Iterator[tuple[int, str | UnicodeDecodeError, bytes]]:
    """``(line number, text, raw bytes)`` of every line; the text is the decoding error where
    the line is not UTF-8 (that line is rejected, not the file).

    Encodings: UTF-8, with or without a byte-order mark (an editor's BOM would otherwise stick
    to the first name); UTF-16 with its BOM (what Windows tools call "Unicode"), decoded whole.
    Raises ValueError naming ``source`` for UTF-16 that does not decode."""
    for bom, codec in _UTF16.items():
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError as exc:
                raise ValueError(
                    f"{source}: starts with a UTF-16 byte-order mark but is not UTF-16 "
                    f"({exc.reason} at byte {exc.start}); save it as UTF-8"
                ) from None
            for number, line in enumerate(text.split("\n"), start=1):
                yield number, line.rstrip("\r"), line.encode("utf-8")
            return
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    for number, raw in enumerate(data.split(b"\n"), start=1):
        raw = raw.rstrip(b"\r")
        try:
            text: str | UnicodeDecodeError = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            text = exc
        yield number, text, raw


def parse_list(data: bytes, source: str) -> tuple[list[ListRow], list[Reject]]:
    """Parse a whole list (bytes: UTF-8 or UTF-16, see :func:`list_lines`); returns (rows,
    rejects) in file order.

    Blank lines and a first line that is FaceScrub's header (:data:`HEADER`) are skipped
    silently; a trailing "\\r" is tolerated. A row repeating an earlier face_id is rejected
    (face_id names the crop file, so it must be unique).
    """
    rows: list[ListRow] = []
    rejects: list[Reject] = []
    seen: dict[int, int] = {}
    for number, text, raw in list_lines(data, source):
        if not raw.strip():
            continue
        if isinstance(text, UnicodeDecodeError):
            rejects.append(Reject(source, number, f"not UTF-8: {text.reason}", raw.decode("utf-8", "replace")))
            continue
        if not rows and not rejects and is_header(text):
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
        rows.append(
            ListRow(name, int(image_id), face, url, (int(x1), int(y1), int(x2), int(y2)), sha.lower(), source, number)
        )
    return rows, rejects


def is_header(text: str) -> bool:
    """The line names FaceScrub's columns (any case, surrounding spaces ignored)."""
    return tuple(field.strip().lower() for field in text.split("\t")) == HEADER


def format_row(row: ListRow) -> str:
    """The row as a list line (the inverse of :func:`parse_list` for one valid row)."""
    box = ",".join(str(v) for v in row.bbox)
    return "\t".join([row.name, str(row.image_id), str(row.face_id), row.url, box, row.sha256])


def content_problem(data: bytes, source: str) -> str | None:
    """Why a list file holds no usable row at all (empty, only a header, nothing parses, an
    encoding it is not), or None as soon as one row parses: cheap enough to check every list
    before any job."""
    why, header = None, False
    try:
        for number, text, raw in list_lines(data, source):
            if not raw.strip():
                continue
            if isinstance(text, UnicodeDecodeError):
                why = why or f"line {number} is not UTF-8: {text.reason}"
            elif _ROW.fullmatch(text) and _has_slug(text.split("\t", 1)[0]):
                return None
            elif is_header(text):
                header = True
            else:
                why = why or f"line {number}: {_explain(text.split(chr(9)))}"
    except ValueError as exc:
        return str(exc)
    if why:
        return f"no line is a list row (first: {why})"
    return "it has only FaceScrub's header line, no rows" if header else "it is empty"
