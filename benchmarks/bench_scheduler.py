"""Benchmark: Snakemake's own CPU while many jobs wait for a core, as this workflow runs it
(its profile's scheduler settings and one pending re-evaluation timer) against Snakemake's
defaults.

    python -m benchmarks.bench_scheduler [--jobs 150] [--seconds 1.0] [--cores 2] [--rounds 1]

What the faces part looks like at scale, without its work: ``--jobs`` jobs that are all ready
at once (each reads two input files, sleeps ``--seconds`` and writes one output, with a
``benchmark:`` file like the workflow's costly rules) on ``--cores`` cores. Each side runs
the same generated workflow in a fresh folder: "workflow" as this workflow's Snakefile runs
(profiles/default/config.yaml: the greedy scheduler, a subsample of the ready jobs per round;
and digitface.scheduling: one pending re-evaluation timer instead of one more chain of them
per finished job), "profile" with the profile alone, "defaults" with Snakemake's own
(``--workflow-profile none``). Snakemake's own CPU is its
process's user + system time (the jobs are its children and not counted), reported per second
of wall time; sides take turns over ``--rounds``. Writes benchmarks/results/scheduler.json.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

from benchmarks.own_cpu import run_own_cpu
from benchmarks.results_io import write_result
from testkit.workflow import REPO

ONE_TIMER = """\
from digitface.scheduling import one_pending_reevaluation

one_pending_reevaluation()

"""
SNAKEFILE = """\
rule all:
    input:
        expand("out/{{i}}.txt", i=range({jobs})),

rule wait:
    input:
        a="src/a{{i}}.txt",
        b="src/b{{i}}.txt",
    output:
        "out/{{i}}.txt",
    benchmark:
        "bench/{{i}}.tsv"
    shell:
        "sleep {seconds}; cat {{input}} > {{output}}"
"""


def _workflow(folder: Path, jobs: int, seconds: float, one_timer: bool) -> Path:
    (folder / "src").mkdir(parents=True)
    for i in range(jobs):
        for side in "ab":
            (folder / "src" / f"{side}{i}.txt").write_text(f"{side}{i}\n")
    (folder / "Snakefile").write_text((ONE_TIMER if one_timer else "") + SNAKEFILE.format(jobs=jobs, seconds=seconds))
    shutil.copytree(REPO / "profiles" / "default", folder / "profiles" / "default")
    return folder


def _run(folder: Path, cores: int, profile: bool) -> dict:
    """Wall time and Snakemake's own CPU (its process only, not the jobs)."""
    args = [sys.executable, "-m", "snakemake", "--cores", str(cores), "--quiet"]
    if not profile:
        args += ["--workflow-profile", "none"]
    log = folder / "snakemake.out"
    code, wall, own = run_own_cpu(args, folder, log, poll_s=0.2)
    if code != 0:
        raise SystemExit(f"snakemake failed in {folder}:\n{log.read_text()[-3000:]}")
    return {"wall_s": wall, "snakemake_cpu_s": own, "cpu_per_wall_s": own / wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=150)
    parser.add_argument("--seconds", type=float, default=1.0, help="each job's sleep")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    sides: dict[str, list[dict]] = {"workflow": [], "profile": [], "defaults": []}
    with tempfile.TemporaryDirectory(prefix="bench_scheduler_") as tmp:
        for r in range(args.rounds):
            for name in sides:
                folder = _workflow(Path(tmp) / f"{name}{r}", args.jobs, args.seconds, one_timer=name == "workflow")
                result = _run(folder, args.cores, profile=name != "defaults")
                sides[name].append(result)
                print(
                    f"round {r + 1} {name:8s}: wall {result['wall_s']:6.1f} s, Snakemake CPU "
                    f"{result['snakemake_cpu_s']:5.1f} s ({100 * result['cpu_per_wall_s']:.1f}% of wall)"
                )

    def total(name: str, key: str) -> float:
        return sum(r[key] for r in sides[name])

    ratio = total("profile", "snakemake_cpu_s") / total("defaults", "snakemake_cpu_s")
    workflow_ratio = total("workflow", "snakemake_cpu_s") / total("defaults", "snakemake_cpu_s")
    print(
        f"Snakemake's own CPU / with its defaults: as the workflow runs {workflow_ratio:.2f}, "
        f"the profile alone {ratio:.2f}"
    )
    settings = yaml.safe_load((REPO / "profiles" / "default" / "config.yaml").read_text())
    path = write_result(
        "scheduler",
        {
            "jobs": args.jobs,
            "job_seconds": args.seconds,
            "cores": args.cores,
            "rounds": args.rounds,
            "profile_settings": settings,
            "sides": sides,
            "cpu_ratio_profile_over_defaults": ratio,
            "cpu_ratio_workflow_over_defaults": workflow_ratio,
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
