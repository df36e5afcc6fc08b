"""The configuration's own logic: typed overrides, run names and the checks that refuse a
setting before any job. (The same cases through the real command line: test_run_settings.py.)"""

from __future__ import annotations

import gzip

import numpy as np
import pytest
import yaml
from scipy.io import savemat

from digitface.config import ConfigError
from digitface.config.checks import check_config, digits_source_problems, split_problems
from digitface.config.derived import resolved_weights
from digitface.config.overrides import coerce_to_schema
from digitface.config.run_name import run_name
from digitface.digits.idx import encode_idx
from testkit.workflow import REPO

SCHEMA = yaml.safe_load((REPO / "schemas/config.schema.yaml").read_text())


def defaults() -> dict:
    """config.yaml with the schema's defaults filled in, as the workflow sees it."""
    from snakemake.utils import validate

    config = yaml.safe_load((REPO / "config.yaml").read_text())
    validate(config, str(REPO / "schemas/config.schema.yaml"), set_default=True)
    return config


def test_nested_override_strings_get_the_schemas_types():
    # What Snakemake's BaseLoader makes of --config digits='{train: {momentum: {gamma: 0.8}}}' etc.
    given = {
        "digits": {
            "train": {"momentum": {"gamma": "0.8", "iterations": "300"}, "refit": "true"},
            "split": {"test_size": "null", "seed": "3"},
            "source": "mat",
        },
        "face_models": {"seeds": ["0", "1"], "mlp": {"learning_rate": "2e-4"}},
        "faces": {"crop": {"sizes": "[64, 227, 128]"}, "actors": ["007", "Jane"]},
        "gpu": "yes",
    }
    got = coerce_to_schema(given, SCHEMA)
    assert got["digits"]["train"]["momentum"] == {"gamma": 0.8, "iterations": 300}
    assert got["digits"]["train"]["refit"] is True and got["gpu"] is True
    assert got["digits"]["split"] == {"test_size": None, "seed": 3} and got["digits"]["source"] == "mat"
    assert got["face_models"]["seeds"] == [0, 1] and got["face_models"]["mlp"]["learning_rate"] == 2e-4
    assert got["faces"]["crop"]["sizes"] == [64, 227, 128]
    assert got["faces"]["actors"] == ["007", "Jane"]  # strings stay strings where strings belong


def test_strings_that_are_not_the_type_stay_strings_for_validation_to_refuse():
    got = coerce_to_schema({"digits": {"train": {"momentum": {"gamma": "fast", "iterations": "1.5"}}}}, SCHEMA)
    assert got["digits"]["train"]["momentum"] == {"gamma": "fast", "iterations": "1.5"}
    assert coerce_to_schema({"digits": {"train": {"momentum": {"iterations": "yes"}}}}, SCHEMA) == {
        "digits": {"train": {"momentum": {"iterations": "yes"}}}
    }  # YAML's True is no integer


def test_run_name_is_set_or_named_after_the_config_file():
    assert run_name({}) == "sample"
    assert run_name({}, ["configs/mnist-full.yaml"]) == "mnist-full"
    assert run_name({"run": "mine"}, ["configs/mnist-full.yaml"]) == "mine"
    with pytest.raises(ConfigError, match="not a folder name"):
        run_name({"run": "../elsewhere"})


def _idx_folder(path, n_train=50, n_test=20):
    path.mkdir()
    rng = np.random.default_rng(0)
    for stem, n, shape in (
        ("train-images-idx3-ubyte", n_train, (28, 28)),
        ("t10k-images-idx3-ubyte", n_test, (28, 28)),
        ("train-labels-idx1-ubyte", n_train, ()),
        ("t10k-labels-idx1-ubyte", n_test, ()),
    ):
        data = encode_idx(rng.integers(0, 10 if not shape else 256, (n, *shape)).astype(np.uint8))
        (path / f"{stem}.gz").write_bytes(gzip.compress(data))
    return path


def test_every_source_is_checked_and_counted_from_headers(tmp_path):
    config = defaults()["digits"]
    assert digits_source_problems(config) == ([], {"train": 10_000})
    folder = _idx_folder(tmp_path / "idx")
    assert digits_source_problems({**config, "source": "idx_dir", "idx_dir": str(folder)}) == (
        [],
        {"train": 50, "test": 20},
    )
    mat = tmp_path / "mnist_all.mat"
    savemat(mat, {f"{p}{d}": np.zeros((3 + d, 784), np.uint8) for p in ("train", "test") for d in range(10)})
    assert digits_source_problems({**config, "source": "mat", "mat": str(mat)}) == ([], {"train": 75, "test": 75})
    assert digits_source_problems({**config, "source": "download"}) == ([], {"train": 60_000, "test": 10_000})


