"""Benchmark: one full-batch training step of the softmax network on 60,000 MNIST images.

    python -m benchmarks.bench_softmax_step [--mnist-dir ../shared/data/mnist] [--repeats 15] [--rounds 3]

Prints (and writes to benchmarks/results/softmax_step.json, every timing kept) the median time of
  ours      SoftmaxStep (float32, examples as rows, each block's blank columns skipped,
            in-place softmax, no cost),
  gemm      the bare GEMM pair on the same arrays: X·W and Xᵀ·G,
  seed      the course seed's formulation: float64, x as 784×N, one-hot y, and the forward
            pass recomputed for each of dW and db,
and the ratios ours/gemm (target <= 1.3) and seed/ours (target >= 3). Without the MNIST files
it uses random pixels of the same shape (timings do not depend on pixel values).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.results_io import write_result
from digitface.digits import softmax
from digitface.digits.idx import read_idx


def block_times(fns: dict, repeats: int, rounds: int = 3) -> dict[str, list[float]]:
    """Every time of each function. Each runs ``repeats`` times back to back, as training steps
    do (so a variant finds the caches as its own previous call left them), and the variants
    take turns over ``rounds`` rounds so that background load on a shared machine hits all of
    them alike."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            fn()  # warm-up: page in arrays, let BLAS spin up its threads
            for _ in range(repeats):
                t0 = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - t0)
    return times


def load_images(mnist_dir: Path) -> tuple[np.ndarray, np.ndarray, str]:
    images = mnist_dir / "train-images-idx3-ubyte.gz"
    if images.exists():
        x = read_idx(images).reshape(-1, 784)
        y = read_idx(mnist_dir / "train-labels-idx1-ubyte.gz")
        return x, y, f"MNIST training set from {mnist_dir}"
    rng = np.random.default_rng(0)
    return (
        rng.integers(0, 256, (60000, 784), dtype=np.uint8),
        rng.integers(0, 10, 60000),
        "random pixels (MNIST files not found)",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/mnist")
    parser.add_argument("--repeats", type=int, default=15, help="steps timed back to back per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds in which the variants take turns")
    args = parser.parse_args()

    pixels, labels, what = load_images(args.mnist_dir)
    x = pixels.astype(np.float32) / np.float32(255)
    rng = np.random.default_rng(1)
    W = rng.normal(0, 0.01, (784, 10)).astype(np.float32)
    b = np.zeros(10, np.float32)
    step = softmax.SoftmaxStep(x, labels, image_shape=(28, 28))
    g = np.empty((len(x), 10), np.float32)

    def gemm_pair():
        np.matmul(x, W, out=g)
        return x.T @ g

    x64_cols = np.ascontiguousarray(x.T, dtype=np.float64)
    W64, b64 = W.astype(np.float64), b.astype(np.float64)[:, None]
    y_cols = np.eye(10)[labels].T

    t = block_times(
        {
            "ours": lambda: step(W, b),
            "gemm": gemm_pair,
            "seed": lambda: softmax.seed_gradients(x64_cols, W64, b64, y_cols),
        },
        args.repeats,
        args.rounds,
    )
    t_ours, t_gemm, t_seed = (statistics.median(t[k]) for k in ("ours", "gemm", "seed"))
    print(f"data: {what}; {x.shape[0]} images; numpy {np.__version__}; python {sys.version.split()[0]}")
    print(
        f"ours  (SoftmaxStep, float32)         {1e3 * t_ours:8.2f} ms"
        f"  (blocks touch {100 * step.columns_touched:.0f}% of the pixel columns)"
    )
    print(f"gemm  (X·W and Xᵀ·G only)            {1e3 * t_gemm:8.2f} ms")
    print(f"seed  (float64, 784×N, forward ×2)   {1e3 * t_seed:8.2f} ms")
    print(f"ours / gemm = {t_ours / t_gemm:.2f}  (target <= 1.3)")
    print(f"seed / ours = {t_seed / t_ours:.1f}  (target >= 3)")
    path = write_result(
        "softmax_step",
        {
            "data": what,
            "images": int(x.shape[0]),
            "repeats": args.repeats,
            "rounds": args.rounds,
            "columns_touched": step.columns_touched,
            "times_s": t,
            "median_s": {"ours": t_ours, "gemm": t_gemm, "seed": t_seed},
            "ratios": {"ours_over_gemm": t_ours / t_gemm, "seed_over_ours": t_seed / t_ours},
            "targets": {"ours_over_gemm": 1.3, "seed_over_ours": 3},
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
