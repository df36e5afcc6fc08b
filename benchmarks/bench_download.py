"""Benchmark: our download stage against the course's approach and img2dataset, every URL, at
equal timeouts, in one run.

    python -m benchmarks.bench_download [--timeout 3] [--latency 0.15] [--img2dataset PATH]

A loopback server answers the six project actors' 1,487 distinct URLs (1,493 list rows) of the
2018 replica (../shared/data/facescrub): the recorded good images (a tenth of them answering 503
first, then the image), checksum mismatches and unreadable bodies as recorded, and for the
dead URLs a seeded mix of faults: hangs, slow trickles (one byte per 0.25 s), connection resets,
HTML pages with status 200, empty 200 answers, redirect loops, and 404 for the rest; every
response after ``--latency``.

Contenders, each over every URL, each bounded by the same per-URL time ``--timeout``:
  ours         download_actor over all rows: 32 workers (the workflow runs one job per actor,
               16 workers each, several jobs at once), total cap = connect = read timeout,
               5xx retried twice, SHA-256 checked, rows sharing a checksum fetched once;
  course       the handout's loop: one URL after another, each urlretrieve in a thread joined
               with the timeout (its InterruptableThread); the files are checked afterwards;
  img2dataset  the tool practitioners use for URL lists (installed in its own venv, see
               ../shared/notes/img2dataset.md): 2 processes x 16 threads, --timeout, 2
               retries, SHA-256 verification on.

Prints and writes benchmarks/results/download.json: wall time, images verified (and their
checksums, to compare the sets), list rows that repeat a checksum (fetched again by the others),
per-URL time distribution (ours from the journal, the course's measured per URL), outcomes.
Targets: ours >= 20x the course approach and >= 5x img2dataset, with the same verified set as
img2dataset (the course approach retries nothing, so it can only verify fewer).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

from benchmarks.results_io import write_result
from digitface.faces.data.download import download_actor
from digitface.faces.data.fetch import FetchSettings
from testkit.loopback import LoopbackServer, Route, load_replica, serve_replica

REPO = Path(__file__).resolve().parents[1]
#: Shares of ALL distinct URLs given each fault (the rest of the dead URLs answer 404).
FAULTS = {"hang": 0.10, "trickle": 0.05, "reset": 0.05, "html": 0.05, "empty": 0.03, "loop": 0.03}
FLAKY_GOOD = 0.10  # share of the good images that answer 503 once before the image


def fault_routes(dead: list[str], n_urls: int, rng: random.Random) -> tuple[dict[str, Route], dict[str, str]]:
    """A route for every dead URL, and the fault each was given."""
    order = dead[:]
    rng.shuffle(order)
    kinds: dict[str, str] = {}
    start = 0
    for kind, share in FAULTS.items():
        count = round(share * n_urls)
        kinds.update({u: kind for u in order[start : start + count]})
        start += count
    kinds.update({u: "404" for u in order[start:]})
    page = b"<!DOCTYPE html><html><body><h1>Image not found</h1>" + b"<p>x</p>" * 200 + b"</body></html>"
    routes = {
        "hang": Route("hang"),
        "trickle": Route("trickle", length=400, interval=0.25),
        "reset": Route("raw", b""),
        "html": Route("body", page),
        "empty": Route("body", b""),
        "loop": Route("redirect"),
        "404": Route("body", b"not found", status=404),
    }
    return {u: routes[k] for u, k in kinds.items()}, kinds


def percentiles(values: list[float]) -> dict:
    if not values:
        return {}
    q = statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else [values[0]] * 99
    return {
        "n": len(values),
        "median": statistics.median(values),
        "p90": q[89],
        "p99": q[98],
        "max": max(values),
        "sum": sum(values),
    }


def run_ours(rows, workdir: Path, timeout: float) -> dict:
    settings = FetchSettings(
        workers=32,
        per_host=32,
        connect_timeout=timeout,
        read_timeout=timeout,
        total_timeout=timeout,
        retries=2,
        progress_interval=30,
    )
    start = time.monotonic()
    records = download_actor(rows, workdir / "store", workdir / "journal.jsonl", settings)
    wall = time.monotonic() - start
    journal = [json.loads(line) for line in (workdir / "journal.jsonl").read_text().splitlines() if line]
    verified = sorted({r.row.sha256 for r in records if r.body})
    return {
        "wall_s": wall,
        "verified": verified,
        "requests": len(journal),
        "per_url_s": percentiles([e["seconds"] for e in journal]),
        "outcomes": dict(Counter(r.download.split(":")[0] for r in records)),
        "settings": {"workers": settings.workers, "total_timeout": timeout, "retries": settings.retries},
    }


def _course_fetch(url: str, dest: Path, timeout: float) -> None:
    """The handout's ``timeout(testfile.retrieve, (url, dest), {}, 30)``: errors swallowed,
    the thread left behind when the join times out."""

    def run() -> None:
        try:
            urllib.request.urlretrieve(url, dest)
        except Exception:  # the handout's InterruptableThread returns a default on any error
            pass

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)


def run_course(rows, workdir: Path, timeout: float) -> dict:
    """Every row, in list order, as the handout did (a URL listed twice is fetched twice)."""
    folder = workdir / "course"
    folder.mkdir()
    seconds, verified = [], set()
    start = time.monotonic()
    for i, row in enumerate(rows):
        dest = folder / f"{i}.img"
        t0 = time.monotonic()
        _course_fetch(row.url, dest, timeout)
        seconds.append(time.monotonic() - t0)
    wall = time.monotonic() - start
    for i, row in enumerate(rows):  # checked afterwards: the handout never did
        dest = folder / f"{i}.img"
        if dest.exists() and hashlib.sha256(dest.read_bytes()).hexdigest() == row.sha256:
            verified.add(row.sha256)
    return {
        "wall_s": wall,
        "verified": sorted(verified),
        "requests": len(rows),
        "per_url_s": percentiles(seconds),
        "settings": {"join_timeout": timeout, "sequential": True, "retries": 0},
    }


def run_img2dataset(rows, workdir: Path, timeout: float, command: str) -> dict:
    table = workdir / "urls.tsv"
    with open(table, "w", newline="") as fh:
        writer = csv.writer(fh, delimiter="\t")
        writer.writerow(["url", "sha256"])
        writer.writerows([r.url, r.sha256] for r in rows)
    out = workdir / "i2d"
    args = [
        command,
        "--url_list",
        str(table),
        "--input_format",
        "tsv",
        "--url_col",
        "url",
        "--output_format",
        "files",
        "--output_folder",
        str(out),
        "--processes_count",
        "2",
        "--number_sample_per_shard",
        str(-(-len(rows) // 2)),  # two shards: both processes work
        "--thread_count",
        "16",
        "--timeout",
        str(timeout),
        "--retries",
        "2",
        "--resize_mode",
        "no",
        "--compute_hash",
        "sha256",
        "--verify_hash",
        '["sha256","sha256"]',
        "--disable_all_reencoding",
        "True",
        "--enable_wandb",
        "False",
    ]
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    start = time.monotonic()
    proc = subprocess.run(args, capture_output=True, text=True, env=env)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        raise SystemExit(f"img2dataset failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    verified, statuses = set(), Counter()
    for meta in out.rglob("*.json"):
        if meta.name.endswith("_stats.json"):
            continue
        info = json.loads(meta.read_text())
        statuses[info.get("status", "?")] += 1
        if info.get("status") == "success":
            verified.add(info["sha256"])
    return {
        "wall_s": wall,
        "verified": sorted(verified),
        "requests": len(rows),
        "outcomes": dict(statuses),
        "settings": {"processes": 2, "threads": 16, "timeout": timeout, "retries": 2},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path(os.environ.get("DIGITFACE_SHARED", REPO.parent / "shared")))
    parser.add_argument("--timeout", type=float, default=3.0, help="per-URL time, the same for every contender")
    parser.add_argument("--latency", type=float, default=0.15, help="seconds before each response")
    parser.add_argument("--img2dataset", default=shutil.which("img2dataset") or "/tmp/i2d/bin/img2dataset")
    parser.add_argument("--skip", nargs="*", default=[], choices=["course", "img2dataset"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"

    replica = load_replica(args.shared / "data" / "facescrub")
    rng = random.Random(args.seed)
    urls = sorted({r.url for r in replica.rows})
    dead = replica.dead_urls()
    routes, kinds = fault_routes(dead, len(urls), rng)
    good = sorted(u for u, (kind, _) in replica.responses.items() if kind == "ok")
    flaky = set(rng.sample(good, round(FLAKY_GOOD * len(good))))
    mix = dict(Counter(kinds.values()))
    mix["flaky_503_then_ok"] = len(flaky)
    repeated = len(replica.rows) - len({r.sha256 for r in replica.rows})

    contenders = {}
    with LoopbackServer(hang_seconds=120) as server, tempfile.TemporaryDirectory() as tmp:
        rows = serve_replica(server, replica, routes, refused=set(), delay=args.latency, flaky=flaky)
        print(
            f"{len(rows)} rows, {len(urls)} distinct URLs, {repeated} rows repeat a checksum; faults {mix}; "
            f"latency {args.latency * 1000:.0f} ms; every contender bounded at {args.timeout:g} s per URL"
        )
        runs = [("ours", lambda d: run_ours(rows, d, args.timeout))]
        if "img2dataset" not in args.skip:
            runs.append(("img2dataset", lambda d: run_img2dataset(rows, d, args.timeout, args.img2dataset)))
        if "course" not in args.skip:
            runs.append(("course", lambda d: run_course(rows, d, args.timeout)))
        for name, run in runs:
            workdir = Path(tmp) / name
            workdir.mkdir()
            server.reset_counts()
            result = run(workdir)
            result["server_requests"] = sum(server.hits.values())
            contenders[name] = result
            print(
                f"{name:12s} {result['wall_s']:8.1f} s  {len(result['verified'])} images verified, "
                f"{result['server_requests']} requests"
            )

    ours = contenders["ours"]
    ratios = {f"{name}_over_ours": c["wall_s"] / ours["wall_s"] for name, c in contenders.items() if name != "ours"}
    same = {name: c["verified"] == ours["verified"] for name, c in contenders.items() if name != "ours"}
    subset = {name: set(c["verified"]) <= set(ours["verified"]) for name, c in contenders.items() if name != "ours"}
    for key, value in ratios.items():
        print(f"{key}: {value:.1f}x")
    print(f"same verified set as ours: {same}; a subset of ours: {subset}")
    path = write_result(
        "download",
        {
            "urls": len(urls),
            "rows": len(rows),
            "rows_repeating_a_checksum": repeated,
            "faults": mix,
            "latency_s": args.latency,
            "timeout_s": args.timeout,
            "contenders": contenders,
            "ratios": ratios,
            "same_verified_set": same,
            "verified_subset_of_ours": subset,
            "targets": {"course_over_ours": 20, "img2dataset_over_ours": 5},
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
