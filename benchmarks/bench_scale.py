"""Benchmark: the whole faces part at FaceScrub's size, every stage beside its own limit.

    python -m benchmarks.bench_scale [--identities 150 530] [--rows 200] [--cores 2]
                                     [--actors-per-job 10] [--latency 0.05] [--photos DIR]

For each size, a list of N identities x M rows in FaceScrub's format (the real lists: 530 x
~200) is served by testkit.facescrub_web in a process of its own (about 40% good images, the
rest the 2018 replica's kinds of fault, over 32 host names, each answer after ``--latency``
seconds), and the faces part runs through the real command in a fresh copy of the workflow
with 3 seeds: download, verify, crop at 64 and 227, split, the MLP on 64x64 crops, AlexNet
features (float16), the MLP on the features over all N classes, the hidden-unit figures,
summaries. Nothing is extrapolated: every number is of a run at that size.

Per stage (rule), from the line every job's log ends with (exact CPU of every thread, and peak
RSS): jobs, CPU seconds, peak RSS of its largest job, summed job wall time and the stage's
span (its first job's start to its last job's end), and its work (requests, images decoded,
images through AlexNet, training faces x epochs). Then, in the benchmark's own process on the
run's own data, each stage's limit: the client's CPU per request, decode + crop + resize +
PNG encoding of one image, AlexNet's forward pass of a chunk (the job's threads), one training
epoch of each MLP (one thread). The workflow's rate (work per CPU-second over all the stage's
jobs, start-up included) goes beside the limit.

Targets (per size): the run's wall time <= 60 min; extraction >= 0.5x its limit; cropping >= 0.7x;
the run's CPU per face (jobs and Snakemake) <= 2x the sum of the stage limits per face; the download stage's span
<= 1.5x (the requests' service times / the concurrency the settings allow) + the longest
timeout (downloading waits on the network: a request's service time is the web's latency, a
hang's the read timeout, a trickle's the total cap); every job's peak RSS <= 2,500 MB.
Writes benchmarks/results/scale.json.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import re
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
from testkit.facescrub_web import WebProcess, WebSpec, build, located
from testkit.workflow import REPO, copy_workflow, write_config

#: Identities per download and crop job in the scale runs (also bench_slurm_scale's).
ACTORS_PER_JOB = 10
SEEDS = [0, 1, 2]
#: Training at thousands of faces: minibatches of 250 (the reference's 20 leave the CPU's
#: matrix products a tenth as efficient), a rate to match, early stopping on validation.
FACE_MLP = {"batch_size": 250, "learning_rate": 1.0e-3, "epochs": 30, "patience": 5}
#: The feature MLP on standardized features (raw random-weight activations vary by a few
#: thousandths: at 150 identities raw features reached 34% validation accuracy after 8 epochs
#: at a rate of 1e-3, standardized ones 55% at 1e-4; at 1e-3 standardized ones overshoot).
FEATURE_MLP = {"batch_size": 250, "learning_rate": 2.0e-4, "epochs": 25, "patience": 3, "standardize": True}
TARGETS = {
    "wall_min": 60,
    "extraction_over_limit": 0.5,
    "crop_over_limit": 0.7,
    "cpu_over_limits": 2.0,
    "download_over_bound": 1.0,
    "peak_rss_mb": 2500,
}
DOWNLOAD = {
    "schemes": ["http", "https"],
    "connect_timeout": 2,
    "read_timeout": 2,
    "total_timeout": 3,
    "retries": 1,
    "backoff_factor": 0.05,
}


def _config(run: str, list_path: Path, names: list[str], actors_per_job: int) -> dict:
    return {
        "run": run,
        "experiments": ["faces"],
        "faces": {
            "lists": [{"name": "web", "path": str(list_path), "synthetic": True}],
            "actors": names,
            "actors_per_job": actors_per_job,
            "download": DOWNLOAD,
        },
        "face_models": {
            "seeds": SEEDS,
            "split": {"test_per_actor": 10, "validation_per_actor": 5, "min_train_per_actor": 10, "too_few": "scale"},
            "mlp": FACE_MLP,
            "hidden_units": {"actors": [{"actor": names[0]}, {"actor": names[1]}]},
            "alexnet": {"dtype": "float16", "mlp": FEATURE_MLP},
            # Off, as when scale.json was measured (before the descriptor existed): dlib's
            # descriptor costs ~0.09 CPU-seconds per face, about an hour of CPU at 42,000 faces.
            "descriptor": {"enabled": False},
        },
    }


# ------------------------------------------------------------------------------ the run


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


_STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) ", re.MULTILINE)


def _stamp(text: str) -> float:
    return datetime.datetime.strptime(text, "%Y-%m-%d %H:%M:%S,%f").timestamp()


def _jobs(log_dir: Path) -> dict[str, list[dict]]:
    """Per rule, each job's CPU seconds and peak RSS (the usage line its log ends with) and its
    first and last log time."""
    jobs: dict[str, list[dict]] = defaultdict(list)
    for path in sorted(log_dir.rglob("*.log")):
        text = path.read_text(errors="replace")
        usage, stamps = read_usage(text), _STAMP.findall(text)
        if usage and stamps:
            jobs[path.relative_to(log_dir).parts[0]].append(
                {
                    "cpu_s": usage[-1][1],
                    "peak_rss_mb": max(mb for mb, _ in usage),
                    "start": _stamp(stamps[0]),
                    "end": _stamp(stamps[-1]),
                    "log": str(path.relative_to(log_dir)),
                }
            )
    return jobs


def _stages(run_dir: Path) -> dict[str, dict]:
    """Per rule: jobs, CPU, peak RSS, summed job wall (Snakemake's benchmark files) and span."""
    wall: dict[str, float] = defaultdict(float)
    for path in (run_dir / "benchmarks").rglob("*.tsv"):
        with open(path) as fh:
            wall[path.relative_to(run_dir / "benchmarks").parts[0]] += float(
                next(csv.DictReader(fh, delimiter="\t"))["s"]
            )
    stages = {}
    for rule, jobs in _jobs(run_dir / "logs").items():
        stages[rule] = {
            "jobs": len(jobs),
            "cpu_s": sum(j["cpu_s"] for j in jobs),
            "peak_rss_mb": max(j["peak_rss_mb"] for j in jobs),
            "wall_s": wall.get(rule, 0.0),
            "span_s": max(j["end"] for j in jobs) - min(j["start"] for j in jobs),
            "largest_job": max(jobs, key=lambda j: j["peak_rss_mb"])["log"],
        }
    return stages


def _manifest_rows(folder: Path) -> list[dict]:
    rows = []
    for path in sorted(folder.glob("*.tsv")):
        with open(path, newline="") as fh:
            rows += list(csv.DictReader(fh, delimiter="\t"))
    return rows


_COMPUTED = re.compile(r"chunks: (\d+) computed \((\d+) images")


def _work(run_dir: Path, requests: int) -> dict:
    """Each stage's work: requests, images decoded, images through AlexNet, training faces x epochs."""
    faces = run_dir / "faces"
    downloaded = _manifest_rows(faces / "download")
    final = _manifest_rows(faces / "manifests")
    extracted = sum(
        int(m.group(2))
        for p in (run_dir / "logs" / "extract_alexnet_chunks").rglob("*.log")
        for m in _COMPUTED.finditer(p.read_text())
    )
    training = {}
    for rule, pattern in (
        ("train_face_mlp", "mlp/seed_*/metrics.json"),
        ("train_alexnet_mlp", "alexnet/*/mlp/seed_*/metrics.json"),
    ):
        runs = [json.loads(p.read_text()) for p in sorted(faces.glob(pattern))]
        training[rule] = {
            "face_epochs": sum(r["n"]["train"] * r["epochs_run"] for r in runs),
            "seeds": [
                {k: r[k] for k in ("seed", "chosen_epoch", "epochs_run", "still_improving", "seconds", "n")}
                | {split: r["metrics"][split]["accuracy"] for split in ("validation", "test")}
                for r in runs
            ],
        }
    return {
        "rows": len(downloaded),
        "requests": requests,
        "decoded": sum(1 for r in downloaded if r["body"]),
        "cropped_faces": sum(1 for r in final if r["crop"]),
        "actors": len({r["name"] for r in final}),
        "extracted": extracted,
        "training": training,
    }


# ------------------------------------------------------------------------ the limits


def _cpu() -> float:
    return time.process_time()  # every thread of this process


def download_limit(web: WebProcess, sample: list, settings: dict, tmp: Path) -> dict:
    """The client's CPU per request, in this process: the run's download settings on a sample of
    rows whose answer comes at once (hangs and trickles cost waiting, not CPU)."""
    from digitface.faces.data.download import download_actor
    from digitface.faces.data.fetch import FetchSettings

    fetch = FetchSettings(**{**settings, "schemes": tuple(settings["schemes"]), "progress_interval": 3600})
    before, cpu = web.requests(), _cpu()
    download_actor(sample, tmp / "limit_store", tmp / "limit_journal.jsonl", fetch)
    cpu, requests = _cpu() - cpu, web.requests() - before
    return {"unit": "request", "work": requests, "cpu_s": cpu, "per_cpu_s": requests / cpu}


def crop_limit(records: list, store: dict[str, Path], settings: dict) -> dict:
    """What the crop job does per image, in memory and one at a time on one thread: verify the
    body's SHA-256, decode, cut the box, resize to every size, encode the tagged PNGs."""
    import hashlib

    from digitface.faces.data.crop_files import crop_tag, encode_crops
    from digitface.faces.data.crop_image import crop_face
    from digitface.faces.data.crop_settings import CropSettings
    from digitface.faces.data.lists import ListRow

    crop = CropSettings(
        sizes=tuple(settings["sizes"]),
        min_bbox_fraction=settings["min_bbox_fraction"],
        max_pixels=settings["max_pixels"],
    )
    bodies = []
    for r in records:
        box = tuple(int(v) for v in r["bbox"].split(","))
        row = ListRow(r["name"], int(r["image_id"]), int(r["face_id"]), r["url"], box, r["sha256"], r["source"], 0)
        bodies.append((store[r["body"]].read_bytes(), row))
    cpu = _cpu()
    for data, row in bodies:
        hashlib.sha256(data).hexdigest()
        _, face = crop_face(data, row.bbox, crop)
        if face is not None:
            encode_crops(face, crop_tag(row, crop), crop.sizes)
    cpu = _cpu() - cpu
    return {"unit": "image", "work": len(bodies), "cpu_s": cpu, "per_cpu_s": len(bodies) / cpu}


def extraction_limit(crops: np.ndarray, settings: dict, threads: int) -> dict:
    """AlexNet's forward pass (preprocessing included) of one chunk, the job's threads."""
    import torch

    from digitface.faces.models.alexnet import iter_features
    from digitface.faces.models.alexnet_network import build_extractor

    torch.set_num_threads(threads)
    model, _ = build_extractor(settings["layer"], "random", seed=settings["seed"])
    for _ in iter_features(crops[: settings["batch_size"]], model, settings["preprocess"], settings["batch_size"]):
        pass  # warm-up
    cpu, wall = _cpu(), time.perf_counter()
    for _ in iter_features(crops, model, settings["preprocess"], settings["batch_size"]):
        pass
    cpu, wall = _cpu() - cpu, time.perf_counter() - wall
    return {
        "unit": "image",
        "work": len(crops),
        "cpu_s": cpu,
        "wall_s": wall,
        "threads": threads,
        "per_cpu_s": len(crops) / cpu,
    }


def epoch_limit(sets: dict, settings: dict) -> dict:
    """One training epoch of the MLP on the run's training set, one thread, as the job trains."""
    import torch

    from digitface.faces.data.rows import as_rows
    from digitface.faces.models.mlp import train_epoch
    from digitface.faces.models.mlp_data import epoch_batches, input_statistics
    from digitface.faces.models.mlp_network import deterministic, init_mlp
    from digitface.memory import reused_freed_memory

    rows, y = sets["train"]
    train, labels = as_rows(rows), torch.as_tensor(y)
    with deterministic(1), reused_freed_memory():
        g = torch.Generator().manual_seed(0)
        model = init_mlp(train.dim, settings.get("hidden", 600), int(y.max()) + 1, g)
        if settings.get("standardize"):
            model.standardize(*input_statistics(train, 250))
        opt = torch.optim.Adam(model.parameters(), lr=settings["learning_rate"], fused=True)
        batches = epoch_batches(len(train), settings["batch_size"], g)
        train_epoch(model, opt, train, labels, batches[:2], torch.device("cpu"))  # warm-up
        cpu = _cpu()
        train_epoch(model, opt, train, labels, batches, torch.device("cpu"))
        cpu = _cpu() - cpu
    return {"unit": "training face", "work": len(train), "cpu_s": cpu, "per_cpu_s": len(train) / cpu}


def limits(run_dir: Path, web: WebProcess, web_rows: list, config: dict, tmp: Path) -> dict:
    """Every stage's limit, measured here on the run's own data (``config``: with the schema's
    defaults filled in)."""
    from digitface.config.derived import extraction_settings
    from digitface.faces.data.face_index import crop_sets, open_crop_arrays, read_index
    from digitface.faces.models.chunks import feature_sets, read_parts

    faces = run_dir / "faces"
    sample = [located(r, web.ports) for r in web_rows if r.kind not in ("hang", "trickle")][:400]
    out = {"download": download_limit(web, sample, config["faces"]["download"], tmp)}

    downloaded = [r for r in _manifest_rows(faces / "download") if r["body"]][:400]
    store = {p.name: p for p in (faces / "store").rglob("*") if p.is_file()}
    out["crop"] = crop_limit(downloaded, store, config["faces"]["crop"])

    index = read_index(faces / "split.tsv")
    first = sorted((faces / "arrays").glob("*_227.npy"))[0]
    crops = np.ascontiguousarray(np.load(first, mmap_mode="r")[: config["face_models"]["alexnet"]["chunk_size"]])
    out["extraction"] = extraction_limit(crops, extraction_settings(config), threads=2)

    batches = sorted({r.array for r in index})
    crop_data = crop_sets(index, open_crop_arrays(batches, [faces / "arrays" / f"{b}_64.npy" for b in batches]))
    out["train_face_mlp"] = epoch_limit(crop_data, config["face_models"]["mlp"])
    features = next(p for p in (faces / "alexnet").iterdir() if (p / "parts").is_dir())
    chunks, files = read_parts(sorted((features / "parts").glob("part_*.tsv")), features / "chunks")
    out["train_alexnet_mlp"] = epoch_limit(feature_sets(index, chunks, files), config["face_models"]["alexnet"]["mlp"])
    return out


def with_defaults(config: dict) -> dict:
    """``config`` laid over config.yaml with the schema's defaults, as the workflow reads it."""
    import copy

    import yaml
    from snakemake.utils import update_config, validate

    full = yaml.safe_load((REPO / "config.yaml").read_text())
    update_config(full, copy.deepcopy(config))
    validate(full, str(REPO / "schemas/config.schema.yaml"), set_default=True)
    return full


# --------------------------------------------------------------------- the comparison


#: Each stage's rule and how its work is counted.
STAGES = {
    "download": "download_batch",
    "crop": "crop_batch",
    "extraction": "extract_alexnet_chunks",
    "train_face_mlp": "train_face_mlp",
    "train_alexnet_mlp": "train_alexnet_mlp",
}


def compare(
    stages: dict, work: dict, measured: dict, web_rows: list, config: dict, spec: WebSpec, downloads: int
) -> dict:
    """Each stage's workflow rate beside its limit, and the download stage's span beside its
    bound (``downloads``: download jobs at once, the workflow profile's resource)."""
    units = {
        "download": work["requests"],
        "crop": work["decoded"],
        "extraction": work["extracted"],
        "train_face_mlp": work["training"]["train_face_mlp"]["face_epochs"],
        "train_alexnet_mlp": work["training"]["train_alexnet_mlp"]["face_epochs"],
    }
    rates = {}
    for stage, rule in STAGES.items():
        cpu = stages[rule]["cpu_s"]
        rates[stage] = {
            "work": units[stage],
            "workflow_per_cpu_s": units[stage] / cpu,
            "limit_per_cpu_s": measured[stage]["per_cpu_s"],
            "ratio": units[stage] / cpu / measured[stage]["per_cpu_s"],
            "cpu_at_limit_s": units[stage] / measured[stage]["per_cpu_s"],
        }
    download = config["faces"]["download"]
    kinds = defaultdict(int)
    for r in web_rows:
        kinds[r.kind] += 1
    waiting = (
        kinds["hang"] * min(download["read_timeout"], download["total_timeout"])
        + kinds["trickle"] * download["total_timeout"]
    )
    quick_requests = work["requests"] - kinds["hang"] - kinds["trickle"]
    concurrency = min(download["workers"] * downloads, download["per_host"] * spec.hosts)
    service = quick_requests * spec.latency + waiting
    bound = 1.5 * service / concurrency + download["total_timeout"]
    rates["download"].update(
        {
            "span_s": stages["download_batch"]["span_s"],
            "bound_s": bound,
            "service_s": service,
            "concurrency": concurrency,
            "span_over_bound": stages["download_batch"]["span_s"] / bound,
        }
    )
    return rates


def measure(
    identities: int,
    rows: int,
    cores: int,
    base: Path,
    cache: Path,
    actors_per_job: int,
    latency: float,
    keep: bool = False,
) -> dict:
    spec = WebSpec(identities=identities, rows_per_identity=rows, latency=latency)
    t0 = time.monotonic()
    web_rows, bodies = build(spec, cache=cache, workers=cores)
    build_s = time.monotonic() - t0
    names = sorted({r.row.name for r in web_rows})
    workdir = copy_workflow(base / f"scale{identities}")
    run = f"scale{identities}"
    settings = _config(run, workdir / "facescrub_web.txt", names, actors_per_job)
    with WebProcess(spec, web_rows, bodies) as web:
        (workdir / "facescrub_web.txt").write_text(web.list_text())
        config = write_config(workdir / f"{run}.yaml", settings)
        web_cpu = web.cpu_seconds()
        whole = _run(workdir, "faces", "--cores", str(cores), "--configfile", str(config))
        requests, web_cpu = web.requests(), web.cpu_seconds() - web_cpu
        plan = _run(workdir, "faces", "--cores", str(cores), "--configfile", str(config), "-n")
        run_dir = workdir / "results" / run
        full = with_defaults(settings)
        measured = limits(run_dir, web, web_rows, full, base)
    del bodies
    stages = _stages(run_dir)
    work = _work(run_dir, requests)
    rates = compare(stages, work, measured, web_rows, full, spec, downloads=2)
    faces = max(work["cropped_faces"], 1)
    at_limits = sum(r["cpu_at_limit_s"] for r in rates.values())
    disk = sum(p.stat().st_size for p in run_dir.rglob("*") if p.is_file())
    result = {
        "identities": identities,
        "rows": identities * rows,
        "latency_s": latency,
        "good_rows": sum(r.kind == "ok" for r in web_rows),
        "web_build_s": build_s,
        "web_cpu_s": web_cpu,
        **work,
        "actors_per_job": actors_per_job,
        "settings": {"mlp": FACE_MLP, "alexnet_mlp": FEATURE_MLP, "seeds": SEEDS},
        "jobs": sum(s["jobs"] for s in stages.values()),
        "run": whole,
        "plan_s": plan["wall_s"],
        "snakemake_share": whole["snakemake_own_cpu_s"] / whole["wall_s"],
        "cpu_per_face_s": whole["cpu_s"] / faces,
        "limits_cpu_per_face_s": at_limits / faces,
        "cpu_over_limits": whole["cpu_s"] / at_limits,
        "disk_mb": disk / 1e6,
        "stages": stages,
        "limits": measured,
        "rates": rates,
    }
    result["targets_met"] = {
        "wall_min": whole["wall_s"] / 60 <= TARGETS["wall_min"],
        "extraction_over_limit": rates["extraction"]["ratio"] >= TARGETS["extraction_over_limit"],
        "crop_over_limit": rates["crop"]["ratio"] >= TARGETS["crop_over_limit"],
        "cpu_over_limits": result["cpu_over_limits"] <= TARGETS["cpu_over_limits"],
        "download_over_bound": rates["download"]["span_over_bound"] <= TARGETS["download_over_bound"],
        "peak_rss_mb": max(s["peak_rss_mb"] for s in stages.values()) <= TARGETS["peak_rss_mb"],
    }
    if not keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--identities", type=int, nargs="+", default=[150, 530])
    parser.add_argument("--rows", type=int, default=200, help="list rows per identity (FaceScrub: ~200)")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument(
        "--actors-per-job",
        type=int,
        default=ACTORS_PER_JOB,
        help="identities per download and crop job (faces.actors_per_job)",
    )
    parser.add_argument("--latency", type=float, default=0.05, help="seconds before the web answers a request")
    parser.add_argument(
        "--photos",
        type=Path,
        help="keep the generated photographs here between runs "
        "(they depend only on the identity and row; default: a temporary folder)",
    )
    parser.add_argument("--keep", type=Path, help="run in this folder and keep each run's workflow copy there")
    args = parser.parse_args()
    sizes = []
    with tempfile.TemporaryDirectory(prefix="bench_scale_") as tmp:
        base = args.keep or Path(tmp)
        for n in args.identities:
            r = measure(
                n,
                args.rows,
                args.cores,
                base,
                args.photos or Path(tmp) / "photos",
                args.actors_per_job,
                args.latency,
                keep=args.keep is not None,
            )
            sizes.append(r)
            print(
                f"{n:4d} identities, {r['rows']:6d} rows, {r['cropped_faces']:5d} faces: "
                f"{r['run']['wall_s'] / 60:6.1f} min wall, {r['run']['cpu_s']:7.0f} CPU-s "
                f"({r['cpu_over_limits']:.2f}x the stage limits), Snakemake {100 * r['snakemake_share']:.1f}% "
                f"of wall, peak RSS {max(s['peak_rss_mb'] for s in r['stages'].values()):.0f} MB"
            )
            for stage, rate in r["rates"].items():
                print(
                    f"      {stage:18s} {rate['workflow_per_cpu_s']:8.1f} per CPU-s, limit "
                    f"{rate['limit_per_cpu_s']:8.1f} ({rate['ratio']:.2f}x)"
                )
            print(
                f"      download span {r['rates']['download']['span_s']:.0f} s, bound "
                f"{r['rates']['download']['bound_s']:.0f} s; targets met: {r['targets_met']}"
            )
    path = write_result(
        "scale",
        {
            "rows_per_identity": args.rows,
            "cores": args.cores,
            "actors_per_job": args.actors_per_job,
            "latency_s": args.latency,
            "sizes": sizes,
            "targets": TARGETS,
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
