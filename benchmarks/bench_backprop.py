"""Benchmark: the cost of every weight's gradient by chain-rule paths, finite differences and
backpropagation, on the workflow's default grid (the rule measure_backprop_cost runs the same
code inside a run).

    python -m benchmarks.bench_backprop [--repeats 5]

Writes benchmarks/results/backprop_cost.json: every repeat of every point (CPU seconds of one
thread), the medians, and the fitted exponents with 95% bootstrap intervals. docs/results.md's table
of exponents is generated from that file (python tools/readme_tables.py --write).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml
from threadpoolctl import threadpool_limits

from benchmarks.results_io import write_result
from digitface.backprop.measure import fit_exponents, max_disagreement, medians, run_grid

SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / "config.schema.yaml"


def default_grid() -> tuple[dict, int, dict]:
    backprop = yaml.safe_load(SCHEMA.read_text())["properties"]["backprop"]["properties"]
    return backprop["grid"]["default"], backprop["repeats"]["default"], backprop["agreement"]["default"]


def main() -> None:
    grid, repeats, agreement = default_grid()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=repeats)
    args = parser.parse_args()
    disagreement = max_disagreement(agreement["n_layers"], agreement["width"])
    with threadpool_limits(1):
        rows = run_grid(grid, args.repeats)
    fits = fit_exponents(rows)
    for f in fits:
        print(
            f"{f['method']:20s} {f['fit']:24s} {f['measured']:.2f} [{f['ci95'][0]:.2f}, {f['ci95'][1]:.2f}]"
            f"  predicted {f['predicted']:.2f}"
        )
    path = write_result(
        "backprop_cost",
        {
            "grid": grid,
            "repeats": args.repeats,
            "unit": "CPU seconds, one thread",
            "agreement": {**agreement, "max_rel_diff": disagreement},
            "timings": rows,
            "points": medians(rows),
            "fits": fits,
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
