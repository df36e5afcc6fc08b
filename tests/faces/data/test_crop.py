"""Crop stage: every Pillow mode to RGB, boxes, EXIF, bombs, unreadable bodies, crop files and resume."""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from digitface.faces.data import crop as crop_module
from digitface.faces.data.crop import STORE_DAMAGED, crop_actor
from digitface.faces.data.crop_files import crop_name, recipe
from digitface.faces.data.crop_image import clip_bbox, crop_face, square
from digitface.faces.data.crop_job import crop_batch
from digitface.faces.data.crop_settings import CropSettings
from digitface.faces.data.download_job import download_job
from digitface.faces.data.list_source import write_actor_rows
from digitface.faces.data.manifest import FaceRecord, read_manifest
from testkit.loopback import make_row, png_bytes

RED, BLUE, WHITE = (255, 0, 0), (0, 0, 255), (255, 255, 255)


def encode(image: Image.Image, fmt: str, **save) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format=fmt, **save)
    return buf.getvalue()


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image, dtype=np.int16)


def crop_one(data: bytes, bbox=(0, 0, 4, 4), **settings) -> tuple[str, Image.Image | None]:
    outcome, face = crop_face(data, bbox, CropSettings(**settings))
    assert (outcome == "ok") == (face is not None)
    return outcome, face


def palette_with_transparency() -> bytes:
    image = Image.new("P", (8, 8), 0)
    image.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    image.paste(1, (4, 0, 8, 8))
    return encode(image, "PNG", transparency=1)


def animated_gif() -> bytes:
    frames = [Image.new("RGB", (8, 8), RED), Image.new("RGB", (8, 8), BLUE)]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)


@pytest.mark.parametrize(
    "data, expected, tolerance",
    [
        (encode(Image.new("RGBA", (8, 8), (255, 0, 0, 128)), "PNG"), (255, 127, 127), 1),  # half alpha on white
        (encode(Image.new("RGBA", (8, 8), (0, 0, 0, 0)), "PNG"), WHITE, 0),  # transparent black -> white
        (encode(Image.new("LA", (8, 8), (0, 0)), "PNG"), WHITE, 0),
        (encode(Image.new("L", (8, 8), 77), "PNG"), (77, 77, 77), 0),
        (encode(Image.new("L", (8, 8), 77), "JPEG", quality=95), (77, 77, 77), 2),
        (encode(Image.new("1", (8, 8), 1), "PNG"), WHITE, 0),
        (encode(Image.new("CMYK", (8, 8), (0, 255, 255, 0)), "TIFF"), RED, 0),
        (encode(Image.new("CMYK", (8, 8), (0, 255, 255, 0)), "JPEG", quality=95), RED, 3),
        (animated_gif(), RED, 0),  # the first frame
        (palette_with_transparency(), RED, 0),  # the opaque half of a P image
    ],
)
def test_every_mode_becomes_rgb(data, expected, tolerance):
    outcome, face = crop_one(data)
    assert outcome == "ok" and face.mode == "RGB" and face.size == (4, 4)
    assert np.abs(pixels(face) - np.array(expected)).max() <= tolerance


def test_palette_transparency_is_white():
    outcome, face = crop_one(palette_with_transparency(), bbox=(4, 0, 8, 8))
    assert outcome == "ok" and np.all(pixels(face) == 255)


def test_crop_is_the_box_on_the_raw_grid_resized_with_lanczos():
    rng = np.random.default_rng(0)
    array = rng.integers(0, 256, (50, 70, 3), dtype=np.uint8)
    data = encode(Image.fromarray(array), "PNG")
    outcome, face = crop_face(data, (10, 5, 40, 35))
    assert outcome == "ok"
    np.testing.assert_array_equal(np.asarray(face), array[5:35, 10:40])
    np.testing.assert_array_equal(np.asarray(square(face, 30)), array[5:35, 10:40])  # same size: no resampling
    expected = Image.fromarray(array[5:35, 10:40]).resize((16, 16), Image.Resampling.LANCZOS)
    np.testing.assert_array_equal(np.asarray(square(face, 16)), np.asarray(expected))


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_exif_orientation_is_not_applied(fmt):
    """Raw 40x20: left red, right blue, EXIF says rotate 90 degrees. Box (24,4,36,16) is blue on the
    raw grid and would fall outside the 20x40 rotated image."""
    raw = Image.new("RGB", (40, 20), RED)
    raw.paste(BLUE, (20, 0, 40, 20))
    exif = Image.Exif()
    exif[0x0112] = 6
    data = encode(raw, fmt, exif=exif)
    with Image.open(io.BytesIO(data)) as check:
        assert check.getexif()[0x0112] == 6
    outcome, face = crop_one(data, bbox=(24, 4, 36, 16))
    assert outcome == "ok"
    assert np.abs(pixels(face) - np.array(BLUE)).max() <= 8  # JPEG ringing; red would be 255 off


