"""The default run, from a fresh copy, reproduces the committed results that README and
docs/results.md show (benchmarks/results/run_default.json): slow (a few minutes), run by
`.ci/run` with -m slow."""

from __future__ import annotations

import csv
import json
import re

import pytest

from testkit.workflow import REPO, copy_workflow, snakemake

pytestmark = pytest.mark.slow


def _numbers(text: str) -> list[float]:
    """Every number in a cell, exponent included (a gradient check's 4.00e-08)."""
    return [float(x) for x in re.findall(r"-?\d+\.\d+(?:e[-+]?\d+)?", text)]


def test_the_default_run_reproduces_the_committed_results(tmp_path):
    committed = json.loads((REPO / "benchmarks/results/run_default.json").read_text())["metrics"]
    workdir = copy_workflow(tmp_path)
    snakemake(workdir)
    with open(workdir / "results/sample/metrics.tsv") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert [(r["experiment"], r["split"], r["reference"]) for r in rows] == [
        (r["experiment"], r["split"], r["reference"]) for r in committed
    ]
    for got, want in zip(rows, committed):
        if "gradient check" in want["experiment"]:
            # The largest relative error of central differences is round-off in the cost
            # difference, so it moves with the BLAS kernel's summation order (AVX2 or AVX-512):
            # a factor of a few between CPUs. A wrong gradient is off by orders of magnitude.
            (a,), (b,) = _numbers(got["ours"]), _numbers(want["ours"])
            assert "PASS" in got["note"] and b / 10 <= a <= b * 10, (got, want)
            continue
        # The same numbers, up to the last digit of a float sum computed in another order on
        # another machine: a tenth of a percentage point.
        assert len(_numbers(got["ours"])) == len(_numbers(want["ours"])), (got, want)
        for a, b in zip(_numbers(got["ours"]), _numbers(want["ours"])):
            assert abs(a - b) <= 0.1, (got, want)
