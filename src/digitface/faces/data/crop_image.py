"""One image's crop: decode a verified body, cut the listed face box, resize to squares.

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
(tests/faces/data/test_replica.py re-checks this evidence.) A box partly outside the image is
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

Its own module, apart from the per-actor stage (:mod:`digitface.faces.data.crop`): this part
knows pixels and nothing of stores, files or duplicates.
"""

from __future__ import annotations

import io
import logging

import numpy as np
from PIL import Image, UnidentifiedImageError

from digitface.faces.data.crop_settings import CropSettings
from digitface.faces.data.manifest import OK

logger = logging.getLogger(__name__)

NOT_AN_IMAGE = "not_an_image"
BAD_BBOX = "bad_bbox"
DECOMPRESSION_BOMB = "decompression_bomb"
UNSUPPORTED_PIXELS = "unsupported_pixels"
_WHITE = (255, 255, 255, 255)
_ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})


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


def square(face: Image.Image, size: int) -> Image.Image:
    """The crop resized to ``size`` x ``size`` with LANCZOS."""
    return face.resize((size, size), Image.Resampling.LANCZOS)