@pytest.mark.parametrize(
    "bbox, size, expected",
    [
        ((10, 10, 20, 20), (100, 100), (10, 10, 20, 20)),
        ((-1, 0, 9, 10), (100, 100), (0, 0, 9, 10)),  # 90% kept
        ((95, 95, 105, 105), (100, 100), None),  # 25% kept
        ((-2, 0, 8, 10), (100, 100), (0, 0, 8, 10)),  # exactly 80%
        ((-3, 0, 7, 10), (100, 100), None),  # 70%
        ((10, 10, 10, 20), (100, 100), None),  # empty
        ((20, 10, 10, 20), (100, 100), None),  # inverted
        ((200, 200, 210, 210), (100, 100), None),  # outside
    ],
)
def test_clip_bbox(bbox, size, expected):
    assert clip_bbox(bbox, size, 0.8) == expected


def test_bad_boxes_are_rejected_and_clipped_boxes_cropped():
    data = png_bytes(size=(20, 20), color=RED)
    assert crop_one(data, bbox=(15, 15, 25, 25))[0] == "bad_bbox"
    assert crop_one(data, bbox=(5, 5, 5, 9))[0] == "bad_bbox"
    assert crop_one(data, bbox=(-1, 0, 9, 10))[0] == "ok"
    assert crop_one(data, bbox=(15, 15, 25, 25), min_bbox_fraction=0.2)[0] == "ok"


def huge_png_header(width: int, height: int) -> bytes:
    """A PNG that declares width x height pixels but is a few dozen bytes long."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b"")


def test_decompression_bombs_are_refused():
    assert crop_one(huge_png_header(100_000, 100_000))[0] == "decompression_bomb"  # Pillow's own error
    assert crop_one(huge_png_header(8000, 8000), max_pixels=10_000_000)[0] == "decompression_bomb"
    data = png_bytes(size=(100, 100))
    assert crop_one(data, max_pixels=9_999)[0] == "decompression_bomb"
    assert crop_one(data, max_pixels=10_000)[0] == "ok"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"<html><body>Not found</body></html>",
        b"\xff\xd8\xff\xe0garbage",
        encode(Image.new("RGB", (64, 64), RED), "JPEG")[:300],  # truncated
    ],
)
def test_unreadable_bodies_are_not_images(data):
    assert crop_one(data)[0] == "not_an_image"


def store_record(store, body: bytes, face_id: int, bbox=(2, 2, 10, 10), name="Test Person", download="ok"):
    row = make_row("http://h/x", body, face_id, name=name, bbox=bbox)
    file = f"{row.sha256}.png"
    (store / file).write_bytes(body)
    return FaceRecord(row, download, file, download)


def sharing(owner: FaceRecord, face_id: int, bbox) -> FaceRecord:
    """A row whose body is ``owner``'s (download outcome duplicate_of the owner)."""
    row = replace(owner.row, face_id=face_id, image_id=face_id, bbox=bbox)
    return FaceRecord(row, f"duplicate_of:{owner.row.face_id}", owner.body, f"duplicate_of:{owner.row.face_id}")


