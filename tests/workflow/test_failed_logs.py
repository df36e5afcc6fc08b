"""Every kind of failure is explained on the terminal, by the plain command a user types (the
workflow profile shows failed jobs' logs): the job's own message is printed.

One failing run per kind: a download that cannot succeed, a corrupt input file, an unsafe
pickle, a list whose checksum is wrong, a data set too small for the configured split, and
model weights that are not on the (offline) machine.
"""

from __future__ import annotations

import pickle
import re
import socket

import numpy as np
import pytest

from testkit.digits import encode_idx
from testkit.loopback import LoopbackServer, Route
from testkit.workflow import copy_workflow, snakemake, write_config


def failed(workdir, config: dict, *targets: str, env: dict | None = None) -> str:
    """Run until the failure (run "failing" unless ``config`` names one); return everything
    Snakemake printed."""
    path = write_config(workdir / "failing.yaml", config)
    proc = snakemake(workdir, *targets, "--configfile", str(path), check=False, env=env)
    assert proc.returncode != 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


def test_unreachable_download(tmp_path):
    with socket.socket() as sock:  # a port where nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    out = failed(
        copy_workflow(tmp_path),
        {
            "digits": {
                "source": "download",
                "mirrors": [f"http://127.0.0.1:{port}/mnist"],
                "download": {"retries": 0, "timeout_connect": 1, "timeout_read": 1},
            }
        },
        "digits",
    )
    assert "no mirror served a valid" in out and f"127.0.0.1:{port}" in out


def test_corrupt_input_file(tmp_path):
    idx = tmp_path / "idx"
    idx.mkdir()
    rng = np.random.default_rng(0)
    for stem, array in {
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (20, 28, 28)),
        "t10k-labels-idx1-ubyte": np.arange(20) % 10,
        "train-labels-idx1-ubyte": np.arange(50) % 10,
    }.items():
        (idx / stem).write_bytes(encode_idx(array.astype(np.uint8)))
    (idx / "train-images-idx3-ubyte").write_bytes(b"<html>503 Service Unavailable</html>")
    out = failed(
        copy_workflow(tmp_path / "wf"),
        {"digits": {"source": "idx_dir", "idx_dir": str(idx), "snapshot": "", "split": {"validation_size": 10}}},
        "digits",
    )
    assert "train-images-idx3-ubyte: not an IDX file" in out


class _Payload:
    def __reduce__(self):
        import os

        return (os.system, ("echo pwned",))


def test_unsafe_pickle_is_refused(tmp_path):
    workdir = copy_workflow(tmp_path)
    evil = tmp_path / "snapshot.pkl"
    evil.write_bytes(pickle.dumps({"W0": _Payload()}))
    out = failed(workdir, {"digits": {"snapshot": str(evil)}}, "results/failing/digits/snapshot/metrics.json")
    assert "refusing to load global posix.system" in out
    assert "pwned" not in out


def test_list_with_the_wrong_checksum(tmp_path):
    with LoopbackServer() as server:
        server.add(server.url("/faces.txt"), Route("body", b"a changed list\n"))
        out = failed(
            copy_workflow(tmp_path),
            {"faces": {"lists": [{"name": "course", "url": server.url("/faces.txt"), "sha256": "ab" * 32}]}},
            "results/failing/faces/lists/course.txt",
        )
    assert "does not match the configured " + "ab" * 32 in out


@pytest.fixture(scope="module")
def cropped(tmp_path_factory):
    """Two synthetic people downloaded, verified and cropped (the data stage only)."""
    workdir = copy_workflow(tmp_path_factory.mktemp("cropped"))
    config = {"run": "two", "faces": {"actors": ["Synthetic Person A", "Synthetic Person D"]}}
    snakemake(workdir, "faces_data", "--configfile", str(write_config(workdir / "two.yaml", config)))
    return workdir, config


def test_too_few_faces_for_the_split(cropped):
    workdir, config = cropped
    out = failed(workdir, {**config, "face_models": {"split": {"test_per_actor": 50}}}, "results/two/faces/split.tsv")
    assert "has 60 unique images, fewer than the 70 needed" in out
    assert "too_few='scale'" in out


def test_imagenet_weights_missing_offline(tmp_path):
    """No local copy, nothing in torch hub's cache, the URL unreachable: the run stops at its
    start (the weights are a target of their own, first in line), before any crop or model,
    and the error names the URL, the file and the folder to put a copy in."""
    workdir = copy_workflow(tmp_path / "wf")
    with socket.socket() as sock:  # a port where nothing listens: an offline machine
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/models/alexnet-owt-7be5be79.pth"
    weights = {"weights": "imagenet", "imagenet": {"urls": [url], "retries": 0, "connect_timeout": 1}}
    config = {
        "run": "two",
        "faces": {"actors": ["Synthetic Person A", "Synthetic Person D"]},
        "face_models": {"alexnet": weights},
    }
    out = failed(workdir, config, "faces", env={"TORCH_HOME": str(tmp_path / "empty-torch-home")})
    assert "no source gave a valid AlexNet ImageNet weights" in out and url in out
    assert f"put it in {tmp_path / 'empty-torch-home' / 'hub' / 'checkpoints'}/ as alexnet-owt-7be5be79.pth" in out
    # Obtained or refused first: nothing was cropped or trained, and a failure that a retry
    # cannot change (nothing listens there) was tried once.
    faces = workdir / "results/two/faces"
    assert not (faces / "manifests").exists() and not (faces / "mlp").exists()
    assert len(re.findall(r"^(?:local)?rule fetch_alexnet_weights:$", out, re.MULTILINE)) == 1
