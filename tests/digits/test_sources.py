"""The three full-data sources give identical arrays; the bundled sample is what it claims."""

import gzip
import hashlib

import numpy as np
import pytest
from scipy.io import savemat

from digitface.digits import sources
from digitface.digits.download import OFFICIAL_MD5
from testkit.digits import encode_idx, load_idx_dir, to_mat_dict


def _sorted_pairs(images, labels):
    """A canonical order (by label, then bytes) so regrouped sources can be compared."""
    keys = [labels.tobytes()[i : i + 1] + images[i].tobytes() for i in range(len(labels))]
    order = np.argsort(np.array(keys, dtype=object))
    return images[order], labels[order]


@pytest.fixture(scope="module")
def full_idx(shared_mnist_dir):
    return load_idx_dir(shared_mnist_dir)


def test_shared_idx_is_the_official_data(shared_mnist_dir, full_idx):
    for stem, md5 in OFFICIAL_MD5.items():
        raw = gzip.decompress((shared_mnist_dir / f"{stem}.gz").read_bytes())
        assert hashlib.md5(raw).hexdigest() == md5
    assert full_idx.train_images.shape == (60000, 28, 28)
    assert full_idx.test_images.shape == (10000, 28, 28)
    assert np.bincount(full_idx.test_labels).sum() == 10000


def test_plain_idx_equals_gzip_idx(tmp_path, shared_mnist_dir, full_idx):
    for stem in sources.IDX_FILES.values():
        raw = gzip.decompress((shared_mnist_dir / f"{stem}.gz").read_bytes())
        (tmp_path / stem).write_bytes(raw)
    plain = load_idx_dir(tmp_path)
    for field in ("train_images", "train_labels", "test_images", "test_labels"):
        np.testing.assert_array_equal(getattr(plain, field), getattr(full_idx, field))


def test_mat_source_equals_idx_source(tmp_path, full_idx):
    path = tmp_path / "mnist_all.mat"
    savemat(path, to_mat_dict(full_idx), do_compression=True)
    mat = sources.load_mat(path)
    for part in ("train", "test"):
        a = _sorted_pairs(getattr(mat, f"{part}_images"), getattr(mat, f"{part}_labels"))
        b = _sorted_pairs(getattr(full_idx, f"{part}_images"), getattr(full_idx, f"{part}_labels"))
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])


def test_mat_missing_key_is_a_clear_error(tmp_path):
    path = tmp_path / "partial.mat"
    savemat(path, {"train0": np.zeros((1, 784), np.uint8)})
    with pytest.raises(KeyError, match="train1"):
        sources.load_mat(path)


def test_bundled_sample_counts_and_provenance(repo_dir, full_idx):
    sample = sources.load_sample(repo_dir / "data" / "mnist-sample.npz")
    counts = np.bincount(sample.train_labels, minlength=10).tolist()
    assert counts == [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]
    assert sample.test_images is None
    # Every sample digit is an official training image with the same label (spot-check 200).
    index = {img.tobytes(): lab for img, lab in zip(full_idx.train_images, full_idx.train_labels)}
    rng = np.random.default_rng(0)
    for i in rng.choice(len(sample.train_labels), 200, replace=False):
        assert index[sample.train_images[i].tobytes()] == sample.train_labels[i]


def test_digits_rejects_inconsistent_arrays():
    with pytest.raises(ValueError, match="labels"):
        sources.Digits(np.zeros((3, 28, 28), np.uint8), np.zeros(2, np.uint8))
    with pytest.raises(ValueError, match="0..9"):
        sources.Digits(np.zeros((1, 28, 28), np.uint8), np.array([12], np.uint8))


def _mat(path, make):
    """An mnist_all.mat whose 20 matrices come from ``make(part, digit)``."""
    savemat(path, {f"{p}{d}": make(p, d) for p in ("train", "test") for d in range(10)})
    return path


PIXELS = np.random.default_rng(5).integers(0, 256, (3, 784)).astype(np.uint8)


@pytest.mark.parametrize(
    "name, make",
    [
        ("floats in [0, 1]", lambda p, d: PIXELS / 255.0),
        ("float32 in [0, 1]", lambda p, d: (PIXELS / 255.0).astype(np.float32)),
        ("integral floats in 0..255", lambda p, d: PIXELS.astype(np.float64)),
        ("int16 in 0..255", lambda p, d: PIXELS.astype(np.int16)),
    ],
)
def test_mat_pixels_of_any_numeric_type_become_the_same_uint8(tmp_path, name, make):
    digits = sources.load_mat(_mat(tmp_path / "m.mat", make))
    assert digits.train_images.dtype == np.uint8 and len(digits.train_images) == 30
    np.testing.assert_array_equal(digits.train_images[:3].reshape(3, 784), PIXELS)