def test_crop_actor_writes_files_dedupes_and_resumes(tmp_path, monkeypatch):
    store, out = tmp_path / "store", tmp_path / "out"
    store.mkdir()
    body = encode(Image.fromarray(np.random.default_rng(1).integers(0, 256, (30, 30, 3), dtype=np.uint8)), "PNG")
    first = store_record(store, body, 1)
    records = [
        first,  # faces 2 and 3 share its body; 2 also its box, 3 is another face in the picture
        sharing(first, 2, bbox=(2, 2, 10, 10)),
        sharing(first, 3, bbox=(0, 0, 20, 20)),
        store_record(store, b"<html>", 4),
        store_record(store, body, 5, bbox=(25, 25, 60, 60)),
        FaceRecord(make_row("http://h/y", body + b"x", 6), "http_404", "", "http_404"),
        store_record(store, encode(Image.open(io.BytesIO(body)), "PNG", dpi=(300, 300)), 7),  # same pixels, other bytes
        store_record(store, body, 8, name="Other Person", bbox=(3, 2, 11, 10)),
    ]
    assert records[6].row.sha256 != records[0].row.sha256
    settings = CropSettings(sizes=(8, 12), workers=2)
    result = {r.row.face_id: r for r in crop_actor(records, store, out, settings)}
    assert {k: r.outcome for k, r in result.items()} == {
        1: "ok",
        2: "duplicate_of:1",
        3: "ok",
        4: "not_an_image",
        5: "bad_bbox",
        6: "http_404",
        7: "duplicate_of:1",
        8: "ok",
    }
    assert result[1].crop == "test_person_1_1.png" == crop_name(records[0].row)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png")) == [
        "12/other_person_8_8.png",
        "12/test_person_1_1.png",
        "12/test_person_3_3.png",
        "8/other_person_8_8.png",
        "8/test_person_1_1.png",
        "8/test_person_3_3.png",
    ]
    with Image.open(out / "8" / "test_person_1_1.png") as png:
        assert png.mode == "RGB" and png.size == (8, 8)
        assert (png.info["facescrub_sha256"], png.info["facescrub_bbox"]) == (records[0].row.sha256, "2,2,10,10")

    # Resume: existing crops of the same body and box are kept as they are.
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*.png")}
    with monkeypatch.context() as m:  # proves nothing is decoded again
        m.setattr(crop_module, "crop_face", lambda *a, **k: pytest.fail("decoded again"))
        again = crop_actor(records[:1] + records[2:3] + records[7:], store, out, settings)
    assert [r.outcome for r in again] == ["ok", "ok", "ok"]
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.png")} == stamps

    # Another recipe (a setting that decides outcomes changed): the crops are made again.
    stricter = CropSettings(sizes=(8, 12), workers=2, min_bbox_fraction=0.9)
    assert [r.outcome for r in crop_actor(records[:1], store, out, stricter)] == ["ok"]
    with Image.open(out / "8" / "test_person_1_1.png") as png:
        assert png.info["facescrub_recipe"] == recipe(stricter) != recipe(settings)

    # A crop file made from another body is replaced.
    other = encode(Image.new("RGB", (30, 30), BLUE), "PNG")
    replaced = store_record(store, other, 1)
    assert crop_actor([replaced], store, out, settings)[0].outcome == "ok"
    with Image.open(out / "12" / "test_person_1_1.png") as png:
        assert png.info["facescrub_sha256"] == replaced.row.sha256
        assert np.all(pixels(png.convert("RGB")) == np.array(BLUE))


def test_damaged_or_missing_store_bodies_are_recorded_and_left_to_the_download_job(tmp_path):
    """A body is checked before anything is made from it, cached crops included: a store file
    whose bytes changed (or that vanished) gives store_damaged and leaves no crop; the file is
    left as it is (the store is the download job's to repair)."""
    store, out = tmp_path / "store", tmp_path / "out"
    store.mkdir()
    bodies = [encode(Image.new("RGB", (20, 20), (10 * i, 40, 90)), "PNG") for i in range(3)]
    records = [store_record(store, body, i + 1) for i, body in enumerate(bodies)]
    settings = CropSettings(sizes=(8,), workers=2)
    assert [r.outcome for r in crop_actor(records, store, out, settings)] == ["ok"] * 3
    damaged = store / records[0].body
    damaged.write_bytes(bodies[0][:-4] + b"\0\0\0\0")  # bit rot under the right name
    (store / records[1].body).unlink()
    again = {r.row.face_id: r for r in crop_actor(records, store, out, settings)}
    assert {k: (r.outcome, r.crop) for k, r in again.items()} == {
        1: (STORE_DAMAGED, ""),
        2: (STORE_DAMAGED, ""),
        3: ("ok", "test_person_3_3.png"),
    }
    assert damaged.read_bytes() == bodies[0][:-4] + b"\0\0\0\0"


