"""The benchmark scripts run (with tiny settings, into a temporary results folder) and write
what README's tables read; the committed results say what machine and versions made them.
Marked `benchmark` (python -m pytest -m benchmark); the committed files are checked always."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from testkit.workflow import REPO

COMMITTED = sorted((REPO / "benchmarks" / "results").glob("*.json"))


@pytest.mark.parametrize("path", COMMITTED, ids=[p.stem for p in COMMITTED])
def test_committed_results_say_what_made_them(path):
    result = json.loads(path.read_text())
    machine = result["machine"]
    assert result["benchmark"] == path.stem
    assert machine["cpu"] and machine["cores"] and machine["date"] and machine["python"]
    assert {"numpy", "torch", "snakemake"} <= set(machine["versions"])


@pytest.mark.benchmark
@pytest.mark.parametrize("module, args, keys", [
    ("benchmarks.bench_lists", ["--repeats", "1"], {"seconds", "rows_per_s"}),
    ("benchmarks.bench_softmax_step", ["--repeats", "1", "--rounds", "1", "--mnist-dir", "/nonexistent"],
     {"times_s", "median_s", "ratios"}),
])
def test_benchmarks_run_and_write_their_results(tmp_path, module, args, keys):
    env = {**os.environ, "DIGITFACE_BENCH_RESULTS": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", module, *args], cwd=REPO, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    written = list(tmp_path.glob("*.json"))
    assert len(written) == 1
    assert keys <= set(json.loads(written[0].read_text()))
