"""Benchmark: the whole faces part at growing sizes, on a FaceScrub-size web on loopback.

    python -m benchmarks.bench_scale [--identities 6 50 150] [--rows 100] [--cores 2] [--actors-per-job 10]

For each size, a list of N identities x M rows in FaceScrub's format is served by
testkit.facescrub_web (about 40% good images, the rest the 2018 replica's kinds of fault,
spread over 32 host names) and the faces part runs through the real command in a fresh copy
of the workflow: download, verify, crop at 64 and 227, split, the MLP on 64x64 crops, AlexNet
features in chunks (float16), the MLP on the features over all N classes, summaries. Each
download and crop job takes --actors-per-job identities (faces.actors_per_job), as README
advises for a run of hundreds of identities.

Per stage (rule): jobs, wall seconds (summed over jobs), CPU seconds, images per second,
peak RSS of its largest job (CPU and peak RSS exact, from the line every job's log ends with);
the run's wall and CPU time, disk used, Snakemake's own CPU time (its process, not its jobs:
DAG builds, checkpoint updates, scheduling, bookkeeping) as a share of the run's wall time,
and the time a no-op rerun takes to plan the finished run (DAG build). Then a least-squares
line of wall time against images, extrapolated to the full FaceScrub (530 identities x 200 rows) with the fit's standard error. Writes
benchmarks/results/scale.json. Targets: per-image CPU at the largest size within 1.25x of the
smallest; each stage's peak RSS flat (within 10%); Snakemake's share <= 10% of wall time.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import psutil

from benchmarks.own_cpu import run_own_cpu
from benchmarks.results_io import write_result
from digitface.logs import read_usage
from testkit.facescrub_web import FacescrubWeb, WebSpec, build
from testkit.workflow import copy_workflow, write_config

FULL = {"identities": 530, "rows_per_identity": 200}
#: Identities per download and crop job in the scale runs (also bench_slurm_scale's).
ACTORS_PER_JOB = 10


def _config(run: str, list_path: Path, names: list[str], actors_per_job: int) -> dict:
    return {"run": run, "experiments": ["faces"],
            "faces": {"lists": [{"name": "web", "path": str(list_path), "synthetic": True}], "actors": names,
                      "actors_per_job": actors_per_job,
                      "download": {"schemes": ["http", "https"], "connect_timeout": 2, "read_timeout": 2,
                                   "total_timeout": 3, "retries": 1, "backoff_factor": 0.05}},
            "face_models": {"split": {"test_per_actor": 10, "validation_per_actor": 5, "min_train_per_actor": 10,
                                      "too_few": "scale"},
                            "hidden_units": {"actors": [{"actor": names[0]}, {"actor": names[1]}]},
                            "alexnet": {"dtype": "float16"}}}


def _run(workdir: Path, *args: str) -> dict:
    """Wall, CPU (jobs and Snakemake) of one Snakemake command; Snakemake's own CPU from its process."""
    before = psutil.Process().cpu_times()
    log = workdir / "snakemake.out"
    code, wall, own = run_own_cpu([sys.executable, "-m", "snakemake", *args], workdir, log)
    after = psutil.Process().cpu_times()
    if code != 0:
        raise SystemExit(f"snakemake {' '.join(args)} failed:\n{log.read_text()[-4000:]}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return {"wall_s": wall, "cpu_s": cpu, "snakemake_own_cpu_s": own}


def _log_usage(log_dir: Path) -> dict[str, dict]:
    """Per rule, the largest exact peak memory (the kernel's ru_maxrss) and the summed CPU time
    its jobs' logs end with (digitface.logs writes them at exit): Snakemake's benchmark files
    sample every 0.5 s, then every 30 s, so they miss short jobs and may miss a long job's peak."""
    usage: dict[str, dict] = {}
    for path in log_dir.rglob("*.log"):
        rule = path.relative_to(log_dir).parts[0]
        found = read_usage(path.read_text(errors="replace"))
        if found:
            u = usage.setdefault(rule, {"peak_rss_mb": 0.0, "cpu_s": 0.0})
            u["peak_rss_mb"] = max(u["peak_rss_mb"], max(mb for mb, _ in found))
            u["cpu_s"] += found[-1][1]
    return usage


def _stages(bench_dir: Path, log_dir: Path) -> dict:
    """Per rule: jobs and wall time from the per-job benchmark files Snakemake wrote; peak RSS
    and CPU time from the jobs' logs (exact), Snakemake's sampled values beside them."""
    stages: dict[str, dict] = defaultdict(lambda: {"jobs": 0, "wall_s": 0.0, "sampled_cpu_s": 0.0,
                                                   "sampled_rss_mb": 0.0})
    for path in bench_dir.rglob("*.tsv"):
        rule = path.relative_to(bench_dir).parts[0]
        with open(path) as fh:
            row = next(csv.DictReader(fh, delimiter="\t"))
        s = stages[rule]
        s["jobs"] += 1
        s["wall_s"] += float(row["s"])
        s["sampled_cpu_s"] += float(row["cpu_time"]) if row["cpu_time"] not in ("", "NA") else 0.0
        s["sampled_rss_mb"] = max(s["sampled_rss_mb"],
                                  float(row["max_rss"]) if row["max_rss"] not in ("", "NA") else 0.0)
    usage = _log_usage(log_dir)
    for rule, s in stages.items():
        exact = usage.get(rule, {})
        s["peak_rss_mb"] = exact.get("peak_rss_mb", s["sampled_rss_mb"])
        s["cpu_s"] = exact.get("cpu_s", s["sampled_cpu_s"])
    return dict(stages)


def _count(run_dir: Path) -> dict:
    images, names = 0, set()
    for manifest in (run_dir / "faces" / "manifests").glob("*.tsv"):
        with open(manifest) as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
        images += sum(1 for r in rows if r["crop"])
        names |= {r["name"] for r in rows}
    return {"cropped_faces": images, "actors": len(names)}


def measure(identities: int, rows: int, cores: int, base: Path, cache: Path, actors_per_job: int = 1) -> dict:
    spec = WebSpec(identities=identities, rows_per_identity=rows)
    t0 = time.monotonic()
    web_rows, bodies = build(spec, cache=cache, workers=cores)
    build_s = time.monotonic() - t0
    names = sorted({r.row.name for r in web_rows})
    workdir = copy_workflow(base / f"scale{identities}")
    run = f"scale{identities}"
    with FacescrubWeb(spec, web_rows, bodies) as web:
        listed = workdir / "facescrub_web.txt"
        listed.write_text(web.list_text())
        config = write_config(workdir / f"{run}.yaml", _config(run, listed, names, actors_per_job))
        whole = _run(workdir, "faces", "--cores", str(cores), "--configfile", str(config))
        requests = web.requests()
    plan = _run(workdir, "faces", "--cores", str(cores), "--configfile", str(config), "-n")
    run_dir = workdir / "results" / run
    counts = _count(run_dir)
    stages = _stages(run_dir / "benchmarks", run_dir / "logs")
    for s in stages.values():
        s["images_per_s"] = counts["cropped_faces"] / s["wall_s"] if s["wall_s"] else None
    disk = sum(p.stat().st_size for p in run_dir.rglob("*") if p.is_file())
    result = {"identities": identities, "rows": identities * rows, "good_rows": sum(r.kind == "ok" for r in web_rows),
              "web_build_s": build_s, "requests": requests, **counts, "actors_per_job": actors_per_job,
              "jobs": sum(1 for _ in (run_dir / "logs").rglob("*.log")),  # every rule logs, once per job
              "run": whole, "plan_s": plan["wall_s"],
              "snakemake_share": whole["snakemake_own_cpu_s"] / whole["wall_s"],
              "cpu_per_face_s": whole["cpu_s"] / max(counts["cropped_faces"], 1),
              "disk_mb": disk / 1e6, "stages": stages}
    shutil.rmtree(workdir, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--identities", type=int, nargs="+", default=[6, 50, 150])
    parser.add_argument("--rows", type=int, default=100, help="list rows per identity")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--actors-per-job", type=int, default=ACTORS_PER_JOB,
                        help="identities per download and crop job (faces.actors_per_job)")
    parser.add_argument("--photos", type=Path, help="keep the generated photographs here between runs "
                        "(they depend only on the identity and row; default: a temporary folder)")
    args = parser.parse_args()
    sizes = []
    with tempfile.TemporaryDirectory(prefix="bench_scale_") as tmp:
        for n in args.identities:
            r = measure(n, args.rows, args.cores, Path(tmp), args.photos or Path(tmp) / "photos",
                        args.actors_per_job)
            sizes.append(r)
            print(f"{n:4d} identities, {r['rows']:6d} rows, {r['cropped_faces']:5d} faces: {r['run']['wall_s']:7.1f} s "
                  f"wall, {r['run']['cpu_s']:7.1f} CPU-s ({r['cpu_per_face_s']:.3f} per face), "
                  f"Snakemake {100 * r['snakemake_share']:.1f}% of wall, {r['disk_mb']:.0f} MB")
    faces = np.array([s["cropped_faces"] for s in sizes], dtype=float)
    wall = np.array([s["run"]["wall_s"] for s in sizes])
    (slope, intercept), cov = np.polyfit(faces, wall, 1, cov=True) if len(sizes) > 2 else (np.polyfit(faces, wall, 1), None)
    full_faces = faces[-1] / sizes[-1]["rows"] * FULL["identities"] * FULL["rows_per_identity"]
    predicted = slope * full_faces + intercept
    error = float(np.sqrt([full_faces, 1] @ cov @ [full_faces, 1])) if cov is not None else None
    print(f"wall ≈ {slope:.3f} s/face × faces + {intercept:.0f} s; full FaceScrub (~{full_faces:,.0f} faces at this "
          f"good share): {predicted / 3600:.1f} h" + (f" ± {error / 3600:.1f} h" if error else ""))
    first, last = sizes[0], sizes[-1]
    def rss_ratio(small: dict) -> dict:
        return {rule: last["stages"][rule]["peak_rss_mb"] / small["stages"][rule]["peak_rss_mb"]
                for rule in last["stages"] if rule in small["stages"] and small["stages"][rule]["peak_rss_mb"]}
    path = write_result("scale", {
        "rows_per_identity": args.rows, "cores": args.cores, "actors_per_job": args.actors_per_job, "sizes": sizes,
        "fit": {"seconds_per_face": slope, "intercept_s": intercept,
                "full_facescrub": {**FULL, "faces": full_faces, "wall_s": predicted, "wall_s_se": error}},
        "cpu_per_face_ratio_largest_over_smallest": last["cpu_per_face_s"] / first["cpu_per_face_s"],
        "peak_rss_ratio_largest_over_smallest": rss_ratio(first),
        "peak_rss_ratio_largest_over_second": rss_ratio(sizes[-2]) if len(sizes) > 1 else None,
        "targets": {"cpu_per_face_ratio": 1.25, "peak_rss_ratio": 1.10, "snakemake_share": 0.10}})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