def test_a_damaged_store_stops_the_crop_job_and_the_download_job_repairs_it(tmp_path):
    """The crop job names the damaged body and the command that repairs it, and changes
    neither its input nor the store; the download job, run again, re-hashes its store and
    fetches only that body, after which the batch crops."""
    listed = tmp_path / "list"
    listed.mkdir()
    bodies = [encode(Image.new("RGB", (20, 20), (30 * i, 60, 90)), "PNG") for i in range(3)]
    rows = []
    for i, body in enumerate(bodies, 1):
        (listed / f"{i}.png").write_bytes(body)
        rows.append((make_row(f"{i}.png", body, i), listed, False))
    write_actor_rows(tmp_path / "rows.tsv", rows)
    store, download = tmp_path / "store", tmp_path / "download.tsv"
    fetch = {"schemes": ["file"], "workers": 2, "progress_interval": 0.0}
    crop = {"sizes": [8], "min_bbox_fraction": 0.8, "max_pixels": 10**6, "workers": 2}
    outputs = tmp_path / "manifest.tsv", [tmp_path / "crops_8.npy"]

    def download_and_crop():
        download_job([tmp_path / "rows.tsv"], [store], [tmp_path / "journal.jsonl"], fetch, download)
        crop_batch(["Test Person"], [store], download, tmp_path / "crops", crop, *outputs)

    download_and_crop()
    victim = store / f"{rows[1][0].sha256}.png"
    victim.write_bytes(bodies[1][:-4] + b"\0\0\0\0")
    for path in (outputs[0], *outputs[1]):  # as Snakemake does before it runs the job again
        path.unlink()
    claimed = download.read_bytes()
    with pytest.raises(SystemExit) as stop:
        crop_batch(["Test Person"], [store], download, tmp_path / "crops", crop, *outputs)
    assert str(victim) in str(stop.value) and f"--forcerun {download}" in str(stop.value)
    assert download.read_bytes() == claimed and victim.exists() and not outputs[0].exists()
    (listed / "1.png").unlink()  # a body that is stored and sound is not fetched again
    download_and_crop()
    assert victim.read_bytes() == bodies[1]
    assert [r.outcome for r in read_manifest(outputs[0])] == ["ok"] * 3
    assert np.load(outputs[1][0]).shape == (3, 8, 8, 3)


def _encoded(array, fmt, mode=None) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array, mode).save(buf, format=fmt) if mode else Image.fromarray(array).save(buf, format=fmt)
    return buf.getvalue()


RAMP = np.linspace(0.0, 1.0, 40 * 40).reshape(40, 40)


@pytest.mark.parametrize(
    "name, data",
    [
        ("16-bit grey PNG", _encoded((RAMP * 65535).round().astype(np.uint16), "PNG")),
        ("16-bit grey TIFF", _encoded((RAMP * 65535).round().astype(np.uint16), "TIFF")),
        ("float TIFF in [0, 1]", _encoded(RAMP.astype(np.float32), "TIFF")),
        ("float TIFF in [0, 255]", _encoded((RAMP * 255).round().astype(np.float32), "TIFF")),
        ("32-bit integer TIFF in 0..65535", _encoded((RAMP * 65535).round().astype(np.int32), "TIFF")),
        ("32-bit integer TIFF in 0..255", _encoded((RAMP * 255).round().astype(np.int32), "TIFF")),
    ],
)
def test_high_bit_depths_are_scaled_not_clipped(name, data):
    """Pillow's own conversion would give an all-white (16-bit) or all-black (float) face."""
    outcome, face = crop_face(data, (0, 0, 40, 40), CropSettings())
    assert outcome == "ok", name
    got = np.asarray(face, dtype=np.int16)[..., 0]
    expected = np.rint(RAMP * 255)
    assert np.abs(got - expected).max() <= 1, name  # the ramp survives, 0..255
    assert got.min() <= 1 and got.max() >= 254, name


@pytest.mark.parametrize(
    "name, values",
    [
        ("negative floats", RAMP.astype(np.float32) - 0.5),
        ("floats beyond 255", (RAMP * 1000).astype(np.float32)),
        ("NaN", np.where(RAMP > 0.5, np.nan, RAMP).astype(np.float32)),
        ("integers beyond 16 bits", (RAMP * 100_000).astype(np.int32)),
    ],
)
def test_pixel_ranges_no_rule_covers_are_recorded(name, values):
    assert crop_face(_encoded(values, "TIFF"), (0, 0, 40, 40), CropSettings()) == ("unsupported_pixels", None), name


def test_eight_bit_images_are_unchanged_by_the_depth_rules():
    rgb = np.random.default_rng(3).integers(0, 256, (40, 40, 3), dtype=np.uint8)
    grey = rgb[..., 0].copy()
    assert np.array_equal(np.asarray(crop_face(_encoded(rgb, "PNG"), (0, 0, 40, 40))[1]), rgb)
    assert np.array_equal(np.asarray(crop_face(_encoded(grey, "PNG"), (0, 0, 40, 40))[1])[..., 1], grey)
