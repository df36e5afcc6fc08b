"""A deterministic, synthetic FaceScrub-format sample for the offline default run.

Nearly every FaceScrub URL is dead, so the default run uses cartoon "photos" of invented,
obviously synthetic people that flow through the same list -> download -> verify -> crop path
(the list's url column holds a path relative to the list file). Each photo is a scene with one
face at a known, square bounding box. Identities differ by *face* features (head shape, skin,
eyes, brows, nose, mouth, hair, glasses, beard, a mole); every photo varies position, scale,
pose, lighting, background, occlusion and noise so a classifier has a learnable, non-trivial task.

Determinism: every random draw comes from a numpy ``Generator`` seeded by ``(seed, identity,
photo)``, so any photo can be regenerated alone; the pixel path uses only element-wise IEEE
arithmetic, integer noise and Pillow drawing/resampling (no SIMD transcendental functions whose
last bit may vary by CPU); files are encoded with fixed settings and no metadata. The bytes are
then a function of the seed and of the Pillow build (its bundled libjpeg-turbo / zlib).
"""

from __future__ import annotations

import hashlib
import io
import string
from dataclasses import dataclass
from typing import Iterator

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from digitface.faces.data.lists import ListRow, format_row

DEFAULT_SEED = 20180301
LIST_NAME = "synthetic_faces.txt"
IMAGE_DIR = "images"
JPEG_QUALITY = 72
SUPERSAMPLE = 2  # faces are drawn at 2x and downsampled: cheap anti-aliasing

SKIN = [
    (255, 222, 196),
    (240, 195, 150),
    (224, 172, 105),
    (198, 134, 66),
    (150, 95, 50),
    (96, 60, 36),
    (255, 205, 160),
    (210, 160, 120),
]
HAIR = [
    (25, 20, 18),
    (85, 55, 30),
    (150, 100, 50),
    (215, 180, 110),
    (170, 65, 30),
    (130, 130, 135),
    (235, 230, 215),
    (60, 30, 20),
]
IRIS = [(70, 45, 20), (50, 100, 170), (60, 125, 70), (120, 100, 60), (90, 90, 100)]
LIPS = [(200, 70, 70), (150, 50, 60), (225, 120, 110), (120, 40, 40), (190, 90, 120)]
HAIR_STYLES = ("short", "long", "bald", "fringe", "bun", "spiky")
# One irrational step per attribute: identity i sits at frac(offset + i * step) in each
# attribute, a Kronecker sequence, so any number of identities is spread out in every attribute.
_STEPS = (
    np.sqrt(np.array([2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71], dtype=np.float64))
    % 1.0
)


@dataclass(frozen=True)
class Identity:
    """Fixed face features of one synthetic person (lengths are fractions of the face box)."""

    index: int
    name: str
    slug: str
    skin: tuple[int, int, int]
    hair: tuple[int, int, int]
    iris: tuple[int, int, int]
    hair_style: str
    face_w: float  # head width
    face_h: float  # head height
    jaw: float  # 0 round .. 1 square
    eye_y: float
    eye_gap: float
    eye_w: float
    brow_thick: float
    brow_tilt: float  # + raised outer ends, - frown
    nose_len: float
    nose_w: float
    mouth_w: float
    lip: tuple[int, int, int]
    glasses: bool
    beard: bool
    mole: tuple[float, float] | None


@dataclass(frozen=True)
class Photo:
    """One rendered scene: pixels, the face's box (x1, y1, x2, y2) and the file format."""

    identity: Identity
    index: int
    pixels: np.ndarray  # uint8 (h, w, 3)
    bbox: tuple[int, int, int, int]
    fmt: str  # "jpeg-rgb", "jpeg-gray" or "png" (palette)

    @property
    def filename(self) -> str:
        ext = "png" if self.fmt == "png" else "jpg"
        return f"{self.identity.slug}_{self.index + 1:03d}.{ext}"


