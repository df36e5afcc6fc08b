"""FaceScrub-format data as tests read it, beside the package's own readers (the workflow reads
its lists once for all actors, :func:`digitface.faces.data.list_source.actors_rows`): a whole
list file, the rows of a few people, and where each of a split's sets lies in its rows."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from digitface.faces.data.face_index import IndexRow
from digitface.faces.data.lists import ListRow, Reject, parse_list
from digitface.faces.data.split import SplitRow


def read_list(path: str | os.PathLike) -> tuple[list[ListRow], list[Reject]]:
    """:func:`~digitface.faces.data.lists.parse_list` on a file; ``source`` is the file's name."""
    path = Path(path)
    return parse_list(path.read_bytes(), path.name)


def select_actors(rows: Iterable[ListRow], names: Iterable[str]) -> list[ListRow]:
    """The rows of the named people, in input order; an unknown name is an error (a typo)."""
    wanted = set(names)
    selected = [row for row in rows if row.name in wanted]
    missing = wanted - {row.name for row in selected}
    if missing:
        raise ValueError(f"no list rows for: {', '.join(sorted(missing))}")
    return selected


def set_indices(rows: Sequence[SplitRow], name: str) -> np.ndarray:
    """Positions of the rows in set ``name`` (positions in the order the rows were given)."""
    return np.array([i for i, r in enumerate(rows) if r.set == name], dtype=np.int64)


def index_rows(
    counts: dict[str, int], sets: Sequence[str] = ("train", "validation", "test", "duplicate")
) -> list[IndexRow]:
    """Face-index rows in the split's order: actors by label, each in its crop array's order
    (one array per actor), the sets dealt in turn."""
    rows = []
    for label, (actor, n) in enumerate(sorted(counts.items())):
        for i in range(n):
            rows.append(IndexRow(actor, label, 1000 * label + i, i, f"{actor}{i:04x}", actor, i, sets[i % len(sets)]))
    return rows
