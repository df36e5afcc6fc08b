"""NpyFile reads rows of a .npy file as NumPy would, without mapping the file or keeping it open."""

from __future__ import annotations

import os

import numpy as np
import pytest

from digitface.faces.data.npy_file import NpyFile
from digitface.faces.data.rows import Rows, RowSubset


@pytest.fixture()
def crops(tmp_path):
    array = np.random.default_rng(3).integers(0, 256, (53, 8, 8, 3), dtype=np.uint8)
    path = tmp_path / "crops.npy"
    np.save(path, array)
    return array, path


@pytest.mark.parametrize(
    "key",
    [
        0,
        52,
        -1,
        slice(None),
        slice(4, 19),
        slice(50, 80),
        slice(7, 7),
        np.array([5, 3, 3, 52, 0, 1, 2, 20]),
        np.array([], dtype=np.int64),
        np.arange(10, 40),
        [9, 8, 7],
    ],
)
def test_rows_read_equal_numpy_indexing(crops, key):
    array, path = crops
    got = NpyFile(path)[key]
    want = array[key]
    assert got.dtype == want.dtype and got.shape == want.shape
    assert np.array_equal(got, want)


def test_float16_features_reshape_and_empty_chunks(tmp_path):
    features = np.random.default_rng(1).standard_normal((12, 2, 5)).astype(np.float16)
    np.save(tmp_path / "f.npy", features)
    flat = NpyFile(tmp_path / "f.npy").reshape(12, -1)
    assert flat.shape == (12, 10) and np.array_equal(flat[np.array([11, 0])], features.reshape(12, -1)[[11, 0]])
    np.save(tmp_path / "empty.npy", np.zeros((0, 43264), np.float16))
    empty = NpyFile(tmp_path / "empty.npy")
    assert len(empty) == 0 and empty.reshape(0, -1).shape == (0, 43264) and empty[:].shape == (0, 43264)
    with pytest.raises(ValueError, match="rows must stay rows"):
        flat.reshape(6, -1)


def test_rows_over_files_and_arrays_give_identical_minibatches(crops, tmp_path):
    array, path = crops
    np.save(tmp_path / "more.npy", array[:9])
    on_disk = Rows([NpyFile(path), NpyFile(tmp_path / "more.npy")])
    in_memory = Rows([array, array[:9]])
    idx = np.random.default_rng(0).permutation(len(in_memory))[:25]
    assert np.array_equal(on_disk.take(idx), in_memory.take(idx))
    assert np.array_equal(on_disk.range(40, 60), in_memory.range(40, 60))
    subset = [60, 2, 55, 2]
    assert np.array_equal(RowSubset(on_disk, subset).range(0, 4), RowSubset(in_memory, subset).range(0, 4))
    assert np.array_equal(Rows(NpyFile(path)).take(np.array([3, 1])), Rows(array).take(np.array([3, 1])))


def test_reading_maps_nothing_and_leaves_no_file_open(crops):
    _, path = crops
    rows = NpyFile(path)
    rows[np.arange(0, 53, 2)]
    rows[:]
    open_files = {
        os.path.realpath(f"/proc/self/fd/{fd}")
        for fd in os.listdir("/proc/self/fd")
        if os.path.exists(f"/proc/self/fd/{fd}")
    }
    assert str(path.resolve()) not in open_files
    assert str(path.resolve()) not in open("/proc/self/maps").read()


def test_refuses_what_it_cannot_read_by_rows(tmp_path):
    np.save(tmp_path / "fortran.npy", np.asfortranarray(np.zeros((4, 3))))
    np.save(tmp_path / "objects.npy", np.array([{}, []], dtype=object), allow_pickle=True)
    np.save(tmp_path / "scalar.npy", np.float32(1))
    for name in ("fortran", "objects", "scalar"):
        with pytest.raises(ValueError, match="C-ordered array of plain numbers"):
            NpyFile(tmp_path / f"{name}.npy")
    np.save(tmp_path / "cut.npy", np.zeros((100, 10), np.float32))
    data = (tmp_path / "cut.npy").read_bytes()
    (tmp_path / "cut.npy").write_bytes(data[:-40])
    with pytest.raises(ValueError, match="truncated"):
        NpyFile(tmp_path / "cut.npy")
    np.save(tmp_path / "five.npy", np.zeros((5, 2), np.float32))
    five = NpyFile(tmp_path / "five.npy")
    for key in (5, -6, np.array([0, 5]), np.array([-1]), slice(None, None, 2), np.zeros((2, 2), int)):
        with pytest.raises(IndexError):
            five[key]
