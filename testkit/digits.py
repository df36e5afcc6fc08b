"""MNIST as tests make it: a small split file, as the prepare_mnist job writes it, for the jobs
that read one; IDX bytes and folders, and ``mnist_all.mat`` matrices, for the source readers."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

from digitface.digits.sources import IDX_FILES, Digits, idx_file, load_idx_files
from digitface.digits.store import save_arrays

#: Images per part of :func:`write_split`'s file (the split file's keys: train, val, test).
COUNTS = {"train": 200, "val": 60, "test": 60}


def write_split(path: Path, counts: dict[str, int] = COUNTS, seed: int = 0) -> dict[str, np.ndarray]:
    """``x_<part>`` (n, 28, 28) uint8 and ``y_<part>`` uint8 labels, written with
    :func:`~digitface.digits.store.save_arrays`: each digit a faint fixed random picture under
    stronger noise, so a softmax network learns them, far from perfectly (about 60% after 30
    iterations at learning rate 1e-3)."""
    rng = np.random.default_rng(seed)
    pictures = np.random.default_rng(99).integers(98, 158, (10, 28, 28))
    arrays = {}
    for part, n in counts.items():
        y = rng.integers(0, 10, n).astype(np.uint8)
        noise = rng.integers(-120, 121, (n, 28, 28))
        arrays[f"x_{part}"] = np.clip(pictures[y] + noise, 0, 255).astype(np.uint8)
        arrays[f"y_{part}"] = y
    save_arrays(path, **arrays)
    return arrays


def encode_idx(array: np.ndarray) -> bytes:
    """Encode a uint8 array as IDX bytes (the inverse of :func:`digitface.digits.idx.parse_idx`)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.tobytes()


def load_idx_dir(folder: str | Path) -> Digits:
    """The four standard IDX files from one folder (``.gz`` or not)."""
    paths = {}
    for key, stem in IDX_FILES.items():
        paths[key] = idx_file(folder, stem)
        if not paths[key].is_file():
            raise FileNotFoundError(f"{folder}: neither {stem}.gz nor {stem} exists")
    return load_idx_files(**paths)


def to_mat_dict(digits: Digits) -> dict[str, np.ndarray]:
    """The inverse of :func:`digitface.digits.sources.load_mat`'s layout, for writing
    ``mnist_all.mat`` with scipy."""
    out = {}
    for part in ("train", "test"):
        images, labels = getattr(digits, f"{part}_images"), getattr(digits, f"{part}_labels")
        for d in range(10):
            out[f"{part}{d}"] = images[labels == d].reshape(-1, 784)
    return out


def write_idx_folder(path: Path, n_train: int, n_test: int) -> Path:
    """A folder of the four gzipped IDX files: random digit pictures, labels cycling through 0-9
    (every class present in any part of ten or more images)."""
    path.mkdir()
    rng = np.random.default_rng(0)
    for stem, n, shape in (
        ("train-images-idx3-ubyte", n_train, (28, 28)),
        ("t10k-images-idx3-ubyte", n_test, (28, 28)),
        ("train-labels-idx1-ubyte", n_train, ()),
        ("t10k-labels-idx1-ubyte", n_test, ()),
    ):
        data = rng.integers(0, 256, (n, *shape)) if shape else np.arange(n) % 10
        (path / f"{stem}.gz").write_bytes(gzip.compress(encode_idx(data.astype(np.uint8))))
    return path
