"""Benchmark: our download stage against the course's sequential fetch-in-a-thread approach.

    python benchmarks/bench_download.py

A loopback server answers the six project actors' 1,487 distinct URLs (1,493 list rows) from
the 2018 replica (../shared/data/facescrub) with ~150 ms latency per response; ~10% of the
URLs (drawn from the dead ones) hang, the other dead ones answer 404 after the latency.

Ours: ``download_actor`` with the default FetchSettings (16 workers, read timeout 10 s), except
``per_host``: every URL points at the one loopback server, so the per-host limit is raised to
the worker count (the real list spreads these URLs over 618 hosts, at most 48 per host).

Reference: the course handout's loop, one URL after another, each ``urlretrieve`` in a thread
joined with a 30 s timeout (``timeout(testfile.retrieve, ..., 30)``). Running it over every
URL would take over an hour, so it runs on a seeded, stratified sample (some hanging URLs,
some others) and is extrapolated per stratum: hanging x mean(hang time) + others x mean(other).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO / "tests" / "faces")]

from loopback import LoopbackServer, Route, load_replica, serve_replica  # noqa: E402

from digitface.faces.fetch import FetchSettings, download_actor  # noqa: E402


def reference_fetch(url: str, dest: Path, join_timeout: float) -> None:
    """The handout's ``timeout(testfile.retrieve, (url, dest), {}, 30)``: errors swallowed, thread left behind."""
    def run() -> None:
        try:
            urllib.request.urlretrieve(url, dest)
        except Exception:  # the handout's InterruptableThread returns a default on any error
            pass

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(join_timeout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=Path(os.environ.get("DIGITFACE_SHARED", REPO.parent / "shared")))
    parser.add_argument("--latency", type=float, default=0.15, help="seconds before each response")
    parser.add_argument("--hang-fraction", type=float, default=0.10)
    parser.add_argument("--reference-others", type=int, default=60, help="non-hanging URLs the reference fetches")
    parser.add_argument("--reference-hangs", type=int, default=3, help="hanging URLs the reference fetches")
    parser.add_argument("--reference-timeout", type=float, default=30.0, help="the handout's thread join timeout")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"

    replica = load_replica(args.shared / "data" / "facescrub")
    rng = random.Random(args.seed)
    urls = sorted({r.url for r in replica.rows})
    dead = replica.dead_urls()
    hanging = set(rng.sample(dead, round(args.hang_fraction * len(urls))))
    settings = FetchSettings(per_host=FetchSettings().workers)

    with LoopbackServer(hang_seconds=args.reference_timeout + 10) as server, tempfile.TemporaryDirectory() as tmp:
        routes = {u: Route("hang") if u in hanging else Route("body", b"not found", status=404) for u in dead}
        rows = serve_replica(server, replica, routes, refused=set(), delay=args.latency)
        print(f"{len(rows)} rows, {len(urls)} distinct URLs: {len(replica.responses)} answered, "
              f"{len(hanging)} hanging, {len(dead) - len(hanging)} 404; latency {args.latency * 1000:.0f} ms")

        start = time.monotonic()
        records = download_actor(rows, Path(tmp) / "store", Path(tmp) / "journal.jsonl", settings)
        ours = time.monotonic() - start
        outcomes = Counter(r.download.split(":")[0] for r in records)
        print(f"ours: {ours:.1f} s for all {len(urls)} URLs ({settings.workers} workers, read timeout "
              f"{settings.read_timeout:.0f} s); outcomes {dict(sorted(outcomes.items()))}")

        new_url = {o.url: r.url for o, r in zip(replica.rows, rows)}
        others = [u for u in urls if u not in hanging]
        sample = {"hang": rng.sample(sorted(hanging), args.reference_hangs),
                  "other": rng.sample(others, args.reference_others)}
        spent = {}
        for stratum, chosen in sample.items():
            start = time.monotonic()
            for i, url in enumerate(chosen):
                reference_fetch(new_url[url], Path(tmp) / f"ref_{stratum}_{i}", args.reference_timeout)
            spent[stratum] = time.monotonic() - start
        per_hang = spent["hang"] / len(sample["hang"])
        per_other = spent["other"] / len(sample["other"])
        reference = per_hang * len(hanging) + per_other * len(others)
        print(f"reference: measured {len(sample['hang'])} hanging URLs ({per_hang:.1f} s each) and "
              f"{len(sample['other'])} others ({per_other:.3f} s each), sequential, {args.reference_timeout:.0f} s "
              f"join timeout; extrapolated to all {len(urls)} URLs: {reference:.0f} s ({reference / 60:.1f} min)")
        print(f"speed-up: {reference / ours:.1f}x (target >= 20x)")
        same = settings.read_timeout * len(hanging) + per_other * len(others)
        print(f"(were the reference's join timeout our {settings.read_timeout:.0f} s read timeout, it would take "
              f"~{same:.0f} s: {same / ours:.1f}x; estimated, not measured)")


if __name__ == "__main__":
    main()
