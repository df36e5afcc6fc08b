"""Incremental reruns after a finished run: nothing to do when nothing changed; a changed setting,
list row or crop reruns exactly what depends on it; several actors per job give the same results."""

from __future__ import annotations

import csv
import json
import re
import shutil

import numpy as np
import pytest

from testkit.workflow import OUT, TINY, feature_chunks, planned_outputs, snakemake, write_config


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


def test_a_rerun_recomputes_only_missing_or_changed_chunks(finished_run, tmp_path):
    """Real reruns on a copy of the finished run: which chunk files did each one rewrite?"""
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


def test_a_changed_list_row_reruns_only_its_actor(finished_run, tmp_path):
    """The lists are read once; each actor's rows are its own input. Editing one person's row
    reruns that person's download and crops, not the others' (their rows are unchanged)."""
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