@dataclass(frozen=True)
class SyntheticRow:
    """One row of the synthetic FaceScrub list, plus the file bytes it describes."""

    row: ListRow
    data: bytes
    fmt: str  # as Photo.fmt

    @property
    def url(self) -> str:
        return self.row.url

    def line(self) -> str:
        """The row in FaceScrub's format: 6 tab-separated fields, bbox as "x1,y1,x2,y2"."""
        return format_row(self.row)


# --------------------------------------------------------------------------- identities


def identity_name(index: int) -> str:
    """'Synthetic Person A', ..., 'Synthetic Person Z', 'Synthetic Person AA', ...: never real."""
    letters, n = "", index
    while True:
        letters = string.ascii_uppercase[n % 26] + letters
        n = n // 26 - 1
        if n < 0:
            return f"Synthetic Person {letters}"


def _cycle(values: list | tuple, index: int, offset: float, step: int):
    """Categorical choice that differs for any ``len(values)`` consecutive identities.

    ``step`` is coprime with ``len(values)``, so index -> (start + index * step) mod n is a bijection
    on every run of n indices; the seed only picks the start.
    """
    n = len(values)
    return values[(int(offset * n) + index * step) % n]


def _between(lo: float, hi: float, u: float) -> float:
    return lo + (hi - lo) * float(u)


def make_identity(seed: int, index: int) -> Identity:
    """Identity ``index``'s features; depends only on (seed, index), not on how many there are."""
    offsets = np.random.default_rng([seed, 0]).random(len(_STEPS))
    u = (offsets + index * _STEPS) % 1.0  # u[0..4] unused: categorical features use _cycle
    rng = np.random.default_rng([seed, 1, index])
    mole = (round(_between(0.25, 0.75, rng.random()), 3), round(_between(0.55, 0.8, rng.random()), 3))
    name = identity_name(index)
    return Identity(
        index=index,
        name=name,
        slug=name.lower().replace(" ", "_"),
        skin=_cycle(SKIN, index, offsets[0], 3),
        hair=_cycle(HAIR, index, offsets[1], 5),
        iris=_cycle(IRIS, index, offsets[3], 2),
        hair_style=_cycle(HAIR_STYLES, index, offsets[4], 1),
        face_w=_between(0.62, 0.9, u[5]),
        face_h=_between(0.84, 0.97, u[6]),
        jaw=float(u[7]),
        eye_y=_between(0.4, 0.5, u[8]),
        eye_gap=_between(0.24, 0.4, u[9]),
        eye_w=_between(0.08, 0.14, u[10]),
        brow_thick=_between(0.015, 0.05, u[11]),
        brow_tilt=_between(-0.04, 0.04, u[12]),
        nose_len=_between(0.1, 0.2, u[13]),
        nose_w=_between(0.06, 0.14, u[14]),
        mouth_w=_between(0.16, 0.36, u[15]),
        lip=_cycle(LIPS, index, offsets[2], 1),
        glasses=bool(u[16] < 0.35),
        beard=bool(u[17] < 0.3),
        mole=mole if u[18] < 0.4 else None,
    )


def make_identities(seed: int, count: int) -> list[Identity]:
    """The first ``count`` identities for ``seed``."""
    return [make_identity(seed, i) for i in range(count)]


# --------------------------------------------------------------------------- drawing


def _jitter_color(rng: np.random.Generator, color, spread: int) -> tuple[int, int, int]:
    """A colour nudged per photo (makeup, white balance of the face itself)."""
    c = np.array(color, dtype=np.int64) + rng.integers(-spread, spread + 1, 3)
    return tuple(int(v) for v in np.clip(c, 0, 255))


