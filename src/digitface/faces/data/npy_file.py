"""A ``.npy`` array on disk read by rows with positioned reads, never mapped.

Why not ``np.load(mmap_mode='r')``: a memory map keeps every page it has touched in the
process (a job that reads each row of every actor's crops or feature chunks grows with the
data set: flat memory per job is what lets the faces part run at FaceScrub's size), and
Python's ``mmap`` keeps a duplicate file descriptor open per map (a run over a thousand chunk
files meets the usual limit of 1,024 open files). Here the rows asked for are read into fresh
memory (``os.preadv``), the kernel's page cache keeps the file warm, and a descriptor is open
only during a read.

:class:`NpyFile` answers ``len``, ``shape``, ``dtype``, ``reshape`` and indexing by an int, a
slice (step 1) or an integer array (any order, repeats allowed), as a NumPy array would.
"""

from __future__ import annotations

import os
from math import prod
from pathlib import Path

import numpy as np

_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


class NpyFile:
    """Row access to a C-ordered ``.npy`` file of plain numbers (module docstring)."""

    def __init__(
        self,
        path: str | os.PathLike,
        shape: tuple[int, ...] | None = None,
        _header: tuple[np.dtype, int, tuple[int, ...]] | None = None,
    ):
        self.path = Path(path)
        if _header is None:
            with open(self.path, "rb") as fh:
                version = np.lib.format.read_magic(fh)
                if version not in _HEADER_READERS:
                    raise ValueError(f"{self.path}: .npy format version {version} is not supported")
                file_shape, fortran, dtype = _HEADER_READERS[version](fh)
                offset = fh.tell()
            if fortran or dtype.hasobject or dtype.fields is not None or not file_shape:
                raise ValueError(
                    f"{self.path}: not a C-ordered array of plain numbers with rows "
                    f"(shape {file_shape}, dtype {dtype}, fortran order {fortran})"
                )
            _header = (dtype, offset, tuple(file_shape))
        self.dtype, self._offset, file_shape = _header
        self._header = _header
        self.shape = tuple(shape) if shape is not None else file_shape
        self._row_items = prod(self.shape[1:])
        self._row_bytes = self._row_items * self.dtype.itemsize
        expected = self._offset + self.shape[0] * self._row_bytes
        size = self.path.stat().st_size
        if size < expected:
            raise ValueError(f"{self.path}: truncated ({size} bytes, the header promises {expected})")

    def __len__(self) -> int:
        return self.shape[0]

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def reshape(self, *shape) -> NpyFile:
        """The same rows seen with another row shape (one -1 allowed), as ``ndarray.reshape``."""
        shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else tuple(shape)
        row = list(shape[1:])
        if row.count(-1) == 1:
            known = prod(s for s in row if s != -1)
            row[row.index(-1)] = self._row_items // known if known else 0
        if not shape or shape[0] != len(self) or prod(row) != self._row_items:
            raise ValueError(f"cannot reshape {self.shape} into {shape} (rows must stay rows)")
        shape = (len(self), *row)
        return NpyFile(self.path, shape, self._header)

    def _read_runs(self, out: np.ndarray, rows: np.ndarray) -> None:
        """Read ``rows`` (sorted, unique) into ``out``, one read per run of consecutive rows."""
        if not len(rows):
            return
        breaks = np.flatnonzero(np.diff(rows) != 1) + 1
        starts = np.concatenate([[0], breaks])
        stops = np.concatenate([breaks, [len(rows)]])
        flat = out.reshape(len(rows), -1).view(np.uint8).reshape(len(rows), self._row_bytes)
        fd = os.open(self.path, os.O_RDONLY)
        try:
            for a, b in zip(starts, stops):
                want = (b - a) * self._row_bytes
                view = memoryview(flat[a:b]).cast("B")
                got = os.preadv(fd, [view], self._offset + int(rows[a]) * self._row_bytes)
                if got != want:
                    raise OSError(f"{self.path}: short read ({got} of {want} bytes at row {rows[a]})")
        finally:
            os.close(fd)

    def __getitem__(self, key) -> np.ndarray:
        if isinstance(key, (int, np.integer)):
            i = int(key) + (len(self) if key < 0 else 0)
            if not 0 <= i < len(self):
                raise IndexError(f"row {key} outside an array of {len(self)} rows")
            return self[np.array([i])][0]
        if isinstance(key, slice):
            start, stop, step = key.indices(len(self))
            if step != 1:
                raise IndexError("only slices with step 1 are supported")
            return self[np.arange(start, max(start, stop))]
        idx = np.asarray(key)
        if idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):
            raise IndexError("index rows with an int, a slice or a 1-D integer array")
        idx = idx.astype(np.int64)
        if idx.size and (idx.min() < 0 or idx.max() >= len(self)):
            raise IndexError(f"row index outside 0..{len(self) - 1}")
        unique, inverse = np.unique(idx, return_inverse=True)
        out = np.empty((len(unique), *self.shape[1:]), dtype=self.dtype)
        self._read_runs(out, unique)
        return out if len(unique) == len(idx) and np.array_equal(unique, idx) else out[inverse]

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        whole = self[:]
        return whole if dtype is None else whole.astype(dtype)

    def __repr__(self) -> str:
        return f"NpyFile({str(self.path)!r}, shape={self.shape}, dtype={self.dtype})"
