"""Tables a reader can read in the report: HTML with human column names, sortable by a click.

Snakemake's report offers a TSV only as a download, so every table is also written as a small
self-contained HTML page (shown in the report's viewer), and the run's summary table is also
rendered into the report's first page (:func:`summary_fragment`). The TSV stays the data;
the HTML is its reading copy, made from the same rows. This module says which tables the
workflow writes, their headings and how their cells are laid out; the HTML itself is
:mod:`digitface.report.html_table`'s.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from digitface.atomic import read_tsv
from digitface.report.html_table import TABLE_STYLE, is_number, table_html, write_table_page

#: Human headings of the columns of each table the workflow writes (TSV name -> heading).
HEADINGS = {
    "summary": {
        "experiment": "Result",
        "split": "Set",
        "ours": "Ours",
        "reference": "Reference; the difference to it, or a note",
        "data": "Measured on",
    },
    "digits": {
        "experiment": "Experiment",
        "metric": "Measure",
        "split": "Set",
        "ours": "Ours",
        "reference": "Reference; ours − reference (percentage points, ± 1 SE)",
        "data": "Data",
    },
    "gradcheck": {
        "param": "Parameter",
        "index": "Index",
        "analytic": "Analytic gradient",
        "numeric": "Central difference",
        "rel_error": "Relative error",
    },
    "faces": {
        "experiment": "Classifier",
        "split": "Set",
        "ours": "Accuracy, ours (mean ± sd over seeds); its sampling error (1 SE); faces; chance",
        "reference": "Reference; ours − reference (percentage points, ± 1 SE), or why there is none",
        "epoch kept": "Epoch kept (mean ± sd over seeds)",
        "measured on": "Data; features and weights",
    },
    "faces_data": {
        "actor": "Actor",
        "listed": "Rows listed",
        "fetched": "Bodies fetched",
        "verified": "Verified (SHA-256)",
        "cropped": "Cropped",
        "images": "Distinct images",
        "failures": "What the other rows met (rows)",
    },
    "backprop": {
        "method": "Method",
        "fit": "Fit",
        "measured": "Measured exponent",
        "ci95": "95% confidence interval",
        "predicted": "Predicted",
        "prose": "The reference's prose",
    },
}


@dataclass(frozen=True)
class Table:
    """One table of the workflow as the report shows it."""

    kind: str  # its headings in HEADINGS
    part: str  # the experiment it belongs to (digits, faces, backprop), or "run" for all of them
    category: str  # the report's category
    label: str  # its name in the report's menu (short: the menu widens to fit it)
    title: str
    caption: str


#: Every table the workflow writes, by its path under results/<run>/ without ".tsv".
TABLES = {
    "metrics": Table(
        "summary",
        "run",
        "Summary",
        "every result vs reference",
        "Every result beside the reference",
        (
            "Every result of this run beside the reference report's number, in one table: the softmax "
            "networks on MNIST (accuracy of the iteration chosen on validation; the note gives the "
            "difference to the reference and one binomial standard error), the gradient check, and the "
            "face classifiers (mean ± sd over seeds; the note gives the number of faces and the AlexNet "
            "weights). The last column says what each row was measured on: the bundled sample or full "
            "MNIST, synthetic faces or real FaceScrub crops. Rows on the sample or on synthetic faces are "
            "not comparable with the reference; they show the pipeline runs end to end."
        ),
    ),
    "digits/metrics": Table(
        "digits",
        "digits",
        "Digits",
        "table: digits vs reference",
        "Digits: every result beside the reference",
        (
            "Every digits result beside the reference report's number: accuracies at the iteration "
            "chosen on validation (refit on train + validation where configured), the difference in "
            "percentage points with our estimate's binomial standard error, the gradient check and, when "
            "configured, the accuracy of the course's snapshot50.pkl."
        ),
    ),
    "digits/gradcheck": Table(
        "gradcheck",
        "digits",
        "Digits",
        "table: gradient check",
        "Gradient check",
        (
            "Finite-difference check of the analytic gradients: central differences in float64 at "
            "seeded coordinates of W and all of b, with the relative error of each (the check passes "
            "when the largest is at most the configured tolerance)."
        ),
    ),
    "faces/summary": Table(
        "faces_data",
        "faces",
        "Faces data",
        "table: each actor's rows",
        "Faces: what each actor's list rows became",
        (
            "Per actor: rows listed, bodies fetched, verified by SHA-256, cropped, distinct images, and a "
            "count per failure reason (dead URLs by HTTP status, timeouts, connection errors, checksum "
            "mismatches, unreadable bodies, bad boxes, duplicates)."
        ),
    ),
    "faces/metrics": Table(
        "faces",
        "faces",
        "Faces models",
        "table: classifiers vs reference",
        "Face classifiers beside the reference",
        (
            "The face classifiers' accuracies (mean ± sd over seeds, at the epoch each seed kept on "
            "validation) beside chance, their sampling error and the reference's number, with the data "
            "(synthetic or real FaceScrub crops) and the AlexNet weights (random or ImageNet) used. A row "
            "is set against the reference (the difference and its standard error) only where it measured "
            "the same thing; otherwise it says why not."
        ),
    ),
    "backprop/fits": Table(
        "backprop",
        "backprop",
        "Performance",
        "table: fitted exponents",
        "Backpropagation cost: fitted exponents",
        (
            "Fitted exponents of the timing curves (median of the repeats at each size; 95% confidence "
            "intervals from the spread of the repeats) beside the reference report's predictions."
        ),
    ),
}


def folded(rows: Sequence[Mapping[str, str]], keep: Sequence[str], into: str) -> list[dict[str, str]]:
    """``rows`` with every column outside ``keep`` folded into one cell ``into``: a line
    "column: value" per nonzero value, largest first. One column per failure reason makes a
    table as wide as the reasons a run meets (wider than the report's pane); one cell of lines
    keeps it as narrow as the rest."""
    out = []
    for row in rows:
        rest = [(c, v) for c, v in row.items() if c not in keep and v not in ("", "0")]
        rest.sort(key=lambda cv: (-float(cv[1]) if is_number(cv[1]) else 0.0, cv[0]))
        out.append({**{c: row[c] for c in keep if c in row}, into: "\n".join(f"{c}: {v}" for c, v in rest)})
    return out


#: Reading copies with merged cells: the faces table's eleven columns in six, the digits' seven
#: in six, the summary's six in five, each merged cell a few lines, so that the tables fit the
#: report's pane (the TSVs keep a column per value).
MERGED = {
    "summary": {
        "experiment": ["experiment"],
        "split": ["split"],
        "ours": ["ours"],
        "reference": ["reference", "note"],
        "data": ["data"],
    },
    "faces": {
        "experiment": ["experiment"],
        "split": ["split"],
        "ours": ["ours (mean ± sd over seeds)", "sampling error", "n", "chance"],
        "reference": ["reference", "difference"],
        "epoch kept": ["epoch kept"],
        "measured on": ["data", "weights"],
    },
    "digits": {
        "experiment": ["experiment"],
        "metric": ["metric"],
        "split": ["split"],
        "ours": ["ours"],
        "reference": ["reference", "difference"],
        "data": ["data"],
    },
}


def merged(rows: Sequence[Mapping[str, str]], cells: Mapping[str, Sequence[str]]) -> list[dict[str, str]]:
    """``rows`` with the columns of each of ``cells`` joined into one cell, a line per
    non-empty value ("n" values read "n = 120")."""

    def line(column: str, value: str) -> str:
        return f"{column} = {value}" if column == "n" else value

    return [{new: "\n".join(line(c, row[c]) for c in old if row.get(c)) for new, old in cells.items()} for row in rows]


def tsv_page(tsv: str | os.PathLike, dest: str | os.PathLike, table: str, provenance: str = "") -> None:
    """The reading copy of one of the workflow's :data:`TABLES` (``table``: its name)."""
    spec = TABLES[table]
    rows = read_tsv(tsv)
    if spec.kind == "faces_data":
        headings = HEADINGS["faces_data"]
        rows = folded(rows, [c for c in headings if c != "failures"], "failures")
    elif spec.kind in MERGED:
        rows = merged(rows, MERGED[spec.kind])
    write_table_page(dest, spec.title, rows, HEADINGS[spec.kind], provenance)


#: The columns of the summary on the report's first page, a narrow column beside the rule graph:
#: the numbers a reader comes for; the notes and data are in the full table (menu: Summary).
FIRST_PAGE = {"experiment": "Result", "split": "Set", "ours": "Ours", "reference": "Reference"}


def summary_fragment(tsv: str | os.PathLike) -> str:
    """The run's summary table (its main columns) as an HTML fragment for the report's first
    page, or "" before the run has made it."""
    path = Path(tsv)
    if not path.is_file():
        return ""
    rows = [{c: r[c] for c in FIRST_PAGE} for r in read_tsv(path)]
    return f"<style>{TABLE_STYLE} table.df.first {{ font-size: 0.75em; }}</style>\n" + table_html(
        rows, FIRST_PAGE
    ).replace('<table class="df">', '<table class="df first" id="summary">', 1)