def _scale_color(color, percent: int) -> tuple[int, int, int]:
    return tuple(min(255, c * percent // 100) for c in color)


def _draw_hair_back(draw, P, ident: Identity, hair) -> None:
    """Hair behind the head: only long hair shows there."""
    if ident.hair_style == "long":
        half = ident.face_w / 2 + 0.1
        draw.ellipse([P(0.5 - half, -0.08), P(0.5 + half, 1.0)], fill=hair)
        draw.rectangle([P(0.5 - half, 0.45), P(0.5 + half, 1.35)], fill=hair)


def _draw_head(draw, P, ident: Identity, skin, clothes) -> None:
    """Shoulders, neck, ears and the head itself (an ellipse, squared off by ``jaw``)."""
    fw, top, bottom = ident.face_w, 0.5 - ident.face_h / 2 + 0.02, 0.5 + ident.face_h / 2 + 0.02
    draw.ellipse([P(-0.45, 1.1), P(1.45, 2.1)], fill=clothes)
    draw.rectangle([P(0.5 - fw * 0.25, 0.7), P(0.5 + fw * 0.25, 1.2)], fill=_scale_color(skin, 85))
    ear_h = (ident.eye_y - 0.02, ident.eye_y + 0.14)
    draw.ellipse([P(0.5 - fw / 2 - 0.05, ear_h[0]), P(0.5 - fw / 2 + 0.05, ear_h[1])], fill=skin)
    draw.ellipse([P(0.5 + fw / 2 - 0.05, ear_h[0]), P(0.5 + fw / 2 + 0.05, ear_h[1])], fill=skin)
    draw.ellipse([P(0.5 - fw / 2, top), P(0.5 + fw / 2, bottom)], fill=skin)
    if ident.jaw > 0.5:  # square jaw: a rounded box over the lower half
        inset = fw * (0.62 - ident.jaw * 0.12) / 2
        radius = int((P(0.12, 0)[0] - P(0, 0)[0]))
        draw.rounded_rectangle([P(0.5 - inset, 0.5), P(0.5 + inset, bottom)], radius=radius, fill=skin)


def _draw_hair_front(draw, P, ident: Identity, hair) -> None:
    """The hair cap over the top of the head, in the identity's style."""
    if ident.hair_style == "bald":
        return
    fw, top = ident.face_w, 0.5 - ident.face_h / 2 + 0.02
    cap = [P(0.5 - fw / 2 - 0.03, top - 0.04), P(0.5 + fw / 2 + 0.03, top + ident.face_h * 0.9)]
    draw.chord(cap, 190, 350, fill=hair)
    if ident.hair_style == "fringe":
        y = ident.eye_y - 0.1
        teeth = [P(0.5 - fw / 2 + 0.02 + k * fw / 8, y + 0.03 * (k % 2)) for k in range(9)]
        draw.polygon([P(0.5 - fw / 2 + 0.02, top + 0.08), *teeth, P(0.5 + fw / 2 - 0.02, top + 0.08)], fill=hair)
    elif ident.hair_style == "bun":
        draw.ellipse([P(0.38, top - 0.2), P(0.62, top + 0.04)], fill=hair)
    elif ident.hair_style == "spiky":
        for k in range(7):
            x = 0.5 - fw / 2 + fw * (k + 0.5) / 7
            draw.polygon([P(x - 0.07, top + 0.08), P(x, top - 0.14), P(x + 0.07, top + 0.08)], fill=hair)


def _draw_eyes(draw, P, ident: Identity, yaw: float, openness: float, glance: float) -> None:
    """Eyes (white, iris, pupil), brows above; ``yaw`` narrows the far eye, ``openness`` blinks."""
    brow = _scale_color(ident.hair, 70)
    for side in (-1, 1):
        cx = 0.5 + side * ident.eye_gap / 2 + yaw * 0.06
        w = ident.eye_w * (1 - side * yaw * 0.5)
        h = ident.eye_w * 0.55 * openness
        y = ident.eye_y
        if openness < 0.2:
            draw.line([P(cx - w / 2, y), P(cx + w / 2, y)], fill=(60, 40, 30), width=2 * SUPERSAMPLE)
        else:
            draw.ellipse([P(cx - w / 2, y - h / 2), P(cx + w / 2, y + h / 2)], fill=(245, 245, 240))
            r = min(w, h) * 0.42
            ix = cx + glance * w * 0.2
            draw.ellipse([P(ix - r, y - r), P(ix + r, y + r)], fill=ident.iris)
            draw.ellipse([P(ix - r / 2.5, y - r / 2.5), P(ix + r / 2.5, y + r / 2.5)], fill=(10, 10, 10))
        by = y - ident.eye_w * 0.7
        outer = (cx + side * w * 0.6, by - ident.brow_tilt)
        inner = (cx - side * w * 0.6, by)
        width = max(1, int(ident.brow_thick * (P(1, 0)[0] - P(0, 0)[0])))
        draw.line([P(*inner), P(*outer)], fill=brow, width=width)
        if ident.glasses:
            g = ident.eye_w * 0.75
            draw.rectangle(
                [P(cx - g, y - g * 0.7), P(cx + g, y + g * 0.7)], outline=(30, 30, 30), width=max(1, width // 2)
            )
    if ident.glasses:
        lx = 0.5 - ident.eye_gap / 2 + ident.eye_w * 0.75 + yaw * 0.06
        rx = 0.5 + ident.eye_gap / 2 - ident.eye_w * 0.75 + yaw * 0.06
        draw.line([P(lx, ident.eye_y), P(rx, ident.eye_y)], fill=(30, 30, 30), width=SUPERSAMPLE * 2)


def _draw_lower_face(draw, P, ident: Identity, skin, yaw: float, smile: float) -> None:
    """Nose, beard, mouth and mole; ``smile`` bends the mouth, ``yaw`` shifts the midline."""
    mid = 0.5 + yaw * 0.08
    top, tip = ident.eye_y + 0.04, ident.eye_y + 0.04 + ident.nose_len
    shade = _scale_color(skin, 78)
    draw.polygon([P(mid, top), P(mid - ident.nose_w / 2, tip), P(mid + ident.nose_w / 2, tip)], fill=shade)
    mouth_y = tip + 0.09
    if ident.beard:
        bottom = 0.5 + ident.face_h / 2 + 0.02
        half = ident.face_w / 2 * 0.9
        draw.polygon(
            [
                P(mid - half, mouth_y - 0.07),
                P(mid - half * 0.6, bottom - 0.02),
                P(mid, bottom + 0.02),
                P(mid + half * 0.6, bottom - 0.02),
                P(mid + half, mouth_y - 0.07),
                P(mid + ident.mouth_w / 2 + 0.03, mouth_y - 0.05),
                P(mid - ident.mouth_w / 2 - 0.03, mouth_y - 0.05),
            ],
            fill=_scale_color(ident.hair, 90),
        )
    w = ident.mouth_w
    draw.chord([P(mid - w / 2, mouth_y - 0.03 - smile), P(mid + w / 2, mouth_y + 0.03 + smile)], 0, 180, fill=ident.lip)
    draw.line(
        [P(mid - w / 2, mouth_y), P(mid + w / 2, mouth_y)], fill=_scale_color(ident.lip, 60), width=SUPERSAMPLE * 2
    )
    if ident.mole is not None:
        mx, my = ident.mole
        draw.ellipse([P(mx - 0.015, my - 0.015), P(mx + 0.015, my + 0.015)], fill=(70, 45, 35))


def render_face(ident: Identity, size: int, rng: np.random.Generator) -> Image.Image:
    """An RGBA portrait whose face box (``size`` square) sits at (size/2, size/2) of a 2x3 canvas.

    Per photo: skin/hair colour jitter, clothes, yaw, blink, gaze, smile, and roll rotation.
    """
    k = size * SUPERSAMPLE
    canvas = Image.new("RGBA", (2 * k, 3 * k), (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)

    zoom, dx, dy = float(rng.uniform(0.88, 1.08)), float(rng.uniform(-0.05, 0.05)), float(rng.uniform(-0.05, 0.05))

    def P(u: float, v: float) -> tuple[float, float]:  # face-box coordinates -> canvas pixels
        return ((1.0 + (u - 0.5) * zoom + dx) * k, (1.0 + (v - 0.5) * zoom + dy) * k)

    skin = _jitter_color(rng, ident.skin, 10)
    hair = _jitter_color(rng, ident.hair, 12)
    clothes = tuple(int(v) for v in rng.integers(20, 236, 3))
    yaw = float(rng.uniform(-1, 1))
    openness = 0.1 if rng.random() < 0.08 else float(rng.uniform(0.7, 1.1))
    _draw_hair_back(draw, P, ident, hair)
    _draw_head(draw, P, ident, skin, clothes)
    _draw_hair_front(draw, P, ident, hair)
    _draw_eyes(draw, P, ident, yaw, openness, float(rng.uniform(-1, 1)))
    _draw_lower_face(draw, P, ident, skin, yaw, float(rng.uniform(-0.01, 0.04)))
    angle = float(rng.uniform(-15, 15))
    canvas = canvas.rotate(angle, resample=Image.Resampling.BICUBIC, center=(k, k))
    return canvas.resize((2 * size, 3 * size), Image.Resampling.LANCZOS)


def render_background(width: int, height: int, rng: np.random.Generator) -> Image.Image:
    """A random scene: a two-colour gradient, low-frequency texture and a few flat shapes."""
    a, b = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
    d = rng.integers(-8, 9, 2).astype(np.float64) + np.array([0.5, 0.5])
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    t = xx * d[0] + yy * d[1]
    t = (t - t.min()) / max(t.max() - t.min(), 1.0)
    img = a * (1.0 - t[..., None]) + b * t[..., None]
    grid = Image.fromarray(rng.integers(0, 256, (6, 6), dtype=np.uint8), "L").resize(
        (width, height), Image.Resampling.BILINEAR
    )
    img = img + (np.asarray(grid, dtype=np.float64)[..., None] - 128.0) * float(rng.uniform(0, 0.3))
    scene = Image.fromarray(np.clip(np.rint(img), 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(scene)
    for _ in range(int(rng.integers(2, 9))):
        x0, x1 = sorted(int(v) for v in rng.integers(-40, width + 40, 2))
        y0, y1 = sorted(int(v) for v in rng.integers(-40, height + 40, 2))
        color = tuple(int(v) for v in rng.integers(0, 256, 3))
        shape = int(rng.integers(0, 3))
        if shape == 0:
            draw.rectangle([x0, y0, x1 + 1, y1 + 1], fill=color)
        elif shape == 1:
            draw.ellipse([x0, y0, x1 + 1, y1 + 1], fill=color)
        else:
            draw.line([x0, y0, x1, y1], fill=color, width=int(rng.integers(2, 12)))
    return scene


def _occlude(scene: Image.Image, box: tuple[int, int, int, int], rng: np.random.Generator) -> None:
    """Sometimes cover part of the face (a hand, a microphone, a caption bar), as in real photos."""
    x1, y1, x2, y2 = box
    s = x2 - x1
    draw = ImageDraw.Draw(scene)
    color = tuple(int(v) for v in rng.integers(0, 256, 3))
    cx, cy = x1 + int(rng.integers(0, s)), y1 + int(rng.integers(s // 2, s))
    r = int(s * rng.uniform(0.12, 0.3))
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=color)


def _apply_lighting(pixels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Brightness, contrast, a lighting gradient, a colour cast and integer noise (element-wise only)."""
    h, w, _ = pixels.shape
    img = pixels.astype(np.float64)
    img = (img - 128.0) * float(rng.uniform(0.5, 1.3)) + 128.0 + float(rng.uniform(-60, 60))
    d = rng.integers(-8, 9, 2).astype(np.float64) + np.array([0.5, 0.5])
    d = d / np.sqrt(d[0] * d[0] + d[1] * d[1])
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    t = (xx / w - 0.5) * d[0] + (yy / h - 0.5) * d[1]
    img = img * (1.0 + t[..., None] * float(rng.uniform(0.0, 0.8)))
    img = img * (1.0 + rng.uniform(-0.15, 0.15, 3))
    amp = int(rng.integers(1, 7))
    noise = rng.integers(-amp, amp + 1, (h, w, 1)) + rng.integers(-amp, amp + 1, (h, w, 3))
    return np.clip(np.rint(img + noise), 0, 255).astype(np.uint8)


def render_photo(seed: int, ident: Identity, index: int) -> Photo:
    """Photo ``index`` of ``ident``: a scene with one face in a known, square box.

    Depends only on (seed, identity, index), so any photo can be regenerated on its own.
    """
    rng = np.random.default_rng([seed, 2, ident.index, index])
    size = int(rng.integers(50, 161))
    width = int(rng.integers(max(160, int(size * 1.4)), 321))
    height = int(np.clip(width * rng.uniform(0.7, 1.4), int(size * 1.5), 360))
    x1 = int(rng.integers(size // 8, width - size - size // 8 + 1))
    y1 = int(rng.integers(size // 8, height - size - size // 8 + 1))
    scene = render_background(width, height, rng)
    face = render_face(ident, size, rng)
    scene.paste(face, (x1 - size // 2, y1 - size // 2), face)
    if rng.random() < 0.2:
        _occlude(scene, (x1, y1, x1 + size, y1 + size), rng)
    if rng.random() < 0.2:
        scene = scene.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.5, 1.5))))
    pixels = _apply_lighting(np.asarray(scene), rng)
    bbox = _annotated_box((x1, y1, size), (width, height), rng)
    fmt = "png" if index % 30 == 29 else ("jpeg-gray" if rng.random() < 0.1 else "jpeg-rgb")
    return Photo(identity=ident, index=index, pixels=pixels, bbox=bbox, fmt=fmt)


def _annotated_box(
    face: tuple[int, int, int], image_size: tuple[int, int], rng: np.random.Generator
) -> tuple[int, int, int, int]:
    """The square box an annotator would draw: the true face box, slightly off, kept in the image."""
    x1, y1, size = face
    width, height = image_size
    side = int(round(size * rng.uniform(0.92, 1.08)))
    bx = int(np.clip(x1 + (size - side) // 2 + int(rng.integers(-size // 15, size // 15 + 1)), 0, width - side))
    by = int(np.clip(y1 + (size - side) // 2 + int(rng.integers(-size // 15, size // 15 + 1)), 0, height - side))
    return (bx, by, bx + side, by + side)


# --------------------------------------------------------------------------- files and lists


def encode_photo(photo: Photo) -> bytes:
    """File bytes with fixed encoder settings and no metadata, so they are stable run to run."""
    buf = io.BytesIO()
    img = Image.fromarray(photo.pixels, "RGB")
    if photo.fmt == "png":  # 64-colour palette, like old web images (and small in the repo)
        img = img.quantize(64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.FLOYDSTEINBERG)
        img.save(buf, format="PNG", optimize=False, compress_level=9)
    else:
        if photo.fmt == "jpeg-gray":
            img = img.convert("L")
        img.save(buf, format="JPEG", quality=JPEG_QUALITY, subsampling=2, optimize=True, progressive=False)
    return buf.getvalue()


def make_row(seed: int, ident: Identity, index: int, per_identity: int) -> SyntheticRow:
    """Render, encode and describe one photo; ids are unique and stable for a given per_identity."""
    photo = render_photo(seed, ident, index)
    data = encode_photo(photo)
    serial = ident.index * per_identity + index
    row = ListRow(
        name=ident.name,
        image_id=1 + serial,
        face_id=100001 + serial,
        url=f"{IMAGE_DIR}/{photo.filename}",
        bbox=photo.bbox,
        sha256=hashlib.sha256(data).hexdigest(),
        source=LIST_NAME,
        line=1 + serial,
    )
    return SyntheticRow(row, data, photo.fmt)


def generate(seed: int = DEFAULT_SEED, identities: int = 6, per_identity: int = 60) -> Iterator[SyntheticRow]:
    """Every row of the sample, identity by identity, in list order."""
    for ident in make_identities(seed, identities):
        for index in range(per_identity):
            yield make_row(seed, ident, index, per_identity)


def format_list(rows: list[SyntheticRow]) -> str:
    """The list file's text: FaceScrub's format, no header, one row per line."""
    return "".join(row.line() + "\n" for row in rows)
