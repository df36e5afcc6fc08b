"""Data the workflow obtains and caches, through the real command: the ImageNet AlexNet weights
fetched as a declared, checksummed input, and a damaged content store that is noticed,
recorded and repaired by the next run instead of being trusted."""

from __future__ import annotations

import csv
import hashlib
import io

import numpy as np
import pytest
import torch
from testkit.loopback import LoopbackServer, Route, closed_port

from digitface.faces import alexnet as ax
from testkit.workflow import copy_workflow, feature_chunks, snakemake, write_config

RUN = "two"
TWO = {"run": RUN, "experiments": ["faces"],
       "faces": {"actors": ["Synthetic Person A", "Synthetic Person D"]},
       "face_models": {"hidden_units": {"actors": [{"actor": "Synthetic Person A"}]}}}


@pytest.fixture(scope="module")
def cropped(tmp_path_factory):
    """Two synthetic people downloaded, verified and cropped (the data part only)."""
    workdir = copy_workflow(tmp_path_factory.mktemp("two"))
    snakemake(workdir, "faces_data", "--configfile", str(write_config(workdir / "two.yaml", TWO)))
    return workdir


def _manifest(path):
    with open(path) as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def test_imagenet_weights_are_fetched_once_checked_and_used(cropped, tmp_path):
    """weights: imagenet plans fetch_alexnet_weights; the chunk job reads the verified file."""
    model, _ = ax.load_alexnet("random", seed=3, features_only=True)  # stands in for ImageNet's
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    body = buf.getvalue()
    sha = hashlib.sha256(body).hexdigest()
    dead = f"http://127.0.0.1:{closed_port()}/alexnet-owt-7be5be79.pth"
    with LoopbackServer() as server:
        server.add(server.url("/alexnet.pth"), Route("ranged", body))
        imagenet = {"urls": [dead, server.url("/alexnet.pth")], "sha256": sha, "retries": 0, "connect_timeout": 1}
        config = {**TWO, "face_models": {**TWO["face_models"],
                                         "alexnet": {"weights": "imagenet", "imagenet": imagenet, "chunk_size": 30}}}
        features = cropped / f"results/{RUN}/faces/alexnet/conv5-imagenet-{sha[:8]}-reference-c30"
        part = features.relative_to(cropped) / "parts/part_000.tsv"
        snakemake(cropped, str(part), "--configfile", str(write_config(cropped / "imagenet.yaml", config)))
        assert server.hits["/alexnet.pth"] == 1
    weights = cropped / "results" / "resources" / "alexnet" / f"{sha}.pth"
    assert weights.read_bytes() == body
    features = np.load(feature_chunks(features)[("synthetic_person_a", 1)])
    crops = np.load(cropped / f"results/{RUN}/faces/arrays/synthetic_person_a_227.npy")[30:60]
    expected = ax.extract_features(crops, ax.truncate(model, "conv5"), device="cpu")
    np.testing.assert_allclose(features, expected, rtol=1e-5, atol=1e-5)
    log = (cropped / f"results/{RUN}/logs/extract_alexnet_chunks").rglob("part_000.log")
    assert "AlexNet with ImageNet weights" in next(log).read_text()


def test_a_damaged_store_body_is_recorded_removed_and_fetched_again(cropped, tmp_path):
    faces = cropped / "results" / RUN / "faces"
    rows = _manifest(faces / "manifests" / "synthetic_person_d.tsv")
    victim = rows[5]
    body = faces / "store" / "synthetic_person_d" / victim["body"]
    good = body.read_bytes()
    body.unlink()
    body.write_bytes(good[:-16] + bytes(16))  # bit rot: same name, other bytes
    config = str(cropped / "two.yaml")
    # Something makes the crop job run again (here: forced); it checks every body it reads,
    # removes the damaged one with the download manifest, and fails naming it.
    proc = snakemake(cropped, "faces_data", "--configfile", config, "--show-failed-logs",
                     "--forcerun", f"results/{RUN}/faces/manifests/synthetic_person_d.tsv", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "1 stored bodies were damaged or missing" in out and victim["body"] in out
    assert not body.exists() and not (faces / "download" / "synthetic_person_d.tsv").exists()
    # The next run fetches the body again (the download manifest is missing) and crops it.
    snakemake(cropped, "faces_data", "--configfile", config)
    assert body.read_bytes() == good
    repaired = {r["face_id"]: r for r in _manifest(faces / "manifests" / "synthetic_person_d.tsv")}
    assert {r["outcome"] for r in repaired.values()} == {"ok"} and len(repaired) == len(rows)
    log = (cropped / f"results/{RUN}/logs/download_actor/synthetic_person_d.log").read_text()
    assert "1 to fetch" in log
