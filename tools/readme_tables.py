"""The measured tables of README.md and docs/results.md, generated from the committed results
in benchmarks/results/.

    python tools/readme_tables.py --write   # rewrite the tables in README.md and docs/results.md
    python tools/readme_tables.py --check   # exit 1 if either file differs from the results

Each table sits between ``<!-- table:NAME -->`` and ``<!-- /table:NAME -->`` in the file that
:data:`digitface.report.documents.FILES` names for it: the short ``headline`` table in README.md,
every other one (NAME one of :data:`digitface.report.documents.TABLES`) in docs/results.md. The
tables are built in :mod:`digitface.report`; this is their command line. A test runs the check,
so no measured number in either file is typed by hand.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from digitface.report.documents import FILES, updated
from digitface.report.markdown import blocks

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    args = parser.parse_args()
    differ = []
    for name in FILES:
        path = REPO / name
        current = path.read_text(encoding="utf-8")
        new = updated(current, name, REPO)
        if args.write:
            if new != current:
                path.write_text(new, encoding="utf-8")
            continue
        old_blocks, new_blocks = blocks(current), blocks(new)
        differ += [f"{name}: table {table}" for table in new_blocks if old_blocks.get(table) != new_blocks[table]]
    if differ:
        print(
            "Measured tables differ from benchmarks/results/ (run python tools/readme_tables.py --write):\n  "
            + "\n  ".join(differ)
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
