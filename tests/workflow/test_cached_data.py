"""Data the workflow obtains and caches, through the real command: the ImageNet AlexNet weights
fetched as a declared, checksummed input, and a damaged content store that is noticed and
repaired by its download job instead of being trusted."""

from __future__ import annotations

import csv
import hashlib
import io

import numpy as np
import pytest
import torch

from digitface.faces.models.alexnet import extract_features
from digitface.faces.models.alexnet_network import load_alexnet, truncate
from testkit.loopback import LoopbackServer, Route, closed_port
from testkit.workflow import copy_workflow, feature_chunks, snakemake, write_config

RUN = "two"
TWO = {
    "run": RUN,
    "experiments": ["faces"],
    "faces": {"actors": ["Synthetic Person A", "Synthetic Person D"]},
    "face_models": {"hidden_units": {"actors": [{"actor": "Synthetic Person A"}]}},
}


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
    model, _ = load_alexnet("random", seed=3, features_only=True)  # stands in for ImageNet's
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    body = buf.getvalue()
    sha = hashlib.sha256(body).hexdigest()
    dead = f"http://127.0.0.1:{closed_port()}/alexnet-owt-7be5be79.pth"
    with LoopbackServer() as server:
        server.add(server.url("/alexnet.pth"), Route("ranged", body))
        imagenet = {"urls": [dead, server.url("/alexnet.pth")], "sha256": sha, "retries": 0, "connect_timeout": 1}
        config = {
            **TWO,
            "face_models": {
                **TWO["face_models"],
                "alexnet": {"weights": "imagenet", "imagenet": imagenet, "chunk_size": 30},
            },
        }
        features = cropped / f"results/{RUN}/faces/alexnet/conv5-imagenet-{sha[:8]}-reference-c30"
        part = features.relative_to(cropped) / "parts/part_000.tsv"
        snakemake(cropped, str(part), "--configfile", str(write_config(cropped / "imagenet.yaml", config)))
        assert server.hits["/alexnet.pth"] == 1
    weights = cropped / "results" / "resources" / "alexnet" / f"{sha}.pth"
    assert weights.read_bytes() == body
    features = np.load(feature_chunks(features)[("synthetic_person_a", 1)])
    crops = np.load(cropped / f"results/{RUN}/faces/arrays/synthetic_person_a_227.npy")[30:60]
    expected = extract_features(crops, truncate(model, "conv5"), device="cpu")
    np.testing.assert_allclose(features, expected, rtol=1e-5, atol=1e-5)
    log = (cropped / f"results/{RUN}/logs/extract_alexnet_chunks").rglob("part_000.log")
    assert "AlexNet with ImageNet weights" in next(log).read_text()


def test_a_damaged_store_body_stops_the_crop_job_and_its_download_job_fetches_it_again(cropped, tmp_path):
    faces = cropped / "results" / RUN / "faces"
    rows = _manifest(faces / "manifests" / "synthetic_person_d.tsv")
    victim = rows[5]
    body = faces / "store" / "synthetic_person_d" / victim["body"]
    good = body.read_bytes()
    body.unlink()
    body.write_bytes(good[:-16] + bytes(16))  # bit rot: same name, other bytes
    config = str(cropped / "two.yaml")
    download = f"results/{RUN}/faces/download/synthetic_person_d.tsv"
    claimed = (cropped / download).read_bytes()
    # Something makes the crop job run again (here: forced); it checks every body it reads and
    # fails naming the damaged one and the repair, leaving its input and the store alone.
    proc = snakemake(
        cropped,
        "faces_data",
        "--configfile",
        config,
        "--show-failed-logs",
        "--forcerun",
        f"results/{RUN}/faces/manifests/synthetic_person_d.tsv",
        check=False,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "1 stored bodies were damaged or missing" in out and victim["body"] in out
    assert f"--forcerun {download}" in out
    assert (cropped / download).read_bytes() == claimed and body.exists()
    # A run without the repair stops again, the same way: nothing is made from a damaged store.
    proc = snakemake(cropped, "faces_data", "--configfile", config, check=False)
    assert proc.returncode != 0 and not (faces / "manifests" / "synthetic_person_d.tsv").exists()
    # The command the message gives: the download job re-hashes its store, fetches that body
    # alone again, and the batch is cropped.
    snakemake(cropped, "faces_data", "--configfile", config, "--forcerun", download)
    assert body.read_bytes() == good
    repaired = {r["face_id"]: r for r in _manifest(faces / "manifests" / "synthetic_person_d.tsv")}
    assert {r["outcome"] for r in repaired.values()} == {"ok"} and len(repaired) == len(rows)
    log = (cropped / f"results/{RUN}/logs/download_batch/synthetic_person_d.log").read_text()
    assert "removing corrupt store file" in log and "1 to fetch" in log


def test_a_crop_job_killed_mid_way_leaves_nothing_behind_after_its_rerun(cropped, tmp_path):
    """kill -9 of the whole run while its crop job writes pictures, then the rerun a user types:
    the results are byte for byte those of an undisturbed run, and the temporary files of the
    killed job's atomic writes are gone (they were all in the job's own staging folder)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    workdir = copy_workflow(tmp_path / "killed")
    config = {**TWO, "run": "killed", "faces": {**TWO["faces"], "actors_per_job": 2, "crop": {"workers": 1}}}
    path = str(write_config(workdir / "killed.yaml", config))
    snakemake(workdir, "results/killed/faces/download/synthetic_person_a..synthetic_person_d.tsv", "--configfile", path)
    faces = workdir / "results" / "killed" / "faces"
    staging = faces / "crops" / ".partial" / "synthetic_person_a..synthetic_person_d"
    proc = subprocess.Popen(
        [sys.executable, "-m", "snakemake", "--cores", "1", "faces_data", "--configfile", path],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while len(list((faces / "crops" / "64").glob("*.png"))) < 20 and time.monotonic() < deadline:
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert staging.is_dir(), "the run was not killed while cropping"
    assert not (faces / "manifests" / "synthetic_person_a..synthetic_person_d.tsv").exists()

    snakemake(workdir, "--unlock", "--configfile", path)  # as README says after a kill
    snakemake(workdir, "faces_data", "--configfile", path, "--rerun-incomplete")
    assert not (faces / "crops" / ".partial").exists() or not any((faces / "crops" / ".partial").iterdir())
    leftovers = [p for p in (faces / "crops").rglob(".*") if p.name != ".partial"]
    assert leftovers == []
    clean = cropped / "results" / RUN / "faces"
    for name in ("synthetic_person_a", "synthetic_person_d"):
        with (
            open(clean / "manifests" / f"{name}.tsv") as fh,
            open(faces / "manifests" / "synthetic_person_a..synthetic_person_d.tsv") as both,
        ):
            mine = [r for r in csv.DictReader(both, delimiter="\t") if r["name"].endswith(name[-1].upper())]
            assert mine == list(csv.DictReader(fh, delimiter="\t"))
    for size in (64, 227):
        both = np.load(faces / "arrays" / f"synthetic_person_a..synthetic_person_d_{size}.npy")
        alone = np.concatenate(
            [np.load(clean / "arrays" / f"{name}_{size}.npy") for name in ("synthetic_person_a", "synthetic_person_d")]
        )
        assert np.array_equal(both, alone)
    assert sorted(p.name for p in (faces / "crops" / "227").iterdir()) == sorted(
        p.name for p in (clean / "crops" / "227").iterdir()
    )
