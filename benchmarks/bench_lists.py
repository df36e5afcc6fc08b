"""Benchmark: parsing a FaceScrub-size list (530 identities, 107,000 rows, the real format).

    python -m benchmarks.bench_lists [--repeats 5]

Writes benchmarks/results/lists.json: every repeat's seconds and the rows per second. (The test
suite counts operations instead of timing them: a loaded machine would fail a time bound.)
"""

from __future__ import annotations

import argparse
import statistics
import time

from benchmarks.results_io import write_result
from digitface.faces.data.lists import parse_list, slugify
from testkit.scale import scale_list_text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    data = scale_list_text(identities=530, rows=107_000).encode()
    seconds = []
    for _ in range(args.repeats):
        slugify.cache_clear()  # each repeat pays for its slugs, as a fresh job does
        start = time.perf_counter()
        rows, rejects = parse_list(data, "facescrub_size")
        seconds.append(time.perf_counter() - start)
    assert len(rows) == 107_000 and not rejects
    median = statistics.median(seconds)
    print(f"107,000 rows: {median:.2f} s median of {args.repeats} ({len(rows) / median:,.0f} rows/s)")
    path = write_result(
        "lists",
        {
            "rows": len(rows),
            "identities": 530,
            "repeats": args.repeats,
            "seconds": seconds,
            "rows_per_s": len(rows) / median,
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
