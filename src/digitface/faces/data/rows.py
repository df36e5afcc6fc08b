"""Row access to the inputs of the face classifiers, without building one big array.

Inputs are one array (N, ...) or a sequence of chunk arrays (n_i, D), typically the crop arrays
or the AlexNet feature chunks opened as :class:`~digitface.faces.data.npy_file.NpyFile` (rows read
on demand, nothing mapped): a minibatch gathers its rows chunk by chunk,
and a split set (:class:`RowSubset`) is a list of row numbers into them, never a copy. uint8
arrays are pixels and come back scaled to [-1, 1] (x / 127.5 - 1, as the reference did);
float arrays (features) come back as they are, as float32.

Its own module, apart from the PyTorch model: the planning of the workflow (which reads the
face index) must not import torch.
"""

from __future__ import annotations

from typing import Iterator, Sequence

import numpy as np

from digitface.faces.data.npy_file import NpyFile


class Rows:
    """Row access to one array or to a sequence of chunk arrays, without concatenating them.

    Rows come back as float32 (N, D); uint8 pixels are scaled to [-1, 1] on the way.
    """

    def __init__(self, data: np.ndarray | Sequence[np.ndarray]):
        chunks = [data] if isinstance(data, (np.ndarray, NpyFile)) else list(data)
        if not chunks:
            raise ValueError("no input arrays")
        self.chunks = [c.reshape(len(c), -1) for c in chunks]  # a view for contiguous arrays
        dims = {c.shape[1] for c in self.chunks}
        if len(dims) != 1:
            raise ValueError(f"chunks disagree on the number of features: {sorted(dims)}")
        for c in self.chunks:
            if c.dtype not in (np.uint8, np.float16, np.float32, np.float64):
                raise TypeError(f"unsupported input dtype {c.dtype} (uint8 pixels or float features)")
        self.dim = dims.pop()
        self.offsets = np.cumsum([0] + [len(c) for c in self.chunks])

    def __len__(self) -> int:
        return int(self.offsets[-1])

    @staticmethod
    def _as_float(block: np.ndarray) -> np.ndarray:
        if block.dtype == np.uint8:
            return block.astype(np.float32) / np.float32(127.5) - np.float32(1.0)
        # memory-map slices are read-only; torch wants memory it may write to
        return block.astype(np.float32, copy=not block.flags.writeable)

    def take(self, idx: np.ndarray) -> np.ndarray:
        """Rows ``idx`` (any order) as a float32 (len(idx), D) array."""
        idx = np.asarray(idx, dtype=np.int64)
        if len(self.chunks) == 1:
            return self._as_float(np.asarray(self.chunks[0][idx]))
        out = np.empty((len(idx), self.dim), dtype=np.float32)
        which = np.searchsorted(self.offsets, idx, side="right") - 1
        for k in np.unique(which):
            pos = np.flatnonzero(which == k)
            local = idx[pos] - self.offsets[k]
            order = np.argsort(local, kind="stable")  # read each chunk front to back
            out[pos[order]] = self._as_float(np.asarray(self.chunks[k][local[order]]))
        return out

    def slices(self, batch_size: int) -> Iterator[tuple[int, int]]:
        for start in range(0, len(self), batch_size):
            yield start, min(start + batch_size, len(self))

    def range(self, start: int, stop: int) -> np.ndarray:
        """Rows start..stop-1, read as slices (one read per chunk)."""
        parts = []
        for k, c in enumerate(self.chunks):
            lo, hi = max(start, self.offsets[k]), min(stop, self.offsets[k + 1])
            if lo < hi:
                parts.append(self._as_float(np.asarray(c[lo - self.offsets[k] : hi - self.offsets[k]])))
        return parts[0] if len(parts) == 1 else np.concatenate(parts)


class RowSubset(Rows):
    """Rows ``index`` of another :class:`Rows`, in that order: one split set of crops or
    chunked features, read on demand, never copied as a whole."""

    def __init__(self, base: Rows, index: Sequence[int] | np.ndarray):
        self.base = base
        self.index = np.asarray(index, dtype=np.int64)
        if len(self.index) and (self.index.min() < 0 or self.index.max() >= len(base)):
            raise IndexError(f"row index outside 0..{len(base) - 1}")
        self.chunks, self.dim = base.chunks, base.dim
        self.offsets = np.array([0, len(self.index)])

    def take(self, idx: np.ndarray) -> np.ndarray:
        return self.base.take(self.index[np.asarray(idx, dtype=np.int64)])

    def range(self, start: int, stop: int) -> np.ndarray:
        return self.base.take(self.index[start:stop])


def as_rows(data) -> Rows:
    return data if isinstance(data, Rows) else Rows(data)
