"""The faces data branch of the workflow, run by Snakemake against the 2018 replica served on
127.0.0.1: exactly the replica's good images come out, and every other row has its reason."""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict

import numpy as np
import pytest

from digitface.faces.data.lists import format_row, slugify
from testkit.loopback import REPLICA_GOOD_IMAGES, LoopbackServer, Route, serve_replica
from testkit.workflow import copy_workflow, feature_chunks, snakemake, write_config

pytestmark = pytest.mark.slow  # a minute: the whole faces part on the replica (python -m pytest -m slow)


@pytest.fixture(scope="module")
def replica_run(replica, tmp_path_factory):
    dead = {url: Route("body", b"<html>gone</html>", status=404) for url in replica.dead_urls()}
    refused = set(replica.dead_urls()[:25])
    with LoopbackServer(hang_seconds=10.0) as server, pytest.MonkeyPatch.context() as mp:
        mp.setenv("NO_PROXY", "127.0.0.1,localhost")
        mp.setenv("no_proxy", "127.0.0.1,localhost")
        rows = serve_replica(server, replica, dead, refused)
        yield _run_workflow(copy_workflow(tmp_path_factory.mktemp("wf")), rows), replica


def _run_workflow(workdir, rows):
    """The faces branch on a list whose URLs point at the loopback server."""
    listed = workdir / "replica_list.txt"
    listed.write_text("\n".join(format_row(r) for r in rows) + "\n")
    config = write_config(
        workdir / "replica.yaml",
        {
            "faces": {
                "lists": [{"name": "replica", "path": str(listed)}],
                "actors": list(REPLICA_GOOD_IMAGES),
                "download": {
                    "workers": 8,
                    "per_host": 8,
                    "connect_timeout": 2,
                    "read_timeout": 3,
                    "total_timeout": 5,
                    "retries": 1,
                    "backoff_factor": 0.01,
                },
                "crop": {"workers": 2},
            },
            "face_models": {
                # Peri Gilpin has 35 good images: fewer than 20 test + 10 validation + 10 train.
                "split": {"too_few": "scale"},
                "seeds": [0, 1],
                "mlp": {"epochs": 2},
                "hidden_units": {"actors": [{"actor": "Lorraine Bracco"}, {"actor": "Alec Baldwin"}]},
                "alexnet": {"weights": "random", "mlp": {"epochs": 1}},
                "descriptor": {"mlp": {"epochs": 3}, "linear": {"epochs": 3}},
            },
        },
    )
    snakemake(workdir, "faces", "--configfile", str(config))
    return workdir


def test_face_models_run_on_the_replica_crops(replica_run):
    workdir, _ = replica_run
    faces = workdir / "results" / "replica" / "faces"
    with open(faces / "metrics.tsv") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    # Pixels, AlexNet, and the MLP and linear softmax on dlib's face descriptor: 3 splits each.
    assert len(rows) == 12 and all(r["data"].startswith("FaceScrub crops (real photographs)") for r in rows)
    described = [r for r in rows if "dlib face descriptors" in r["experiment"]]
    assert len(described) == 6
    for r in described:
        # Every real crop got a descriptor; the overlap of dlib's training data is said, no cartoons.
        assert r["data"] == "FaceScrub crops (real photographs); every face described"
        assert "includes FaceScrub" in r["weights"] and "cartoon" not in r["weights"]
        assert r["reference"] == "" and r["difference"].startswith("no comparison: a face network's features")
    problems = list((faces / "descriptor").glob("*/parts/*.problems.tsv"))
    assert problems and all(p.read_text().splitlines() == ["array\tarray_row\treason"] for p in problems)
    # Random weights on real photographs are an explicit choice, and the table says so.
    alexnet = [r for r in rows if "AlexNet" in r["experiment"]]
    assert all("RANDOM AlexNet weights (seed 0, set explicitly on real photographs" in r["weights"] for r in alexnet)
    with open(faces / "split.tsv", newline="") as fh:
        used = list(csv.DictReader(fh, delimiter="\t"))  # by column name: the index grows columns
    assert sum(r["set"] in ("train", "validation", "test") for r in used) == 308
    per_actor = Counter(r["actor"] for r in used)  # every cropped face, duplicates included
    chunks = feature_chunks(next((faces / "alexnet").glob("conv5-*")))
    # Each actor's crop array in chunks of up to 100 rows.
    assert len(chunks) == sum(-(-n // 100) for n in per_actor.values())
    assert {batch for batch, _ in chunks} == set(per_actor)
    for actor, name in (("lorraine_bracco", "Lorraine Bracco"), ("alec_baldwin", "Alec Baldwin")):
        assert (faces / "figures" / f"hidden_units_{actor}.png").stat().st_size > 0
        # On real photographs too, what the units learned is made of faces: far more of each
        # learned picture lies in the span of the training faces than of a random one.
        stats = json.loads((faces / "figures" / f"hidden_units_{actor}.json").read_text())
        assert stats["actor"] == name and stats["set"] == "train" and stats["units"]
        chance = stats["span_faces"] / stats["pixels"]
        for unit in stats["units"]:
            assert unit["initial_span_fraction"] < 3 * chance, unit
            assert unit["learned_span_fraction"] > 10 * chance, unit


def test_replica_yields_exactly_the_good_images(replica_run):
    workdir, replica = replica_run
    faces = workdir / "results" / "replica" / "faces"
    with open(faces / "summary.tsv") as fh:
        summary = {r["actor"]: r for r in csv.DictReader(fh, delimiter="\t")}
    verified_images = {a: int(s["verified"]) for a, s in summary.items()}
    list_url = {r.face_id: r.url for r in replica.rows}  # manifests hold the loopback URLs
    good_sha = defaultdict(set)
    for row in replica.rows:
        kind = replica.responses.get(row.url, ("dead",))[0]
        if kind == "ok":
            good_sha[row.name].add(row.sha256)
    assert {a: len(s) for a, s in good_sha.items()} == REPLICA_GOOD_IMAGES
    assert sum(int(s["images"]) for s in summary.values()) == 309 - 1  # one re-hosted duplicate
    for actor, stats in summary.items():
        assert int(stats["listed"]) == sum(r.name == actor for r in replica.rows)
        assert verified_images[actor] >= len(good_sha[actor])
        manifest = list(csv.DictReader(open(faces / "manifests" / f"{slugify(actor)}.tsv"), delimiter="\t"))
        assert len(manifest) == int(stats["listed"])
        assert all(r["outcome"] for r in manifest)  # every row has its outcome or reason
        ok = [r for r in manifest if r["outcome"] == "ok"]
        assert {r["sha256"] for r in ok} <= good_sha[actor]
        for r in manifest:
            kind = replica.responses.get(list_url[int(r["face_id"])], ("dead",))[0]
            if kind == "sha_mismatch":
                assert r["outcome"] == "sha_mismatch"
            elif kind == "unreadable":
                assert r["outcome"] == "not_an_image"
            elif kind == "dead":
                assert r["outcome"] in ("http_404", "connection_error") or r["outcome"].startswith("duplicate_of:")
        for size in (64, 227):
            crops = np.load(faces / "arrays" / f"{slugify(actor)}_{size}.npy", mmap_mode="r")
            assert crops.shape == (len(ok), size, size, 3)
