"""The report, made by `snakemake --report` from a finished run: one self-contained page with every
figure and table, and, opened in headless Chromium (Debian's chromium; .ci/run installs it),
a first page with the run's numbers, a menu that never covers the text and tables that fit
their pane."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import shutil
import subprocess

import numpy as np
from PIL import Image

from testkit.workflow import OUT, snakemake, unavailable


def test_report_is_one_self_contained_page_with_every_figure(finished_run):
    workdir, config = finished_run
    snakemake(workdir, "--configfile", str(config), "--report", "report.html")
    html = (workdir / "report.html").read_text()
    for category in ("Summary", "Digits", "Faces data", "Faces models", "Performance"):
        assert f'"{category}"' in html, category  # a category of the report's data, quoted
    assert "every result vs reference" in html
    figures = [
        "gallery.png",
        "curves_gd.png",
        "curves_momentum.png",
        "weights_gd.png",
        "weights_momentum.png",
        "hidden_units_synthetic_person_a.png",
        "hidden_units_synthetic_person_d.png",
        "curves.png",
        "backprop_cost.png",
    ]
    for name in figures:
        assert f'"filename": "{name}"' in html, name
    # Every table is in the page as HTML (readable), not only as a TSV to download.
    for table in ("metrics.html", "gradcheck.html", "summary.html", "fits.html"):
        assert f'"filename": "{table}"' in html, table
    # Every embedded PNG decodes: the page carries the pictures themselves, not links.
    blobs = re.findall(r'"data_uri": "data:image/png;[^,"]*,([A-Za-z0-9+/=]+)"', html)
    assert len(blobs) >= len(figures)
    for blob in blobs:
        with Image.open(io.BytesIO(base64.b64decode(blob))) as image:
            assert image.format == "PNG" and image.width > 50
    # Provenance is stated in the page itself.
    assert "bundled sample" in html and "not ImageNet features" in html
    assert "SYNTHETIC faces" in html


CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=5000",
]


#: Injected into a copy of the report: once it has rendered, open every category in turn and
#: record where the menu (nav) ends and the content begins, for the DOM dump to carry out.
LAYOUT_PROBE = """
<script>
window.addEventListener("load", function () {
  var wait = function (ms) { return new Promise(function (r) { setTimeout(r, ms); }); };
  var measure = function () {
    var nav = document.querySelector("nav"), main = nav.nextElementSibling;
    var a = nav.getBoundingClientRect(), b = main.getBoundingClientRect();
    return {nav_left: a.left, nav_right: a.right, main_left: b.left, main_right: b.right,
            page_width: document.documentElement.scrollWidth};
  };
  (async function () {
    await wait(300);
    var out = {"first page": measure()};
    for (var name of CATEGORIES) { app.showCategory(name); await wait(1500); out[name] = measure(); }
    var pre = document.createElement("pre");
    pre.id = "layout-probe";
    pre.textContent = JSON.stringify(out);
    document.body.appendChild(pre);
  })();
});
</script>
"""


def _chromium(browser, tmp_path, *args, page, size=(1400, 1000), budget_ms=20000):
    """Chromium on ``page`` in a window of ``size``, with virtual time enough for the probe's waits."""
    flags = [f for f in CHROMIUM_FLAGS if not f.startswith("--virtual-time-budget")]
    base = [
        browser,
        *flags,
        f"--virtual-time-budget={budget_ms}",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--window-size={size[0]},{size[1]}",
    ]
    return subprocess.run([*base, *args, page.as_uri()], capture_output=True, text=True, timeout=180)


def _report(finished_run):
    """Chromium, the finished run's folder and its report (made once, by the real command)."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        unavailable("needs Debian's chromium (apt-get install chromium; .ci/run installs it)")
    workdir, config = finished_run
    page = workdir / "report.html"
    if not page.exists():
        snakemake(workdir, "--configfile", str(config), "--report", str(page))
    return browser, workdir, page


def test_report_opens_on_the_summary_and_nothing_covers_the_text(finished_run, tmp_path):
    """In headless Chromium at 1400 px: the opened page's DOM holds the summary table with this
    run's numbers; in every category the menu ends where the content begins."""
    browser, workdir, page = _report(finished_run)
    dom = _chromium(browser, tmp_path, "--dump-dom", page=page).stdout
    table = re.search(r'<table class="df first" id="summary">(.*?)</table>', dom, re.S)
    assert table, "the first page has no summary table"
    cells = re.findall(r"<td[^>]*>(.*?)</td>", table.group(1))
    with open(workdir / OUT / "metrics.tsv") as fh:
        expected = list(csv.DictReader(fh, delimiter="\t"))
    for row in expected:  # every number of the run, beside its reference
        assert row["ours"] in cells and (not row["reference"] or row["reference"] in cells), row
    assert {"digits: softmax gd", "faces: MLP on 64x64 RGB crops"} <= {c.split(" (")[0] for c in cells}

    categories = ["Summary", "Digits", "Faces data", "Faces models", "Performance"]
    probed = tmp_path / "probed.html"
    head, _, tail = page.read_text().rpartition("</body>")  # the last one: the page's own
    probed.write_text(head + LAYOUT_PROBE.replace("CATEGORIES", json.dumps(categories)) + "</body>" + tail)
    dom = _chromium(browser, tmp_path, "--dump-dom", page=probed).stdout
    found = re.search(r'<pre id="layout-probe">(.*?)</pre>', dom, re.S)
    assert found, "the layout probe did not run"
    layout = json.loads(found.group(1).replace("&quot;", '"'))
    assert set(layout) == {"first page", *categories}
    for view, box in layout.items():
        assert box["nav_right"] <= 1400 / 3, (view, box)  # the menu stays a menu
        assert box["main_left"] >= box["nav_right"] - 1, (view, box)  # and never covers the text
        assert box["page_width"] <= 1400, (view, box)  # nothing runs off the page

    shot = tmp_path / "report.png"
    _chromium(browser, tmp_path, f"--screenshot={shot}", page=page)
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert pixels.shape[1] == 1400 and pixels.std() > 10  # not a blank page