@pytest.mark.parametrize(
    "change, message",
    [
        ({"source": "mat", "mat": ""}, "digits.mat is empty (digits.source is 'mat')"),
        ({"source": "mat", "mat": "/nope.mat"}, "digits.mat: /nope.mat does not exist"),
        ({"source": "idx_dir", "idx_dir": "/nonexistent"}, "digits.idx_dir: /nonexistent is not a folder"),
        ({"source": "sample", "sample": "/no/sample.npz"}, "digits.sample: /no/sample.npz does not exist"),
    ],
)
def test_missing_sources_name_the_setting_and_the_path(change, message):
    problems, counts = digits_source_problems({**defaults()["digits"], **change})
    assert len(problems) == 1 and message in problems[0] and counts is None


def test_broken_source_files_are_named(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    problems, _ = digits_source_problems({**defaults()["digits"], "source": "idx_dir", "idx_dir": str(empty)})
    assert problems == [
        f"digits.idx_dir: {empty} lacks train-images-idx3-ubyte, train-labels-idx1-ubyte, "
        "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (.gz or not)"
    ]
    (tmp_path / "zero.mat").write_bytes(b"")
    problems, _ = digits_source_problems({**defaults()["digits"], "source": "mat", "mat": str(tmp_path / "zero.mat")})
    assert problems == [f"digits.mat: {tmp_path / 'zero.mat'} is empty (digits.source is 'mat')"]
    (tmp_path / "html.mat").write_bytes(b"<html>404</html>" * 20)
    problems, _ = digits_source_problems({**defaults()["digits"], "source": "mat", "mat": str(tmp_path / "html.mat")})
    assert problems[0].startswith(f"digits.mat: {tmp_path / 'html.mat'} is not a MAT file")


def test_split_sizes_are_checked_against_the_data():
    assert split_problems({"validation_size": 1000, "test_size": None}, {"train": 10_000}) == []
    assert split_problems({"validation_size": 8000, "test_size": 2000}, {"train": 10_000}) == [
        "digits.split.validation_size = 8000 + test_size = 2000 leaves no training images: the source has 10000"
    ]
    assert split_problems({"validation_size": 60_000, "test_size": None}, {"train": 60_000, "test": 10_000}) == [
        "digits.split.validation_size = 60000 leaves no training images: the source has 60000"
    ]
    assert (
        "leave test_size empty"
        in split_problems({"validation_size": 10, "test_size": 5}, {"train": 60_000, "test": 10_000})[0]
    )


def test_check_config_lists_every_problem_at_once():
    config = defaults()
    config["digits"].update(source="mat", mat="/nope.mat", snapshot="/nope.pkl")
    config["faces"]["actors"] = ["Synthetic Person A", "synthetic  person a!"]
    config["face_models"]["hidden_units"]["actors"] = [{"actor": "Nobody", "image_id": 0}]
    with pytest.raises(ConfigError) as err:
        check_config(config)
    message = str(err.value)
    for part in (
        "digits.mat: /nope.mat does not exist",
        "digits.snapshot: /nope.pkl does not exist",
        "share the folder name 'synthetic_person_a'",
        "['Nobody'] not among faces.actors",
    ):
        assert part in message


def test_weights_follow_the_data_unless_set():
    config = defaults()
    assert resolved_weights(config) == "random"  # the synthetic sample
    config["faces"]["lists"] = [{"name": "real", "path": "x.txt", "synthetic": False}]
    assert resolved_weights(config) == "imagenet"
    config["face_models"]["alexnet"]["weights"] = "random"
    assert resolved_weights(config) == "random"


def test_the_feature_set_is_named_by_what_the_features_depend_on():
    from digitface.config.derived import extraction_settings, feature_set

    config = defaults()
    assert feature_set(config) == "conv5-random0-reference-c100"
    config["face_models"]["alexnet"].update(dtype="float16", layer="conv4", seed=3)
    assert feature_set(config) == "conv4-random3-reference-c100-f16"
    config["face_models"]["alexnet"]["weights"] = "imagenet"
    assert feature_set(config).startswith("conv4-imagenet-7be5be79-")
    before = extraction_settings(config)
    config["face_models"]["alexnet"]["mlp"]["epochs"] = 5  # the MLP's schedule is not the features'
    config["face_models"]["alexnet"]["chunks_per_job"] = 3  # nor is how chunks are grouped into jobs
    config["face_models"]["alexnet"]["imagenet"]["urls"] = ["http://mirror.example/alexnet.pth"]
    assert extraction_settings(config) == before
