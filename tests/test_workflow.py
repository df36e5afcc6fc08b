"""End to end: the workflow on a tiny config, incremental reruns, config validation, lint, format."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys

import numpy as np
import pytest

from testkit.workflow import (
    OUT,
    REPO,
    TINY,
    copy_workflow,
    feature_chunks,
    planned_outputs,
    snakemake,
    unavailable,
    write_config,
)


def test_every_digits_output_is_produced(finished_run):
    workdir, _ = finished_run
    digits = workdir / OUT / "digits"
    for rel in ["figures/gallery.png", "gradcheck.tsv", "metrics.tsv", "data/split.json"]:
        assert (digits / rel).stat().st_size > 0, rel
    for opt in ("gd", "momentum"):
        for rel in [
            f"figures/curves_{opt}.png",
            f"figures/curves_{opt}.svg",
            f"figures/weights_{opt}.png",
            f"{opt}/history.tsv",
            f"{opt}/weights.npz",
        ]:
            assert (digits / rel).stat().st_size > 0, rel
        metrics = json.loads((digits / opt / "metrics.json").read_text())
        assert metrics["chosen_on"] == "validation accuracy"
        assert metrics["at_chosen"]["test"]["accuracy"] > 0.8
    split = json.loads((digits / "data/split.json").read_text())
    assert split["counts"] == {"train": 9400, "val": 300, "test": 300}
    verdict = json.loads((digits / "gradcheck.json").read_text())
    assert verdict["passed"] and verdict["max_rel_error"] <= 1e-7
    with open(digits / "metrics.tsv") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    refs = {(r["experiment"].split(" (")[0], r["split"]): r["reference"] for r in rows}
    assert refs[("softmax gd", "test")] == "92.57%"
    assert refs[("softmax momentum", "test")] == "92.67%"
    # The reference's protocol too: its fixed iterations on train + validation, nothing chosen.
    assert refs[("softmax momentum, reference protocol", "test")] == "92.67%"
    fixed = json.loads((digits / "gd" / "reference_protocol.json").read_text())
    assert fixed["settings"]["iterations"] == 15 and fixed["settings"]["gamma"] == 0.0
    assert fixed["final"]["test"]["accuracy"] > 0.5  # trained: chance is 0.1
    for log in ("train_softmax/gd.log", "prepare_mnist/prepare_mnist.log"):
        assert (workdir / OUT / "logs" / log).exists()


def test_synthetic_faces_flow_through_download_verify_crop(finished_run):
    workdir, _ = finished_run
    faces = workdir / OUT / "faces"
    with open(faces / "summary.tsv") as fh:
        summary = list(csv.DictReader(fh, delimiter="\t"))
    assert [r["actor"] for r in summary] == [f"Synthetic Person {c}" for c in "ABCDEF"]
    assert all(r["listed"] == r["verified"] == r["cropped"] == "60" for r in summary)
    for size in (64, 227):
        crops = np.load(faces / "arrays" / f"synthetic_person_a_{size}.npy", mmap_mode="r")
        assert crops.shape == (60, size, size, 3) and crops.dtype == np.uint8
    with open(faces / "manifests" / "synthetic_person_a.tsv") as fh:
        manifest = list(csv.DictReader(fh, delimiter="\t"))
    assert len(manifest) == 60 and {r["outcome"] for r in manifest} == {"ok"}
    assert (faces / "lists" / "rejects.tsv").read_text().startswith("source\tline\treason")


def test_face_classifiers_and_figures(finished_run):
    workdir, _ = finished_run
    faces = workdir / OUT / "faces"
    with open(faces / "metrics.tsv") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert {r["split"] for r in rows} == {"train", "validation", "test"}
    assert all("SYNTHETIC" in r["data"] for r in rows)
    alexnet = [r for r in rows if "AlexNet" in r["experiment"]]
    assert alexnet and all("RANDOM AlexNet weights" in r["weights"] for r in alexnet)
    # 6 synthetic people x 60 faces -> per person a chunk of 40 and one of 20, each its own file,
    # computed by 3 jobs of 4 chunks (chunks_per_job), the second spanning people b and c.
    features = faces / "alexnet" / "conv5-random0-reference-c40"
    chunks = feature_chunks(features)
    people = [f"synthetic_person_{c}" for c in "abcdef"]
    assert list(chunks) == [(p, k) for p in people for k in range(2)]
    assert sorted(p.name for p in (features / "parts").iterdir()) == ["part_000.tsv", "part_001.tsv", "part_002.tsv"]
    assert [np.load(c, mmap_mode="r").shape for c in chunks.values()] == [(40, 43264), (20, 43264)] * 6
    for png in [
        "mlp/curves.png",
        "figures/hidden_units_synthetic_person_a.png",
        "figures/hidden_units_synthetic_person_d.png",
    ]:
        assert (faces / png).stat().st_size > 0, png
    index = (faces / "split.tsv").read_text().splitlines()
    assert len(index) == 361 and index[0].startswith("actor\tlabel\tface_id")


def test_one_table_holds_every_result_beside_the_reference(finished_run):
    workdir, _ = finished_run
    results = workdir / OUT

    def table(path):
        with open(path) as fh:
            return list(csv.DictReader(fh, delimiter="\t"))

    combined = table(results / "metrics.tsv")
    digits, faces = table(results / "digits/metrics.tsv"), table(results / "faces/metrics.tsv")
    assert len(combined) == len(digits) + len(faces)
    pairs = {(r["experiment"], r["split"]): (r["ours"], r["reference"]) for r in combined}
    for prefix, rows in (("digits", digits), ("faces", faces)):
        for r in rows:
            key = (f"{prefix}: {r['experiment']}", r["split"])
            ours = r.get("ours") or r["ours (mean ± sd over seeds)"]
            assert pairs[key] == (ours, r["reference"]), key
    refs = {r["reference"] for r in combined}
    assert {"93.24%", "92.57%", "92.67%"} <= refs
    assert all(r["data"] for r in combined if r["experiment"].startswith("faces"))
    # Synthetic faces are not the reference's photographs: no face row is set against its number,
    # each says why and what the reference got on its own data, beside chance and its error.
    notes = {(r["experiment"], r["split"]): r["note"] for r in combined if r["experiment"].startswith("faces")}
    assert all(r["reference"] == "" for r in combined if r["experiment"].startswith("faces"))
    tests = [note for (name, split), note in notes.items() if split == "test"]
    assert len(tests) == 2 and all(n.startswith("no comparison: synthetic faces") for n in tests)
    assert {"the reference got 83.33% on its own", "the reference got 92.50% on its own"} <= {
        part.strip() for n in tests for part in n.split(";")
    }
    assert all("chance 16.67%" in n for n in notes.values())


def test_backprop_cost_experiment(finished_run):
    workdir, _ = finished_run
    out = workdir / OUT / "backprop"
    summary = json.loads((out / "summary.json").read_text())
    assert max(summary["agreement"]["max_rel_diff"].values()) < 1e-6
    assert {f["method"] for f in summary["fits"]} == {"paths", "finite differences", "backprop"}
    assert (out / "backprop_cost.png").stat().st_size > 0


def test_report_is_one_self_contained_page_with_every_figure(finished_run):
    import base64
    import io
    import re

    from PIL import Image

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
    import shutil

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
    import json
    import re

    from PIL import Image

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


def test_second_run_has_nothing_to_do(finished_run):
    workdir, config = finished_run
    proc = snakemake(workdir, "--configfile", str(config), "-n")
    assert "Nothing to be done" in proc.stdout + proc.stderr


def test_changing_gamma_reruns_only_momentum(finished_run):
    workdir, _ = finished_run
    changed = json.loads(json.dumps(TINY))
    changed["digits"]["train"]["momentum"]["gamma"] = 0.5
    config = write_config(workdir / "gamma.yaml", changed)
    outputs = planned_outputs(snakemake(workdir, "--configfile", str(config), "-n").stdout)
    assert f"{OUT}/digits/momentum/metrics.json" in outputs
    assert f"{OUT}/digits/figures/curves_momentum.png" in outputs
    assert f"{OUT}/digits/metrics.tsv" in outputs
    assert not [o for o in outputs if "gd" in o or "gallery" in o or "gradcheck" in o or "data/" in o]


@pytest.mark.parametrize(
    "change, tag",
    [
        ({"chunk_size": 25}, "conv5-random0-reference-c25"),
        ({"layer": "conv4"}, "conv4-random0-reference-c40"),
        ({"dtype": "float16"}, "conv5-random0-reference-c40-f16"),
    ],
)
def test_changing_chunks_or_layer_reruns_only_the_feature_jobs(finished_run, change, tag):
    workdir, _ = finished_run
    changed = json.loads(json.dumps(TINY))
    changed["face_models"]["alexnet"].update(change)
    config = write_config(workdir / "alexnet.yaml", changed)
    outputs = planned_outputs(snakemake(workdir, "--configfile", str(config), "-n").stdout)
    parts = {o for o in outputs if "/parts/" in o}
    n_chunks = 6 * -(-60 // change.get("chunk_size", 40))  # per person, then 4 per job
    assert parts == {f"{OUT}/faces/alexnet/{tag}/parts/part_{k:03d}.tsv" for k in range(-(-n_chunks // 4))}
    others = outputs - parts
    tables = {f"{OUT}/{t}" for t in ("faces/metrics.tsv", "faces/metrics.html", "metrics.tsv", "metrics.html")}
    assert all(o.startswith(f"{OUT}/faces/alexnet/{tag}/") or o in tables for o in others), others


def test_changing_the_feature_mlp_reruns_no_extraction(finished_run):
    """The feature MLP's schedule is not what the features depend on: no extraction job reruns."""
    workdir, _ = finished_run
    changed = json.loads(json.dumps(TINY))
    changed["face_models"]["alexnet"]["mlp"]["epochs"] = 3
    outputs = planned_outputs(
        snakemake(workdir, "--configfile", str(write_config(workdir / "mlp.yaml", changed)), "-n").stdout
    )
    assert f"{OUT}/faces/alexnet/conv5-random0-reference-c40/mlp/seed_0/metrics.json" in outputs
    assert not [o for o in outputs if "/parts/" in o]


