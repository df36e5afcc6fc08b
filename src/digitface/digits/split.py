"""Deterministic, stratified train/validation/test splits.

The validation set is what every choice (the iteration to keep, the learning rate) is made on;
the test set is only reported. Where a source has an official test set it is kept as is and
validation is carved out of the training images; the bundled sample has none, so both
validation and test are carved out of it. Splits are stratified by digit so that small
validation/test sets keep the class balance, and seeded so they are the same on every machine.
"""

from __future__ import annotations

import numpy as np

from digitface.digits.sources import Digits


def _stratified_take(labels: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``n`` items whose per-class counts are proportional to ``labels``' counts."""
    if not 0 <= n <= len(labels):
        raise ValueError(f"cannot take {n} of {len(labels)} images")
    classes, counts = np.unique(labels, return_counts=True)
    quota = np.floor(counts * n / len(labels)).astype(int)
    # Largest remainders get the leftover items, ties broken by class order: deterministic.
    remainder = counts * n / len(labels) - quota
    for i in np.argsort(-remainder, kind="stable")[: n - quota.sum()]:
        quota[i] += 1
    chosen = [rng.permutation(np.flatnonzero(labels == c))[:q] for c, q in zip(classes, quota)]
    return np.sort(np.concatenate(chosen)) if chosen else np.array([], dtype=int)


def split_digits(digits: Digits, validation_size: int, test_size: int, seed: int) -> dict[str, np.ndarray]:
    """Return ``{x_train, y_train, x_val, y_val, x_test, y_test}`` (uint8 arrays).

    ``test_size`` is used only when ``digits`` has no official test set.
    """
    rng = np.random.default_rng(seed)
    images, labels = digits.train_images, digits.train_labels
    held_out = validation_size + (test_size if digits.test_images is None else 0)
    if held_out >= len(labels):
        parts = f"digits.split.validation_size = {validation_size}"
        if digits.test_images is None:
            parts += f" + digits.split.test_size = {test_size}"
        raise ValueError(f"{parts} leaves no training images: the source has {len(labels)}")
    keep = np.ones(len(labels), dtype=bool)
    out = {}
    if digits.test_images is None:
        test_idx = _stratified_take(labels, test_size, rng)
        keep[test_idx] = False
        out["x_test"], out["y_test"] = images[test_idx], labels[test_idx]
    else:
        out["x_test"], out["y_test"] = digits.test_images, digits.test_labels
    remaining = np.flatnonzero(keep)
    val_local = _stratified_take(labels[remaining], validation_size, rng)
    val_idx = remaining[val_local]
    keep[val_idx] = False
    out["x_val"], out["y_val"] = images[val_idx], labels[val_idx]
    out["x_train"], out["y_train"] = images[keep], labels[keep]
    return out


def to_features(images: np.ndarray, dtype=np.float32) -> np.ndarray:
    """Flatten ``(n, 28, 28)`` uint8 images into ``(n, 784)`` rows scaled to [0, 1]."""
    x = images.reshape(len(images), -1).astype(dtype)
    x *= dtype(1.0 / 255.0)
    return x
