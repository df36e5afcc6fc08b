"""The prepare_mnist job: the configured source read (:mod:`digitface.digits.sources` decides
how), split into train/validation/test (:mod:`digitface.digits.split`), and saved with a
summary of what was made (``split.json``: the summary table and the report read it)."""

from __future__ import annotations

import logging
import os
from typing import Mapping

import numpy as np

from digitface.atomic import write_json
from digitface.digits.sources import SAMPLE_TEST_SIZE, Digits, read_source
from digitface.digits.split import split_digits
from digitface.digits.store import save_arrays

log = logging.getLogger(__name__)


def carved_test_size(split: Mapping) -> int:
    """The test images carved out of a source without a test set (empty: the default)."""
    return split["test_size"] or SAMPLE_TEST_SIZE


def split_summary(source: str, digits: Digits, arrays: Mapping[str, np.ndarray], split: Mapping) -> dict:
    """What the split file holds: the source, where its test set comes from, the images per
    part and the split settings (``test_size`` only where it was used)."""
    return {
        "source": source,
        "sample": source == "sample",
        "test_set": "official MNIST test set"
        if digits.test_images is not None
        else "carved out of the sample (MNIST training images)",
        "counts": {k[2:]: int(len(v)) for k, v in arrays.items() if k.startswith("y_")},
        "split": {**split, "test_size": carved_test_size(split) if digits.test_images is None else None},
    }


def prepare_job(
    source: str,
    files: Mapping[str, str | os.PathLike],
    split: Mapping,
    data: str | os.PathLike,
    summary: str | os.PathLike,
) -> dict:
    """``files``: the source's files by role (the rule's named inputs); ``split``: the
    ``digits.split`` settings. Writes the split (npz) and its summary (JSON)."""
    digits = read_source(source, files)
    arrays = split_digits(digits, split["validation_size"], carved_test_size(split), split["seed"])
    save_arrays(data, **arrays)
    out = split_summary(source, digits, arrays, split)
    write_json(summary, out)
    log.info("split: %s", out["counts"])
    return out
