"""Which generated markdown table goes in which document, and from which committed results.

README.md holds the short ``headline`` table, docs/results.md every other one; each table is
rendered from its JSON in benchmarks/results/ and put in its marked block
(:mod:`digitface.report.markdown`), so no measured number in either file is typed by hand.
``python tools/readme_tables.py --write`` (or ``--check``) runs this over both files.
"""

from __future__ import annotations

import json
from pathlib import Path

from digitface.report.benchmark_tables import backprop_table, performance_table, scheduler_table, slurm_table
from digitface.report.markdown import block_names, replace_block
from digitface.report.result_tables import headline_table, replica_table, run_results_table
from digitface.report.scale_tables import scale_table

#: Each table: the result(s) it is made from (benchmarks/results/<name>.json; a tuple: a dict of
#: them by name) and the function that makes it.
TABLES = {
    "backprop": ("backprop_cost", backprop_table),
    "replica": ("replica", replica_table),
    "scale": ("scale", scale_table),
    "slurm": ("slurm_scale", slurm_table),
    "scheduler": ("scheduler", scheduler_table),
    "performance": (
        ("softmax_step", "download", "alexnet_chunk", "lists", "run_default", "run_quick"),
        performance_table,
    ),
    "sample": ("run_default", run_results_table),
    "mnist_full": ("run_mnist-full", run_results_table),
    "headline": (("run_default", "run_mnist-full", "replica", "scale"), headline_table),
}
#: The tables that also read the configuration files of the checkout (the function's second argument).
READ_CONFIGURATION = {"headline"}
#: Which file (relative to the checkout) holds each table: the headline in README, the rest in docs/results.md.
FILES = {"README.md": ("headline",), "docs/results.md": tuple(name for name in TABLES if name != "headline")}


def results_dir(repo: Path) -> Path:
    return repo / "benchmarks" / "results"


def render(name: str, repo: Path) -> str:
    """The table ``name`` from the committed results of the checkout ``repo``."""
    result_name, make = TABLES[name]

    def load(result: str) -> dict:
        return json.loads((results_dir(repo) / f"{result}.json").read_text())

    data = {n: load(n) for n in result_name} if isinstance(result_name, tuple) else load(result_name)
    return make(data, repo) if name in READ_CONFIGURATION else make(data)


def updated(text: str, path: str, repo: Path) -> str:
    """The text of the file ``path`` (one of :data:`FILES`) with every marked table replaced by
    its rendering from the results. A block for a table that another file holds, or a table of
    the file's that has no block, is an error."""
    present = block_names(text)
    for name in present:
        if name not in FILES[path]:
            where = [f for f, names in FILES.items() if name in names]
            raise SystemExit(
                f"{path} has a block for the table {name!r}, which "
                + (f"belongs in {where[0]}" if where else "is not a known table")
            )
        text = replace_block(text, name, lambda name=name: render(name, repo))
    missing = [name for name in FILES[path] if name not in present]
    if missing:
        raise SystemExit(
            f"{path} has no block for the table(s) {', '.join(missing)}: add "
            + " ".join(f"<!-- table:{n} --> <!-- /table:{n} -->" for n in missing)
        )
    return text
