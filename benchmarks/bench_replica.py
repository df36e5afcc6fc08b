"""Benchmark: the faces part on real photographs, the 2018 replica of the six actors' URLs.

    python -m benchmarks.bench_replica [--shared ../shared] [--seeds 0 1 2 3 4]

The replica (../shared/data/facescrub/replica: what the listed URLs answered in 2018) is served
on 127.0.0.1, the URLs it has no answer for as 404, and the faces part runs through the real
command in a fresh copy of the workflow with the course's settings (configs/facescrub-course.yaml:
the six actors, five seeds, minibatches of 20 at 1e-4, epochs with early stopping on validation).
This machine has no network, so the AlexNet weights are random (the reference's are ImageNet's:
its feature row cannot be compared and the table says so). The feature MLP runs twice, on raw
and on standardized features (face_models.alexnet.mlp.standardize). dlib's face descriptor and
its two classifiers (MLP, linear softmax) run with the pinned, offline model files. Writes
benchmarks/results/replica.json: every classifier's accuracies (mean ± sd over seeds), the
epochs kept, and what the run cost.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from benchmarks.results_io import write_result
from digitface.faces.data.lists import format_row
from testkit.loopback import LoopbackServer, Route, load_replica, serve_replica
from testkit.workflow import REPO, copy_workflow, write_config

RUN = "real2018"


def _config(list_path: Path, seeds: list[int], standardize: bool) -> dict:
    course = yaml.safe_load((REPO / "configs/facescrub-course.yaml").read_text())
    course["faces"]["lists"] = [{"name": "replica", "path": str(list_path)}]
    course["faces"]["download"] = {
        "schemes": ["http"],
        "connect_timeout": 2,
        "read_timeout": 3,
        "total_timeout": 5,
        "retries": 1,
        "backoff_factor": 0.01,
    }
    models = course["face_models"]
    models["seeds"] = seeds
    models["split"] = {"too_few": "scale"}  # Peri Gilpin has 35 good images, fewer than 20 + 10 + 10
    models["alexnet"]["weights"] = "random"  # offline: the ImageNet file cannot be fetched here
    models["alexnet"]["mlp"]["standardize"] = standardize
    return {**course, "run": RUN}


def _run(workdir: Path, *args: str) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", *args], cwd=workdir, capture_output=True, text=True
    )
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise SystemExit(f"snakemake {' '.join(args)} failed:\n{proc.stderr[-4000:]}")
    return {"wall_s": wall, "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)}


def _summary(faces: Path, model: str) -> dict:
    summary = json.loads((faces / model / "summary.json").read_text())
    return {
        "n": summary["n"],
        "chosen_epoch": summary["chosen_epoch"],
        "epochs_run": summary["epochs_run"],
        "excluded": summary.get("excluded", {}),
        "still_improving": summary["still_improving"],
        **{split: summary[split]["accuracy"] for split in ("train", "validation", "test")},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    args = parser.parse_args()
    replica = load_replica(args.shared / "data" / "facescrub")
    dead = {url: Route("body", b"<html>gone</html>", status=404) for url in replica.dead_urls()}
    out: dict = {"seeds": args.seeds, "weights": "random (seed 0): no network here for ImageNet's", "runs": {}}
    with tempfile.TemporaryDirectory(prefix="bench_replica_") as tmp, LoopbackServer(hang_seconds=10.0) as server:
        rows = serve_replica(server, replica, dead, set())
        workdir = copy_workflow(Path(tmp) / "wf")
        listed = workdir / "replica_list.txt"
        listed.write_text("\n".join(format_row(r) for r in rows) + "\n")
        for standardize in (False, True):
            config = write_config(workdir / f"{RUN}.yaml", _config(listed, args.seeds, standardize))
            cost = _run(workdir, "faces", "--configfile", str(config))
            faces = workdir / "results" / RUN / "faces"
            features = next(p.name for p in (faces / "alexnet").iterdir() if (p / "mlp").is_dir())
            descriptors = next(p.name for p in (faces / "descriptor").iterdir() if (p / "mlp").is_dir())
            with open(faces / "metrics.tsv", newline="") as fh:
                table = list(csv.DictReader(fh, delimiter="\t"))
            key = "standardized" if standardize else "raw"
            out["runs"][key] = {
                "cost": cost,
                "mlp": _summary(faces, "mlp"),
                "alexnet": _summary(faces, f"alexnet/{features}/mlp"),
                **{
                    f"descriptor_{name}": _summary(faces, f"descriptor/{descriptors}/{name}")
                    for name in ("mlp", "linear")
                },
                "table": table,
            }
            print(
                f"feature MLP on {key} features: pixels test {out['runs'][key]['mlp']['test']['mean']:.4f} "
                f"± {out['runs'][key]['mlp']['test']['sd']:.4f}; features test "
                f"{out['runs'][key]['alexnet']['test']['mean']:.4f} ± {out['runs'][key]['alexnet']['test']['sd']:.4f}"
                f" ({cost['wall_s']:.0f} s wall)"
            )
    # The results of the code before the epoch-based training, kept from the committed file.
    committed = REPO / "benchmarks" / "results" / "replica.json"
    if committed.exists():
        out["before"] = json.loads(committed.read_text())["before"]
    print(f"wrote {write_result('replica', out)}")


if __name__ == "__main__":
    main()
