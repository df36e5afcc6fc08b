"""What every markdown table of README.md and docs/results.md shares: where and when a result
was measured, durations in minutes, and the marked blocks that hold the generated tables.

Each table sits between ``<!-- table:NAME -->`` and ``<!-- /table:NAME -->``; the builders
(:mod:`digitface.report.benchmark_tables`, :mod:`digitface.report.scale_tables`,
:mod:`digitface.report.result_tables`) write the text between, and
:mod:`digitface.report.documents` puts it there.
"""

from __future__ import annotations

import re
from typing import Callable

#: ``<!-- table:NAME -->`` opening a generated table's block.
OPENING = re.compile(r"<!-- table:(\w+) -->")


def measured_on(result: dict) -> str:
    """ "<cpu>, <cores> cores, <day>" of a benchmark result."""
    m = result["machine"]
    return f"{m['cpu']}, {m['cores']} cores, {m['date'][:10]}"


def measured_where(results: dict[str, dict]) -> str:
    """ "Measured on <machine, day> (<files>); ..." for results measured on one or more machines."""
    where: dict[str, list[str]] = {}  # machine and day -> the results measured there
    for name, result in results.items():
        where.setdefault(measured_on(result), []).append(f"`{name}.json`")
    when = sorted(where) if len(where) == 1 else sorted(f"{m} ({', '.join(n)})" for m, n in where.items())
    return "Measured on " + "; ".join(when) + "."


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"


def block_names(text: str) -> list[str]:
    """The tables that ``text`` has a block for, in its order."""
    return OPENING.findall(text)


def replace_block(text: str, name: str, table: Callable[[], str]) -> str:
    """``text`` with the block of the table ``name`` holding ``table()`` (and a newline)."""
    pattern = re.compile(rf"(<!-- table:{name} -->\n).*?(<!-- /table:{name} -->)", re.S)
    return pattern.sub(lambda m: m.group(1) + table() + "\n" + m.group(2), text)


def blocks(text: str) -> dict[str, str]:
    """What each block of ``text`` holds, by table."""
    return dict(re.findall(r"<!-- table:(\w+) -->\n(.*?)<!-- /table:\1 -->", text, re.S))
