"""Benchmark: what whole runs cost, and what they found: a user's first `snakemake --cores 4`
and a second one that has nothing to do, for the default sample run, the quick smoke
configuration and (with the shared course data beside the clone) full MNIST.

    python -m benchmarks.bench_runs [--runs default quick mnist-full] [--cores 4]

The default and quick runs are made in a fresh copy of the workflow (nothing cached); the
full-MNIST run in the repository itself (its config reads ../shared). Wall time is the clock;
CPU seconds are user + system time of Snakemake and every job it ran
(``getrusage(RUSAGE_CHILDREN)``). Each run's summary table and chosen iterations are kept, so
README's headline results and docs/results.md's tables come from these files:
benchmarks/results/run_<name>.json. Targets: default run <= 300 CPU-seconds; quick run under a
minute of wall time; a no-op rerun <= 3 s.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.results_io import write_result
from digitface.atomic import read_tsv
from testkit.workflow import REPO, copy_workflow


def timed(workdir: Path, *args: str) -> dict:
    """Wall and CPU seconds of one Snakemake command in ``workdir``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "snakemake", *args], cwd=workdir, capture_output=True, text=True)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"snakemake {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 2),
        "nothing_to_do": "Nothing to be done" in proc.stdout + proc.stderr,
    }


#: name -> (config file or None for config.yaml, run in a fresh copy?)
RUNS = {
    "default": (None, True),
    "quick": ("configs/quick.yaml", True),
    "mnist-full": ("configs/mnist-full.yaml", False),
}


def run_config(base: Path, name: str, cores: int) -> dict:
    configfile, fresh = RUNS[name]
    workdir = copy_workflow(base / name) if fresh else REPO
    extra = []
    if configfile:
        if fresh:
            (workdir / "configs").mkdir(exist_ok=True)
            (workdir / configfile).write_text((REPO / configfile).read_text())
        extra = ["--configfile", configfile]
    first = timed(workdir, "--cores", str(cores), *extra)
    again = timed(workdir, "--cores", str(cores), *extra)
    run = "sample" if configfile is None else Path(configfile).stem
    out = {
        "first_run": first,
        "rerun": again,
        "cores": cores,
        "configfile": configfile or "config.yaml",
        "fresh_copy": fresh,
    }
    summary = workdir / "results" / run / "metrics.tsv"
    if summary.exists():
        out["metrics"] = read_tsv(summary)
    chosen = {}
    for path in sorted((workdir / "results" / run).rglob("metrics.json")):
        data = json.loads(path.read_text())
        if "chosen_iteration" in data and "settings" in data:
            chosen[str(path.relative_to(workdir / "results" / run).parent)] = [
                data["chosen_iteration"],
                data["settings"]["iterations"],
            ]
    out["chosen_iterations"] = chosen
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", nargs="+", default=["default", "quick"], choices=list(RUNS))
    parser.add_argument("--cores", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.runs:
            r = run_config(Path(tmp), name, args.cores)
            print(
                f"{name:10s} first run {r['first_run']['wall_s']:7.1f} s wall, {r['first_run']['cpu_s']:7.1f} "
                f"CPU-s; rerun {r['rerun']['wall_s']:.1f} s wall (nothing to do: {r['rerun']['nothing_to_do']})"
            )
            targets = {"default": {"cpu_s": 300, "noop_rerun_wall_s": 3}, "quick": {"wall_s": 60}}.get(name, {})
            path = write_result(f"run_{name}", {"run": name, **r, "targets": targets})
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
