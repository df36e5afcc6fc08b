"""One table of every result beside the reference's number: the digits and faces tables
(each written by its own stage) brought to the same columns, for the report's first page."""

from __future__ import annotations

import os
from typing import Iterable, Mapping

from digitface.atomic import read_tsv, write_tsv
from digitface.report.faces_table import HEADER as FACES_HEADER

HEADER = ["experiment", "split", "ours", "reference", "note", "data"]


def digits_rows(rows: Iterable[dict[str, str]]) -> list[list[str]]:
    """The digits table: accuracy rows keep the difference to the reference (with its standard
    error) as the note; the gradient check says PASS/FAIL there."""
    out = []
    for r in rows:
        accuracy = r["metric"] == "accuracy"
        note, data = (r["difference"], r["data"]) if accuracy else (f"{r['metric']}; {r['data']}", "")
        out.append([f"digits: {r['experiment']}", r["split"], r["ours"], r["reference"], note, data])
    return out


def faces_rows(rows: Iterable[dict[str, str]]) -> list[list[str]]:
    """The faces table: mean ± sd over seeds; the note gives the difference to the reference
    (or why there is none), the sampling error, chance and the weights used."""
    ours = FACES_HEADER[2]  # "ours (mean ± sd over seeds)"
    out = []
    for r in rows:
        error = f"1 SE = {r['sampling error']}, n = {r['n']}"
        parts = [r["difference"] or error, f"chance {r['chance'].split(' ')[0]}", r["weights"]]
        out.append(
            [
                f"faces: {r['experiment']}",
                r["split"],
                r[ours],
                r["reference"],
                "; ".join(x for x in parts if x),
                r["data"],
            ]
        )
    return out


def combined_rows(digits: list[dict[str, str]], faces: list[dict[str, str]]) -> list[list[str]]:
    return digits_rows(digits) + faces_rows(faces)


def summarize_results(tables: Mapping[str, str | os.PathLike], out: str | os.PathLike) -> list[list[str]]:
    """The summarize_results job: ``tables`` by part (``digits``, ``faces``: the parts the run
    made; a mapping, or the rule's named inputs) brought into one table."""
    read = {name: read_tsv(path) for name, path in tables.items()}
    rows = combined_rows(read.get("digits", []), read.get("faces", []))
    write_tsv(out, HEADER, rows)
    return rows
