"""The default run, from a fresh copy, reproduces the committed results README shows
(benchmarks/results/run_default.json): slow (a few minutes), run by `.ci/run` with -m slow."""

from __future__ import annotations

import csv
import json
import re

import pytest

from testkit.workflow import REPO, copy_workflow, snakemake

pytestmark = pytest.mark.slow


def _numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+\.\d+", text)]


def test_the_default_run_reproduces_the_committed_results(tmp_path):
    committed = json.loads((REPO / "benchmarks/results/run_default.json").read_text())["metrics"]
    workdir = copy_workflow(tmp_path)
    snakemake(workdir)
    with open(workdir / "results/sample/metrics.tsv") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert [(r["experiment"], r["split"], r["reference"]) for r in rows] == [
        (r["experiment"], r["split"], r["reference"]) for r in committed]
    for got, want in zip(rows, committed):
        # The same numbers, up to the last digit of a float sum computed in another order on
        # another machine: a tenth of a percentage point (accuracies), 10% (gradient check).
        for a, b in zip(_numbers(got["ours"]), _numbers(want["ours"])):
            tolerance = 0.1 if "%" in want["ours"] else abs(b) * 0.1
            assert abs(a - b) <= tolerance, (got, want)