@pytest.mark.parametrize(
    "name, make, message",
    [
        ("floats beyond 255", lambda p, d: PIXELS * 2.0, r"train0: pixel values span 0.0..510.0"),
        ("negative", lambda p, d: PIXELS.astype(np.int16) - 1, r"pixel values span -1.0\.\.254\.0"),
        ("fractions above 1", lambda p, d: PIXELS / 100.0, r"pixel values span 0.0..2.55"),
        (
            "rows of 600",
            lambda p, d: np.zeros((2, 600), np.uint8),
            r"train0 has shape \(2, 600\); mnist_all.mat rows are 784",
        ),
    ],
)
def test_mat_files_that_are_not_pixels_are_refused_naming_file_and_key(tmp_path, name, make, message):
    path = _mat(tmp_path / "bad.mat", make)
    with pytest.raises(ValueError, match=message) as err:
        sources.load_mat(path)
    assert str(path) in str(err.value), name


def _small(seed=0):
    rng = np.random.default_rng(seed)
    return sources.Digits(
        rng.integers(0, 256, (40, 28, 28), dtype=np.uint8),
        np.arange(40, dtype=np.uint8) % 10,
        rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
        np.arange(20, dtype=np.uint8) % 10,
    )


def _write_idx(folder, digits, gz=True):
    folder.mkdir()
    for key, stem in sources.IDX_FILES.items():
        raw = encode_idx(getattr(digits, key))
        (folder / (f"{stem}.gz" if gz else stem)).write_bytes(gzip.compress(raw) if gz else raw)


def test_each_source_is_read_from_the_files_it_names(tmp_path):
    """source_files gives the prepare_mnist job's inputs, read_source reads them: one place
    for the four sources."""
    digits = _small()
    np.savez(tmp_path / "sample.npz", images=digits.train_images, labels=digits.train_labels)
    savemat(tmp_path / "mnist_all.mat", to_mat_dict(digits))
    _write_idx(tmp_path / "idx", digits, gz=False)
    _write_idx(tmp_path / "downloads", digits)
    config = {
        "sample": str(tmp_path / "sample.npz"),
        "mat": str(tmp_path / "mnist_all.mat"),
        "idx_dir": str(tmp_path / "idx"),
    }
    files = {
        source: sources.source_files({**config, "source": source}, tmp_path / "downloads") for source in sources.SOURCES
    }
    assert files["sample"] == {"sample": config["sample"]} and files["mat"] == {"mat": config["mat"]}
    assert files["idx_dir"]["test_labels"] == str(tmp_path / "idx" / "t10k-labels-idx1-ubyte")  # plain here
    assert files["download"]["train_images"] == f"{tmp_path / 'downloads'}/train-images-idx3-ubyte.gz"
    read = {source: sources.read_source(source, named) for source, named in files.items()}
    assert read["sample"].test_images is None
    np.testing.assert_array_equal(read["sample"].train_images, digits.train_images)
    for source in ("idx_dir", "download"):
        for part in ("train_images", "train_labels", "test_images", "test_labels"):
            np.testing.assert_array_equal(getattr(read[source], part), getattr(digits, part))
    for part in ("train", "test"):  # the mat file regroups by digit: the same pairs, in another order
        mine = _sorted_pairs(getattr(read["mat"], f"{part}_images"), getattr(read["mat"], f"{part}_labels"))
        theirs = _sorted_pairs(getattr(digits, f"{part}_images"), getattr(digits, f"{part}_labels"))
        for a, b in zip(mine, theirs):
            np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="'idx', not one of sample, mat, idx_dir, download"):
        sources.source_files({**config, "source": "idx"}, tmp_path)
    with pytest.raises(ValueError, match="not one of"):
        sources.read_source("idx", files["download"])


def test_each_sources_counts_come_from_its_headers_and_match_what_is_read(tmp_path):
    """source_counts (the configuration's checks, every planning) agrees with read_source
    without reading pixels: IDX headers (.gz or plain), the mat variable table, the sample's labels."""
    digits = _small()
    np.savez(tmp_path / "sample.npz", images=digits.train_images, labels=digits.train_labels)
    savemat(tmp_path / "mnist_all.mat", to_mat_dict(digits))
    _write_idx(tmp_path / "idx", digits, gz=False)
    _write_idx(tmp_path / "gz", digits)
    config = {"sample": str(tmp_path / "sample.npz"), "mat": str(tmp_path / "mnist_all.mat")}
    for source, folder in (("sample", None), ("mat", None), ("idx_dir", "idx"), ("idx_dir", "gz")):
        files = sources.source_files({**config, "source": source, "idx_dir": str(tmp_path / str(folder))}, tmp_path)
        read = sources.read_source(source, files)
        expected = {"train": len(read.train_labels)}
        if read.test_labels is not None:
            expected["test"] = len(read.test_labels)
        assert sources.source_counts(source, files) == expected, (source, folder)
    assert sources.source_counts("download", {}) == sources.MNIST_COUNTS == {"train": 60_000, "test": 10_000}
    (tmp_path / "html").write_bytes(b"<html>404</html>")
    with pytest.raises(ValueError, match="not an IDX file"):
        sources.source_counts("idx_dir", {"train_labels": tmp_path / "html", "test_labels": tmp_path / "html"})
