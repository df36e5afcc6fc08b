"""Benchmark: one AlexNet chunk job (random weights, conv5) against the bare forward pass.

    python -m benchmarks.bench_alexnet_chunk [--chunk 100] [--batch-size 50] [--repeats 7] [--threads N]

Prints
  throughput  images/s (best and median of interleaved repeats) of ``extract_chunk_to_file``
              on a chunk of random 227x227 crops (preprocessing, the forward pass and the
              atomic .npy write included) and of the raw forward pass of the same truncated
              model on the same batches, already preprocessed, in the same run; and their
              ratio (target >= 0.85), as the median of per-repeat ratios of back-to-back runs
              in alternating order, which holds up best against other load on the machine;
  memory      the peak RSS of a chunk job run in a fresh subprocess that memory-maps a file
              of ALL crops and processes one chunk of it, for a file of 100 and of 1,000 images
              (target: equal within noise), beside the RSS of the same process that only builds
              the model, and of a naive job that reads the whole crops file into memory.

Peak RSS is the child's own ``VmHWM`` (/proc/self/status), read as it ends: the high-water mark
of its address space since ``exec``. (``getrusage``/``wait4`` would not do: a forked child's
``ru_maxrss`` starts at the parent's RSS, which here already holds torch and a model.)
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.results_io import write_result

REPO = Path(__file__).resolve().parents[1]


def child(args: argparse.Namespace) -> None:
    """One chunk job, as a workflow job would run it: memory-map the crops, process a slice."""
    import torch

    from digitface.faces import alexnet

    if args.threads:
        torch.set_num_threads(args.threads)
    net, _ = alexnet.build_extractor(args.layer, "random", seed=0)
    if args.mode != "model_only":
        crops = np.load(args.crops, mmap_mode=None if args.mode == "naive" else "r")
        alexnet.extract_chunk_to_file(crops[args.start:args.stop], args.out, net,
                                      batch_size=args.batch_size, device="cpu")
    status = Path("/proc/self/status").read_text()
    peak_kib = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))
    print(json.dumps({"peak_rss_mib": peak_kib / 1024}))


def run_child(script: str, crops: Path, start: int, stop: int, out: Path, mode: str,
              args: argparse.Namespace) -> float:
    """Peak RSS (MiB) of one child job."""
    cmd = [sys.executable, "-m", script, "--child", "--crops", str(crops), "--start", str(start),
           "--stop", str(stop), "--out", str(out), "--mode", mode, "--layer", args.layer,
           "--batch-size", str(args.batch_size), "--threads", str(args.threads or 0)]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, cwd=REPO)
    if proc.returncode:
        raise SystemExit(f"child failed ({proc.returncode}): {' '.join(cmd)}")
    return json.loads(proc.stdout.strip().splitlines()[-1])["peak_rss_mib"]


def throughput(args: argparse.Namespace, tmp: Path) -> dict:
    import torch

    from digitface.faces import alexnet

    if args.threads:
        torch.set_num_threads(args.threads)
    net, meta = alexnet.build_extractor(args.layer, "random", seed=0)
    crops = np.random.default_rng(0).integers(0, 256, (args.chunk, 227, 227, 3), dtype=np.uint8)
    inputs = [alexnet.preprocess_crops(torch.from_numpy(crops[s:s + args.batch_size]))
              for s in range(0, args.chunk, args.batch_size)]

    def raw():
        with torch.inference_mode():
            for x in inputs:
                net(x)

    def job():
        alexnet.extract_chunk_to_file(crops, tmp / "chunk.npy", net, batch_size=args.batch_size, device="cpu")

    fns = {"chunk job": job, "raw forward": raw}
    times: dict[str, list[float]] = {k: [] for k in fns}
    for fn in fns.values():
        fn()  # warm-up
    ratios = []
    for r in range(args.repeats):  # paired, alternating order (ABBA): cancels slow drifts in load
        order = list(fns.items()) if r % 2 == 0 else list(fns.items())[::-1]
        for name, fn in order:
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
        ratios.append(times["raw forward"][-1] / times["chunk job"][-1])
    out = {"meta": meta, "threads": torch.get_num_threads(), "paired_ratio_median": statistics.median(ratios),
           "paired_ratios": ratios}
    for stat, fn in (("best", min), ("median", statistics.median)):
        t = {k: fn(v) for k, v in times.items()}
        out[stat] = {"images_per_s": {k: args.chunk / v for k, v in t.items()},
                     "ratio": t["raw forward"] / t["chunk job"]}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunk", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--layer", default="conv5")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--rss-repeats", type=int, default=3, help="runs of each memory measurement")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--crops", help=argparse.SUPPRESS)
    parser.add_argument("--start", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--stop", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="mmap", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)

    with tempfile.TemporaryDirectory(prefix="bench_alexnet_") as tmp_name:
        tmp = Path(tmp_name)
        t = throughput(args, tmp)
        print(f"AlexNet {args.layer} ({t['meta']['n_features']} features), {t['meta']['description']}; "
              f"{args.chunk}-image chunk, batches of {args.batch_size}, {t['threads']} torch threads, "
              f"{args.repeats} interleaved repeats")
        for name in ("chunk job", "raw forward"):
            print(f"  {name:12s} {t['best']['images_per_s'][name]:8.1f} images/s best, "
                  f"{t['median']['images_per_s'][name]:8.1f} median")
        print(f"  chunk job / raw forward = {t['paired_ratio_median']:.3f} (median of {args.repeats} paired "
              f"ratios; range {min(t['paired_ratios']):.3f}-{max(t['paired_ratios']):.3f}); "
              f"{t['best']['ratio']:.3f} best/best, {t['median']['ratio']:.3f} median/median  (target >= 0.85)")

        rng = np.random.default_rng(1)
        script = "benchmarks.bench_alexnet_chunk"
        files = {}
        for total in (args.chunk, 10 * args.chunk):
            files[total] = tmp / f"crops_{total}.npy"
            mm = np.lib.format.open_memmap(files[total], mode="w+", dtype=np.uint8, shape=(total, 227, 227, 3))
            for s in range(0, total, args.chunk):
                n = min(args.chunk, total - s)
                mm[s:s + n] = rng.integers(0, 256, (n, 227, 227, 3), dtype=np.uint8)
            mm.flush()
            del mm
        start = {total: (total // args.chunk // 2) * args.chunk for total in files}  # a middle chunk
        rss: dict[str, list[float]] = {"small": [], "big": [], "model_only": [], "naive": []}
        big = 10 * args.chunk
        for _ in range(args.rss_repeats):  # alternating, so drifts hit both sizes alike
            for key, total, mode in (("small", args.chunk, "mmap"), ("big", big, "mmap")):
                rss[key].append(run_child(script, files[total], start[total], start[total] + args.chunk,
                                          tmp / "c.npy", mode, args))
        rss["model_only"].append(run_child(script, files[big], 0, 0, tmp / "m.npy", "model_only", args))
        rss["naive"].append(run_child(script, files[big], start[big], start[big] + args.chunk, tmp / "n.npy",
                                      "naive", args))

        def show(values: list[float]) -> str:
            spread = f" (range {min(values):.1f}-{max(values):.1f})" if len(values) > 1 else ""
            return f"{statistics.median(values):8.1f} MiB{spread}"

        small_mib, big_mib = statistics.median(rss["small"]), statistics.median(rss["big"])
        print(f"peak RSS of a chunk job ({args.chunk} images from a memory-mapped crops file), "
              f"median of {args.rss_repeats} runs:")
        print(f"  file of {args.chunk:5d} images: {show(rss['small'])}")
        print(f"  file of {big:5d} images: {show(rss['big'])}")
        print(f"  difference {big_mib - small_mib:+.1f} MiB ({100 * (big_mib - small_mib) / small_mib:+.1f}%); "
              "target: equal within noise")
        print(f"  for scale: the process with only the model built {show(rss['model_only'])}; a naive job "
              f"reading the whole {big}-image file {show(rss['naive'])}")
        path = write_result("alexnet_chunk", {
            "chunk": args.chunk, "batch_size": args.batch_size, "repeats": args.repeats, "layer": args.layer,
            "throughput": {k: v for k, v in t.items() if k != "meta"}, "peak_rss_mib": rss,
            "rss_median_mib": {k: statistics.median(v) for k, v in rss.items()},
            "targets": {"chunk_over_raw": 0.85, "rss_big_over_small": 1.10}})
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
