"""The faces part at 50 identities on a real one-node SLURM cluster (localhost), against the
same run on one machine: identical data products, equal metrics.

    python -m benchmarks.bench_slurm_scale [--identities 50] [--rows 100] [--actors-per-job 10]

Needs root and Debian's slurmctld, slurmd, slurm-client and munge (what `.ci/run` installs):
the cluster is started as tests/slurm does (testkit.slurm) and stopped at the end. One
FaceScrub-size web on loopback (testkit.facescrub_web) serves both runs, so both see the same
URLs and the same answers. Compares byte for byte every actor's manifest, the crop arrays,
the face index and the data summary, and the classifiers' metrics; writes
benchmarks/results/slurm_scale.json with both runs' wall times and what was compared.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_scale import ACTORS_PER_JOB, _config
from benchmarks.results_io import write_result
from testkit.facescrub_web import FacescrubWeb, WebSpec, build
from testkit.slurm import PARTITION, Cluster, available
from testkit.workflow import copy_workflow, snakemake, write_config


def products(run_dir: Path) -> dict[str, bytes]:
    """The data products to compare: manifests, crop arrays, the index, the data summary."""
    faces = run_dir / "faces"
    files = [
        *sorted((faces / "manifests").glob("*.tsv")),
        *sorted((faces / "arrays").glob("*.npy")),
        faces / "split.tsv",
        faces / "summary.tsv",
    ]
    return {str(p.relative_to(run_dir)): p.read_bytes() for p in files}


def metrics(run_dir: Path) -> dict:
    return {
        str(p.relative_to(run_dir)): json.loads(p.read_text())["metrics"]
        for p in sorted((run_dir / "faces").rglob("seed_*/metrics.json"))
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--identities", type=int, default=50)
    parser.add_argument("--rows", type=int, default=100)
    parser.add_argument(
        "--actors-per-job",
        type=int,
        default=ACTORS_PER_JOB,
        help="faces.actors_per_job of both runs (bench_scale's default)",
    )
    parser.add_argument("--photos", type=Path, help="reuse the photographs bench_scale kept (--photos)")
    args = parser.parse_args()
    why = available()
    if why:
        raise SystemExit(why)
    spec = WebSpec(identities=args.identities, rows_per_identity=args.rows)
    with tempfile.TemporaryDirectory(prefix="bench_slurm_") as tmp:
        tmp = Path(tmp)
        rows, bodies = build(spec, cache=args.photos or tmp / "photos")
        names = sorted({r.row.name for r in rows})
        run = f"scale{args.identities}"
        cluster = Cluster(tmp / "slurm-state")
        with FacescrubWeb(spec, rows, bodies) as web:
            walls, dirs = {}, {}
            for where in ("local", "slurm"):
                workdir = copy_workflow(tmp / where)
                (workdir / "facescrub_web.txt").write_text(web.list_text())
                settings = _config(run, workdir / "facescrub_web.txt", names, args.actors_per_job)
                config = write_config(workdir / f"{run}.yaml", settings)
                extra = (
                    []
                    if where == "local"
                    else [
                        "--profile",
                        "profiles/slurm",
                        "--default-resources",
                        f"slurm_partition={PARTITION}",
                        "mem_mb=1500",
                        "runtime=60",
                        "--slurm-init-seconds-before-status-checks",
                        "8",
                    ]
                )
                if where == "slurm":
                    cluster.start()
                try:
                    start = time.monotonic()
                    snakemake(workdir, "faces", *extra, "--configfile", str(config))
                    walls[where] = time.monotonic() - start
                finally:
                    if where == "slurm":
                        cluster.stop()
                dirs[where] = workdir / "results" / run
        local, remote = products(dirs["local"]), products(dirs["slurm"])
        differ = sorted(k for k in local if local[k] != remote.get(k))
        same_metrics = metrics(dirs["local"]) == metrics(dirs["slurm"])
    print(
        f"{args.identities} identities: local {walls['local']:.0f} s, SLURM {walls['slurm']:.0f} s; "
        f"{len(local)} data products compared, {len(differ)} differ; metrics equal: {same_metrics}"
    )
    path = write_result(
        "slurm_scale",
        {
            "identities": args.identities,
            "rows_per_identity": args.rows,
            "actors_per_job": args.actors_per_job,
            "wall_s": walls,
            "products_compared": sorted(local),
            "products_differing": differ,
            "metrics_equal": same_metrics,
            "passed": not differ and same_metrics,
        },
    )
    print(f"wrote {path}")
    sys.exit(0 if not differ and same_metrics else 1)


if __name__ == "__main__":
    main()