def test_bad_config_value_fails_before_any_job(tmp_path):
    workdir = copy_workflow(tmp_path)
    config = write_config(workdir / "bad.yaml", {"digits": {"source": "floppy"}})
    proc = snakemake(workdir, "--configfile", str(config), check=False)
    assert proc.returncode != 0
    message = proc.stdout + proc.stderr
    assert "'floppy' is not one of ['sample', 'idx_dir', 'download', 'mat']" in message
    assert "source" in message
    assert not (workdir / "results").exists()


def test_lint_is_clean():
    proc = subprocess.run([sys.executable, "-m", "snakemake", "--lint"], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Congratulations" in proc.stdout + proc.stderr


def test_snakefmt_is_clean():
    proc = subprocess.run(["snakefmt", "--check", "Snakefile", "rules"], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_ruff_is_clean(command):
    """The Python code passes ruff's lint and format checks with the settings in pyproject.toml."""
    proc = subprocess.run([sys.executable, "-m", "ruff", *command, "."], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


#: Asks Snakemake itself which rules run on the submitting (head) node.
LOCAL_RULES = """
import json
from pathlib import Path

from snakemake.api import SnakemakeApi
from snakemake.settings.types import OutputSettings, ResourceSettings

with SnakemakeApi(OutputSettings(quiet={"all"})) as api:
    flow = api.workflow(resource_settings=ResourceSettings(cores=1), snakefile=Path("Snakefile"), workdir=Path("."))
    workflow = flow._workflow  # its local rules: those that run where Snakemake runs on a cluster
    print(json.dumps(sorted(r.name for r in workflow.rules if r.name in workflow._localrules and not r.norun)))
"""


@pytest.mark.parametrize("profile", ["local", "slurm"])
def test_profiles_plan_the_workflow(tmp_path, profile):
    """Both profiles load (the slurm one through the executor plugin) and plan every job."""
    workdir = copy_workflow(tmp_path)
    proc = snakemake(workdir, "--profile", f"profiles/{profile}", "-n", "--quiet", "rules")
    counts = {
        p[0]: int(p[1]) for p in (line.split() for line in proc.stdout.splitlines()) if len(p) == 2 and p[1].isdigit()
    }
    assert counts["download_batch"] == 6 and counts["train_softmax"] == 2


def test_downloads_run_on_the_head_node(tmp_path):
    """Snakemake's own view of the rules: the ones that need the network are local rules
    (under SLURM they run where Snakemake runs); everything else may be submitted."""
    workdir = copy_workflow(tmp_path)
    proc = subprocess.run([sys.executable, "-c", LOCAL_RULES], cwd=workdir, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == [
        "download_batch",
        "download_mnist",
        "fetch_alexnet_weights",
        "fetch_face_list",
        "unknown_target",
    ]


def test_committed_rule_graph_is_current(finished_run):
    """docs/rulegraph.svg shows exactly the rules `snakemake --rulegraph` has after a run (on a
    fresh checkout Snakemake cannot know the jobs after the checkpoints yet: the downloads
    after the lists are read, the chunk jobs after the split; so the picture is drawn after a
    run, see docs/README.md)."""
    import re

    workdir, config = finished_run
    proc = snakemake(workdir, "--configfile", str(config), "--rulegraph")
    rules_now = set(re.findall(r'label = "([a-z_]+)"', proc.stdout))
    drawn = set(re.findall(r">([a-z_]+)</text>", (REPO / "docs" / "rulegraph.svg").read_text()))
    # The tiny run also runs the reference protocol (train_softmax_fixed), which the default,
    # the picture's configuration, leaves off.
    assert rules_now - {"train_softmax_fixed"} == drawn, "regenerate docs/rulegraph.* after a run (docs/README.md)"


def test_a_rerun_recomputes_only_missing_or_changed_chunks(finished_run, tmp_path):
    """Real reruns on a copy of the finished run: which chunk files did each one rewrite?"""
    import shutil

    workdir = tmp_path / "wf"
    shutil.copytree(finished_run[0], workdir)  # copy2 keeps mtimes: nothing is outdated
    features = workdir / OUT / "faces/alexnet/conv5-random0-reference-c40"
    target = str(features.relative_to(workdir) / "mlp/summary.json")

    def run(config: dict, *args: str) -> set[tuple[str, int]]:
        """Run Snakemake; the chunks whose files it wrote (in the feature set's cache)."""
        before = {p: p.stat().st_mtime_ns for p in (features / "chunks").glob("*.npy")}
        # Targets and options first: --configfile takes every path that follows it.
        snakemake(workdir, *args, "--configfile", str(write_config(workdir / "c.yaml", config)))
        return {c for c, p in feature_chunks(features).items() if before.get(p) != p.stat().st_mtime_ns}

    # A new split (other seed): the same faces are used, so no chunk is computed; the MLP reruns.
    reseeded = json.loads(json.dumps(TINY))
    reseeded["face_models"]["split"] = {"seed": 7}
    mlp_before = (features / "mlp/seed_0/metrics.json").read_text()
    assert run(reseeded, target) == set()
    assert (features / "mlp/seed_0/metrics.json").read_text() != mlp_before

    # One person's crops are changed: only that person's chunks are computed again (their job
    # reruns, and so does every job whose crops were rewritten, but those find their chunks).
    b = workdir / OUT / "faces/arrays/synthetic_person_b_227.npy"
    crops = np.load(b)
    crops[:, 0, 0, 0] ^= 1
    np.save(b, crops)
    assert run(reseeded, target) == {("synthetic_person_b", 0), ("synthetic_person_b", 1)}

    # A run killed while extracting: a job's manifest and one of its chunk files are missing
    # (the other chunks it had finished are in the cache). Only that chunk is made again.
    killed = features / "parts/part_002.tsv"
    lost = feature_chunks(features)[("synthetic_person_e", 1)]
    killed.unlink()
    lost.unlink()
    shutil.rmtree(features / "mlp")
    assert run(reseeded, target) == {("synthetic_person_e", 1)}


def test_commands_documented_in_the_configs_plan_their_jobs(tmp_path, shared_mnist_dir, shared_facescrub_dir):
    """Each configs/*.yaml names the command that uses it; each one parses and plans jobs
    (a dry run: the download config would need the network to run)."""
    import shlex
    import shutil

    workdir = copy_workflow(tmp_path / "wf")
    shutil.copytree(REPO / "configs", workdir / "configs")
    (tmp_path / "shared").symlink_to(shared_mnist_dir.parents[1])  # ../shared, as beside a clone
    commands = [
        line.lstrip("# ").strip()
        for cfg in sorted((workdir / "configs").glob("*.yaml"))
        for line in cfg.read_text().splitlines()
        if line.startswith("#   snakemake ")
    ]
    assert len(commands) == 4
    for command in commands:
        args = shlex.split(command)[1:]
        proc = snakemake(workdir, *args, "-n", check=False)
        out = proc.stdout + proc.stderr
        assert proc.returncode == 0 and "Job stats:" in out, command + "\n" + out


def test_the_dag_renders_with_graphviz(finished_run, tmp_path):
    """docs/design.md's `snakemake --dag | dot -Tsvg`: one node per job, none per image."""
    import re
    import shutil

    dot = shutil.which("dot")
    if dot is None:
        unavailable("needs Graphviz's dot (apt-get install graphviz; .ci/run installs it)")
    workdir, config = finished_run
    graph = snakemake(workdir, "--configfile", str(config), "--dag").stdout
    svg = subprocess.run([dot, "-Tsvg"], input=graph, capture_output=True, text=True, check=True).stdout
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    jobs = re.findall(r'label = "([a-z_]+)', graph)
    assert jobs.count("download_batch") == 6 and jobs.count("extract_alexnet_chunks") == 3
    assert len(jobs) < 100  # per actor, chunk and seed: never per image (360 faces)


def test_every_rule_explains_itself_and_a_mistyped_target_names_the_real_ones(tmp_path):
    workdir = copy_workflow(tmp_path)
    listed = snakemake(workdir, "--list-rules").stdout
    rules = []  # one entry per rule: its line and the docstring's continuation lines
    for line in listed.splitlines():
        if line.startswith(" ") and rules:
            rules[-1] += " " + line.strip()
        elif line:
            rules.append(line)
    assert len(rules) >= 25 and all(" (" in r and r.rstrip().endswith(")") for r in rules), listed
    proc = snakemake(workdir, "digts", "-n", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "'digts' is not a target of this workflow. Did you mean 'digits'?" in out
    assert "Targets: all, digits, faces_data, faces, backprop" in out
    # A real file target is not caught by it.
    assert snakemake(workdir, "results/sample/digits/gradcheck.json", "-n").returncode == 0


def test_readme_tables_are_the_committed_results():
    """No measured number in README.md or docs/results.md is typed by hand: their tables (the
    headline in README, every other one in docs/results.md) are generated from
    benchmarks/results/*.json (python tools/readme_tables.py --write)."""
    proc = subprocess.run(
        [sys.executable, "tools/readme_tables.py", "--check"], cwd=REPO, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_planning_the_workflow_imports_no_torch(finished_run):
    """A no-op rerun plans the whole DAG (the chunk jobs included, from the face index): it
    must not pay for importing torch (seconds, every time Snakemake plans)."""
    workdir, config = finished_run
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "snakemake", "--cores", "1", "-n", "--configfile", str(config)],
        cwd=workdir,
        capture_output=True,
        text=True,
    )
    assert "Nothing to be done" in proc.stdout + proc.stderr
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "digitface.faces.data.face_index" in imported  # the chunk plan was read
    assert not {m for m in imported if m == "torch" or m.startswith("torch.")}, "planning imported torch"


def test_a_changed_list_row_reruns_only_its_actor(finished_run, tmp_path):
    """The lists are read once; each actor's rows are its own input. Editing one person's row
    reruns that person's download and crops, not the others' (their rows are unchanged)."""
    import shutil

    workdir = tmp_path / "wf"
    shutil.copytree(finished_run[0], workdir)  # copy2 keeps mtimes: nothing is outdated
    listed = workdir / "data/synthetic_faces/synthetic_faces.txt"
    lines = listed.read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("Synthetic Person B\t"))
    fields = lines[index].split("\t")
    x1, y1, x2, y2 = (int(v) for v in fields[4].split(","))
    fields[4] = f"{x1 + 1},{y1},{x2},{y2}"  # one box of one person nudged
    lines[index] = "\t".join(fields)
    listed.write_text("\n".join(lines) + "\n")
    manifests = workdir / OUT / "faces" / "download"
    before = {p.name: p.stat().st_mtime_ns for p in manifests.glob("*.tsv")}
    snakemake(workdir, "faces_data", "--configfile", "tiny.yaml")
    after = {p.name: p.stat().st_mtime_ns for p in manifests.glob("*.tsv")}
    assert {name for name in after if after[name] != before[name]} == {"synthetic_person_b.tsv"}


def test_several_actors_per_job_make_fewer_jobs_and_the_same_results(finished_run, tmp_path):
    """`--config faces={actors_per_job: 4}` on a finished run, as a user scaling up types it:
    two download and two crop jobs instead of six, nothing fetched or decoded again (the stores
    and crops are per actor and per face), and the same faces, split and MLP results."""
    import shutil

    workdir = tmp_path / "wf"
    shutil.copytree(finished_run[0], workdir)  # copy2 keeps mtimes: nothing is outdated
    faces = workdir / OUT / "faces"
    kept = {p: p.stat().st_mtime_ns for p in [*faces.glob("store/*/*"), *faces.glob("crops/*/*")]}

    def index() -> list[dict]:
        with open(faces / "split.tsv", newline="") as fh:
            return list(csv.DictReader(fh, delimiter="\t"))

    def placement_free(rows: list[dict]) -> list[dict]:
        """The index without where each face sits (its batch's array and row there)."""
        return [{k: v for k, v in row.items() if k not in ("array", "array_row")} for row in rows]

    def metrics() -> dict:
        """Both classifiers' results per seed, all but their run time."""
        return {
            str(p.relative_to(faces)): {k: v for k, v in json.loads(p.read_text()).items() if k != "seconds"}
            for p in [*faces.glob("mlp/seed_*/metrics.json"), *faces.glob("alexnet/*/mlp/seed_*/metrics.json")]
        }

    split_before, mlp_before = placement_free(index()), metrics()
    assert len(mlp_before) == 4
    summary_before = (faces / "summary.tsv").read_text()
    proc = snakemake(workdir, "faces", "--configfile", "tiny.yaml", "--config", "faces={actors_per_job: 4}")
    log = proc.stdout + proc.stderr
    for rule in ("download_batch", "crop_batch"):
        assert re.search(rf"^{rule}\s+2$", log, re.MULTILINE), log
    batches = ["synthetic_person_a..synthetic_person_d", "synthetic_person_e..synthetic_person_f"]
    assert sorted(p.stem for p in (faces / "manifests").glob("*..*.tsv")) == batches
    for batch in batches:
        assert re.search(r", 0 to fetch", (workdir / OUT / f"logs/download_batch/{batch}.log").read_text())
    assert {p: p.stat().st_mtime_ns for p in kept} == kept  # no body fetched, no crop redone
    split_after = index()
    assert {row["array"] for row in split_after} == set(batches)
    assert placement_free(split_after) == split_before
    assert metrics() == mlp_before
    assert (faces / "summary.tsv").read_text() == summary_before
    assert {batch for batch, _ in feature_chunks(faces / "alexnet/conv5-random0-reference-c40")} == set(batches)


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
    import json
    import re

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
    assert "random AlexNet weights" in rows[-1]["difference"]
