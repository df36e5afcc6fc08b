"""README's measured tables, generated from the committed results in benchmarks/results/.

    python tools/readme_tables.py --write   # rewrite the tables in README.md
    python tools/readme_tables.py --check   # exit 1 if README differs from the results

Each table sits between ``<!-- table:NAME -->`` and ``<!-- /table:NAME -->`` in README.md; a
test runs the check, so no measured number in README is typed by hand.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
README = REPO / "README.md"

#: The reference's prediction for each fit, in the words of its prose.
PROSE = {
    ("paths", "K"): "4 (O(N·K^N))",
    ("paths", "N"): "ln 4 = 1.39",
    ("finite differences", "K"): "4 (O(N²·K⁴))",
    ("finite differences", "N"): "2",
    ("backprop", "K"): "2 for one example (the prose's K³ counts a batch of K examples)",
    ("backprop", "N"): "1",
}
METHOD = {"paths": "chain-rule paths, each weight separately", "finite differences":
          "finite differences, each weight separately", "backprop": "backpropagation (vectorized)"}


def backprop_table(result: dict) -> str:
    lines = ["| method | fit | measured (95% interval) | the reference's prose predicts |", "|---|---|---|---|"]
    for f in result["fits"]:
        vary = "K" if "K^a" in f["fit"] else "N"
        lines.append(f"| {METHOD[f['method']]} | {f['fit']} | {f['measured']:.2f} "
                     f"({f['ci95'][0]:.2f} to {f['ci95'][1]:.2f}) | {PROSE[(f['method'], vary)]} |")
    m = result["machine"]
    lines.append("")
    lines.append(f"CPU time of one thread, median of {result['repeats']} repeats per point, slopes over the "
                 f"three largest sizes of each series; measured on {m['cpu']} ({m['cores']} cores), "
                 f"{m['date'][:10]}, by `python benchmarks/bench_backprop.py` "
                 "(`benchmarks/results/backprop_cost.json`).")
    return "\n".join(lines)


TABLES = {"backprop": ("backprop_cost", backprop_table)}


def render(name: str) -> str:
    result_name, make = TABLES[name]
    return make(json.loads((RESULTS / f"{result_name}.json").read_text()))


def updated(readme: str) -> str:
    """README with every marked table replaced by its rendering from the results."""
    for name in TABLES:
        pattern = re.compile(rf"(<!-- table:{name} -->\n).*?(<!-- /table:{name} -->)", re.S)
        if not pattern.search(readme):
            raise SystemExit(f"README.md has no <!-- table:{name} --> ... <!-- /table:{name} --> block")
        readme = pattern.sub(lambda m: m.group(1) + render(name) + "\n" + m.group(2), readme)
    return readme


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    args = parser.parse_args()
    current = README.read_text()
    new = updated(current)
    if args.write:
        README.write_text(new)
        return 0
    if new != current:
        print("README.md's measured tables differ from benchmarks/results/: run python tools/readme_tables.py --write")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
