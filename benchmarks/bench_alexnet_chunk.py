"""Benchmark: an AlexNet extraction job, run as Snakemake runs it (a process of its own, start-up
included), against the forward pass in a warm process.

    python -m benchmarks.bench_alexnet_chunk [--chunk 100] [--chunks-per-job 40] [--repeats 3] [--threads 2]

Prints
  throughput  images per CPU-second (CPU of every thread) of
              - the in-process limit: preprocessing and the forward pass of the truncated network,
                already built, in this warm process, over the same images;
              - a job of ``--chunks-per-job`` chunks: a fresh Python process that does what the
                rule's script does (imports, builds the network, reads its chunks' crops, hashes
                them, computes and writes each chunk's cached file, writes its manifest); its CPU
                is ``getrusage(RUSAGE_CHILDREN)``: the whole process, every thread;
              - the same for a job of one chunk (the workflow before jobs computed several);
              and each job's rate over the limit (target >= 0.85 for the default job size);
  memory      the peak RSS of a chunk job run in a fresh subprocess that memory-maps a file
              of ALL crops and processes one chunk of it, for a file of 100 and of 1,000 images
              (target: equal within noise), beside the RSS of the same process that only builds
              the model, and of a naive job that reads the whole crops file into memory.

Snakemake adds its script preamble to a job (measured: 0.08 CPU-s for a script that does
nothing), not counted here. Peak RSS is the child's own ``VmHWM`` (/proc/self/status), read as it
ends: the high-water mark of its address space since ``exec``. (``getrusage``/``wait4`` would not
do: a forked child's ``ru_maxrss`` starts at the parent's RSS, which here already holds torch and a
model.)
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.results_io import write_result

REPO = Path(__file__).resolve().parents[1]
SETTINGS = {"seed": 0, "preprocess": "reference", "dtype": "float16"}  # the layer: --layer


def child(args: argparse.Namespace) -> None:
    """One chunk job, as a workflow job would run it: memory-map the crops, process a slice."""
    import torch

    from digitface.faces.models.alexnet import extract_chunk_to_file
    from digitface.faces.models.alexnet_network import build_extractor

    if args.threads:
        torch.set_num_threads(args.threads)
    net, _ = build_extractor(args.layer, "random", seed=0)
    if args.mode != "model_only":
        crops = np.load(args.crops, mmap_mode=None if args.mode == "naive" else "r")
        extract_chunk_to_file(crops[args.start : args.stop], args.out, net, batch_size=args.batch_size, device="cpu")
    status = Path("/proc/self/status").read_text()
    peak_kib = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))
    print(json.dumps({"peak_rss_mib": peak_kib / 1024}))


def job(args: argparse.Namespace) -> None:
    """An extraction job's process: the rule script's one call, on chunks of a crops file."""
    from digitface.faces.models.chunks import Chunk
    from digitface.faces.models.extraction import extract_chunks

    n = int(np.load(args.crops, mmap_mode="r").shape[0])
    chunks = [Chunk("crops", k, s, min(s + args.chunk, n)) for k, s in enumerate(range(0, n, args.chunk))]
    extract_chunks(
        chunks[: args.chunks_per_job],
        {"crops": args.crops},
        args.out,
        Path(args.out) / "part.tsv",
        {**SETTINGS, "layer": args.layer, "batch_size": args.batch_size},
        "random",
        threads=args.threads or None,
    )


def run_child(script: str, crops: Path, start: int, stop: int, out: Path, mode: str, args: argparse.Namespace) -> float:
    """Peak RSS (MiB) of one child job."""
    cmd = [
        sys.executable,
        "-m",
        script,
        "--child",
        "--crops",
        str(crops),
        "--start",
        str(start),
        "--stop",
        str(stop),
        "--out",
        str(out),
        "--mode",
        mode,
        "--layer",
        args.layer,
        "--batch-size",
        str(args.batch_size),
        "--threads",
        str(args.threads or 0),
    ]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, cwd=REPO)
    if proc.returncode:
        raise SystemExit(f"child failed ({proc.returncode}): {' '.join(cmd)}")
    return json.loads(proc.stdout.strip().splitlines()[-1])["peak_rss_mib"]


def _cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_job(crops: Path, chunks_per_job: int, out: Path, args: argparse.Namespace) -> dict:
    """CPU (every thread) and wall of one extraction job's process."""
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.bench_alexnet_chunk",
        "--job",
        "--crops",
        str(crops),
        "--out",
        str(out),
        "--chunk",
        str(args.chunk),
        "--chunks-per-job",
        str(chunks_per_job),
        "--batch-size",
        str(args.batch_size),
        "--threads",
        str(args.threads or 0),
    ]
    cpu, wall = _cpu_children(), time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    cpu, wall = _cpu_children() - cpu, time.perf_counter() - wall
    if proc.returncode:
        raise SystemExit(f"job failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    images = min(chunks_per_job * args.chunk, int(np.load(crops, mmap_mode="r").shape[0]))
    return {"images": images, "cpu_s": cpu, "wall_s": wall, "per_cpu_s": images / cpu}


def in_process(crops: np.ndarray, args: argparse.Namespace) -> dict:
    """The limit: preprocessing and the forward pass over ``crops`` in this warm process."""
    import torch

    from digitface.faces.models.alexnet import iter_features
    from digitface.faces.models.alexnet_network import build_extractor

    if args.threads:
        torch.set_num_threads(args.threads)
    net, meta = build_extractor(args.layer, "random", seed=0)
    for _ in iter_features(crops[: args.batch_size], net, SETTINGS["preprocess"], args.batch_size):
        pass  # warm-up
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in iter_features(crops, net, SETTINGS["preprocess"], args.batch_size):
        pass
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {
        "images": len(crops),
        "cpu_s": cpu,
        "wall_s": wall,
        "per_cpu_s": len(crops) / cpu,
        "threads": torch.get_num_threads(),
        "n_features": meta["n_features"],
    }


def throughput(args: argparse.Namespace, tmp: Path) -> dict:
    """Repeats alternate the three sides (ABC, CBA, ...), so slow drifts in load hit all alike."""
    images = args.chunk * args.chunks_per_job
    path = tmp / "job_crops.npy"
    np.save(path, np.random.default_rng(0).integers(0, 256, (images, 227, 227, 3), dtype=np.uint8))
    crops = np.load(path)
    sides = {
        "in-process limit": lambda r: in_process(crops, args),
        f"job of {args.chunks_per_job} chunks": lambda r: run_job(path, args.chunks_per_job, tmp / f"j{r}", args),
        "job of 1 chunk": lambda r: run_job(path, 1, tmp / f"o{r}", args),
    }
    runs: dict[str, list[dict]] = {k: [] for k in sides}
    for r in range(args.repeats):
        order = list(sides.items()) if r % 2 == 0 else list(sides.items())[::-1]
        for name, fn in order:
            runs[name].append(fn(r))
    median = {k: statistics.median(v["per_cpu_s"] for v in runs_) for k, runs_ in runs.items()}
    limit = median["in-process limit"]
    return {
        "runs": runs,
        "median_per_cpu_s": median,
        "over_limit": {k: v / limit for k, v in median.items() if k != "in-process limit"},
        "threads": runs["in-process limit"][0]["threads"],
        "n_features": runs["in-process limit"][0]["n_features"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunk", type=int, default=100)
    parser.add_argument(
        "--chunks-per-job", type=int, default=40, help="chunks one job computes (face_models.alexnet.chunks_per_job)"
    )
    parser.add_argument("--batch-size", type=int, default=25)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--layer", default="conv5")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (the rule's threads: 2)")
    parser.add_argument("--rss-repeats", type=int, default=3, help="runs of each memory measurement")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--job", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--crops", help=argparse.SUPPRESS)
    parser.add_argument("--start", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--stop", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="mmap", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    if args.job:
        return job(args)

    with tempfile.TemporaryDirectory(prefix="bench_alexnet_") as tmp_name:
        tmp = Path(tmp_name)
        t = throughput(args, tmp)
        print(
            f"AlexNet {args.layer} ({t['n_features']} features), random weights; chunks of {args.chunk}, "
            f"batches of {args.batch_size}, {t['threads']} torch threads, {args.repeats} alternating repeats; "
            "images per CPU-second (every thread), median:"
        )
        for name, rate in t["median_per_cpu_s"].items():
            ratio = f"  ({t['over_limit'][name]:.2f}x the limit)" if name in t["over_limit"] else ""
            print(f"  {name:22s} {rate:8.1f}{ratio}")

        rng = np.random.default_rng(1)
        script = "benchmarks.bench_alexnet_chunk"
        files = {}
        for total in (args.chunk, 10 * args.chunk):
            files[total] = tmp / f"crops_{total}.npy"
            mm = np.lib.format.open_memmap(files[total], mode="w+", dtype=np.uint8, shape=(total, 227, 227, 3))
            for s in range(0, total, args.chunk):
                n = min(args.chunk, total - s)
                mm[s : s + n] = rng.integers(0, 256, (n, 227, 227, 3), dtype=np.uint8)
            mm.flush()
            del mm
        start = {total: (total // args.chunk // 2) * args.chunk for total in files}  # a middle chunk
        rss: dict[str, list[float]] = {"small": [], "big": [], "model_only": [], "naive": []}
        big = 10 * args.chunk
        for _ in range(args.rss_repeats):  # alternating, so drifts hit both sizes alike
            for key, total, mode in (("small", args.chunk, "mmap"), ("big", big, "mmap")):
                rss[key].append(
                    run_child(script, files[total], start[total], start[total] + args.chunk, tmp / "c.npy", mode, args)
                )
        rss["model_only"].append(run_child(script, files[big], 0, 0, tmp / "m.npy", "model_only", args))
        rss["naive"].append(
            run_child(script, files[big], start[big], start[big] + args.chunk, tmp / "n.npy", "naive", args)
        )

        def show(values: list[float]) -> str:
            spread = f" (range {min(values):.1f}-{max(values):.1f})" if len(values) > 1 else ""
            return f"{statistics.median(values):8.1f} MiB{spread}"

        small_mib, big_mib = statistics.median(rss["small"]), statistics.median(rss["big"])
        print(
            f"peak RSS of a chunk job ({args.chunk} images from a memory-mapped crops file), "
            f"median of {args.rss_repeats} runs:"
        )
        print(f"  file of {args.chunk:5d} images: {show(rss['small'])}")
        print(f"  file of {big:5d} images: {show(rss['big'])}")
        print(
            f"  difference {big_mib - small_mib:+.1f} MiB ({100 * (big_mib - small_mib) / small_mib:+.1f}%); "
            "target: equal within noise"
        )
        print(
            f"  for scale: the process with only the model built {show(rss['model_only'])}; a naive job "
            f"reading the whole {big}-image file {show(rss['naive'])}"
        )
        path = write_result(
            "alexnet_chunk",
            {
                "chunk": args.chunk,
                "chunks_per_job": args.chunks_per_job,
                "batch_size": args.batch_size,
                "repeats": args.repeats,
                "layer": args.layer,
                "throughput": t,
                "peak_rss_mib": rss,
                "rss_median_mib": {k: statistics.median(v) for k, v in rss.items()},
                "targets": {"job_over_limit": 0.85, "rss_big_over_small": 1.10},
            },
        )
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
