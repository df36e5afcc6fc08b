"""The committed synthetic FaceScrub-format sample: format, checksums, determinism, learnability."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import sys
from collections import Counter
from dataclasses import astuple
from pathlib import Path

import numpy as np
import PIL
import pytest
from PIL import Image

from testkit import synthetic_faces as synthetic
from testkit.workflow import REPO

SAMPLE = REPO / "data" / "synthetic_faces"
LIST = SAMPLE / synthetic.LIST_NAME


def _parse(line: str) -> tuple[str, int, int, str, tuple[int, ...], str]:
    """Strict FaceScrub row: exactly 6 tab-separated fields, integer ids and box, hex sha256."""
    fields = line.split("\t")
    assert len(fields) == 6, line
    name, image_id, face_id, url, box, sha = fields
    bbox = tuple(int(v) for v in box.split(","))
    assert len(bbox) == 4 and len(sha) == 64 and int(sha, 16) >= 0, line
    return name, int(image_id), int(face_id), url, bbox, sha


def _mode(path: Path) -> str:
    with Image.open(path) as img:
        return img.mode


@pytest.fixture(scope="module")
def lines() -> list[str]:
    assert LIST.is_file(), f"{LIST} missing: run tools/make_synthetic_faces.py"
    text = LIST.read_text(encoding="utf-8")
    assert text.endswith("\n") and "\r" not in text
    return text.splitlines()


@pytest.fixture(scope="module")
def rows(lines):
    return [_parse(line) for line in lines]


def test_list_name_and_names_say_synthetic(rows):
    assert "synthetic" in LIST.name
    assert all(name.startswith("Synthetic ") for name, *_ in rows)
    assert "synthetic" in (SAMPLE / "README.md").read_text(encoding="utf-8").lower()


def test_counts_and_unique_ids(rows):
    per_name = Counter(name for name, *_ in rows)
    assert len(per_name) >= 6 and min(per_name.values()) >= 60
    assert len({r[1] for r in rows}) == len(rows) and len({r[2] for r in rows}) == len(rows)
    assert len({r[3] for r in rows}) == len(rows)


def test_files_match_checksums_and_boxes_lie_inside(rows):
    listed = set()
    for name, _, _, url, (x1, y1, x2, y2), sha in rows:
        assert url.startswith(f"{synthetic.IMAGE_DIR}/") and ".." not in url
        path = SAMPLE / url
        data = path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == sha, url
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
        assert 0 <= x1 < x2 <= width and 0 <= y1 < y2 <= height, url
        assert x2 - x1 == y2 - y1 >= 40, url  # FaceScrub boxes are square
        listed.add(path.name)
    assert {p.name for p in (SAMPLE / synthetic.IMAGE_DIR).iterdir()} == listed


def test_project_list_parser_accepts_every_row(lines):
    if importlib.util.find_spec("digitface.faces.data.lists") is None:
        pytest.skip("digitface.faces.data.lists not present")
    from digitface.faces.data.lists import parse_list

    parsed, rejects = parse_list(LIST.read_bytes(), LIST.name)
    assert rejects == [] and len(parsed) == len(lines)


def test_regenerating_a_subset_gives_identical_bytes(lines, rows, tmp_path):
    per_identity = Counter(name for name, *_ in rows)[rows[0][0]]
    n_identities = len({name for name, *_ in rows})
    by_url = dict(zip((r[3] for r in rows), lines))
    picks = [(0, 0), (0, 29), (n_identities - 1, 1), (n_identities - 1, per_identity - 1)]
    gray = next(i for i, r in enumerate(rows) if _mode(SAMPLE / r[3]) == "L")
    picks.append(divmod(gray, per_identity))  # one of each format: RGB/grey JPEG, palette PNG
    for ident_index, photo in picks:
        ident = synthetic.make_identity(synthetic.DEFAULT_SEED, ident_index)
        row = synthetic.make_row(synthetic.DEFAULT_SEED, ident, photo, per_identity)
        (tmp_path / "regen").write_bytes(row.data)
        assert (tmp_path / "regen").read_bytes() == (SAMPLE / row.url).read_bytes(), (
            f"{row.url} differs from the committed file (Pillow {PIL.__version__}, "
            f"Python {sys.version.split()[0]}): was the sample made with another encoder build?"
        )
        assert row.line() == by_url[row.url]


def test_generator_is_deterministic_within_a_run():
    ident = synthetic.make_identity(7, 3)
    first, second = (synthetic.make_row(7, ident, 5, 10) for _ in range(2))
    assert first == second
    assert synthetic.make_row(8, synthetic.make_identity(8, 3), 5, 10).data != first.data


def test_identities_are_distinct():
    idents = synthetic.make_identities(synthetic.DEFAULT_SEED, 8)
    looks = [astuple(i)[3:] for i in idents]  # everything but index, name and slug
    assert len(set(looks)) == len(looks)
    for attr in ("skin", "hair", "hair_style"):
        assert len({getattr(i, attr) for i in idents[:6]}) == 6, attr
    assert synthetic.identity_name(0) == "Synthetic Person A"
    assert synthetic.identity_name(26) == "Synthetic Person AA"


def _crop(path: Path, bbox: tuple[int, ...], side: int = 16) -> np.ndarray:
    """A small crop, standardised per image so brightness/contrast alone cannot separate people."""
    with Image.open(path) as img:
        face = img.convert("RGB").crop(bbox).resize((side, side), Image.Resampling.BILINEAR)
    x = np.asarray(face, dtype=np.float64).ravel()
    return (x - x.mean()) / (x.std() + 1e-9)


def test_faces_differ_systematically_between_identities(rows):
    """Nearest centroid on 16x16 face crops (2/3 train, 1/3 test per person) beats chance widely."""
    names = sorted({r[0] for r in rows})
    x = np.stack([_crop(SAMPLE / r[3], r[4]) for r in rows])
    y = np.array([names.index(r[0]) for r in rows])
    rng = np.random.default_rng(0)
    test = np.zeros(len(y), dtype=bool)
    for label in range(len(names)):
        idx = rng.permutation(np.flatnonzero(y == label))
        test[idx[: len(idx) // 3]] = True
    centroids = np.stack([x[~test & (y == label)].mean(0) for label in range(len(names))])
    dist = ((x[test, None, :] - centroids[None]) ** 2).sum(-1)
    accuracy = float((dist.argmin(1) == y[test]).mean())
    assert accuracy >= 3.0 / len(names), f"nearest-centroid accuracy {accuracy:.2f}"


def test_script_writes_list_readme_and_prunes_stale_images(tmp_path):
    path = REPO / "tools" / "make_synthetic_faces.py"
    spec = importlib.util.spec_from_file_location("make_synthetic_faces", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    stale = tmp_path / synthetic.IMAGE_DIR / "stale.jpg"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    script.main(["--out", str(tmp_path), "--identities", "2", "--per-identity", "2", "--seed", "5"])
    listed = [_parse(line) for line in (tmp_path / synthetic.LIST_NAME).read_text().splitlines()]
    assert len(listed) == 4 and not stale.exists()
    assert sorted(p.name for p in stale.parent.iterdir()) == sorted(Path(r[3]).name for r in listed)
    readme = (tmp_path / "README.md").read_text()
    assert "synthetic" in readme.lower() and "--seed 5" in readme
