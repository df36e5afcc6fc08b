"""dlib's face descriptor: pinned model files, 128-d deterministic descriptors, real faces, bad crops."""

from __future__ import annotations

import shutil
from collections import defaultdict

import dlib
import numpy as np
import pytest

from digitface.digests import sha256_file
from digitface.faces.data.crop_image import crop_face, square
from digitface.faces.data.manifest import OK
from digitface.faces.models import face_descriptor as fd
from digitface.faces.models.face_descriptor import (
    BAD_DESCRIPTOR,
    BLANK,
    DIM,
    MIN_SIDE,
    MODEL_FILES,
    NOT_RGB,
    NOT_UINT8,
    TOO_SMALL,
    FaceDescriptor,
    ModelFileError,
    Problem,
    crop_problem,
    models_dir,
    provenance,
    verified_model_files,
)

SIZE = 227


@pytest.fixture(scope="module")
def descriptor() -> FaceDescriptor:
    return FaceDescriptor()


def synthetic_crops(n: int, seed: int = 0) -> np.ndarray:
    """Textured RGB crops (smooth gradients plus noise): not faces, but images dlib takes."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    out = np.empty((n, SIZE, SIZE, 3), np.uint8)
    for i in range(n):
        a, b, c = rng.uniform(0.5, 3.0, 3)
        base = 127 + 100 * np.sin(np.stack([a * x * 6, b * y * 6, c * (x + y) * 4], axis=-1))
        out[i] = np.clip(base + rng.normal(0, 10, base.shape), 0, 255).astype(np.uint8)
    return out


def flip_byte(path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def _no_dlib_read(*args, **kwargs):
    raise AssertionError("dlib was asked to read a model file that failed its check")


# --- model files -----------------------------------------------------------------------------


def test_installed_model_files_are_the_pinned_ones():
    paths = verified_model_files()
    assert set(paths) == set(MODEL_FILES)
    for name, path in paths.items():
        assert path.parent == models_dir() and path.name == name
        assert sha256_file(path) == MODEL_FILES[name]
    info = provenance()
    assert info["network"] == "dlib_face_recognition_resnet_model_v1"
    assert info["dlib_version"] == "20.0.1" and info["dimensions"] == DIM
    assert info["files"] == MODEL_FILES and info["models_package_version"] == "0.3.0"


@pytest.mark.parametrize("tampered", sorted(MODEL_FILES))
def test_a_tampered_model_file_is_refused_before_dlib_reads_it(tmp_path, monkeypatch, tampered):
    for name in MODEL_FILES:
        if name == tampered:
            shutil.copyfile(models_dir() / name, tmp_path / name)
            flip_byte(tmp_path / name, 1000)
        else:
            (tmp_path / name).symlink_to(models_dir() / name)
    found = sha256_file(tmp_path / tampered)
    monkeypatch.setattr(dlib, "shape_predictor", _no_dlib_read)
    monkeypatch.setattr(dlib, "face_recognition_model_v1", _no_dlib_read)
    with pytest.raises(ModelFileError) as err:
        FaceDescriptor(tmp_path)
    message = str(err.value)
    assert tampered in message and MODEL_FILES[tampered] in message and found in message
    assert "pip install --force-reinstall face-recognition-models==0.3.0" in message


def test_a_folder_of_good_copies_loads(tmp_path, descriptor):
    for name in MODEL_FILES:
        (tmp_path / name).symlink_to(models_dir() / name)
    crops = synthetic_crops(2)
    other = FaceDescriptor(tmp_path)
    assert other.paths == {name: tmp_path / name for name in MODEL_FILES}
    assert other.describe(crops)[0].tobytes() == descriptor.describe(crops)[0].tobytes()


def test_a_missing_model_file_names_it_and_the_fix(tmp_path):
    (tmp_path / fd.LANDMARKS_FILE).symlink_to(models_dir() / fd.LANDMARKS_FILE)
    with pytest.raises(ModelFileError, match=f"{fd.RESNET_FILE} is missing.*face-recognition-models==0.3.0"):
        FaceDescriptor(tmp_path)


# --- descriptors -----------------------------------------------------------------------------


def test_descriptors_are_128_d_unit_ish_and_deterministic(descriptor, tmp_path):
    crops = synthetic_crops(3)
    features, problems = descriptor.describe(crops)
    assert problems == []
    assert features.dtype == np.float32 and features.shape == (3, DIM)
    assert np.isfinite(features).all()
    norms = np.linalg.norm(features, axis=1)
    assert ((norms > 0.5) & (norms < 3.0)).all(), norms  # not normalised by dlib: ~1.3-1.6 here
    assert descriptor.describe(crops)[0].tobytes() == features.tobytes()
    # the chunk jobs read a memory map; row by row, one crop alone: the same bytes
    np.save(tmp_path / "crops.npy", crops)
    mapped = np.load(tmp_path / "crops.npy", mmap_mode="r")
    assert descriptor.describe(mapped)[0].tobytes() == features.tobytes()
    alone, reason = descriptor.describe_one(crops[1])
    assert reason is None and alone.tobytes() == features[1].tobytes()


def test_a_strided_view_is_described_like_its_contiguous_copy(descriptor):
    crops = synthetic_crops(1)
    bgr = crops[0][:, :, ::-1]  # a negative-stride view: dlib itself would refuse it
    assert not bgr.flags.c_contiguous
    got, reason = descriptor.describe_one(bgr)
    assert reason is None
    assert got.tobytes() == descriptor.describe_one(np.ascontiguousarray(bgr))[0].tobytes()


def test_no_crops_give_an_empty_table(descriptor):
    features, problems = descriptor.describe(np.empty((0, SIZE, SIZE, 3), np.uint8))
    assert features.shape == (0, DIM) and features.dtype == np.float32 and problems == []


# --- bad crops: a recorded reason, never an exception ---------------------------------------


def _constant() -> np.ndarray:
    return np.full((SIZE, SIZE, 3), 128, np.uint8)


def _nearly_constant() -> np.ndarray:
    return np.random.default_rng(1).integers(128, 130, (SIZE, SIZE, 3), dtype=np.uint8)


BAD = {
    "one_channel": (lambda: synthetic_crops(1)[0, :, :, 0], NOT_RGB),
    "rgba": (lambda: np.dstack([synthetic_crops(1)[0], np.full((SIZE, SIZE), 255, np.uint8)]), NOT_RGB),
    "float": (lambda: synthetic_crops(1)[0].astype(np.float32) / 255, NOT_UINT8),
    "int64": (lambda: synthetic_crops(1)[0].astype(np.int64), NOT_UINT8),
    "too_small": (lambda: synthetic_crops(1)[0, : MIN_SIDE - 1, : MIN_SIDE - 1], TOO_SMALL),
    "64px": (lambda: synthetic_crops(1)[0, :64, :64], TOO_SMALL),
    "empty": (lambda: np.zeros((0, 0, 3), np.uint8), TOO_SMALL),
    "constant": (_constant, BLANK),
    "nearly_constant": (_nearly_constant, BLANK),
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_a_bad_crop_gets_a_nan_row_and_its_reason(descriptor, kind):
    make, reason = BAD[kind]
    bad = make()
    assert crop_problem(bad) == reason
    good = synthetic_crops(2, seed=5)
    features, problems = descriptor.describe([good[0], bad, good[1]])
    assert problems == [Problem(1, reason)]
    assert features.shape == (3, DIM) and np.isnan(features[1]).all()
    assert features[[0, 2]].tobytes() == descriptor.describe(good)[0].tobytes()


def test_a_whole_chunk_of_one_channel_crops_is_recorded_not_raised(descriptor):
    grey = synthetic_crops(2)[..., 0]
    features, problems = descriptor.describe(grey)
    assert problems == [Problem(0, NOT_RGB), Problem(1, NOT_RGB)] and np.isnan(features).all()


def test_the_smallest_side_accepted(descriptor):
    features, problems = descriptor.describe(synthetic_crops(1)[:, :MIN_SIDE, :MIN_SIDE])
    assert problems == [] and np.isfinite(features).all()


class _Refusing:
    def compute_face_descriptor(self, *args):
        raise RuntimeError("Unsupported image type " + "x" * 5000)


class _NaN:
    def compute_face_descriptor(self, *args):
        return [float("nan")] * DIM


def test_dlib_raising_or_returning_nonsense_is_that_rows_reason(descriptor, monkeypatch):
    crops = synthetic_crops(2)
    monkeypatch.setattr(descriptor, "model", _Refusing())
    features, problems = descriptor.describe(crops)
    assert [p.index for p in problems] == [0, 1] and np.isnan(features).all()
    assert problems[0].reason.startswith("dlib_error: RuntimeError: Unsupported image type x")
    assert len(problems[0].reason) < 300  # dlib's messages can print a whole array
    monkeypatch.setattr(descriptor, "model", _NaN())
    assert descriptor.describe(crops)[1] == [Problem(0, BAD_DESCRIPTOR), Problem(1, BAD_DESCRIPTOR)]


# --- real faces (the 2018 replica) -----------------------------------------------------------


def _shifted(bbox, dx: float, dy: float, scale: float):
    x1, y1, x2, y2 = bbox
    w, h = x2 - x1, y2 - y1
    cx, cy = (x1 + x2) / 2 + dx * w, (y1 + y2) / 2 + dy * h
    half_w, half_h = scale * w / 2, scale * h / 2
    return round(cx - half_w), round(cy - half_h), round(cx + half_w), round(cy + half_h)


@pytest.fixture(scope="module")
def real_faces(replica):
    """Two photos of each of the six actors: {name: [(crop, crop of a shifted, rescaled box)]}."""
    faces = defaultdict(list)
    for row in sorted(replica.rows, key=lambda r: (r.name, r.image_id, r.face_id)):
        kind, body = replica.responses.get(row.url, (None, None))
        if kind != "ok" or len(faces[row.name]) == 2:
            continue
        data = body.read_bytes()
        status, face = crop_face(data, row.bbox)
        moved_status, moved = crop_face(data, _shifted(row.bbox, 0.04, -0.03, 1.06))
        if status == OK and moved_status == OK:
            faces[row.name].append((np.asarray(square(face, SIZE)), np.asarray(square(moved, SIZE))))
    assert len(faces) == 6 and all(len(v) == 2 for v in faces.values())
    return dict(faces)


def test_the_same_face_moved_is_closer_than_any_other_persons_face(descriptor, real_faces):
    names = sorted(real_faces)
    crops = [pair[0] for name in names for pair in real_faces[name]]
    moved = [pair[1] for name in names for pair in real_faces[name]]
    who = [name for name in names for _ in real_faces[name]]
    features, problems = descriptor.describe(crops + moved)
    assert problems == []
    assert np.allclose(np.linalg.norm(features, axis=1), 1.5, atol=0.5)
    a, b = features[: len(crops)], features[len(crops) :]
    for i, name in enumerate(who):
        others = [np.linalg.norm(a[i] - a[j]) for j in range(len(who)) if who[j] != name]
        assert np.linalg.norm(a[i] - b[i]) < min(others), name
    # and, more loosely, two photos of one person are closer than photos of two people
    dist = np.linalg.norm(a[:, None] - a[None], axis=2)
    same = np.equal.outer(who, who) & ~np.eye(len(who), dtype=bool)
    different = ~np.equal.outer(who, who)
    assert dist[same].mean() < 0.8 * dist[different].mean()
