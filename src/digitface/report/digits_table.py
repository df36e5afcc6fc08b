"""One table of every digits result beside the reference report's number, where it has one.

The summarize_digits job's table (``results/<run>/digits/metrics.tsv``): each accuracy at the
iteration chosen on validation, its difference to the reference with one binomial standard
error, the gradient check's verdict and, where evaluated, the course's snapshot network.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Mapping

from digitface import reference
from digitface.atomic import write_tsv
from digitface.report.numbers import difference, pct

HEADER = ["experiment", "metric", "split", "ours", "reference", "difference", "data"]


def summary_rows(
    split_info: dict,
    gradcheck: dict,
    runs: dict[str, dict],
    snapshot: dict | None = None,
    fixed: dict[str, dict] | None = None,
) -> list[list[str]]:
    """Rows for ``metrics.tsv``: accuracies at the validation-chosen iteration, then (if run)
    the reference protocol's (fixed iterations, nothing selected), the gradient check verdict
    and, if evaluated, the snapshot network's accuracy."""
    data = (
        "bundled sample (10,000 MNIST training images; test carved out of them)"
        if split_info["sample"]
        else f"full MNIST ({split_info['source']}; official test set)"
    )
    counts = split_info["counts"]
    rows = []
    for opt, metrics in runs.items():
        refit = "refit" in metrics["model"]
        name = f"softmax {opt} (iteration {metrics['chosen_iteration']} of "
        name += f"{metrics['settings']['iterations']}"
        name += ", refit on train + validation)" if refit else ")"
        measured = {
            "train": (metrics["final"]["train"], counts["train"] + refit * counts["val"]),
            "validation": (metrics["at_chosen"]["validation"], counts["val"]),
            "test": (metrics["final"]["test"], counts["test"]),
        }
        for split, (values, n) in measured.items():
            ref = reference.DIGITS.get((opt, split))
            rows.append(
                [
                    name,
                    "accuracy",
                    split,
                    pct(values["accuracy"]),
                    pct(ref),
                    difference(values["accuracy"], ref, n),
                    data,
                ]
            )
    for opt, metrics in (fixed or {}).items():
        name = (
            f"softmax {opt}, reference protocol ({metrics['settings']['iterations']} "
            "iterations on train + validation, nothing selected)"
        )
        n = {"train": counts["train"] + counts["val"], "test": counts["test"]}
        for split in ("train", "test"):
            acc, ref = metrics["final"][split]["accuracy"], reference.DIGITS.get((opt, split))
            rows.append([name, "accuracy", split, pct(acc), pct(ref), difference(acc, ref, n[split]), data])
    rows.append(
        [
            "gradient check (central differences, float64)",
            "max relative error",
            f"{gradcheck['coordinates']} coordinates",
            f"{gradcheck['max_rel_error']:.2e}",
            "agreement to 4-5 decimal places",
            "",
            "PASS" if gradcheck["passed"] else "FAIL",
        ]
    )
    if snapshot:
        for split, acc in snapshot["accuracy"].items():
            rows.append(["snapshot50.pkl tanh network", "accuracy", split, pct(acc), "", "", data])
    return rows


def _read(path: str | os.PathLike) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def summarize_digits(files: Mapping[str, str | os.PathLike], table: str | os.PathLike) -> list[list[str]]:
    """The summarize_digits job: ``files`` by name (the rule's named inputs): ``split``,
    ``gradcheck``, ``gd`` and ``momentum``, and the optional ``snapshot`` and ``fixed_<optimizer>``
    (the reference protocol's run) where the run made them."""
    files = dict(files.items())
    runs = {opt: _read(files[opt]) for opt in ("gd", "momentum")}
    fixed = {opt: _read(files[f"fixed_{opt}"]) for opt in runs if f"fixed_{opt}" in files}
    snapshot = _read(files["snapshot"]) if "snapshot" in files else None
    rows = summary_rows(_read(files["split"]), _read(files["gradcheck"]), runs, snapshot, fixed)
    write_tsv(table, HEADER, rows)
    return rows
