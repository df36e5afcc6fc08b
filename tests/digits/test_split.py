import json

import numpy as np
import pytest

from digitface.digits.sources import Digits
from digitface.digits.split import split_digits, to_features


def _digits(n=1000, with_test=False, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    images[:, 0, :4] = np.arange(n)[:, None].view(np.uint8)[:, :4]  # unique per image
    labels = rng.integers(0, 10, n).astype(np.uint8)
    if with_test:
        return Digits(images, labels, images[:50].copy(), labels[:50].copy())
    return Digits(images, labels)


def test_split_is_deterministic_disjoint_and_complete():
    d = _digits()
    a, b = split_digits(d, 100, 200, seed=3), split_digits(d, 100, 200, seed=3)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    assert (len(a["y_train"]), len(a["y_val"]), len(a["y_test"])) == (700, 100, 200)
    seen = [img.tobytes() for key in ("x_train", "x_val", "x_test") for img in a[key]]
    assert len(set(seen)) == len(seen) == 1000
    other = split_digits(d, 100, 200, seed=4)
    assert not np.array_equal(other["y_val"], a["y_val"])


def test_split_is_stratified():
    d = _digits(2000)
    s = split_digits(d, 200, 400, seed=0)
    overall = np.bincount(d.train_labels, minlength=10) / 2000
    for key, n in (("y_val", 200), ("y_test", 400)):
        counts = np.bincount(s[key], minlength=10)
        assert counts.sum() == n
        assert np.all(np.abs(counts - overall * n) <= 1)


def test_official_test_set_is_kept():
    d = _digits(with_test=True)
    s = split_digits(d, 100, 999, seed=0)
    np.testing.assert_array_equal(s["x_test"], d.test_images)
    assert len(s["y_train"]) == 900


def test_impossible_sizes_name_the_settings_and_the_counts():
    with pytest.raises(
        ValueError,
        match=r"digits.split.validation_size = 50 \+ digits.split.test_size = 60 "
        r"leaves no training images: the source has 100",
    ):
        split_digits(_digits(100), 50, 60, seed=0)
    with pytest.raises(ValueError, match=r"validation_size = 1000 leaves no training images: the source has 1000"):
        split_digits(_digits(1000, with_test=True), 1000, 5, seed=0)


def test_features_are_scaled_rows():
    x = to_features(np.full((2, 28, 28), 255, np.uint8))
    assert x.shape == (2, 784) and x.dtype == np.float32 and np.all(x == 1.0)


def test_feature_splits_and_their_pooled_training_set(tmp_path):
    from digitface.digits.store import load_feature_splits, save_arrays, train_and_validation

    rng = np.random.default_rng(0)
    arrays = {
        f"{kind}_{part}": (
            rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
            if kind == "x"
            else rng.integers(0, 10, n).astype(np.uint8)
        )
        for part, n in (("train", 6), ("val", 3), ("test", 2))
        for kind in ("x", "y")
    }
    save_arrays(tmp_path / "split.npz", **arrays)
    splits = load_feature_splits(tmp_path / "split.npz")
    x, y = splits["validation"]
    assert x.shape == (3, 784) and x.dtype == np.float32 and x.max() <= 1.0
    np.testing.assert_allclose(x * 255, arrays["x_val"].reshape(3, 784), rtol=1e-6)
    assert y.tolist() == arrays["y_val"].tolist()
    xp, yp = train_and_validation(splits)
    np.testing.assert_array_equal(xp, np.concatenate([splits["train"][0], x]))
    assert yp.tolist() == arrays["y_train"].tolist() + arrays["y_val"].tolist()


def test_the_prepare_job_saves_the_split_and_says_where_its_test_set_came_from(tmp_path):
    from digitface.digits.prepare import prepare_job, split_summary
    from digitface.digits.store import load_split

    sample = _digits(2100)
    np.savez(tmp_path / "sample.npz", images=sample.train_images, labels=sample.train_labels)
    settings = {"validation_size": 40, "test_size": None, "seed": 1}  # empty: the default 2000
    summary = prepare_job(
        "sample", {"sample": tmp_path / "sample.npz"}, settings, tmp_path / "mnist.npz", tmp_path / "split.json"
    )
    assert summary == {
        "source": "sample",
        "sample": True,
        "test_set": "carved out of the sample (MNIST training images)",
        "counts": {"train": 60, "val": 40, "test": 2000},
        "split": {"validation_size": 40, "test_size": 2000, "seed": 1},
    }
    assert json.loads((tmp_path / "split.json").read_text()) == summary
    saved, expected = load_split(tmp_path / "mnist.npz"), split_digits(sample, 40, 2000, 1)
    assert all(np.array_equal(saved[k], expected[k]) for k in expected)

    official = _digits(300, with_test=True)
    arrays = split_digits(official, 40, 10, seed=1)
    summary = split_summary("idx_dir", official, arrays, {"validation_size": 40, "test_size": 10, "seed": 1})
    assert (summary["sample"], summary["test_set"]) == (False, "official MNIST test set")
    assert summary["counts"] == {"train": 260, "val": 40, "test": 50}
    assert summary["split"]["test_size"] is None  # not used: the source has a test set
