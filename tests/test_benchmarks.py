"""The benchmark scripts run (with tiny settings, into a temporary results folder) and write
what the tables of README and docs/results.md read; the committed results say what machine and
versions made them.
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


def test_a_result_names_its_commit_and_says_when_code_differed_but_not_its_own_outputs(tmp_path):
    from benchmarks.results_io import source_commit

    def git(*args):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=tmp_path, check=True, capture_output=True
        )

    (tmp_path / "benchmarks" / "results").mkdir(parents=True)
    (tmp_path / "bench.py").write_text("print(1)\n")
    (tmp_path / "benchmarks" / "results" / "x.json").write_text("{}\n")
    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "one")
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=tmp_path, capture_output=True, text=True
    ).stdout.strip()
    assert head and source_commit(tmp_path) == head
    (tmp_path / "benchmarks" / "results" / "x.json").write_text('{"new": 1}\n')  # a benchmark's own output
    assert source_commit(tmp_path) == head
    (tmp_path / "bench.py").write_text("print(2)\n")  # the code that measures, edited
    assert source_commit(tmp_path) == head + "+uncommitted changes"


@pytest.mark.benchmark
@pytest.mark.parametrize(
    "module, args, keys",
    [
        ("benchmarks.bench_lists", ["--repeats", "1"], {"seconds", "rows_per_s"}),
        (
            "benchmarks.bench_softmax_step",
            ["--repeats", "1", "--rounds", "1", "--mnist-dir", "/nonexistent"],
            {"times_s", "median_s", "ratios"},
        ),
        (
            "benchmarks.bench_scheduler",
            ["--jobs", "6", "--seconds", "0.1"],
            {"sides", "profile_settings", "cpu_ratio_profile_over_defaults", "cpu_ratio_workflow_over_defaults"},
        ),
        (
            "benchmarks.bench_alexnet_chunk",
            ["--chunk", "4", "--chunks-per-job", "2", "--batch-size", "2", "--repeats", "1", "--rss-repeats", "1"],
            {"throughput", "peak_rss_mib", "chunks_per_job"},
        ),
    ],
)
def test_benchmarks_run_and_write_their_results(tmp_path, module, args, keys):
    env = {**os.environ, "DIGITFACE_BENCH_RESULTS": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", module, *args], cwd=REPO, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    written = list(tmp_path.glob("*.json"))
    assert len(written) == 1
    assert keys <= set(json.loads(written[0].read_text()))


@pytest.mark.benchmark
def test_scale_benchmark_runs_the_faces_part_and_its_figure_and_table_read_it(tmp_path):
    """Two tiny sizes through the real command: every stage's jobs, CPU and peak RSS, each rated
    stage's workflow rate beside its in-process limit, the models' results, the targets; the tables
    and the figure of docs/results.md render it."""
    env = {**os.environ, "DIGITFACE_BENCH_RESULTS": str(tmp_path)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.bench_scale",
            "--identities",
            "2",
            "3",
            "--rows",
            "15",
            "--actors-per-job",
            "2",
            "--photos",
            str(tmp_path / "photos"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads((tmp_path / "scale.json").read_text())
    assert [s["identities"] for s in result["sizes"]] == [2, 3]
    for size in result["sizes"]:
        assert size["cropped_faces"] > 0 and size["run"]["wall_s"] > 0 and size["run"]["cpu_s"] > 0
        assert 0 < size["snakemake_share"] < 1
        for rule in ("download_batch", "crop_batch", "train_face_mlp", "extract_alexnet_chunks", "train_alexnet_mlp"):
            stage = size["stages"][rule]
            assert stage["jobs"] >= 1 and stage["peak_rss_mb"] > 0 and stage["cpu_s"] > 0, (rule, stage)
        for stage, rate in size["rates"].items():
            assert rate["work"] > 0 and rate["limit_per_cpu_s"] > 0, (stage, rate)
            assert rate["ratio"] == pytest.approx(rate["workflow_per_cpu_s"] / rate["limit_per_cpu_s"])
        assert size["extracted"] == size["cropped_faces"]  # every face through AlexNet once
        for rule in ("train_face_mlp", "train_alexnet_mlp"):
            seeds = size["training"][rule]["seeds"]
            assert [s["seed"] for s in seeds] == [0, 1, 2]
            assert all(0 <= s["chosen_epoch"] <= s["epochs_run"] and 0 <= s["test"] <= 1 for s in seeds)
        # two identities per download and crop job
        assert size["stages"]["download_batch"]["jobs"] == -(-size["identities"] // 2)
        assert size["actors"] == size["identities"] and size["actors_per_job"] == 2
        assert set(size["targets_met"]) == set(result["targets"])

    from digitface.report.scale_tables import scale_table
    from tools import plot_scale

    table = scale_table(result)
    assert f"| 3 | 45 | {result['sizes'][1]['cropped_faces']:,} |" in table
    assert "50.00% (1 of 2)" in table and "33.33% (1 of 3)" in table  # chance beside each accuracy
    png = plot_scale.plot(result, tmp_path / "scale.png")
    from PIL import Image

    with Image.open(png) as image:
        assert image.size[0] > 1000 and image.size[1] > 400
        import numpy as np

        assert len(np.unique(np.asarray(image.convert("L")))) > 10  # not blank
