"""Crop stage: decode a verified body, cut the listed face box, resize to squares, save PNGs.

Decoding: any Pillow format; the first frame of animations (GIF). Every mode becomes RGB:
transparent pixels (RGBA, LA, PA, P or L with a transparency key) are composited on white,
because the colour stored under alpha 0 is arbitrary (often black) and would otherwise
leak into the face; CMYK uses Pillow's conversion (Adobe-inverted JPEGs are handled by the
decoder; ICC profiles are ignored). High bit depths are scaled, never clipped (Pillow's own
conversion clips a 16-bit PNG to white and a float TIFF to black): 16-bit images by
255/65535; 32-bit integer images by 1 if the whole image lies in 0..255, else by 255/65535 if
it lies in 0..65535; float images by 255 if the whole image lies in [0, 1], by 1 if in
[0, 255]. Anything else (negative or larger values, NaN) is ``unsupported_pixels``.

Box: ``x1,y1,x2,y2`` selects ``img[y1:y2, x1:x2]`` on the RAW pixel grid; EXIF orientation
is NOT applied. Evidence from the data (the replica of the 2018 responses): of the 309 ``ok``
files, 44 carry an EXIF Orientation tag and every one is 1 (upright), 265 carry none, and no
body in the replica (ok or not) has any other value, so no rotation would apply to any good
image and the data cannot favour the rotated reading; the replica README states that all ok
boxes lie inside the raw images; and the course's code read images with scipy.misc.imread,
which ignores EXIF, so the raw grid is the reading the course's results were made with.
(tests/faces/test_face_replica.py re-checks this evidence.) A box partly outside the image is
clipped when the clipped box keeps at least ``min_bbox_fraction`` of its area; otherwise, or
for an empty box, the row is ``bad_bbox``.

Resizing: each configured size is made from the full-resolution crop with LANCZOS, straight
to ``size x size`` (the course's imresize; FaceScrub boxes are square, clipped ones may
stretch slightly). No JPEG draft mode, so crops do not depend on the decoder's scaling.

Decompression bombs: an image with more than ``max_pixels`` pixels is ``decompression_bomb``,
checked from the header before decoding. The limit is capped at Pillow's global
``Image.MAX_IMAGE_PIXELS`` (read, never written, so threads share no mutable state): any
image for which Pillow would emit DecompressionBombWarning is therefore refused by our own
check, and Pillow's DecompressionBombError (twice its limit) maps to the same outcome.

Outcomes added by this stage: ``ok``, ``not_an_image`` (Pillow cannot decode it, truncated
files included), ``bad_bbox``, ``decompression_bomb``, ``unsupported_pixels``, ``store_damaged`` (the stored body is
missing or its SHA-256 is no longer the list's: the store is the download job's, so the file is
left for it to replace; the workflow's crop job then fails naming it and the command that
repairs it, :func:`digitface.faces.data.crop_job.damaged_store_message`), and ``duplicate_of:<face_id>`` for a
row whose full-resolution crop has exactly the pixels of an earlier row's crop. That covers
two rows of one body with one box, and also one photo re-hosted with different bytes: the
replica has such a pair (Lorraine Bracco images 20839 and 20911, two hosts, two sha256s,
identical pixels and box), which would otherwise put one face in both train and test sets.
Earlier means: the row owning the body (download ``ok``) before rows sharing it, then by
(image_id, face_id).

Trust: every body is read and its SHA-256 checked against the list before anything is made
from it, including when cached crops are reused, so a damaged store never yields a crop.

Files: ``<out>/<size>/<slug>_<image_id>_<face_id>.png``, written atomically, with PNG text
chunks naming the verified body's sha256, the box, the recipe (resampling and the settings
that decide the outcome) and the crop's pixel digest; a crop whose files all exist with the
same body digest, box and recipe is kept as it is (resume) and is not decoded again.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable

import numpy as np
from PIL import Image, PngImagePlugin, UnidentifiedImageError

from digitface.atomic import write_bytes
from digitface.digests import pixel_digest
from digitface.faces.data.lists import ListRow, slugify
from digitface.faces.data.manifest import OK, FaceRecord, duplicate_of, sort_key
from digitface.progress import Progress

logger = logging.getLogger(__name__)

NOT_AN_IMAGE = "not_an_image"
BAD_BBOX = "bad_bbox"
DECOMPRESSION_BOMB = "decompression_bomb"
UNSUPPORTED_PIXELS = "unsupported_pixels"
STORE_DAMAGED = "store_damaged"
_WHITE = (255, 255, 255, 255)
_ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})
_DIGEST = "facescrub_pixels"
_PNG_LEVEL = 1  # zlib level: 3x faster than the default 6 for ~5% larger crops; still lossless
_PNG_STRATEGY = zlib.Z_RLE  # measured on 227 crops: 10% faster to encode, 15% smaller than the default


@dataclass(frozen=True)
class CropSettings:
    """Crop knobs; sizes are the square side lengths written, one folder each."""

    sizes: tuple[int, ...] = (64, 227)
    min_bbox_fraction: float = 0.8
    max_pixels: int = 50_000_000
    workers: int = 2
    progress_interval: float = 10.0


def pixel_scale(image: Image.Image) -> float | None:
    """The factor that maps a high-bit-depth image onto 0..255 (module doc), None for the
    8-bit modes Pillow converts itself; raises ValueError for values no rule covers."""
    mode = image.mode
    if mode.startswith("I;16"):
        return 255.0 / 65535.0
    if mode not in ("I", "F"):
        return None
    pixels = np.asarray(image)  # Pillow's getextrema skips NaN: look at the values themselves
    if not np.isfinite(pixels).all():
        raise ValueError(f"mode {mode} pixels include NaN or infinity")
    lo, hi = float(pixels.min()), float(pixels.max())
    if lo < 0:
        raise ValueError(f"mode {mode} pixels span {lo}..{hi}")
    if mode == "F" and hi <= 1.0:
        return 255.0
    if hi <= 255:
        return 1.0
    if mode == "I" and hi <= 65535:
        return 255.0 / 65535.0
    raise ValueError(f"mode {mode} pixels span {lo}..{hi}")


def to_8bit(image: Image.Image, scale: float) -> Image.Image:
    """A single-channel high-bit-depth image as 8-bit grey, scaled (and rounded), not clipped."""
    pixels = np.asarray(image, dtype=np.float64) * scale
    return Image.fromarray(np.clip(np.rint(pixels), 0, 255).astype(np.uint8), "L")


def to_rgb(image: Image.Image) -> Image.Image:
    """Any mode -> RGB; transparency is composited on white."""
    if image.mode in _ALPHA_MODES or "transparency" in image.info:
        rgba = image.convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", rgba.size, _WHITE), rgba).convert("RGB")
    return image if image.mode == "RGB" else image.convert("RGB")


def clip_bbox(
    bbox: tuple[int, int, int, int], size: tuple[int, int], min_fraction: float
) -> tuple[int, int, int, int] | None:
    """The box clipped to an image of ``size`` (w, h), or None if empty or too much was cut off."""
    x1, y1, x2, y2 = bbox
    if x2 <= x1 or y2 <= y1:
        return None
    cx1, cy1, cx2, cy2 = max(x1, 0), max(y1, 0), min(x2, size[0]), min(y2, size[1])
    if cx2 <= cx1 or cy2 <= cy1:
        return None
    if (cx2 - cx1) * (cy2 - cy1) < min_fraction * (x2 - x1) * (y2 - y1):
        return None
    return cx1, cy1, cx2, cy2


def crop_face(
    data: bytes, bbox: tuple[int, int, int, int], settings: CropSettings = CropSettings()
) -> tuple[str, Image.Image | None]:
    """Decode ``data`` and cut ``bbox``: (``ok``, full-resolution RGB crop) or (failure outcome, None)."""
    max_pixels = min(settings.max_pixels, Image.MAX_IMAGE_PIXELS or settings.max_pixels)
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.size[0] * image.size[1] > max_pixels:
                return DECOMPRESSION_BOMB, None
            box = clip_bbox(bbox, image.size, settings.min_bbox_fraction)
            if box is None:
                return BAD_BBOX, None
            try:
                scale = pixel_scale(image)
            except ValueError as exc:
                logger.warning("%s: %s", UNSUPPORTED_PIXELS, exc)
                return UNSUPPORTED_PIXELS, None
            face = image.crop(box)
            return OK, to_rgb(to_8bit(face, scale) if scale is not None else face)
    except Image.DecompressionBombError:
        return DECOMPRESSION_BOMB, None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        return NOT_AN_IMAGE, None
    except Exception:  # noqa: BLE001 - a decoder's surprise is this row's outcome, not the job's
        logger.warning("unexpected failure decoding an image (recorded as %s)", NOT_AN_IMAGE, exc_info=True)
        return NOT_AN_IMAGE, None


def square(face: Image.Image, size: int) -> Image.Image:
    """The crop resized to ``size`` x ``size`` with LANCZOS."""
    return face.resize((size, size), Image.Resampling.LANCZOS)


def crop_name(row: ListRow) -> str:
    """The crop's file name: slug and integer ids only, whatever the list's name or URL say."""
    return f"{slugify(row.name)}_{row.image_id}_{row.face_id}.png"


def recipe(settings: CropSettings) -> str:
    """How a crop is made, beyond its body and box: a cached crop made otherwise is redone."""
    return (
        f"lanczos;depth-scaled;pixels-v2;min_bbox_fraction={settings.min_bbox_fraction};"
        f"max_pixels={settings.max_pixels}"
    )


def crop_tag(row: ListRow, settings: CropSettings) -> dict[str, str]:
    """PNG text naming what a crop was made from (prefixed keys: Pillow 13 reads a "bbox" key
    itself). ``row.sha256`` is the digest of the body the crop was decoded from: bodies are
    verified before use."""
    return {
        "facescrub_sha256": row.sha256,
        "facescrub_bbox": ",".join(str(v) for v in row.bbox),
        "facescrub_recipe": recipe(settings),
    }


def _existing_digest(paths: Iterable[Path], tag: dict[str, str]) -> str:
    """The pixel digest if every file is a crop of the same body and box (resume), else ""."""
    digests = set()
    for path in paths:
        try:
            with Image.open(path) as existing:  # tEXt chunks precede IDAT: read without decoding
                info = existing.info
        except (OSError, ValueError, SyntaxError):
            return ""
        if any(info.get(k) != v for k, v in tag.items()):
            return ""
        digests.add(info.get(_DIGEST, ""))
    return digests.pop() if len(digests) == 1 else ""


def read_verified(path: Path, sha256: str) -> bytes | None:
    """The body at ``path`` if its SHA-256 is ``sha256``; None if it is missing or damaged (the
    file is left as it is: repairing the store is the download job's business)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        logger.warning("store file %s is missing", path)
        return None
    if hashlib.sha256(data).hexdigest() != sha256:
        logger.warning("store file %s is damaged (its sha256 is not the list's)", path)
        return None
    return data


Pixels = dict[int, np.ndarray]  # one face's crops by size


def _read_crops(paths: dict[int, Path]) -> Pixels | None:
    """The crops stored at ``paths`` (size -> file) as RGB arrays, or None if one is unreadable."""
    try:
        pixels = {}
        for size, path in paths.items():
            with Image.open(path) as image:
                pixels[size] = np.asarray(image.convert("RGB"))
            if pixels[size].shape != (size, size, 3):
                return None
        return pixels
    except (OSError, ValueError, SyntaxError):
        return None


def _crop_files(
    record: FaceRecord, store_dir: Path, out_dir: Path, settings: CropSettings, staging: Path | None
) -> tuple[str, str, Pixels | None]:
    """Runs in a worker: (outcome, pixel digest, the crops' pixels), reusing the files on disk
    or writing new ones (the pixels come back either way: the job's arrays are made of them)."""
    data = read_verified(store_dir / record.body, record.row.sha256)
    if data is None:
        return STORE_DAMAGED, "", None
    tag = crop_tag(record.row, settings)
    paths = {s: out_dir / str(s) / crop_name(record.row) for s in settings.sizes}
    digest = _existing_digest(paths.values(), tag)
    if digest:
        pixels = _read_crops(paths)
        if pixels is not None:
            return OK, digest, pixels
    outcome, face = crop_face(data, record.row.bbox, settings)
    if face is None:
        return outcome, "", None
    digest, made = encode_crops(face, tag, settings.sizes)
    for size, path in paths.items():
        # No fsync: a reused crop is checked first (its tag, then its pixels decode), and the
        # job's arrays, which are fsynced, are made from these pixels, not from the files.
        write_bytes(path, made[size][1], staging=staging, durable=False)
    return OK, digest, {size: pixels for size, (pixels, _) in made.items()}


def encode_crops(
    face: Image.Image, tag: dict[str, str], sizes: Iterable[int]
) -> tuple[str, dict[int, tuple[np.ndarray, bytes]]]:
    """The face's pixel digest, and per size its square crop: pixels and PNG file (tagged)."""
    digest = pixel_digest(np.asarray(face))
    info = PngImagePlugin.PngInfo()
    for key, value in {**tag, _DIGEST: digest}.items():
        info.add_text(key, value)
    made = {}
    for size in sizes:
        picture = square(face, size)
        png = io.BytesIO()
        picture.save(png, format="PNG", pnginfo=info, compress_level=_PNG_LEVEL, compress_type=_PNG_STRATEGY)
        made[size] = (np.asarray(picture), png.getvalue())
    return digest, made


def crop_actor(
    records: Iterable[FaceRecord],
    store_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    settings: CropSettings = CropSettings(),
    pixels: dict[str, Pixels] | None = None,
    staging: str | os.PathLike | None = None,
) -> list[FaceRecord]:
    """Crop stage for download records: every record comes back, with its final outcome.

    Rows without a verified body keep their download outcome. The others are cropped and
    written by a thread pool; the duplicate check then runs here in a fixed order (the
    body's owner first, then by ids), so the outcome does not depend on thread timing, and
    removes a duplicate's files (a kill in between leaves them for the next run to remove).
    ``pixels``, if given, receives every kept crop's arrays by crop name and size, so that the
    caller stacks its arrays without reading the files back. ``staging``: where the files are
    written before they are renamed into place (the job's own folder, see
    :func:`~digitface.atomic.fresh_staging`; default: beside them).
    """
    records = sorted(records, key=sort_key)
    store_dir, out_dir = Path(store_dir), Path(out_dir)
    todo = sorted((r for r in records if r.body), key=lambda r: (r.download != OK, sort_key(r)))
    first: dict[str, int] = {}
    done = [r for r in records if not r.body]
    progress = Progress(logger, "crop", len(todo), settings.progress_interval)
    with ThreadPoolExecutor(max_workers=settings.workers, thread_name_prefix="crop") as pool:
        for record, (outcome, digest, made) in zip(
            todo, pool.map(lambda r: _crop_files(r, store_dir, out_dir, settings, staging), todo)
        ):
            name = crop_name(record.row)
            if outcome != OK:
                done.append(replace(record, outcome=outcome, crop=""))
            elif digest in first:
                for size in settings.sizes:
                    (out_dir / str(size) / name).unlink()
                done.append(replace(record, outcome=duplicate_of(first[digest]), crop=""))
            else:
                first[digest] = record.row.face_id
                done.append(replace(record, outcome=OK, crop=name))
                if pixels is not None:
                    pixels[name] = made
            progress.advance()
    return sorted(done, key=sort_key)
