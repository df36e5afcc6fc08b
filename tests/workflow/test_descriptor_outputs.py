"""The face descriptor in a finished run of the tiny configuration: its chunks, its problems
tables, both classifiers per seed and their rows in the faces table, with the caveat and no
reference number beside them."""

from __future__ import annotations

import csv
import json

import numpy as np

from testkit.workflow import OUT


def _descriptor_dir(workdir):
    (features,) = (workdir / OUT / "faces" / "descriptor").iterdir()
    return features


def test_descriptor_chunks_and_both_classifiers_are_made(finished_run):
    workdir, _ = finished_run
    features = _descriptor_dir(workdir)
    assert features.name == "dlib-resnet-v1-5pt-c40"
    chunks = sorted((features / "chunks").glob("*.npy"))
    # 6 actors x 60 crops in chunks of 40: two chunks per actor's array (40 + 20).
    assert len(chunks) == 12
    rows = sum(np.load(c).shape[0] for c in chunks)
    assert rows == 360 and all(np.load(c).shape[1] == 128 for c in chunks)
    assert all(np.isfinite(np.load(c)).all() for c in chunks)  # every synthetic crop described
    for problems in (features / "parts").glob("*.problems.tsv"):
        assert problems.read_text().splitlines() == ["array\tarray_row\treason"]
    for classifier in ("mlp", "linear"):
        for seed in (0, 1):
            metrics = json.loads((features / classifier / f"seed_{seed}" / "metrics.json").read_text())
            assert metrics["excluded"] == {"train": 0, "validation": 0, "test": 0}
            assert metrics["n"] == {"train": 180, "validation": 60, "test": 120}
        summary = json.loads((features / classifier / "summary.json").read_text())
        assert summary["seeds"] == [0, 1]
        assert (features / classifier / "curves.png").stat().st_size > 0


def test_the_linear_classifier_has_no_hidden_layer(finished_run):
    import torch

    workdir, _ = finished_run
    linear = torch.load(_descriptor_dir(workdir) / "linear" / "seed_0" / "model.pt", weights_only=True)
    mlp = torch.load(_descriptor_dir(workdir) / "mlp" / "seed_0" / "model.pt", weights_only=True)
    # No hidden layer; standardized inputs (the default), their statistics kept with the weights.
    assert sorted(linear) == ["input_mean", "input_scale", "out.bias", "out.weight"]
    assert tuple(linear["out.weight"].shape) == (6, 128)
    assert tuple(mlp["hidden.weight"].shape) == (600, 128)


def test_descriptor_rows_name_the_network_and_the_overlap_and_take_no_reference(finished_run):
    workdir, _ = finished_run
    with open(workdir / OUT / "faces" / "metrics.tsv", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    experiments = list(dict.fromkeys(r["experiment"].split(",")[0] for r in rows))
    assert experiments == [
        "MLP on 64x64 RGB crops (600 ReLU",
        "MLP on AlexNet features (600 ReLU",
        "MLP on dlib face descriptors (600 ReLU",
        "linear softmax on dlib face descriptors (Adam)",
    ]
    described = [r for r in rows if "dlib" in r["experiment"]]
    assert len(described) == 6
    for r in described:
        assert r["reference"] == ""
        assert r["difference"].startswith("no comparison: synthetic faces")
        assert "a face network's features (the reference had none" in r["difference"]
        assert "dlib_face_recognition_resnet_model_v1" in r["weights"]
        assert "includes FaceScrub" in r["weights"] and "synthetic cartoon faces" in r["weights"]
        assert r["data"].endswith("every face described")
    summary = (workdir / OUT / "metrics.tsv").read_text()
    assert summary.count("dlib face descriptors") == 6
