"""What a finished run of the tiny configuration holds: every digits output, the synthetic faces
through download, verification and crop, both face classifiers and their figures, one table of
every result beside the reference, and the backpropagation cost experiment."""

from __future__ import annotations

import csv
import json

import numpy as np

from testkit.workflow import OUT, feature_chunks


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
    # pixels, AlexNet, and the two classifiers on the face descriptor
    assert len(tests) == 4 and all(n.startswith("no comparison: synthetic faces") for n in tests)
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
