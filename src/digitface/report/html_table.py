"""An HTML table a reader can sort by a click, and a self-contained page that shows one.

Snakemake's report shows a TSV only as a download; these are the reading copies' HTML, apart
from which tables the workflow writes and how each is laid out (:mod:`digitface.report.pages`),
so that the page's style and its sorting script are written once.
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping, Sequence

from digitface.atomic import write_text

_PAGE_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1em; color: #222; }
h1 { font-size: 1.1em; }
p.note { color: #555; max-width: 60em; }
"""
TABLE_STYLE = """
table.df { border-collapse: collapse; font-size: 0.9em; max-width: 100%; }
table.df th, table.df td { border: 1px solid #ccc; padding: 0.3em 0.45em; text-align: left; vertical-align: top;
                           overflow-wrap: anywhere; }
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


def is_number(text: str) -> bool:
    """Whether a cell reads as a number ("86.11% ± 0.48", "+1.55 pts ...", "3.00e-09")."""
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
                if not is_number(text)
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
        f"<style>{_PAGE_STYLE}{TABLE_STYLE}</style></head><body><h1>{html.escape(title)}</h1>{note_html}\n"
        f"{table_html(rows, headings)}\n<script>{_SORT}</script></body></html>\n"
    )
    write_text(dest, page)