#: Injected into a copy of the report: open a category, show a result page as the report shows
#: an HTML table (an iframe in the content pane), and record the pane's width.
PANE_PROBE = """
<script>
window.addEventListener("load", function () {
  var wait = function (ms) { return new Promise(function (r) { setTimeout(r, ms); }); };
  (async function () {
    await wait(300);
    app.showCategory("Faces data");
    await wait(1000);
    app.setView({content: "html", contentPath: "about:blank"});
    await wait(1000);
    var pre = document.createElement("pre");
    pre.id = "pane-probe";
    pre.textContent = String(document.querySelector("iframe").getBoundingClientRect().width);
    document.body.appendChild(pre);
  })();
});
</script>
"""


#: Injected into a copy of a table page: how wide it is against how wide it may be.
FIT_PROBE = """<script>window.addEventListener("load", function () {
  var pre = document.createElement("pre"); pre.id = "fit-probe";
  pre.textContent = JSON.stringify({scroll: document.documentElement.scrollWidth,
                                    client: document.documentElement.clientWidth});
  document.body.appendChild(pre);
});</script>"""


def test_report_tables_fit_their_pane_and_compare_only_like_with_like(finished_run, tmp_path):
    """At 1000 and 1400 px, the pane in which the report shows a table, measured in headless
    Chromium; every table of the run, and a faces-data table meeting every failure reason
    there is, rendered at that width: none scrolls sideways. A row measured on other data or
    features than the reference's shows why there is no comparison, never its number."""
    from digitface.faces.data import crop, crop_image, fetch
    from digitface.report.pages import tsv_page

    browser, workdir, page = _report(finished_run)
    probed = tmp_path / "pane.html"
    head, _, tail = page.read_text().rpartition("</body>")
    probed.write_text(head + PANE_PROBE + "</body>" + tail)

    reasons = sorted(
        {
            v
            for m in (fetch, crop_image, crop)
            for k, v in vars(m).items()
            if k.isupper() and isinstance(v, str) and re.fullmatch(r"[a-z_]+", v)
        }
        | {"http_404", "http_410", "http_503", "duplicate_face_id"}
    )
    wide = tmp_path / "summary.tsv"
    header = ["actor", "listed", "fetched", "verified", "cropped", "images", *reasons]
    wide.write_text(
        "\t".join(header)
        + "\n"
        + "".join(
            "\t".join(
                [f"Actor Number {i}", "250", "120", "110", "108", "101", *[str(7 * j + i) for j in range(len(reasons))]]
            )
            + "\n"
            for i in range(6)
        )
    )
    tables = sorted((workdir / OUT).rglob("*.html"))
    assert {t.relative_to(workdir / OUT).as_posix() for t in tables} >= {
        "metrics.html",
        "digits/metrics.html",
        "digits/gradcheck.html",
        "faces/summary.html",
        "faces/metrics.html",
    }
    tsv_page(wide, tmp_path / "wide_summary.html", "faces/summary")
    tables.append(tmp_path / "wide_summary.html")

    for window in (1000, 1400):
        dom = _chromium(browser, tmp_path, "--dump-dom", page=probed, size=(window, 900), budget_ms=10000).stdout
        found = re.search(r'<pre id="pane-probe">([0-9.]+)</pre>', dom)
        assert found, "the pane probe did not run"
        pane = int(float(found.group(1)))
        assert window / 2 < pane < window, (window, pane)
        for table in tables:
            copy = tmp_path / f"fit_{table.parent.name}_{table.name}"
            head, _, tail = table.read_text().rpartition("</body>")
            copy.write_text(head + FIT_PROBE + "</body>" + tail)
            dom = _chromium(browser, tmp_path, "--dump-dom", page=copy, size=(pane, 900), budget_ms=5000).stdout
            fit = json.loads(re.search(r'<pre id="fit-probe">(.*?)</pre>', dom).group(1).replace("&quot;", '"'))
            assert fit["scroll"] <= fit["client"], (window, pane, table.name, fit)

    # Synthetic faces and random AlexNet weights: no row sets itself against the reference.
    with open(workdir / OUT / "faces/metrics.tsv") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    for row in rows:
        assert row["reference"] == ""
        if row["split"] in ("train", "test"):
            assert row["difference"].startswith("no comparison: synthetic faces"), row
    alexnet = [r for r in rows if r["experiment"].startswith("MLP on AlexNet") and r["split"] == "test"]
    assert "random AlexNet weights" in alexnet[0]["difference"]
