"""The SLURM scale benchmark runs (tiny settings, into a temporary results folder): the faces
part on a FaceScrub-size web, on one machine and on the one-node cluster, with several actors
per job, gives the same data products and metrics, and docs/results.md's table renders its
result."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from testkit.slurm import available
from testkit.workflow import REPO, unavailable

pytestmark = pytest.mark.slurm


def test_slurm_scale_benchmark_compares_a_batched_cluster_run_with_a_local_one(tmp_path):
    why = available()
    if why:
        unavailable(why)
    env = {**os.environ, "DIGITFACE_BENCH_RESULTS": str(tmp_path)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.bench_slurm_scale",
            "--identities",
            "3",
            "--rows",
            "15",
            "--actors-per-job",
            "2",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads((tmp_path / "slurm_scale.json").read_text())
    assert result["passed"] and result["metrics_equal"] and result["products_differing"] == []
    assert result["actors_per_job"] == 2 and set(result["wall_s"]) == {"local", "slurm"}
    # Two batches (two actors, then one): a manifest and two crop arrays each, the index, the summary.
    manifests = sorted(p for p in result["products_compared"] if "/manifests/" in p)
    assert len(manifests) == 2 and ".." in manifests[0] and ".." not in manifests[1]
    assert len(result["products_compared"]) == 2 + 2 * 2 + 2

    from digitface.report.benchmark_tables import slurm_table

    assert "3 identities × 15 list rows, 2 actors per job" in slurm_table(result)
