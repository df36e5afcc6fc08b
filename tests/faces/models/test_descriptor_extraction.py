"""The face-descriptor chunk job: chunks cached like AlexNet's, a crop the network cannot take
recorded (NaN row, reason in the cache and in the job's problems table), never fatal; the
training job leaves those faces out of every set and counts them; the linear classifier has
no hidden layer."""

from __future__ import annotations

import json

import numpy as np
import pytest

from digitface.atomic import read_tsv
from digitface.faces.data.face_index import IndexRow, write_index
from digitface.faces.models.chunks import Chunk, as_params, seal, write_part
from digitface.faces.models.descriptor_extraction import chunk_problems, descriptor_job, problems_file
from digitface.faces.models.training import train_on_descriptors


def _crops(n: int, seed: int = 0) -> np.ndarray:
    """Noise 227x227 RGB crops (dlib describes any image that is not blank; these are not faces)."""
    return np.random.default_rng(seed).integers(0, 256, size=(n, 227, 227, 3), dtype=np.uint8)


def _job(tmp_path, crops: np.ndarray, chunks: list[Chunk]):
    array = tmp_path / "batch_227.npy"
    np.save(array, crops)
    part, problems = tmp_path / "part_000.tsv", tmp_path / "part_000.problems.tsv"
    summary = descriptor_job(as_params(chunks), ["batch"], [str(array)], tmp_path / "cache", part, problems)
    return summary, part, problems


def test_a_blank_crop_is_a_recorded_nan_row_and_the_cache_keeps_its_reason(tmp_path):
    crops = _crops(5)
    crops[3] = 128  # blank: nothing to describe
    chunks = [Chunk("batch", 0, 0, 3), Chunk("batch", 1, 3, 5)]
    summary, part, problems = _job(tmp_path, crops, chunks)
    assert summary["computed"] == 2 and summary["problems"] == 1
    assert read_tsv(problems) == [{"array": "batch", "array_row": "3", "reason": "blank"}]
    files = [tmp_path / "cache" / r["file"] for r in read_tsv(part)]
    second = np.load(files[1])
    assert np.isnan(second[0]).all() and np.isfinite(second[1]).all() and second.shape == (2, 128)
    assert np.isfinite(np.load(files[0])).all()

    # Run again: every chunk from the cache, the reason still reported (from beside the chunk).
    again, _, problems_again = _job(tmp_path, crops, chunks)
    assert again["computed"] == 0 and again["from_cache"] == 2
    assert read_tsv(problems_again) == read_tsv(problems)


def test_a_chunk_whose_reasons_are_gone_is_named_with_the_fix(tmp_path):
    _, part, _ = _job(tmp_path, _crops(2), [Chunk("batch", 0, 0, 2)])
    (features,) = (tmp_path / "cache").glob("*.npy")
    problems_file(features).unlink()
    with pytest.raises(FileNotFoundError, match="delete the chunk's file and rerun its job"):
        chunk_problems([part], tmp_path / "cache")


def _features_of(labels: np.ndarray, rng) -> np.ndarray:
    centres = rng.normal(size=(labels.max() + 1, 128)).astype(np.float32)
    return centres[labels] + 0.1 * rng.normal(size=(len(labels), 128)).astype(np.float32)


def test_faces_without_a_descriptor_are_left_out_of_every_seed_and_counted(tmp_path):
    rng = np.random.default_rng(0)
    sets = ["train"] * 12 + ["validation"] * 4 + ["test"] * 4
    rows = [
        IndexRow(
            f"actor_{a}", a, face_id=20 * a + i, image_id=i, sha256="0" * 64, array="b", array_row=20 * a + i, set=s
        )
        for a in range(3)
        for i, s in enumerate(sets)
    ]
    index = tmp_path / "split.tsv"
    write_index(index, rows)
    features = _features_of(np.array([r.label for r in rows]), rng)
    refused = [5, 14, 45]  # a train and a validation face of actor 0, a train face of actor 2
    features[refused] = np.nan
    cache = tmp_path / "cache"
    cache.mkdir()
    np.save(cache / "f.npy", features)
    seal(cache / "f.npy")
    write_part(tmp_path / "part.tsv", [(Chunk("b", 0, 0, 60), "f")])
    problems = tmp_path / "problems.tsv"
    problems.write_text("array\tarray_row\treason\n" + "".join(f"b\t{i}\tblank\n" for i in refused))
    names = [f"{c}_{s}" for c in ("mlp", "linear") for s in (0, 1)]
    out = {kind: [tmp_path / f"{n}.{kind}" for n in names] for kind in ("histories", "metrics", "models")}
    settings = {"epochs": 30, "patience": 30, "learning_rate": 1e-2, "batch_size": 8}
    train_on_descriptors(
        index,
        [tmp_path / "part.tsv"],
        [problems],
        cache,
        {"mlp": {**settings, "hidden": 16}, "linear": settings},
        [0, 1],
        1,
        out,
    )
    for path in out["metrics"]:
        metrics = json.loads(path.read_text())
        assert metrics["excluded"] == {"train": 2, "validation": 1, "test": 0}
        assert metrics["n"] == {"train": 34, "validation": 11, "test": 12}
        assert metrics["metrics"]["test"]["accuracy"] == 1.0  # well-separated classes; NaN would have spoilt it
    import torch

    from digitface.faces.models.mlp_network import MLP, predict

    linear = torch.load(out["models"][2], weights_only=True)
    assert sorted(linear) == ["out.bias", "out.weight"]  # no hidden layer (and raw inputs here)
    model = MLP.from_state_dict(linear)
    assert model.hidden is None
    clean = np.isfinite(features).all(axis=1)
    labels = np.array([r.label for r in rows])[clean]
    assert (predict(model, features[clean]).argmax(axis=1) == labels).mean() == 1.0
