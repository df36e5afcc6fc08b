"""The softmax network with no hidden layer: ``p = softmax(x W + b)``.

Conventions: examples are ROWS (``x`` is ``(n, 784)``), so the forward pass is one GEMM and the
weight gradient another (``xᵀ (p - y)``); ``W`` is ``(784, 10)``, ``b`` is ``(10,)``. The cost is
the SUM of negative log-probabilities of the true classes (the reference's definition, which
is why its learning rates look tiny). Labels are integer class indices, not one-hot matrices:
``p - y`` is ``p`` with 1 subtracted at each true class.

:class:`SoftmaxStep` is the training hot path: one cache-blocked pass over the images that
skips each block's blank columns, preallocated buffers, in-place softmax and no cost
computation.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from threadpoolctl import ThreadpoolController


def logits(x: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    return x @ W + b


def softmax(o: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted by the row maximum so ``exp`` never overflows."""
    e = np.exp(o - o.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def forward(x: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Class probabilities ``(n, 10)``."""
    return softmax(logits(x, W, b))


def cost_from_logits(o: np.ndarray, y: np.ndarray) -> float:
    """Sum over examples of ``-log p[true class]``, via log-sum-exp (no ``log(0)``)."""
    m = o.max(axis=1)
    lse = m + np.log(np.exp(o - m[:, None]).sum(axis=1))
    return float(np.sum(lse - o[np.arange(len(y)), y], dtype=np.float64))


def cost(x: np.ndarray, W: np.ndarray, b: np.ndarray, y: np.ndarray) -> float:
    return cost_from_logits(logits(x, W, b), y)


def gradients(x: np.ndarray, W: np.ndarray, b: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(dC/dW, dC/db)`` of the summed cost: ``xᵀ (p - y)`` and ``Σ (p - y)``."""
    g = forward(x, W, b)
    g[np.arange(len(y)), y] -= 1
    return x.T @ g, g.sum(axis=0)


def accuracy(x: np.ndarray, W: np.ndarray, b: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.argmax(logits(x, W, b), axis=1) == y))


def init_params(
    kind: str, n_in: int = 784, n_out: int = 10, seed: int = 0, scale: float = 0.01
) -> tuple[np.ndarray, np.ndarray]:
    """``zeros`` or ``normal`` (seeded, standard deviation ``scale``) weights; zero biases."""
    if kind == "zeros":
        W = np.zeros((n_in, n_out), dtype=np.float32)
    elif kind == "normal":
        W = np.random.default_rng(seed).normal(0.0, scale, (n_in, n_out)).astype(np.float32)
    else:
        raise ValueError(f"unknown init {kind!r}: expected 'zeros' or 'normal'")
    return W, np.zeros(n_out, dtype=np.float32)


def support_order(x: np.ndarray, image_shape: tuple[int, int] | None = None) -> np.ndarray:
    """A row order that puts rows with similar nonzero support next to each other.

    Digits leave most pixels blank, and which ones depends mostly on where the ink is: sorting
    images by the bounding box of their nonzero pixels (left column, right column, top row)
    makes blocks of consecutive rows whose union of nonzero columns is about half of all
    columns on MNIST. Without ``image_shape`` rows are sorted by their first and last nonzero
    column. A full-batch gradient is a sum over rows, so the order changes nothing but rounding.
    """
    nonzero = x != 0
    if image_shape is None:
        first = nonzero.argmax(axis=1)
        last = nonzero.shape[1] - 1 - nonzero[:, ::-1].argmax(axis=1)
        return np.lexsort((last, first))
    pixels = nonzero.reshape(len(x), *image_shape)
    cols, rows = pixels.any(axis=1), pixels.any(axis=2)
    left = cols.argmax(axis=1)
    right = image_shape[1] - 1 - cols[:, ::-1].argmax(axis=1)
    top = rows.argmax(axis=1)
    return np.lexsort((top, right, left))


class SoftmaxStep:
    """Gradients of the summed cost for one fixed training set, with reused buffers.

    The two GEMMs of a step (``x W`` and ``xᵀ (p - y)``) have only 10 output columns; they
    dominate the step and their cost is proportional to the number of input columns they
    touch. So the rows are put in :func:`support_order` and cut into blocks of ``block_rows``
    rows (about 3 MB of float32 pixels, which stays in cache), and each block keeps only the
    columns that are nonzero in at least one of its rows, as its own contiguous array, made
    once. A blank column contributes nothing to the logits and nothing to the gradient, so
    this is exact, and on MNIST it halves the arithmetic. Each block's logits, softmax and
    gradient contribution are computed while the block is still cached (the pixels are read
    from memory once per step, not twice), and only the weight rows of the block's columns
    are read and updated. Blocks are shared out to ``workers`` Python threads (numpy releases
    the GIL) with BLAS itself single-threaded: BLAS's own threads synchronise on every small
    call, which costs more than the call on a busy machine.

    The row-wise max shift that makes softmax safe is the slowest part of a naive softmax (a
    reduction over 10-wide rows); it is needed only when some logit could overflow ``exp``.
    Softmax is invariant to the shift, so when every logit of a block lies in [-SAFE, SAFE]
    (float32 ``exp`` neither overflows nor underflows there, and 10 terms cannot overflow the
    row sum) the shift is skipped; otherwise the stable path runs. Row sums are a GEMV.
    """

    SAFE = 80.0

    def __init__(
        self,
        x: np.ndarray,
        y: np.ndarray,
        n_out: int = 10,
        block_rows: int = 1024,
        workers: int | None = None,
        image_shape: tuple[int, int] | None = None,
    ):
        y = np.asarray(y, dtype=np.intp)
        order = support_order(x, image_shape)
        blocks = []
        for start in range(0, len(y), block_rows):
            rows = order[start : start + block_rows]
            xb = x[rows]
            cols = np.flatnonzero(xb.any(axis=0))
            if len(cols) == x.shape[1]:
                cols = None  # nothing to skip: use the weights as they are
            else:
                xb = xb[:, cols]
            true = np.arange(len(rows)) * n_out + y[rows]  # flat index of each row's class
            blocks.append((np.ascontiguousarray(xb), cols, true))
        workers = max(1, min(workers or os.cpu_count() or 1, len(blocks)))
        # Worker k takes every k-th block; each has its own buffers and partial sums.
        self._shares = [blocks[k::workers] for k in range(workers)]
        self._bufs = [
            (
                np.empty((block_rows, n_out), dtype=x.dtype),
                np.empty(block_rows, dtype=x.dtype),
                np.empty((x.shape[1], n_out), dtype=x.dtype),
            )
            for _ in range(workers)
        ]
        self._ones = np.ones(n_out, dtype=x.dtype)
        self._pool = ThreadPoolExecutor(workers) if workers > 1 else None
        self._blas = ThreadpoolController()

    @property
    def columns_touched(self) -> float:
        """Mean fraction of the input columns that a block multiplies (1.0: dense data)."""
        blocks = [blk for share in self._shares for blk in share]
        width = self._bufs[0][2].shape[0]
        return float(np.mean([(width if c is None else len(c)) / width for _, c, _ in blocks]))

    def _partial(self, k: int, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        g_buf, row_buf, dW_buf = self._bufs[k]
        dW, db = np.zeros_like(W), np.zeros_like(b)
        for xb, cols, true in self._shares[k]:
            n = len(xb)
            g, row = g_buf[:n], row_buf[:n]
            np.matmul(xb, W if cols is None else W[cols], out=g)
            g += b
            if g.max() > self.SAFE or g.min() < -self.SAFE:
                g -= g.max(axis=1, keepdims=True)
            np.exp(g, out=g)
            np.matmul(g, self._ones, out=row)
            np.reciprocal(row, out=row)
            g *= row[:, None]
            g.reshape(-1)[true] -= 1
            if cols is None:
                dW += np.matmul(xb.T, g, out=dW_buf)
            else:
                dW[cols] += np.matmul(xb.T, g, out=dW_buf[: len(cols)])
            db += g.sum(axis=0)
        return dW, db

    def __call__(self, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with self._blas.limit(limits=1, user_api="blas"):
            if self._pool is None:
                return self._partial(0, W, b)
            parts = list(self._pool.map(lambda k: self._partial(k, W, b), range(len(self._shares))))
        return sum(p[0] for p in parts), sum(p[1] for p in parts)


def seed_gradients(
    x_cols: np.ndarray, W: np.ndarray, b_col: np.ndarray, y_onehot_cols: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The course seed's formulation, kept as a baseline for tests and the benchmark.

    ``x`` is ``784 x n`` (examples as columns), one-hot ``y`` is ``10 x n``, ``b`` is ``10 x 1``,
    float64, and the forward pass is recomputed separately for ``dW`` and for ``db``, exactly as
    ``gradient_simple_network_w`` and ``gradient_simple_network_b`` did.
    """

    def network(x, W, b):
        o = W.T @ x + b
        e = np.exp(o - o.max(axis=0, keepdims=True))
        return e / e.sum(axis=0, keepdims=True)

    dW = x_cols @ (network(x_cols, W, b_col) - y_onehot_cols).T
    db = np.sum(network(x_cols, W, b_col) - y_onehot_cols, axis=1).reshape(-1, 1)
    return dW, db
