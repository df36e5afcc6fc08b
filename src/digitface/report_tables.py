"""Tables a reader can read in the report: HTML with human column names, sortable by a click.

Snakemake's report offers a TSV only as a download, so every table is also written as a small
self-contained HTML page (shown in the report's viewer), and the run's summary table is also
rendered into the report's first page (:func:`summary_fragment`). The TSV stays the data;
the HTML is its reading copy, made from the same rows.
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from digitface.atomic import read_tsv, write_text

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


_PAGE_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1em; color: #222; }
h1 { font-size: 1.1em; }
p.note { color: #555; max-width: 60em; }
"""
_TABLE_STYLE = """
table.df { border-collapse: collapse; font-size: 0.9em; max-width: 100%; }
table.df th, table.df td { border: 1px solid #ccc; padding: 0.3em 0.45em; text-align: left; vertical-align: top;
                           overflow-wrap: break-word; }
table.df th { background: #f0f0f0; cursor: pointer; user-select: none; overflow-wrap: normal; }
table.df td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.df td.num.short { white-space: nowrap; }
table.df td.lines { white-space: pre-line; }
table.df tr:nth-child(even) td { background: #fafafa; }
"""

_SORT = """
document.querySelectorAll("table.df th").forEach(function (th, col) {
  th.title = "click to sort";
  th.addEventListener("click", function () {
    var body = th.closest("table").tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var up = th.dataset.order !== "up";
    th.dataset.order = up ? "up" : "down";
    var key = function (r) {
      var t = r.cells[col].textContent.trim(), n = parseFloat(t.replace(/[^0-9eE.+-].*$/, ""));
      return isNaN(n) ? t : n;
    };
    rows.sort(function (a, b) {
      var x = key(a), y = key(b);
      var c = (typeof x === typeof y) ? (x < y ? -1 : x > y ? 1 : 0) : (typeof x === "number" ? -1 : 1);
      return up ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
"""


#: A number cell up to this long never wraps ("86.11% ± 0.48"); a longer one ("+1.55 pts (1 SE =
#: 0.27 pts, n = 7000)") wraps like text, so that no table is wider than the report's pane.
SHORT = 16


def _is_number(text: str) -> bool:
    head = text.replace("%", " ").replace("±", " ").split()
    try:
        float(head[0])
    except (IndexError, ValueError):
        return False
    return True


def table_html(rows: Sequence[Mapping[str, str]], headings: Mapping[str, str]) -> str:
    """An HTML table of ``rows`` (dicts), the columns in the order of ``headings``, plus any
    column ``rows`` have that ``headings`` does not name (shown under its own name)."""
    columns = list(headings)
    for row in rows:
        columns += [c for c in row if c not in columns]
    head = "".join(f"<th>{html.escape(headings.get(c, c))}</th>" for c in columns)
    body = []
    for row in rows:
        cells = []
        for c in columns:
            text = str(row.get(c, ""))
            cls = (
                ' class="lines"'
                if "\n" in text
                else ""
                if not _is_number(text)
                else ' class="num short"'
                if len(text) <= SHORT
                else ' class="num"'
            )
            cells.append(f"<td{cls}>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="df"><thead><tr>{head}</tr></thead>\n<tbody>\n' + "\n".join(body) + "\n</tbody></table>"


def write_table_page(
    dest: str | os.PathLike, title: str, rows: Sequence[Mapping[str, str]], headings: Mapping[str, str], note: str = ""
) -> None:
    """A self-contained HTML page with one sortable table (atomically)."""
    note_html = f'<p class="note">{html.escape(note)}</p>' if note else ""
    page = (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{_PAGE_STYLE}{_TABLE_STYLE}</style></head><body><h1>{html.escape(title)}</h1>{note_html}\n"
        f"{table_html(rows, headings)}\n<script>{_SORT}</script></body></html>\n"
    )
    write_text(dest, page)


def folded(rows: Sequence[Mapping[str, str]], keep: Sequence[str], into: str) -> list[dict[str, str]]:
    """``rows`` with every column outside ``keep`` folded into one cell ``into``: a line
    "column: value" per nonzero value, largest first. One column per failure reason makes a
    table as wide as the reasons a run meets (wider than the report's pane); one cell of lines
    keeps it as narrow as the rest."""
    out = []
    for row in rows:
        rest = [(c, v) for c, v in row.items() if c not in keep and v not in ("", "0")]
        rest.sort(key=lambda cv: (-float(cv[1]) if _is_number(cv[1]) else 0.0, cv[0]))
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
    return f"<style>{_TABLE_STYLE} table.df.first {{ font-size: 0.75em; }}</style>\n" + table_html(
        rows, FIRST_PAGE
    ).replace('<table class="df">', '<table class="df first" id="summary">', 1)
